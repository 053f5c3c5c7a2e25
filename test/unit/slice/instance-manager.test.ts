/**
 * The InstanceManager's lifecycle, driven through the simulated driver and its
 * faults: the state machine, the restart ladder and its limit, the terminal
 * `needs_qr`, sends (now or refused: no queue), event-driven readiness and single-flight reconnects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SliceEvent, SliceSendResponse, SliceStatus } from '@shared/slice-protocol';
import { loadSliceConfig } from '../../../src/slice/config';
import { createSimulatedBackend, type SimulatedBackend } from '../../../src/slice/drivers/simulated';
import { createWwebjsFactory } from '../../../src/slice/drivers/wwebjs';
import { InstanceManager, type LogEntry } from '../../../src/slice/instance-manager';
import { FAST_ENV, startSlice, type EventTap, type RunningSlice } from './harness';

let slice: RunningSlice | null = null;
let direct: { manager: InstanceManager; backend: SimulatedBackend } | null = null;
afterEach(async () => {
  await slice?.close();
  slice = null;
  await direct?.manager.close();
  direct = null;
});

const CHAT = '1555000001@c.us';

/** A slice linked and ready, with an event tap opened before anything happened. */
async function readySlice(env: Record<string, string> = {}): Promise<{ slice: RunningSlice; events: EventTap }> {
  const running = await startSlice({ QR_FIRST_TTL_MS: '5000', ...env });
  const events = await running.events();
  await running.request('POST', '/api/status/initialize', { body: {} });
  await events.waitFor('qr');
  await running.request('POST', '/api/sim/scan', { body: {} });
  await events.waitForState('ready');
  return { slice: running, events };
}

function transitions(logs: LogEntry[]): string[] {
  return logs.filter((entry) => entry.event === 'transition').map((entry) => String(entry.transition));
}

function fault(running: RunningSlice, kind: string, count?: number) {
  return running.request<SliceStatus & { error?: string }>('POST', '/api/sim/fault', { body: count === undefined ? { kind } : { kind, count } });
}

/** The whole answer: a refusal is a status (409 `not_ready`), not a body that says "queued". */
function send(running: RunningSlice, text: string, chatId = CHAT) {
  return running.request<SliceSendResponse | { error: string; code?: string }>('POST', '/api/messages', { body: { chatId, text } });
}

function directManager(env: { readyTimeoutMs?: number; restartBackoffMs?: number; maxRestartsPerWindow?: number } = {}) {
  const config = loadSliceConfig({ ...FAST_ENV, SLICE_INSTANCE_ID: 'direct', QR_FIRST_TTL_MS: '5000', QR_TTL_MS: '5000', SIM_CONTACTS: '3', SIM_CONTACT_INTERVAL_MS: '5', SIM_LINK_DELAY_MS: '5' });
  const backend = createSimulatedBackend(config.simulated, config.qr, config.instanceId);
  const logs: LogEntry[] = [];
  const manager = new InstanceManager({
    driverName: 'simulated',
    factory: createWwebjsFactory(config, undefined, backend.createClient),
    config: { readyTimeoutMs: 2_000, restartBackoffMs: 10, maxRestartsPerWindow: 5, windowMs: 600_000, ...env },
    log: (entry) => logs.push(entry),
  });
  const events: SliceEvent[] = [];
  manager.subscribe((event) => events.push(event));
  direct = { manager, backend };
  return { manager, backend, logs, events };
}

async function linkDirect(manager: InstanceManager, backend: SimulatedBackend): Promise<void> {
  const linked = manager.whenReady(5_000);
  manager.initialize();
  await new Promise<void>((resolve) => {
    const stop = manager.subscribe((event) => {
      if (event.type === 'qr') {
        stop();
        resolve();
      }
    });
  });
  backend.controls.scan();
  await linked;
}

describe('the state machine', () => {
  it('names and logs every transition, from a fresh slice to ready', async () => {
    ({ slice } = await readySlice());
    expect(transitions(slice.logs)).toEqual(['initialize_requested', 'client_ready']);
    const entries = slice.logs.filter((entry) => entry.event === 'transition');
    expect(entries[0]).toMatchObject({ from: 'disconnected', to: 'connecting' });
    expect(entries[1]).toMatchObject({ from: 'connecting', to: 'ready' });
  });

  it('joins an initialize already under way instead of starting a second client', async () => {
    slice = await startSlice({ QR_FIRST_TTL_MS: '5000' });
    const events = await slice.events();
    const answers = await Promise.all(Array.from({ length: 8 }, () => slice!.request<SliceStatus>('POST', '/api/status/initialize', { body: {} })));
    expect(answers.every((answer) => answer.status === 202 && answer.body.state === 'connecting')).toBe(true);
    await events.waitFor('qr');
    expect(transitions(slice.logs)).toEqual(['initialize_requested']);
    expect(events.ofType('qr')).toHaveLength(1);
  });

  it('leaves a ready client alone when asked to initialize again', async () => {
    ({ slice } = await readySlice());
    const answer = await slice.request<SliceStatus>('POST', '/api/status/initialize', { body: {} });
    expect(answer.body.state).toBe('ready');
    expect(transitions(slice.logs)).toEqual(['initialize_requested', 'client_ready']);
  });

  it('ends in error with words when the client cannot start, and a later initialize recovers', async () => {
    slice = await startSlice({ QR_FIRST_TTL_MS: '5000' });
    const events = await slice.events();
    await fault(slice, 'fail_initialize');
    await slice.request('POST', '/api/status/initialize', { body: {} });
    const error = await events.waitFor('error');
    expect(error.message).toMatch(/WhatsApp Web could not be reached \(net::ERR_CONNECTION_RESET\)/);
    const status = (await slice.request<SliceStatus>('GET', '/api/status')).body;
    expect(status).toMatchObject({ state: 'error', error: error.message });
    const mark = events.mark();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitFor('qr', () => true, { from: mark });
    expect(transitions(slice.logs)).toEqual(['initialize_requested', 'initialize_failed', 'initialize_requested']);
  });
});

