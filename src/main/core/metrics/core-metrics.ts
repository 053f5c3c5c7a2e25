/**
 * What `GET /metrics` exposes (web mode), gathered from what the host already keeps:
 * the slice rows (phases), History (connects, restarts, stage durations: history-tally.ts),
 * the outbox (messages waiting), the webhook queue (events not yet delivered), the stats sampler (per-slice CPU and memory — asking it
 * marks interest, as the Dashboard does, so a scraper keeps it sampling). Slices are
 * labelled by account id only: never a phone number or an account's name.
 */
import { PHASES, phaseOfStage, type Phase } from '@shared/stages';
import type { SliceStats } from '@shared/types';
import type { Store } from '../db/store';
import type { OutboxStore } from '../outbox/outbox-store';
import { HistoryTally } from './history-tally';
import { renderExposition, type MetricFamily, type Sample } from './prometheus-text';

export interface CoreMetricsOptions {
  store: Store;
  outbox: OutboxStore;
  /** The stats sampler's reading (`slices.stats`). */
  stats: () => Promise<SliceStats[]>;
  /** Webhook events waiting in the durable queue (gateway.backlog). */
  webhookBacklog: () => number;
}

export class CoreMetrics {
  private readonly tally: HistoryTally;
  /** One scrape at a time: two scrapers at once share the reading. */
  private inFlight: Promise<string> | null = null;

  constructor(private readonly opts: CoreMetricsOptions) {
    this.tally = new HistoryTally(opts.store.handle());
  }

  /** The exposition text (prometheus-text.ts). */
  render(): Promise<string> {
    this.inFlight ??= this.gather().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async gather(): Promise<string> {
    const { store, outbox } = this.opts;
    const stats = await this.opts.stats();
    const rows = store.listSlices();
    this.tally.catchUp(new Set(rows.flatMap((row) => (row.sliceId ? [row.sliceId] : []))));

    const phases = new Map<Phase, number>(PHASES.map((phase) => [phase, 0]));
    const stageOf = new Map(rows.map((row) => [row.accountId, row.stage]));
    for (const account of store.listAccounts()) {
      const phase = phaseOfStage(stageOf.get(account.id) ?? 'idle');
      phases.set(phase, phases.get(phase)! + 1);
    }
    const waiting = outbox.accountsWithPending().reduce((sum, accountId) => sum + outbox.pendingCount(accountId), 0);
    const perSlice = (value: (entry: SliceStats) => number | null): Sample[] =>
      stats.flatMap((entry) => {
        const figure = value(entry);
        return figure === null ? [] : [{ labels: { account_id: entry.accountId }, value: figure }];
      });

    const families: MetricFamily[] = [
      { name: 'slicedeck_slices', help: 'Accounts by the phase of their slice (setup: no slice).', type: 'gauge', samples: [...phases].map(([phase, value]) => ({ labels: { phase }, value })) },
      { name: 'slicedeck_connects_total', help: 'Connect attempts that started a new slice (from History).', type: 'counter', samples: [{ value: this.tally.connects }] },
      { name: 'slicedeck_connect_stage_duration_seconds', help: 'How long each connect stage took, from its History row to the next stage of the same slice.', type: 'histogram', samples: this.tally.stageDurations.samples() },
      { name: 'slicedeck_slice_restarts_total', help: 'Restarts of dead or misbehaving slices by the health ladder (from History).', type: 'counter', samples: [{ value: this.tally.restarts }] },
      { name: 'slicedeck_outbox_depth', help: 'Outgoing messages waiting in the durable queue (queued or being handed over).', type: 'gauge', samples: [{ value: waiting }] },
      { name: 'slicedeck_webhook_backlog', help: 'Webhook events waiting in the durable queue (not yet delivered, nor given up).', type: 'gauge', samples: [{ value: this.opts.webhookBacklog() }] },
      { name: 'slicedeck_slice_cpu_percent', help: 'CPU of a running slice container, percent of one core.', type: 'gauge', samples: perSlice((entry) => entry.cpuPercent) },
      { name: 'slicedeck_slice_memory_bytes', help: 'Memory in use by a running slice container.', type: 'gauge', samples: perSlice((entry) => entry.memoryBytes) },
      { name: 'slicedeck_slice_memory_limit_bytes', help: 'Memory limit of a running slice container.', type: 'gauge', samples: perSlice((entry) => entry.memoryLimitBytes) },
      { name: 'slicedeck_slice_uptime_seconds', help: 'Seconds since a running slice container started.', type: 'gauge', samples: perSlice((entry) => (entry.uptimeMs === null ? null : entry.uptimeMs / 1000)) },
    ];
    return renderExposition(families);
  }
}
