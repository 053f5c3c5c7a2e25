/**
 * Webhook figures (issue 21), no Docker: the core's event bus, the gateway over a real
 * SQLite file and a real receiver on 127.0.0.1. Latency: an incoming message published on
 * the bus (where the slice's event lands in the core) → the receiver has it, one at a time
 * (p50/p99). Backlog: 1,000 events queued while delivery was stopped (a host that was down),
 * then drained by a host that starts — over 10 accounts (10 lanes in parallel) and over one
 * (one lane, strictly in order).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatMessage } from '@shared/types';
import { Store } from '../src/main/core/db/store';
import { EventBus } from '../src/main/core/events';
import { createGateway } from '../src/main/core/gateway';
import { DEFAULT_WEBHOOK_BACKOFF } from '../src/main/core/webhooks/backoff';
import { startWebhookReceiver, waitUntil } from '../test/helpers/webhook-receiver';
import { round, summarize } from './stats';

type Row = (metric: string, value: string, target?: string, ok?: boolean) => void;

const LATENCY_EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 300);
const BACKLOG = 1_000;

function message(n: number): ChatMessage {
  return { id: `m${n}`, chatId: '15550001111@c.us', fromMe: false, body: `message ${n}`, timestamp: Date.now() };
}

function host(dir: string) {
  const store = new Store(dir);
  const bus = new EventBus();
  const gateway = createGateway({ db: store.handle(), events: bus, backoff: DEFAULT_WEBHOOK_BACKOFF, timeoutMs: 10_000, accountExists: (id) => store.getAccount(id) !== undefined });
  return { store, bus, gateway, close: async () => { await gateway.close(); store.close(); } };
}

async function latency(): Promise<{ p50: number; p99: number; n: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'slicedeck-bench-webhooks-'));
  const receiver = await startWebhookReceiver();
  const h = host(dir);
  try {
    const account = h.store.addAccount('acc_bench_hooks', 'Bench');
    await h.gateway.handlers['webhooks.add']({ url: receiver.url, events: ['message.incoming'] });
    const samples: number[] = [];
    for (let n = 0; n < LATENCY_EVENTS + 20; n++) {
      const before = receiver.received.length;
      const started = performance.now();
      h.bus.emit('chat.message', { accountId: account.id, message: message(n) });
      await waitUntil(() => receiver.received.length > before, 10_000, 'a webhook delivery');
      if (n >= 20) samples.push(receiver.received[before]!.t - started); // the first 20 warm up
    }
    const s = summarize(samples);
    return { p50: round(s.p50, 2), p99: round(s.p99, 2), n: samples.length };
  } finally {
    await h.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function drain(accounts: number): Promise<{ seconds: number; perSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'slicedeck-bench-webhooks-'));
  const receiver = await startWebhookReceiver();
  const down = host(dir);
  try {
    const ids = Array.from({ length: accounts }, (_, i) => down.store.addAccount(`acc_bench_drain${i}`, `Drain ${i}`).id);
    await down.gateway.handlers['webhooks.add']({ url: receiver.url, events: ['message.incoming'] });
    await down.gateway.delivery.close(); // a host whose delivery is down: events queue in SQLite
    for (let n = 0; n < BACKLOG; n++) down.bus.emit('chat.message', { accountId: ids[n % accounts]!, message: message(n) });
    await down.close();
    const started = performance.now();
    const up = host(dir);
    try {
      await waitUntil(() => receiver.received.length >= BACKLOG, 300_000, 'the backlog to drain');
      const seconds = (performance.now() - started) / 1000;
      return { seconds: round(seconds, 2), perSecond: Math.round(BACKLOG / seconds) };
    } finally {
      await up.close();
    }
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function webhookFigures(row: Row): Promise<Record<string, unknown>> {
  console.log('\nWebhooks (bus event → loopback receiver; SQLite queue)');
  const lat = await latency();
  row('webhook latency p50 / p99 (ms)', `${lat.p50} / ${lat.p99} (n=${lat.n})`);
  const wide = await drain(10);
  row(`webhook backlog ${BACKLOG} over 10 accounts: drain`, `${wide.seconds} s (${wide.perSecond}/s)`);
  const narrow = await drain(1);
  row(`webhook backlog ${BACKLOG} on one account (in order): drain`, `${narrow.seconds} s (${narrow.perSecond}/s)`);
  return { latencyMs: lat, backlog: BACKLOG, drainTenAccounts: wide, drainOneAccount: narrow };
}
