import { afterEach, describe, expect, it } from 'vitest';
import type { Chat, ChatMessage, QrInfo } from '@shared/types';
import type { SliceSendResponse, SliceStatus } from '@shared/slice-protocol';
import { simulatedQrPayload } from '../../../src/slice/drivers/simulated';
import { startSlice, type RunningSlice } from './harness';

let slice: RunningSlice | null = null;
afterEach(async () => {
  await slice?.close();
  slice = null;
});

describe('simulated QR codes', () => {
  it('look like WhatsApp Web payloads, fresh every time, short enough for a QR code', () => {
    const payloads = Array.from({ length: 20 }, () => simulatedQrPayload());
    for (const payload of payloads) {
      // whatsapp-web.js 1.34.7 (Client.js 251–273): ref, noise key, identity key, adv secret, platform.
      expect(payload).toMatch(/^2@[A-Za-z0-9+/=]+,[A-Za-z0-9+/=]{44},[A-Za-z0-9+/=]{44},[A-Za-z0-9+/=]{44},WEB$/);
      expect(payload.length).toBeLessThan(250);
    }
    expect(new Set(payloads).size).toBe(payloads.length);
  });

  it("rotate 1 → 2 → 3 on WhatsApp's schedule, the first living QR_FIRST_TTL_MS and later ones QR_TTL_MS, then stop with needs_qr", async () => {
    slice = await startSlice({ QR_CODES: '3', QR_FIRST_TTL_MS: '240', QR_TTL_MS: '120' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitForState('needs_qr');
    const codes = events.ofType('qr');
    expect(codes.map((qr) => [qr.index, qr.total])).toEqual([[1, 3], [2, 3], [3, 3]]);
    expect(codes.map((qr) => qr.expiresAt - qr.issuedAt)).toEqual([240, 120, 120]);
    // Each code is issued when the previous one expires, never before (2 ms: timers and Date.now round differently).
    expect(codes[1]!.issuedAt).toBeGreaterThanOrEqual(codes[0]!.expiresAt - 2);
    expect(codes[2]!.issuedAt).toBeGreaterThanOrEqual(codes[1]!.expiresAt - 2);
    expect(new Set(codes.map((qr) => qr.payload)).size).toBe(3);
    const status = (await slice.request<SliceStatus>('GET', '/api/status')).body;
    expect(status).toMatchObject({ state: 'needs_qr', qr: null, authenticated: false });
  });

  it('offers no further code after the last one expired', async () => {
    slice = await startSlice({ QR_CODES: '2', QR_FIRST_TTL_MS: '60', QR_TTL_MS: '60' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitForState('needs_qr');
    const mark = events.mark();
    // Wait for an event-driven witness that time has passed: a fresh subscriber's replay.
    const late = await slice.events();
    await late.waitForState('needs_qr');
    await new Promise((resolve) => setTimeout(resolve, 200)); // 3 code lifetimes
    expect(events.received.slice(mark).filter((e) => e.type === 'qr')).toEqual([]);
    expect(events.ofType('qr')).toHaveLength(2);
    const scan = await slice.request<{ error: string }>('POST', '/api/sim/scan', { body: {} });
    expect(scan.status).toBe(409);
    expect(scan.body.error).toMatch(/No code is on screen/);
  });
});

describe('linking', () => {
  it('a scan of the shown code authenticates, contacts climb to SIM_CONTACTS, then ready', async () => {
    slice = await startSlice({ SIM_CONTACTS: '25', SIM_CONTACT_INTERVAL_MS: '40', QR_FIRST_TTL_MS: '5000', QR_TTL_MS: '5000' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    const shown = await events.waitFor('qr');
    expect(shown.index).toBe(1);
    expect((await slice.request('POST', '/api/sim/scan', { body: {} })).status).toBe(200);
    await events.waitFor('ready');
    const order = events.received.map((e) => e.type).filter((t) => ['qr', 'authenticated', 'contacts', 'ready'].includes(t));
    expect(order[0]).toBe('qr');
    expect(order.indexOf('authenticated')).toBeLessThan(order.indexOf('contacts'));
    expect(order.at(-1)).toBe('ready');
    const counts = events.ofType('contacts');
    expect(counts.length).toBeGreaterThan(1);
    expect(counts.map((c) => c.count)).toEqual([...counts.map((c) => c.count)].sort((a, b) => a - b));
    expect(counts.at(-1)).toEqual({ count: 25, done: true });
    expect(counts.slice(0, -1).every((c) => !c.done)).toBe(true);
    const status = (await slice.request<SliceStatus>('GET', '/api/status')).body;
    expect(status).toMatchObject({ state: 'ready', authenticated: true, contacts: 25, qr: null, error: null });
  });

  it('refuses a scan before any code is shown', async () => {
    slice = await startSlice();
    const scan = await slice.request<{ error: string }>('POST', '/api/sim/scan', { body: {} });
    expect(scan.status).toBe(409);
    expect(scan.body.error).toMatch(/scan/i);
  });

  it('a scan during code 2 works too (it is the code currently shown)', async () => {
    slice = await startSlice({ QR_FIRST_TTL_MS: '80', QR_TTL_MS: '80', QR_CODES: '5' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitFor('qr', (qr) => qr.index === 2);
    await slice.request('POST', '/api/sim/scan', { body: {} });
    await events.waitFor('ready');
    expect(events.ofType('qr').length).toBeLessThan(5);
  });
});

async function linkedSlice(env: Record<string, string> = {}): Promise<RunningSlice> {
  const running = await startSlice({ QR_FIRST_TTL_MS: '5000', ...env });
  const events = await running.events();
  await running.request('POST', '/api/status/initialize', { body: {} });
  await events.waitFor('qr');
  await running.request('POST', '/api/sim/scan', { body: {} });
  await events.waitFor('ready');
  return running;
}

describe('chats and messages', () => {
  it('serves chats generated deterministically from the contacts, newest first, none in the future', async () => {
    slice = await linkedSlice({ SLICE_INSTANCE_ID: 'same-seed' });
    const first = (await slice.request<Chat[]>('GET', '/api/chats')).body;
    await slice.close();
    slice = await linkedSlice({ SLICE_INSTANCE_ID: 'same-seed' });
    const second = (await slice.request<Chat[]>('GET', '/api/chats')).body;
    const shape = (chats: Chat[]) => chats.map(({ id, name, isGroup }) => ({ id, name, isGroup }));
    expect(shape(second)).toEqual(shape(first));
    expect(first.length).toBeGreaterThanOrEqual(5);
    const stamps = first.map((chat) => chat.lastMessage!.timestamp);
    expect(stamps).toEqual([...stamps].sort((a, b) => b - a));
    expect(Math.max(...stamps)).toBeLessThanOrEqual(Date.now());
    const messages = (await slice.request<ChatMessage[]>('GET', `/api/chats/${encodeURIComponent(first[0]!.id)}/messages`)).body;
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.every((m) => m.chatId === first[0]!.id)).toBe(true);
    expect(messages.at(-1)!.body).toBe(first[0]!.lastMessage!.body);
  });

  it('sends a text: answered sent with an id, echoed into the thread and as a message event', async () => {
    slice = await linkedSlice();
    const events = await slice.events();
    const chats = (await slice.request<Chat[]>('GET', '/api/chats')).body;
    const chatId = chats[0]!.id;
    const answer = await slice.request<SliceSendResponse>('POST', '/api/messages', { body: { chatId, text: 'Hello from slicedeck' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'sent', error: null });
    expect(answer.body.messageId).toMatch(/^true_/);
    const thread = (await slice.request<ChatMessage[]>('GET', `/api/chats/${encodeURIComponent(chatId)}/messages`)).body;
    expect(thread.at(-1)).toMatchObject({ id: answer.body.messageId, fromMe: true, body: 'Hello from slicedeck', status: 'sent' });
    const echoed = await events.waitFor('message', (m) => m.message.id === answer.body.messageId);
    expect(echoed.message.body).toBe('Hello from slicedeck');
  });

  it('a 1:1 contact answers a sent message after SIM_REPLY_DELAY_MS: an incoming message, unread', async () => {
    slice = await linkedSlice({ SIM_REPLY_DELAY_MS: '20' });
    const events = await slice.events();
    const chat = (await slice.request<Chat[]>('GET', '/api/chats')).body.find((c) => !c.isGroup)!;
    const sent = (await slice.request<SliceSendResponse>('POST', '/api/messages', { body: { chatId: chat.id, text: 'Are you coming tonight?' } })).body;
    const reply = await events.waitFor('message', (m) => !m.message.fromMe && m.message.chatId === chat.id);
    expect(reply.message.body).toContain('Are you coming tonight?');
    expect(reply.message.id).not.toBe(sent.messageId);
    const thread = (await slice.request<ChatMessage[]>('GET', `/api/chats/${encodeURIComponent(chat.id)}/messages`)).body;
    expect(thread.slice(-2).map((m) => m.fromMe)).toEqual([true, false]);
    const after = (await slice.request<Chat[]>('GET', '/api/chats')).body.find((c) => c.id === chat.id)!;
    expect(after.unreadCount).toBe(chat.unreadCount + 1);
    expect(after.lastMessage).toMatchObject({ fromMe: false, body: reply.message.body });
  });

  it('groups never answer', async () => {
    slice = await linkedSlice({ SIM_REPLY_DELAY_MS: '10' });
    const events = await slice.events();
    const group = (await slice.request<Chat[]>('GET', '/api/chats')).body.find((c) => c.isGroup);
    expect(group, 'the simulated phone has at least one group').toBeDefined();
    await slice.request<SliceSendResponse>('POST', '/api/messages', { body: { chatId: group!.id, text: 'Hello group' } });
    // A 1:1 send afterwards is answered; had the group answered, its reply (due first) would be seen before it.
    const one = (await slice.request<Chat[]>('GET', '/api/chats')).body.find((c) => !c.isGroup)!;
    await slice.request<SliceSendResponse>('POST', '/api/messages', { body: { chatId: one.id, text: 'Hello you' } });
    const firstIncoming = await events.waitFor('message', (m) => !m.message.fromMe);
    expect(firstIncoming.message.chatId).toBe(one.id);
  });

  it('answers 404 with words for a chat that does not exist', async () => {
    slice = await linkedSlice();
    const answer = await slice.request<{ error: string }>('GET', `/api/chats/${encodeURIComponent('999@c.us')}/messages`);
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatch(/no chat 999@c\.us/);
  });

  it('refuses to list chats before the account is linked, with what to do', async () => {
    slice = await startSlice();
    const answer = await slice.request<{ error: string }>('GET', '/api/chats');
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatch(/Connect/);
  });

  it('logout goes back to needing a new code, and a new initialize shows codes again', async () => {
    slice = await linkedSlice();
    const events = await slice.events();
    const mark = events.mark();
    expect((await slice.request<SliceStatus>('POST', '/api/logout', { body: {} })).body.state).toBe('needs_qr');
    await events.waitForState('needs_qr', { from: mark });
    const send = await slice.request<SliceSendResponse>('POST', '/api/messages', { body: { chatId: '1555000000@c.us', text: 'hi' } });
    expect(send).toEqual({ status: 409, body: { code: 'not_ready', error: expect.stringMatching(/scan/) } });
    await slice.request('POST', '/api/status/initialize', { body: {} });
    const qr: QrInfo = await events.waitFor('qr', () => true, { from: mark });
    expect(qr.index).toBe(1);
  });
});
