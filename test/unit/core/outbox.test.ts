/**
 * The host's outbox — the only outgoing queue (issue 20) — in milliseconds: a real SQLite
 * file (the store), fake time (vitest's timers: the retry interval, the bound on a send's
 * answer), and a small stand-in for "the slice" at the one seam the outbox calls
 * (`SliceSender`: send now or refuse, read a chat). What the slice's answers mean is the
 * slice's contract (src/shared/slice-protocol.ts, SliceSendResponse): `sent` with an id,
 * `failed` with WhatsApp's words, or a 409 `not_ready` (`conflict` on the host) — nothing
 * was sent. What only real slices show stays in test/integration/core-outbox*.test.ts.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '@shared/contract';
import { SlicedeckError } from '@shared/errors';
import type { SliceSendRequest, SliceSendResponse } from '@shared/slice-protocol';
import type { ChatMessage, SendResult } from '@shared/types';
import { MIGRATIONS } from '../../../src/main/core/db/migrations';
import { Store } from '../../../src/main/core/db/store';
import { EventBus } from '../../../src/main/core/events';
import { Outbox, type SliceSender } from '../../../src/main/core/outbox/outbox';
import { OutboxStore } from '../../../src/main/core/outbox/outbox-store';

const CHAT = '15550000001@c.us';
const RETRY_MS = 5_000;
/** Outbox's ANSWER_WAIT_MS: how long a send to a Ready account waits for WhatsApp before answering `queued`. */
const ANSWER_WAIT_MS = 15_000;

/** What WhatsApp holds: one list of chats' messages, shared by every slice of the test (it outlives a host). */
class WhatsApp {
  readonly messages: ChatMessage[] = [];
  private next = 0;
  take(chatId: string, body: string): ChatMessage {
    const message: ChatMessage = { id: `true_${chatId}_${++this.next}`, chatId, fromMe: true, body, timestamp: Date.now(), status: 'sent' };
    this.messages.push(message);
    return message;
  }
  bodies(chatId = CHAT): string[] {
    return this.messages.filter((m) => m.chatId === chatId).map((m) => m.body);
  }
}

/**
 * How the stand-in answers one send: `sent` (WhatsApp takes it), `not_ready` (refused, nothing
 * sent), `failed` (WhatsApp said no), `taken_no_answer` (WhatsApp took it, the answer never
 * comes: the host dies meanwhile), `lost` (never reached WhatsApp, no answer), `slow` (taken,
 * answered after `SLOW_MS`).
 */
type Step = 'sent' | 'not_ready' | 'failed' | 'taken_no_answer' | 'lost' | 'slow';
const SLOW_MS = 20_000;

/** "The slice" at the outbox's seam: a script of answers, then `sent` for every further send. */
class StandInSlice implements SliceSender {
  readonly handed: string[] = [];
  constructor(
    private readonly whatsapp: WhatsApp,
    private readonly script: Step[] = [],
  ) {}

  send({ chatId, text }: SliceSendRequest): Promise<SliceSendResponse> {
    this.handed.push(text);
    const step = this.script.shift() ?? 'sent';
    switch (step) {
      case 'sent':
        return Promise.resolve({ status: 'sent', messageId: this.whatsapp.take(chatId, text).id, error: null });
      case 'not_ready':
        return Promise.reject(new SlicedeckError('conflict', 'WhatsApp is still connecting. Try again when the account is ready.'));
      case 'failed':
        return Promise.resolve({ status: 'failed', messageId: null, error: 'WhatsApp did not take the message: no such chat. Try again.' });
      case 'taken_no_answer':
        this.whatsapp.take(chatId, text);
        return new Promise(() => undefined);
      case 'lost':
        return new Promise(() => undefined);
      case 'slow': {
        const id = this.whatsapp.take(chatId, text).id;
        return new Promise((resolve) => setTimeout(() => resolve({ status: 'sent', messageId: id, error: null }), SLOW_MS));
      }
    }
  }

  messages(chatId: string): Promise<ChatMessage[]> {
    return Promise.resolve(this.whatsapp.messages.filter((m) => m.chatId === chatId));
  }
}

