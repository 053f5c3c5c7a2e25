/**
 * Webhooks over a real SQLite file and a real HTTP receiver on 127.0.0.1: a receiver that is
 * down for "10 minutes" (backoff scaled down by the settings' own bounds: 5 s → 300 s becomes
 * 25 ms → 1.5 s, so 10 minutes becomes 3 s) and a host restart in between lose nothing;
 * deliveries are signed, in order per account, and logged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage, SliceView } from '@shared/types';
import { WEBHOOK_HEADERS } from '@shared/gateway';
import { Store } from '../../../../src/main/core/db/store';
import { EventBus } from '../../../../src/main/core/events';
import { createGateway, type Gateway } from '../../../../src/main/core/gateway';
import { backoffDelayMs, DEFAULT_WEBHOOK_BACKOFF } from '../../../../src/main/core/webhooks/backoff';
import { webhookSignatureValid } from '../../../../src/main/core/webhooks/signature';
import { WebhookDelivery } from '../../../../src/main/core/webhooks/webhook-delivery';
import { WebhookStore } from '../../../../src/main/core/webhooks/webhook-store';
import { startWebhookReceiver, waitUntil, type WebhookReceiver } from '../../../helpers/webhook-receiver';

/** Evolution's schedule divided by 200: the same 10 attempts, ~20 s of retries → ~6 s. */
const SCALE = 200;
const BACKOFF = { baseMs: DEFAULT_WEBHOOK_BACKOFF.baseMs / SCALE, maxMs: DEFAULT_WEBHOOK_BACKOFF.maxMs / SCALE, attempts: 10 };
const TEN_MINUTES_SCALED_MS = (10 * 60_000) / SCALE;

let dir: string;
let receiver: WebhookReceiver;
const open: { store: Store; gateway: Gateway }[] = [];

function startHost(): { store: Store; bus: EventBus; gateway: Gateway } {
  const store = new Store(dir);
  const bus = new EventBus();
  const gateway = createGateway({ db: store.handle(), events: bus, backoff: BACKOFF, timeoutMs: 5_000, accountExists: (id) => store.getAccount(id) !== undefined });
  open.push({ store, gateway });
  return { store, bus, gateway };
}

async function stopHost(host: { store: Store; gateway: Gateway }): Promise<void> {
  await host.gateway.close();
  host.store.close();
  open.splice(open.indexOf(host), 1);
}

