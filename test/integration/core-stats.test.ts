/**
 * The Dashboard's numbers (PRODUCT §4) on the real engine with real slice
 * containers: Docker stats per slice, a bounded memory history, live `stats`
 * events while someone asks, and no engine traffic for stats when nobody does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SliceStats } from '@shared/types';
import { linkNewAccount, makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome } from '../helpers/docker';
import { DockerSocketProxy } from '../helpers/docker-socket-proxy';
import { coreInternals } from '../../src/main/core';

const HISTORY = 3;
const SLICE_MEMORY = 256 * 1024 * 1024;

/** Bounded: fails with words instead of hanging when the sampler never settles. */
async function idle(t: TestCore, timeoutMs = 20_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    coreInternals(t.core).stats.whenIdle(),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the stats sampler was still busy after ${timeoutMs} ms`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

const entryOf = (entries: SliceStats[], accountId: string) => entries.find((e) => e.accountId === accountId);

describe('slice stats, sampled while the Dashboard asks', () => {
  let t: TestCore;
  let alice: string;
  beforeAll(async () => {
    // Codes live long enough that no slice expires while the tests look at it.
    t = await makeTestCore({ qrTtlMs: 60_000, statsIntervalMs: 300, statsHistory: HISTORY });
    alice = (await linkNewAccount(t, 'Alice')).accountId;
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('makes no Docker stats calls while nobody has asked, through a whole connect flow', async () => {
    const sampler = coreInternals(t.core).stats;
    // The connect above emitted plenty of slice events; none of them started any sampling.
    expect(t.events.of('slice').length).toBeGreaterThan(5);
    expect(sampler.counters).toEqual({ rounds: 0, engineCalls: 0 });
    expect(sampler.active).toBe(false);
    expect(t.events.of('stats')).toEqual([]);
  });

  it('answers slices.stats with Docker’s numbers for the running slice', async () => {
    const [container] = await containersOfHome(t.homeId, { accountId: alice });
    const view = await t.call('slices.view', { accountId: alice });
    const entries = await t.call('slices.stats');
    const entry = entryOf(entries, alice);
    expect(entry).toBeDefined();
    expect(entry).toMatchObject({ sliceId: view.sliceId, sliceRef: container!.Id, restarts: 0, memoryLimitBytes: SLICE_MEMORY });
    expect(entry!.memoryBytes).toBeGreaterThan(0);
    expect(entry!.memoryBytes).toBeLessThan(SLICE_MEMORY);
    expect(typeof entry!.cpuPercent).toBe('number');
    expect(entry!.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(entry!.uptimeMs).toBeGreaterThan(0);
    expect(entry!.startedAt).toBeLessThanOrEqual(entry!.sampledAt);
    expect(entry!.memoryHistory).toEqual([{ at: entry!.sampledAt, bytes: entry!.memoryBytes }]);
    // The answer came from a round, and that round was announced too.
    expect(coreInternals(t.core).stats.counters.rounds).toBeGreaterThanOrEqual(1);
    await t.events.waitFor('stats', (list) => entryOf(list, alice) !== undefined, 30_000, 'a stats event with Alice');
  });

  it('keeps sampling while interest lasts; the memory history grows, then stays bounded', async () => {
    const full = await t.events.waitFor('stats', (list) => entryOf(list, alice)?.memoryHistory.length === HISTORY, 20_000, `${HISTORY} memory samples`);
    const before = entryOf(full, alice)!.memoryHistory;
    t.events.clear();
    // Two more rounds: still HISTORY points, the oldest dropped, newest last.
    const later = await t.events.waitFor('stats', (list) => (entryOf(list, alice)?.memoryHistory[0]?.at ?? 0) > before[1]!.at, 20_000, 'two more rounds');
    const history = entryOf(later, alice)!.memoryHistory;
    expect(history).toHaveLength(HISTORY);
    expect(history.map((p) => p.at)).toEqual([...history.map((p) => p.at)].sort((a, b) => a - b));
    expect(new Set(history.map((p) => p.at)).size).toBe(HISTORY);
    for (const point of history) expect(point.bytes).toBeGreaterThan(0);
  });

  it('drops a destroyed slice at once, and goes quiet when the last one is gone', async () => {
    const bob = (await linkNewAccount(t, 'Bob')).accountId;
    await t.call('slices.stats');
    await t.events.waitFor('stats', (list) => entryOf(list, bob) !== undefined && entryOf(list, alice) !== undefined, 20_000, 'stats with Alice and Bob');

    await t.call('slices.destroy', { accountId: bob });
    const answer = await t.call('slices.stats');
    expect(entryOf(answer, bob)).toBeUndefined();
    expect(entryOf(answer, alice)).toBeDefined();
    t.events.clear();
    const after = await t.events.waitFor('stats', (list) => entryOf(list, bob) === undefined, 20_000, 'a stats event without Bob');
    expect(entryOf(after, alice)).toBeDefined();

    // The last slice goes: one empty `stats` so the page clears, then no more rounds.
    await t.call('slices.destroy', { accountId: alice });
    await t.events.waitFor('stats', (list) => list.length === 0, 20_000, 'an empty stats event');
    await idle(t);
    expect(await t.call('slices.stats')).toEqual([]);
  });
});

describe('slice stats, when interest lapses or Docker goes away', () => {
  let t: TestCore;
  let proxy: DockerSocketProxy;
  let socketDir: string;
  let carol: string;
  beforeAll(async () => {
    socketDir = mkdtempSync(join(tmpdir(), 'slicedeck-sock-'));
    proxy = new DockerSocketProxy(join(socketDir, 'docker.sock'));
    await proxy.restore();
    t = await makeTestCore({ qrTtlMs: 60_000, statsIntervalMs: 300, statsInterestMs: 1_000 }, { docker: { socketPath: proxy.path } });
    const account = await t.call('accounts.add', { name: 'Carol' });
    carol = account.id;
    await t.call('slices.connect', { accountId: carol });
    await t.events.waitForStage(carol, 'qr');
  });
  afterAll(async () => {
    await proxy?.restore();
    await t?.cleanup();
    rmSync(socketDir, { recursive: true, force: true });
  });

  it('stops when interest lapses, and slice changes afterwards do not start it again', async () => {
    const sampler = coreInternals(t.core).stats;
    expect(entryOf(await t.call('slices.stats'), carol)?.memoryBytes).toBeGreaterThan(0);
    await idle(t);
    const { rounds, engineCalls } = sampler.counters;
    expect(rounds).toBeGreaterThanOrEqual(1);

    // Plenty of slice events (linking, contacts, ready) with nobody looking at the Dashboard.
    await t.call('sim.scan', { accountId: carol });
    await t.events.waitForStage(carol, 'ready');
    expect(sampler.active).toBe(false);
    expect(sampler.counters).toEqual({ rounds, engineCalls });
  });

  it('survives Docker going away: the round is skipped, the last numbers are kept, sampling resumes after', async () => {
    const sampler = coreInternals(t.core).stats;
    expect(entryOf(await t.call('slices.stats'), carol)?.memoryBytes).toBeGreaterThan(0);
    await idle(t);
    const before = entryOf(t.events.of('stats').at(-1)!, carol);
    expect(before?.memoryBytes).toBeGreaterThan(0);

    await proxy.cut();
    const roundsBefore = sampler.counters.rounds;
    const eventsBefore = t.events.of('stats').length;
    // A request during the outage answers with the last reading instead of failing…
    const during = await t.call('slices.stats');
    expect(entryOf(during, carol)).toEqual(before);
    // …and the rounds it keeps going until interest lapses fail quietly: no event, no crash.
    await idle(t);
    expect(sampler.counters.rounds).toBeGreaterThan(roundsBefore);
    expect(t.events.of('stats').length).toBe(eventsBefore);

    await proxy.restore();
    const after = await t.call('slices.stats');
    expect(entryOf(after, carol)!.sampledAt).toBeGreaterThan(before!.sampledAt);
    expect(entryOf(after, carol)!.memoryHistory.length).toBeGreaterThan(before!.memoryHistory.length);
  });
});