/** One host: the store on the test's data folder, the outbox, and what it told the panel. */
interface Host {
  store: Store;
  rows: OutboxStore;
  outbox: Outbox;
  statuses: Extract<AppEvent, { type: 'message.status' }>['data'][];
  /** The account's slice, or null while it is not Ready. */
  slice: { current: StandInSlice | null };
}

let dir = '';
const hosts: Host[] = [];

function startHost(options: { retryMs?: number } = {}): Host {
  const store = new Store(dir);
  const rows = new OutboxStore(store.handle());
  const bus = new EventBus();
  const statuses: Host['statuses'] = [];
  bus.subscribe((event) => {
    if (event.type === 'message.status') statuses.push(event.data);
  });
  const slice: Host['slice'] = { current: null };
  const outbox = new Outbox({
    store: rows,
    bus,
    logger: pino({ level: 'silent' }),
    cap: 50,
    retryMs: options.retryMs ?? 0,
    readySlice: () => (slice.current ? { client: slice.current } : null),
  });
  const host = { store, rows, outbox, statuses, slice };
  hosts.push(host);
  return host;
}

/** Lets every step the outbox can take without time passing run (a bounded number of turns). */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await vi.advanceTimersByTimeAsync(0);
}

function statusOf(host: Host, id: string | null): string | undefined {
  return id ? host.rows.get(id)?.status : undefined;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  dir = mkdtempSync(join(tmpdir(), 'outbox-unit-'));
});
afterEach(() => {
  for (const host of hosts.splice(0)) host.store.close();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** Messages accepted while the account is not Ready, 1 s apart (so their order is their time). */
async function queueWhileNotReady(host: Host, accountId: string, bodies: string[]): Promise<SendResult[]> {
  const answers: SendResult[] = [];
  for (const body of bodies) {
    answers.push(await host.outbox.send(accountId, CHAT, body, null, 'connecting'));
    await vi.advanceTimersByTimeAsync(1_000);
  }
  return answers;
}

describe('the outbox drains in order', () => {
  it('hands waiting messages over oldest first, one at a time, once the account is Ready', async () => {
    const whatsapp = new WhatsApp();
    const host = startHost();
    host.store.addAccount('acc_order', 'Order');
    const answers = await queueWhileNotReady(host, 'acc_order', ['one', 'two', 'three']);
    expect(answers.map((a) => [a.status, a.queueDepth])).toEqual([
      ['queued', 1],
      ['queued', 2],
      ['queued', 3],
    ]);

    host.slice.current = new StandInSlice(whatsapp);
    host.outbox.kick('acc_order');
    await settle();
    expect(whatsapp.bodies()).toEqual(['one', 'two', 'three']);
    expect(answers.map((a) => statusOf(host, a.queueId))).toEqual(['sent', 'sent', 'sent']);
    // The panel heard each one go from queued to sent, in order.
    expect(host.statuses.filter((s) => s.status === 'sent').map((s) => s.queueId)).toEqual(answers.map((a) => a.queueId));
  });
});

describe('a refusal keeps the message (the slice keeps nothing)', () => {
  it('a link that drops mid-send while the host still sees Ready: not_ready puts it back, nothing overtakes it, the retry sends each once', async () => {
    const whatsapp = new WhatsApp();
    const host = startHost({ retryMs: RETRY_MS });
    host.store.addAccount('acc_drop', 'Drop');
    const answers = await queueWhileNotReady(host, 'acc_drop', ['before the drop', 'behind it']);
    // The host's view says Ready; the slice's link has just dropped: it refuses the first hand-over.
    const slice = new StandInSlice(whatsapp, ['not_ready']);
    host.slice.current = slice;
    host.outbox.start();
    await settle();
    expect(slice.handed).toEqual(['before the drop']);
    expect(answers.map((a) => statusOf(host, a.queueId))).toEqual(['queued', 'queued']);
    expect(whatsapp.bodies()).toEqual([]);

    // The link is back: the next retry tick hands both over, in order.
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    await settle();
    expect(slice.handed).toEqual(['before the drop', 'before the drop', 'behind it']);
    expect(whatsapp.bodies()).toEqual(['before the drop', 'behind it']);
    expect(answers.map((a) => statusOf(host, a.queueId))).toEqual(['sent', 'sent']);
    expect(host.rows.get(answers[0]!.queueId!)!.attempts).toBe(2);
    await host.outbox.close();
  });

  it('waits while the account is not Ready, and retries nothing then (the slice is not asked)', async () => {
    const whatsapp = new WhatsApp();
    const host = startHost({ retryMs: RETRY_MS });
    host.store.addAccount('acc_wait', 'Wait');
    const [answer] = await queueWhileNotReady(host, 'acc_wait', ['patience']);
    host.outbox.start();
    await vi.advanceTimersByTimeAsync(RETRY_MS * 3);
    expect(statusOf(host, answer!.queueId)).toBe('queued');
    host.slice.current = new StandInSlice(whatsapp);
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    await settle();
    expect(whatsapp.bodies()).toEqual(['patience']);
    await host.outbox.close();
  });

  it('WhatsApp saying no settles that one failed with words, and the drain goes on to the next', async () => {
    const whatsapp = new WhatsApp();
    const host = startHost();
    host.store.addAccount('acc_no', 'No');
    const answers = await queueWhileNotReady(host, 'acc_no', ['refused', 'accepted']);
    host.slice.current = new StandInSlice(whatsapp, ['failed']);
    host.outbox.kick('acc_no');
    await settle();
    expect(answers.map((a) => statusOf(host, a.queueId))).toEqual(['failed', 'sent']);
    expect(host.rows.get(answers[0]!.queueId!)!.error).toMatch(/did not take the message/);
    expect(whatsapp.bodies()).toEqual(['accepted']);
  });
});

describe('a send to a Ready account', () => {
  it('is answered with WhatsApp\'s id when it answers in time', async () => {
    const whatsapp = new WhatsApp();
    const host = startHost();
    host.store.addAccount('acc_now', 'Now');
    host.slice.current = new StandInSlice(whatsapp);
    const answer = await host.outbox.send('acc_now', CHAT, 'right away', null, 'ready');
    expect(answer).toMatchObject({ status: 'sent', messageId: whatsapp.messages[0]!.id, queueDepth: 0 });
  });

  it('answers `queued` once the answer wait expires, and records `sent` when WhatsApp\'s late answer comes', async () => {
    const whatsapp = new WhatsApp();
    const host = startHost();
    host.store.addAccount('acc_slow', 'Slow');
    host.slice.current = new StandInSlice(whatsapp, ['slow']);
    let answer: SendResult | null = null;
    void host.outbox.send('acc_slow', CHAT, 'slowly', null, 'ready').then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(ANSWER_WAIT_MS - 1);
    expect(answer).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(answer).toMatchObject({ status: 'queued', messageId: null, queueDepth: 1 });
    const queueId = answer!.queueId!;
    // Handed over and not answered yet: `sending` inside, `queued` to the operator, not cancellable.
    expect(statusOf(host, queueId)).toBe('sending');
    expect(() => host.outbox.cancel('acc_slow', queueId)).toThrow(/being handed to WhatsApp/);
    await vi.advanceTimersByTimeAsync(SLOW_MS - ANSWER_WAIT_MS);
    await settle();
    expect(host.rows.get(queueId)).toMatchObject({ status: 'sent', messageId: whatsapp.messages[0]!.id });
    expect(whatsapp.bodies()).toEqual(['slowly']);
  });
});

describe('what a host crash between steps leaves', () => {
  it('accepted, not yet handed over: `queued` in the file, sent once by the next host', async () => {
    const whatsapp = new WhatsApp();
    const first = startHost();
    first.store.addAccount('acc_early', 'Early');
    const [answer] = await queueWhileNotReady(first, 'acc_early', ['accepted before the crash']);
    first.store.close(); // kill -9: nothing more is written

    const next = startHost();
    expect(statusOf(next, answer!.queueId)).toBe('queued');
    next.slice.current = new StandInSlice(whatsapp);
    next.outbox.start();
    await settle();
    expect(whatsapp.bodies()).toEqual(['accepted before the crash']);
    expect(statusOf(next, answer!.queueId)).toBe('sent');
  });

  it('handed over, the slice took it, the host died before the answer: the next host finds it in the chat and does not send it again', async () => {
    const whatsapp = new WhatsApp();
    const first = startHost();
    first.store.addAccount('acc_taken', 'Taken');
    first.store.addAccount('acc_lost', 'Lost');
    const [taken] = await queueWhileNotReady(first, 'acc_taken', ['taken, no answer']);
    const [lost] = await queueWhileNotReady(first, 'acc_lost', ['lost on the way']);
    // Each account's slice: one takes the message and never answers, the other loses it.
    const slices = { acc_taken: new StandInSlice(whatsapp, ['taken_no_answer']), acc_lost: new StandInSlice(whatsapp, ['lost']) };
    first.slice.current = null;
    const firstOutbox = new Outbox({
      store: first.rows,
      bus: new EventBus(),
      logger: pino({ level: 'silent' }),
      cap: 50,
      retryMs: 0,
      readySlice: (accountId) => ({ client: slices[accountId as keyof typeof slices] }),
    });
    firstOutbox.kick('acc_taken');
    firstOutbox.kick('acc_lost');
    await settle();
    // What the crash leaves: both `sending` (committed before the slice was called).
    expect([statusOf(first, taken!.queueId), statusOf(first, lost!.queueId)]).toEqual(['sending', 'sending']);
    expect(whatsapp.bodies()).toEqual(['taken, no answer']);
    first.store.close(); // kill -9 with both answers outstanding

    await vi.advanceTimersByTimeAsync(30_000); // the next host starts half a minute later
    const next = startHost();
    const nextSlice = new StandInSlice(whatsapp);
    next.slice.current = nextSlice;
    next.outbox.start();
    await settle();
    // Exactly once each: the one WhatsApp had is matched, not resent; the lost one is sent now.
    expect(nextSlice.handed).toEqual(['lost on the way']);
    expect(whatsapp.bodies()).toEqual(['taken, no answer', 'lost on the way']);
    expect(next.rows.get(taken!.queueId!)).toMatchObject({ status: 'sent', messageId: whatsapp.messages[0]!.id });
    expect(next.rows.get(lost!.queueId!)).toMatchObject({ status: 'sent', messageId: whatsapp.messages[1]!.id });
  });
});

describe('migration 7 (the slice queue id goes)', () => {
  it('drops slice_queue_id and keeps every row; a row the slice had queued is looked up before it is sent again', async () => {
    // A schema-6 file, as the last release left it: one row waiting, one inside a slice's queue.
    const raw = new Database(join(dir, 'slicedeck.db'));
    for (const [index, sql] of MIGRATIONS.slice(0, 6).entries()) {
      raw.exec(sql);
      raw.pragma(`user_version = ${index + 1}`);
    }
    const at = Date.now();
    raw.prepare(`INSERT INTO accounts (id, name, created_at, updated_at) VALUES ('acc_upgrade', 'Upgrade', ?, ?)`).run(at, at);
    const insert = raw.prepare(
      `INSERT INTO outbox (id, account_id, chat_id, body, status, slice_queue_id, attempts, sending_at, created_at, updated_at) VALUES (?, 'acc_upgrade', ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    insert.run('out_00000000000000a1', CHAT, 'in the slice queue', 'sending', 'slc_old/q_0123456789abcdef', 1, at, at, at);
    insert.run('out_00000000000000a2', CHAT, 'waiting', 'queued', null, 0, null, at + 1, at + 1);
    raw.close();

    const host = startHost();
    const columns = (host.store.handle().prepare(`PRAGMA table_info(outbox)`).all() as { name: string }[]).map((c) => c.name);
    expect(columns).not.toContain('slice_queue_id');
    expect([host.rows.get('out_00000000000000a1'), host.rows.get('out_00000000000000a2')].map((r) => [r?.body, r?.status])).toEqual([
      ['in the slice queue', 'sending'],
      ['waiting', 'queued'],
    ]);
    // The old slice did send it before the upgrade: found in the chat, not sent twice.
    const whatsapp = new WhatsApp();
    whatsapp.take(CHAT, 'in the slice queue');
    const slice = new StandInSlice(whatsapp);
    host.slice.current = slice;
    host.outbox.start();
    await settle();
    expect(slice.handed).toEqual(['waiting']);
    expect(whatsapp.bodies()).toEqual(['in the slice queue', 'waiting']);
  });
});