function incoming(id: string): ChatMessage {
  return { id, chatId: '15550001111@c.us', fromMe: false, body: `hello ${id}`, timestamp: Date.now() };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slicedeck-webhooks-'));
  receiver = await startWebhookReceiver({ accepting: false });
});
afterEach(async () => {
  for (const host of [...open]) await stopHost(host);
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('webhook delivery', () => {
  it('loses nothing while the receiver is down for 10 (scaled) minutes and the host restarts in between; in order, signed, logged', async () => {
    const first = startHost();
    const a = first.store.addAccount('acc_hooks_a', 'A');
    const b = first.store.addAccount('acc_hooks_b', 'B');
    const { info, secret } = await first.gateway.handlers['webhooks.add']({ url: receiver.url, events: ['message.incoming', 'message.status'] });
    const downSince = Date.now();

    for (const n of [1, 2, 3]) first.bus.emit('chat.message', { accountId: a.id, message: incoming(`a${n}`) });
    first.bus.emit('chat.message', { accountId: b.id, message: incoming('b1') });
    // Ours is not an incoming message: never sent as one.
    first.bus.emit('chat.message', { accountId: a.id, message: { ...incoming('mine'), fromMe: true } });
    first.bus.emit('message.status', { accountId: a.id, chatId: '15550001111@c.us', queueId: 'out_0123456789abcdef', messageId: 'm1', status: 'delivered', error: null });
    await waitUntil(() => receiver.received.length >= 2, 30_000, 'the receiver to refuse the first attempts');

    // The host stops mid-outage and comes back over the same data dir.
    await stopHost(first);
    const second = startHost();
    for (const n of [4, 5]) second.bus.emit('chat.message', { accountId: a.id, message: incoming(`a${n}`) });

    const downFor = TEN_MINUTES_SCALED_MS - (Date.now() - downSince);
    if (downFor > 0) await new Promise((resolve) => setTimeout(resolve, downFor));
    receiver.accepting = true;
    await waitUntil(() => receiver.accepted().length >= 7, 60_000, () => `every event to be delivered once the receiver is back (accepted ${receiver.accepted().length} of 7, ${receiver.received.length} requests, backlog ${second.gateway.backlog()})`);

    const accepted = receiver.accepted();
    const laneA = accepted.filter((e) => e.accountId === a.id);
    expect(laneA.map((e) => (e.type === 'message.incoming' ? (e.data as { message: ChatMessage }).message.id : e.type))).toEqual(['a1', 'a2', 'a3', 'message.status', 'a4', 'a5']);
    expect(accepted.filter((e) => e.accountId === b.id).map((e) => (e.data as { message: ChatMessage }).message.id)).toEqual(['b1']);
    expect(new Set(accepted.map((e) => e.id)).size).toBe(accepted.length);
    expect(second.gateway.backlog()).toBe(0);

    // Every delivery is signed over "<timestamp>.<body>" with the webhook's secret, and says which event it is.
    for (const hook of receiver.received.filter((r) => r.accepted)) {
      const timestamp = hook.headers[WEBHOOK_HEADERS.timestamp.toLowerCase()] as string;
      const signature = hook.headers[WEBHOOK_HEADERS.signature.toLowerCase()] as string;
      expect(webhookSignatureValid(secret, timestamp, hook.body, signature)).toBe(true);
      expect(webhookSignatureValid(`${secret}x`, timestamp, hook.body, signature)).toBe(false);
      expect(hook.headers[WEBHOOK_HEADERS.id.toLowerCase()]).toBe((JSON.parse(hook.body) as { id: string }).id);
    }

    // The delivery log: the refusals in words, then the deliveries.
    const log = await second.gateway.handlers['webhooks.deliveries']({ webhookId: info.id });
    expect(log.some((entry) => entry.outcome === 'retrying' && entry.httpStatus === 503 && /HTTP 503/.test(entry.error ?? ''))).toBe(true);
    expect(log.filter((entry) => entry.outcome === 'delivered')).toHaveLength(7);
    // Its waits add up to 93 s at most (30 + 3 + 60): the test's own bound holds them all, so a
    // slow run under a full 2-core suite ends at a wait that names what it waited for (CI once hit
    // vitest's 60 s default here instead).
  }, 120_000);

  it('gives up after the set attempts, says so in the log, and the next event of the lane goes on', async () => {
    const host = startHost();
    const a = host.store.addAccount('acc_hooks_c', 'C');
    const { info } = await host.gateway.handlers['webhooks.add']({ url: receiver.url, accountId: a.id, events: ['message.incoming'] });
    host.bus.emit('chat.message', { accountId: a.id, message: incoming('doomed') });
    await waitUntil(() => receiver.received.length >= BACKOFF.attempts, 60_000, 'every attempt to be refused');
    receiver.accepting = true;
    host.bus.emit('chat.message', { accountId: a.id, message: incoming('next') });
    await waitUntil(() => receiver.accepted().length >= 1, 30_000, 'the next event to be delivered');
    expect(receiver.received.filter((r) => !r.accepted)).toHaveLength(BACKOFF.attempts);
    const log = await host.gateway.handlers['webhooks.deliveries']({ webhookId: info.id });
    expect(log.find((entry) => entry.outcome === 'gave_up')?.error).toMatch(/Gave up after 10 attempts/);
  }, 120_000);

  it('sends a lane that falls due while a pass is under way: its timer is armed from the pass’s own instant', async () => {
    // A clock that jumps 1 s at every reading: a pass reads what is due at one instant, and a
    // slow machine is already past the next head's due time when the timer is armed. Read at a
    // second instant, that head was neither due nor "after now": never sent until the next event.
    const store = new Store(dir);
    open.push({ store, gateway: { close: async () => undefined } as unknown as Gateway });
    store.addAccount('acc_hooks_t', 'T');
    const webhooks = new WebhookStore(store.handle());
    const { info } = webhooks.add(receiver.url, null, ['message.incoming'], Date.now());
    let clock = Date.now();
    const now = () => (clock += 1_000);
    webhooks.enqueue([info.id], 'evt_due_mid_pass', 'acc_hooks_t', 'message.incoming', '{"id":"evt_due_mid_pass"}', clock + 1_500);
    receiver.accepting = true;
    const delivery = new WebhookDelivery({ store: webhooks, backoff: BACKOFF, timeoutMs: 5_000, now });
    try {
      delivery.kick();
      await waitUntil(() => receiver.accepted().length === 1, 30_000, 'the lane that fell due during the pass to be sent');
      expect(webhooks.backlog()).toBe(0);
    } finally {
      await delivery.close();
    }
  });

  it('sends an account.state event when the phase changes, not for every view', async () => {
    const host = startHost();
    const a = host.store.addAccount('acc_hooks_d', 'D');
    receiver.accepting = true;
    await host.gateway.handlers['webhooks.add']({ url: receiver.url, accountId: a.id, events: ['account.state'] });
    const view = (phase: 'qr' | 'linking' | 'ready', contacts: number) =>
      ({ accountId: a.id, phase, stage: phase, stageStartedAt: null, startedAt: null, contacts }) satisfies SliceView;
    host.bus.emit('slice', view('qr', 0));
    host.bus.emit('slice', view('qr', 0));
    host.bus.emit('slice', view('linking', 1));
    host.bus.emit('slice', view('linking', 2));
    host.bus.emit('slice', view('ready', 2));
    // The lane is in order: once 'ready' is in, everything before it is too.
    await waitUntil(() => receiver.accepted().some((e) => (e.data as { phase: string }).phase === 'ready'), 30_000, 'the ready state event');
    expect(receiver.accepted().map((e) => e.data as { phase: string; previousPhase: string | null })).toEqual([
      expect.objectContaining({ phase: 'qr', previousPhase: null }),
      expect.objectContaining({ phase: 'linking', previousPhase: 'qr' }),
      expect.objectContaining({ phase: 'ready', previousPhase: 'linking' }),
    ]);
  });

  it('backs off exponentially from the base to the cap, with jitter within ±20 %', () => {
    const plain = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffDelayMs(n, DEFAULT_WEBHOOK_BACKOFF, () => 0.5));
    expect(plain).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(backoffDelayMs(1, DEFAULT_WEBHOOK_BACKOFF, () => 0)).toBe(4_000);
    expect(backoffDelayMs(1, DEFAULT_WEBHOOK_BACKOFF, () => 1)).toBe(6_000);
  });
});
