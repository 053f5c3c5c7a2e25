/**
 * What a slice's flood costs the host once the issue-19 defences are in (no Docker: the
 * parser and the store, in this process): 1 MiB events of an unknown name skipped by the
 * SSE parser against known events of the same size parsed (MB/s and the most it held),
 * and one History write — distinct rows at the cap (each drops the oldest) and a repeat
 * counted on the last row — against the same writes before the cap.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SseParser } from '../src/main/core/sse-parser';
import { Store } from '../src/main/core/db/store';

type Row = (metric: string, value: string, target?: string, ok?: boolean) => void;

function parserMBps(known: boolean): { mbps: number; held: number } {
  const payload = `"${'x'.repeat(1024 * 1024)}"`;
  const frame = `event: ${known ? 'qr' : 'from-the-future'}\ndata: ${payload}\n\n`;
  const parser = new SseParser(() => undefined, { maxMessageChars: 2 * 1024 * 1024, isKnownEvent: (name) => name === 'qr' });
  const chunk = 64 * 1024;
  const events = 64;
  const started = performance.now();
  for (let e = 0; e < events; e++) for (let at = 0; at < frame.length; at += chunk) parser.feed(frame.slice(at, at + chunk));
  const seconds = (performance.now() - started) / 1000;
  return { mbps: (events * frame.length) / (1024 * 1024) / seconds, held: parser.peakHeldChars };
}

function historyMicros(kind: 'before cap' | 'at cap' | 'repeat'): number {
  const dir = mkdtempSync(join(tmpdir(), 'slicedeck-bench-floods-'));
  const store = new Store(dir, Date.now, { historyCap: kind === 'before cap' ? 1_000_000 : 1_000 });
  try {
    store.addAccount('acc_bench', 'Bench');
    const reason = (i: number) => (kind === 'repeat' ? 'the same reason' : `reason ${i}`).padEnd(4_096, 'x');
    // Fill to the cap first, so 'at cap' drops a row with every write.
    if (kind === 'at cap') for (let i = 0; i < 1_000; i++) store.record({ accountId: 'acc_bench', sliceId: 'slc_bench', type: 'disconnected', message: reason(-i - 1) });
    const rows = 1_000;
    const started = performance.now();
    for (let i = 0; i < rows; i++) store.record({ accountId: 'acc_bench', sliceId: 'slc_bench', type: 'disconnected', message: reason(i) });
    return ((performance.now() - started) * 1000) / rows;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function floodFigures(row: Row): Record<string, unknown> {
  console.log('\nFloods (issue 19): what a flooding slice costs the host, in this process');
  const unknown = parserMBps(false);
  const known = parserMBps(true);
  row('SSE parser, 1 MiB events of an unknown name (skipped)', `${unknown.mbps.toFixed(0)} MB/s, held ${unknown.held} chars`);
  row('SSE parser, 1 MiB events of a known name (kept)', `${known.mbps.toFixed(0)} MB/s, held ${known.held} chars`);
  const history = { beforeCap: historyMicros('before cap'), atCap: historyMicros('at cap'), repeat: historyMicros('repeat') };
  row('History write, 4 KB rows, before the cap (µs/row)', history.beforeCap.toFixed(0));
  row('History write, 4 KB rows, at the cap: drops one (µs/row)', history.atCap.toFixed(0));
  row('History write, the same row again: counted (µs/row)', history.repeat.toFixed(0));
  return { parser: { unknown, known }, historyMicrosPerRow: history };
}