describe('automatic reconnects', () => {
  it('a dropped link comes back with a soft restart, without a new code', async () => {
    let events: EventTap;
    ({ slice, events } = await readySlice());
    const mark = events.mark();
    expect((await fault(slice, 'drop_link')).status).toBe(200);
    await events.waitFor('disconnected', () => true, { from: mark });
    await events.waitForState('ready', { from: mark });
    expect(transitions(slice.logs)).toEqual(['initialize_requested', 'client_ready', 'link_lost', 'reconnect_soft', 'client_ready']);
    expect(events.received.slice(mark).filter((e) => e.type === 'qr')).toEqual([]);
    expect((await slice.request<SliceStatus>('GET', '/api/status')).body).toMatchObject({ state: 'ready', restarts: 1 });
  });

  it('climbs the ladder: a failed soft restart is followed by hard restarts with backoff', async () => {
    let events: EventTap;
    ({ slice, events } = await readySlice());
    const mark = events.mark();
    await fault(slice, 'fail_initialize', 2);
    await fault(slice, 'drop_link');
    await events.waitForState('ready', { from: mark });
    expect(transitions(slice.logs).slice(2)).toEqual(['link_lost', 'reconnect_soft', 'reconnect_hard', 'reconnect_hard', 'client_ready']);
    const failures = slice.logs.filter((entry) => entry.event === 'restart_failed');
    expect(failures.map((entry) => [entry.attempt, entry.hard])).toEqual([[1, false], [2, true]]);
    expect((await slice.request<SliceStatus>('GET', '/api/status')).body.restarts).toBe(3);
  });

  it('gives up with error after MAX_RESTARTS_PER_WINDOW restarts in the window', async () => {
    let events: EventTap;
    ({ slice, events } = await readySlice({ MAX_RESTARTS_PER_WINDOW: '3' }));
    const mark = events.mark();
    await fault(slice, 'fail_initialize', 50);
    await fault(slice, 'drop_link');
    const error = await events.waitFor('error', () => true, { from: mark });
    expect(error.message).toMatch(/kept disconnecting: 3 restarts within 10 minutes/);
    expect(error.message).toMatch(/Click Connect/);
    const names = transitions(slice.logs);
    expect(names.filter((name) => name.startsWith('reconnect_'))).toHaveLength(3);
    expect(names.at(-1)).toBe('restart_limit_reached');
    expect((await slice.request<SliceStatus>('GET', '/api/status')).body).toMatchObject({ state: 'error', restarts: 3 });
    const refused = await send(slice, 'still there?');
    expect(refused).toEqual({ status: 409, body: { code: 'not_ready', error: expect.stringMatching(/Click Connect/) } });
  });

  it('treats a logout from the phone as terminal: needs_qr, and no restart is tried', async () => {
    let events: EventTap;
    ({ slice, events } = await readySlice());
    const mark = events.mark();
    await fault(slice, 'phone_logout');
    const state = await events.waitForState('needs_qr', { from: mark });
    expect(state.reason).toMatch(/logged this device out/);
    // A drop afterwards finds no client to restart: still needs_qr, no reconnect.
    expect((await fault(slice, 'drop_link')).status).toBe(409);
    expect(transitions(slice.logs).slice(2)).toEqual(['logged_out_from_phone']);
    expect((await slice.request<SliceStatus>('GET', '/api/status')).body).toMatchObject({ state: 'needs_qr', authenticated: false, restarts: 0 });
  });

  it('stops at needs_qr when WhatsApp asks for a code during a reconnect', async () => {
    const { manager, backend, logs } = directManager();
    await linkDirect(manager, backend);
    // The session vanished on the phone's side while the link was up.
    backend.phone.linked = false;
    backend.controls.fault('drop_link');
    await expect(manager.reconnect()).resolves.toBeUndefined();
    expect(manager.state).toBe('needs_qr');
    expect(transitions(logs).slice(2)).toEqual(['link_lost', 'reconnect_soft', 'session_lost_during_reconnect']);
    expect(manager.status().qr).toBeNull();
  });

  it('is single-flight: concurrent reconnect requests share one ladder', async () => {
    const { manager, backend, logs } = directManager({ restartBackoffMs: 50 });
    await linkDirect(manager, backend);
    backend.controls.fault('drop_link');
    const ladders = Array.from({ length: 10 }, () => manager.reconnect());
    expect(new Set(ladders).size).toBe(1);
    await Promise.all(ladders);
    expect(manager.state).toBe('ready');
    expect(manager.status().restarts).toBe(1);
    expect(transitions(logs).filter((name) => name.startsWith('reconnect_'))).toEqual(['reconnect_soft']);
    // Once ready, another request has nothing to do.
    await manager.reconnect();
    expect(manager.status().restarts).toBe(1);
  });
});

