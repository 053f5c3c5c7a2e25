/**
 * /metrics' text (issue 21 part 4) against the rules of Prometheus' exposition format
 * 0.0.4, read back by a parser written from those rules (test/helpers/prometheus-parse.ts);
 * and the History tally that feeds connects, restarts and stage durations, on a real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Histogram, renderExposition, type MetricFamily } from '../../../src/main/core/metrics/prometheus-text';
import { HistoryTally } from '../../../src/main/core/metrics/history-tally';
import { Store } from '../../../src/main/core/db/store';
import { parseExposition } from '../../helpers/prometheus-parse';

describe('the exposition text', () => {
  it('reads back exactly: HELP and label values with backslashes, quotes and newlines escaped', () => {
    const awkward = 'a\\b "quoted"\nsecond line';
    const families: MetricFamily[] = [
      { name: 'demo_gauge', help: 'Help with a \\ backslash\nand a newline.', type: 'gauge', samples: [{ labels: { account_id: awkward, phase: 'ready' }, value: 1.5 }, { labels: { account_id: 'acc_plain' }, value: NaN }] },
      { name: 'demo_total', help: 'A counter.', type: 'counter', samples: [{ value: 3 }] },
    ];
    const text = renderExposition(families);
    const parsed = parseExposition(text);
    expect(parsed.get('demo_gauge')!.help).toBe('Help with a \\ backslash\nand a newline.');
    expect(parsed.get('demo_gauge')!.samples[0]).toEqual({ name: 'demo_gauge', labels: { account_id: awkward, phase: 'ready' }, value: 1.5 });
    expect(parsed.get('demo_gauge')!.samples[1]!.value).toBeNaN();
    expect(parsed.get('demo_total')).toMatchObject({ type: 'counter', samples: [{ value: 3, labels: {} }] });
    // One sample per line: an unescaped newline in a value would have broken this.
    expect(text.split('\n').filter((line) => line.startsWith('demo_gauge{')).length).toBe(2);
  });

  it('writes a histogram as cumulative buckets ending in +Inf, with _sum and _count', () => {
    const histogram = new Histogram([0.1, 1, 10]);
    for (const value of [0.05, 0.5, 0.5, 5, 50]) histogram.observe({ stage: 'starting' }, value);
    histogram.observe({ stage: 'qr' }, 2);
    const parsed = parseExposition(renderExposition([{ name: 'demo_seconds', help: 'Durations.', type: 'histogram', samples: histogram.samples() }]));
    const starting = parsed.get('demo_seconds')!.samples.filter((s) => s.labels.stage === 'starting');
    expect(starting.filter((s) => s.name === 'demo_seconds_bucket').map((s) => [s.labels.le, s.value])).toEqual([
      ['0.1', 1],
      ['1', 3],
      ['10', 4],
      ['+Inf', 5],
    ]);
    expect(starting.find((s) => s.name === 'demo_seconds_sum')!.value).toBeCloseTo(56.05);
    expect(starting.find((s) => s.name === 'demo_seconds_count')!.value).toBe(5);
  });

  it('refuses names the format does not allow, where they are written', () => {
    expect(() => renderExposition([{ name: 'bad-name', help: 'x', type: 'gauge', samples: [] }])).toThrow(/not a valid Prometheus metric name/);
    expect(() => renderExposition([{ name: 'ok', help: 'x', type: 'gauge', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] }])).toThrow(/label name/);
    expect(() => renderExposition([{ name: 'ok', help: 'x', type: 'gauge', samples: [{ labels: { __reserved: 'x' }, value: 1 }] }])).toThrow(/label name/);
    expect(() => renderExposition([{ name: 'ok', help: 'x', type: 'gauge', samples: [] }, { name: 'ok', help: 'y', type: 'gauge', samples: [] }])).toThrow(/twice/);
  });

  it('the parser itself refuses what breaks the rules (so passing it means something)', () => {
    expect(() => parseExposition('x 1\n')).toThrow(/without HELP and TYPE/);
    expect(() => parseExposition('# HELP x h\n# TYPE x gauge\nx{a="b\\q"} 1\n')).toThrow(/bad escape/);
    expect(() => parseExposition('# HELP x h\n# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n')).toThrow(/twice/);
    expect(() => parseExposition('# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/cumulative/);
  });
});

describe('the History tally (connects, restarts, stage durations)', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('counts each connect once and times each stage to the next, reading only new rows each time', () => {
    dir = mkdtempSync(join(tmpdir(), 'slicedeck-metrics-'));
    let now = 1_000_000;
    const store = new Store(dir, () => now);
    try {
      store.addAccount('acc_metrics1', 'Metrics');
      store.beginAttempt('acc_metrics1', 'slc_one');
      now += 200;
      store.setStage('acc_metrics1', 'slc_one', 'starting');
      now += 3_000;
      store.setStage('acc_metrics1', 'slc_one', 'qr');
      const tally = new HistoryTally(store.handle());
      tally.catchUp(new Set(['slc_one']));
      expect(tally.connects).toBe(1);
      now += 40_000;
      store.setStage('acc_metrics1', 'slc_one', 'ready');
      store.record({ accountId: 'acc_metrics1', sliceId: 'slc_one', type: 'restart', stage: 'ready', message: 'restarting it (1)…' });
      tally.catchUp(new Set(['slc_one']));
      tally.catchUp(new Set(['slc_one']));
      expect(tally.connects).toBe(1);
      expect(tally.restarts).toBe(1);
      const samples = tally.stageDurations.samples();
      const sumOf = (stage: string) => samples.find((s) => s.suffix === '_sum' && s.labels?.stage === stage)?.value;
      expect(sumOf('pending')).toBeCloseTo(0.2);
      expect(sumOf('starting')).toBeCloseTo(3);
      expect(sumOf('qr')).toBeCloseTo(40);
      // Ready is where a connect ends, not one of its stages.
      expect(sumOf('ready')).toBeUndefined();
    } finally {
      store.close();
    }
  });
});
