/**
 * Connects, restarts and connect stages' durations, read from the History rows the connect
 * flow already writes (slice_events: a `stage` row when each stage begins, a `restart` row
 * per rung of the ladder) — no hook in the flow itself. Rows are read incrementally by id
 * (AUTOINCREMENT: a new row always has a higher id), so the counters only grow while the
 * host runs, even as History is trimmed per account; at start they count the History kept.
 * A stage's duration is the time from its row to the next stage row of the same slice.
 */
import type Database from 'better-sqlite3';
import { PROVISIONING_STAGES, isTerminalStage, type Stage } from '@shared/stages';
import { Histogram } from './prometheus-text';

/** The stages a connect walks before Ready: provisioning, the code on screen, linking. */
export const CONNECT_STAGES: readonly Stage[] = [...PROVISIONING_STAGES, 'qr', 'linking'];

/** Seconds: a container start (~0.2 s) up to a code left on screen for minutes. */
export const STAGE_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Rows read per query: a long History is read in steps, never all at once. */
const ROWS_PER_READ = 2_000;

interface EventRow {
  id: number;
  slice_id: string | null;
  type: string;
  stage: Stage | null;
  at: number;
}

export class HistoryTally {
  connects = 0;
  restarts = 0;
  readonly stageDurations = new Histogram(STAGE_DURATION_BUCKETS);
  private lastId = 0;
  /** The stage each slice is in (from its last stage row) and since when; dropped at a terminal stage. */
  private readonly current = new Map<string, { stage: Stage; at: number }>();
  private readonly query: Database.Statement<[number, number], EventRow>;

  constructor(db: Database.Database) {
    this.query = db.prepare(`SELECT id, slice_id, type, stage, at FROM slice_events WHERE id > ? AND type IN ('stage', 'restart') ORDER BY id LIMIT ?`);
  }

  /** Reads the rows written since the last call. `liveSlices`: slice ids that still exist, to forget the others. */
  catchUp(liveSlices: ReadonlySet<string>): void {
    for (;;) {
      const rows = this.query.all(this.lastId, ROWS_PER_READ);
      for (const row of rows) this.count(row);
      if (rows.length === 0) break;
      this.lastId = rows.at(-1)!.id;
      if (rows.length < ROWS_PER_READ) break;
    }
    for (const sliceId of this.current.keys()) if (!liveSlices.has(sliceId)) this.current.delete(sliceId);
  }

  private count(row: EventRow): void {
    if (row.type === 'restart') {
      this.restarts += 1;
      return;
    }
    if (!row.stage || !row.slice_id) return;
    if (row.stage === 'pending') this.connects += 1;
    const before = this.current.get(row.slice_id);
    if (before && before.stage !== row.stage && CONNECT_STAGES.includes(before.stage)) {
      this.stageDurations.observe({ stage: before.stage }, Math.max(0, row.at - before.at) / 1000);
    }
    if (isTerminalStage(row.stage)) this.current.delete(row.slice_id);
    else if (before?.stage !== row.stage) this.current.set(row.slice_id, { stage: row.stage, at: row.at });
  }
}