describe('readiness', () => {
  it('resolves on the ready transition, event-driven', async () => {
    const { manager, backend } = directManager();
    const ready = manager.whenReady(5_000);
    let settled = false;
    void ready.then(() => (settled = true));
    // Scanned only once a code is on screen (a fixed 30 ms wait was too short under a loaded suite: the scan came first and went nowhere).
    const coded = new Promise<void>((resolve) => {
      const stop = manager.subscribe((event) => {
        if (event.type === 'qr') {
          stop();
          resolve();
        }
      });
    });
    manager.initialize();
    await coded;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false); // a code is on screen, nobody scanned
    backend.controls.scan();
    await ready;
    expect(manager.state).toBe('ready');
  });

  it('rejects when the instance lands in needs_qr, and after its timeout', async () => {
    const { manager, backend } = directManager();
    manager.initialize();
    await expect(manager.whenReady(20)).rejects.toThrow(/did not become ready/);
    const waiting = manager.whenReady(5_000);
    await manager.logout();
    await expect(waiting).rejects.toThrow(/needs_qr/);
    expect(backend.phone.linked).toBe(false);
  });
});

describe('sending: now or a refusal, never a queue (the host\'s outbox owns delivery)', () => {
  it('refuses with 409 not_ready while connecting, and sends nothing by itself once ready', async () => {
    slice = await startSlice({ QR_FIRST_TTL_MS: '5000' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitFor('qr');
    for (const text of ['first', 'second']) {
      const refused = await send(slice, text);
      expect(refused).toEqual({ status: 409, body: { code: 'not_ready', error: expect.stringMatching(/still connecting/) } });
    }
    await slice.request('POST', '/api/sim/scan', { body: {} });
    await events.waitForState('ready');
    const now = await send(slice, 'after ready');
    expect(now).toEqual({ status: 200, body: { status: 'sent', messageId: expect.stringMatching(/^true_/), error: null } });
    const thread = (await slice.request<{ body: string; id: string }[]>('GET', `/api/chats/${encodeURIComponent(CHAT)}/messages`)).body;
    // Only what was sent while ready: the refused ones were never kept to be sent later.
    expect(thread.filter((m) => ['first', 'second', 'after ready'].includes(m.body)).map((m) => m.body)).toEqual(['after ready']);
    expect(events.ofType('message').filter((e) => e.message.fromMe).map((e) => e.message.body)).toEqual(['after ready']);
  });

  it('a link that drops: the send is refused not_ready, and the reconnect sends nothing by itself', async () => {
    let events: EventTap;
    // A backoff long enough that the send surely lands while the link is down.
    ({ slice, events } = await readySlice({ RESTART_BACKOFF_MS: '1000' }));
    const mark = events.mark();
    await fault(slice, 'drop_link');
    const refused = await send(slice, 'during the drop');
    expect(refused).toEqual({ status: 409, body: { code: 'not_ready', error: expect.stringMatching(/not connected/) } });
    await events.waitFor('state', (s) => s.state === 'ready', { from: mark });
    expect(transitions(slice.logs).slice(-3)).toEqual(['link_lost', 'reconnect_soft', 'client_ready']);
    const thread = (await slice.request<{ body: string }[]>('GET', `/api/chats/${encodeURIComponent(CHAT)}/messages`)).body;
    expect(thread.filter((m) => m.body === 'during the drop')).toEqual([]);
  });

  it('sends directly when ready: WhatsApp\'s id, nothing else', async () => {
    ({ slice } = await readySlice());
    const answer = await send(slice, 'right away');
    expect(answer).toEqual({ status: 200, body: { status: 'sent', messageId: expect.stringMatching(/^true_/), error: null } });
  });

  it('refuses before anything was started, with what to do', async () => {
    slice = await startSlice();
    const answer = await send(slice, 'hello?');
    expect(answer).toEqual({ status: 409, body: { code: 'not_ready', error: expect.stringMatching(/Click Connect/) } });
  });
});
