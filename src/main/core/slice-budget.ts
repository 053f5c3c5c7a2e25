/**
 * What one slice may send the host per second: events and bytes on its event stream
 * (issue 19: a compromised slice sent 9,000 valid events a second, or megabytes of
 * unknown ones, and the host spent a core and a disk on them). Two token buckets, each
 * holding `BUDGET_BURST_SECONDS` worth, so a burst (a replay, a busy minute) passes and
 * only a sustained flood runs dry. Going over is a protocol breach (slice-client.ts).
 *
 * The defaults sit far above a real account: WhatsApp Web delivers a busy account's
 * messages and acks at tens a second at most, each event well under 4 KB.
 */
import { HOST_SETTINGS } from '@shared/host-settings';

/** Events a second a slice may send, sustained (SLICEDECK_SLICE_EVENTS_PER_SECOND). */
export const DEFAULT_SLICE_EVENTS_PER_SECOND = HOST_SETTINGS.sliceEventsPerSecond.default;
/** Bytes a second a slice may send on its event stream, sustained (SLICEDECK_SLICE_BYTES_PER_SECOND). */
export const DEFAULT_SLICE_BYTES_PER_SECOND = HOST_SETTINGS.sliceBytesPerSecond.default;
/**
 * Events a second that make the host write (History rows, notes: `disconnected`, `state`,
 * codes, errors), sustained (SLICEDECK_SLICE_HISTORY_PER_SECOND). Far fewer than events in
 * all: a real account writes a row every few seconds at most (a code every 20 s, a drop now
 * and then), and each write costs the host a disk sync, so a flood of them would be slowed by
 * the host itself below any events budget and go on for ever (issue 19).
 */
export const DEFAULT_SLICE_HISTORY_PER_SECOND = HOST_SETTINGS.sliceHistoryPerSecond.default;
/** How many seconds of any budget a slice may spend at once before the rate counts. */
export const BUDGET_BURST_SECONDS = 10;

export interface SliceBudgetLimits {
  eventsPerSecond: number;
  bytesPerSecond: number;
}

export const DEFAULT_SLICE_BUDGET: SliceBudgetLimits = {
  eventsPerSecond: DEFAULT_SLICE_EVENTS_PER_SECOND,
  bytesPerSecond: DEFAULT_SLICE_BYTES_PER_SECOND,
};

/** One token bucket: `perSecond` refill, `perSecond × BUDGET_BURST_SECONDS` capacity, full at the start. */
export class RateBudget {
  private level: number;
  private at: number;
  private readonly capacity: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.capacity = perSecond * BUDGET_BURST_SECONDS;
    this.level = this.capacity;
    this.at = now();
  }

  /** Takes `amount`; false once the bucket is overdrawn. */
  spend(amount: number): boolean {
    const now = this.now();
    if (now > this.at) {
      this.level = Math.min(this.capacity, this.level + ((now - this.at) * this.perSecond) / 1000);
      this.at = now;
    }
    this.level -= amount;
    return this.level >= 0;
  }
}

/** A slice's budget on one event stream; each spend returns null, or words saying what was overspent. */
export class SliceBudget {
  private readonly events: RateBudget;
  private readonly bytes: RateBudget;

  constructor(
    private readonly limits: SliceBudgetLimits = DEFAULT_SLICE_BUDGET,
    now: () => number = Date.now,
  ) {
    this.events = new RateBudget(limits.eventsPerSecond, now);
    this.bytes = new RateBudget(limits.bytesPerSecond, now);
  }

  event(): string | null {
    if (this.events.spend(1)) return null;
    return `more than ${this.limits.eventsPerSecond} events a second for ${BUDGET_BURST_SECONDS} s, over its budget (SLICEDECK_SLICE_EVENTS_PER_SECOND)`;
  }

  received(byteCount: number): string | null {
    if (this.bytes.spend(byteCount)) return null;
    return `more than ${exactSize(this.limits.bytesPerSecond)} a second for ${BUDGET_BURST_SECONDS} s, over its budget (SLICEDECK_SLICE_BYTES_PER_SECOND)`;
  }
}

export function historyOverspentWords(perSecond: number): string {
  return `more than ${perSecond} events a second that write History (drops, states, codes, errors) for ${BUDGET_BURST_SECONDS} s, over its budget (SLICEDECK_SLICE_HISTORY_PER_SECOND)`;
}

/** A configured limit said exactly (`2 MiB`, `1536 KiB`), never rounded as @shared/file-size's formatBytes does a file's size. */
function exactSize(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
