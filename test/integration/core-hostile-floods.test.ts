/**
 * Issue 19, findings 4 and 5: a compromised slice floods the host with VALID events
 * (`disconnected` with 4 KB reasons, distinct or all the same; `message.ack`s) or with
 * 1 MB events of a name the host does not know. A REAL hostile slice container (the slice
 * image with another entry script, as in core-hostile-slice.test.ts) does it; the host's
 * per-slice budgets end each flood as a protocol breach with words, History stays within
 * its cap (one row saying how many went, repeats counted on one row), the database stays
 * small, and unknown events leave no trace but the breach.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker } from '../helpers/docker';

const baseImage = process.env.SLICEDECK_IMAGE!;

/**
 * HOSTILE_MODES maps account ids to a flood. The slice says it is linked (authenticated,
 * ready), and half a second after the host follows it pours: `distinct` — `disconnected`
 * events with a distinct 4 KB reason each; `same` — one 4 KB reason again and again;
 * `acks` — small valid `message.ack` events (they write nothing);
 * `unknown` — 1 MiB events named `from-the-future`. Each stops at 64 MiB poured, so a
 * broken host cannot make the run endless. Health answers like the real slice.
 */
const HOSTILE_SCRIPT = String.raw`
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
const id = process.env.SLICE_INSTANCE_ID;
const mode = Object.fromEntries((process.env.HOSTILE_MODES ?? '').split(',').map((pair) => pair.split(':')))[id];
for (let i = 0; i < 6000 && !fs.existsSync(process.env.SLICE_TOKEN_FILE); i++) await new Promise((resolve) => setTimeout(resolve, 5));
const token = fs.readFileSync(process.env.SLICE_TOKEN_FILE, 'utf8').trim();
const address = Object.values(os.networkInterfaces()).flat().find((a) => a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';
const started = Date.now();
const status = { state: 'ready', driver: 'simulated', qr: null, authenticated: true, contacts: 0, queueDepth: 0, restarts: 0, error: null };
const json = (res, code, body) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
const pad = (text, size) => text + 'x'.repeat(size - text.length);
const frameOf = (i) =>
  mode === 'unknown'
    ? 'event: from-the-future\ndata: "' + pad('', 1024 * 1024) + '"\n\n'
    : mode === 'acks'
      ? 'event: message.ack\ndata: ' + JSON.stringify({ messageId: 'hostile-' + i, ack: 1 }) + '\n\n'
      : 'event: disconnected\ndata: ' + JSON.stringify({ reason: pad(mode === 'same' ? 'the same reason ' : 'reason ' + i + ' ', 4000) }) + '\n\n';
const pour = (res) => {
  let sent = 0;
  let i = 0;
  const more = () => {
    while (sent < 64 * 1024 * 1024 && !res.destroyed) {
      const frame = frameOf(i++);
      sent += frame.length;
      if (!res.write(frame)) return res.once('drain', more);
    }
  };
  res.on('close', () => console.log(JSON.stringify({ poured: mode, bytes: sent, events: i })));
  more();
};
http.createServer((req, res) => {
  const authorized = req.headers.authorization === 'Bearer ' + token;
  if (req.url === '/health') return json(res, 200, authorized ? { ok: true, driver: 'simulated', instanceId: id, uptimeMs: Date.now() - started } : { ok: true });
  if (!authorized) return json(res, 401, { error: 'token' });
  if (req.url === '/api/status/initialize' || req.url === '/api/status') return json(res, req.url === '/api/status' ? 200 : 202, status);
  if (req.url === '/api/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': connected\n\nevent: authenticated\ndata: {}\n\nevent: ready\ndata: {}\n\n');
    setTimeout(() => pour(res), 500);
    return;
  }
  json(res, 404, { error: 'no' });
}).listen(8080, address);
`;

/** Below the History budget's burst (5 a second × 10 s), so a flood reaches it before its breach. */
const HISTORY_CAP = 40;
let t: TestCore;
let hostileImage: string;
let buildDir: string;
const accounts: Record<'distinct' | 'same' | 'acks' | 'unknown', string> = { distinct: '', same: '', acks: '', unknown: '' };

beforeAll(async () => {
  // Default budgets; no restart, so a breach ends in `error` at once; a small History cap to reach.
  const config = { maxSliceRestarts: 0, historyCap: HISTORY_CAP };
  t = await makeTestCore(config);
  for (const mode of Object.keys(accounts) as (keyof typeof accounts)[]) accounts[mode] = (await t.call('accounts.add', { name: `Hostile ${mode}` })).id;
  buildDir = mkdtempSync(join(tmpdir(), 'slicedeck-hostile-floods-'));
  writeFileSync(join(buildDir, 'hostile.mjs'), HOSTILE_SCRIPT);
  const modes = Object.entries(accounts).map(([mode, id]) => `${id}:${mode}`).join(',');
  writeFileSync(join(buildDir, 'Dockerfile'), `FROM ${baseImage}\nCOPY hostile.mjs /app/hostile.mjs\nENV HOSTILE_MODES=${modes}\nCMD ["node", "/app/hostile.mjs"]\n`);
  hostileImage = `slicedeck-hostile-floods-test:${t.homeId}`;
  const built = spawnSync('docker', ['build', '--quiet', '--force-rm', '-t', hostileImage, buildDir], { encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  if (built.status !== 0) throw new Error(`could not build the hostile slice image: ${built.stderr}`);
  t = await t.reopen({ ...config, image: hostileImage });
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
  if (hostileImage) await docker.getImage(hostileImage).remove({ force: true }).catch(() => undefined);
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

/** The database file and its write-ahead log, in bytes. */
function databaseBytes(): number {
  const size = (name: string) => {
    try {
      return statSync(join(t.dataDir, name)).size;
    } catch {
      return 0;
    }
  };
  return size('slicedeck.db') + size('slicedeck.db-wal');
}

describe('a slice flooding the host with events', () => {
  it('has a flood of valid events with distinct 4 KB reasons ended by the History budget, with History capped and the database small', async () => {
    const accountId = accounts.distinct;
    await t.call('slices.connect', { accountId });
    const failed = await t.events.waitForStage(accountId, 'error', 90_000);
    expect(failed.error).toMatch(
      /The slice kept failing \(it broke the protocol: the event stream: more than 5 events a second that write History \(drops, states, codes, errors\) for 10 s, over its budget \(SLICEDECK_SLICE_HISTORY_PER_SECOND\)/,
    );

    const history = await t.call('slices.history', { accountId });
    // The cap, the row saying what went first, the breach among the newest.
    expect(history.length).toBeLessThanOrEqual(HISTORY_CAP);
    expect(history[0]).toMatchObject({ type: 'history.trimmed', message: expect.stringMatching(/^\d+ older History rows? (was|were) dropped to keep the newest 40/) });
    expect(history.some((row) => row.type === 'slice.protocol' && /write History/.test(row.message ?? ''))).toBe(true);
    // The whole flood written would be 64 MiB of rows.
    expect(databaseBytes()).toBeLessThan(16 * 1024 * 1024);
    expect(await containersOfHome(t.homeId, { accountId })).toHaveLength(0);
  }, 120_000);

  it('counts the same 4 KB reason again and again on one row', async () => {
    const accountId = accounts.same;
    await t.call('slices.connect', { accountId });
    await t.events.waitForStage(accountId, 'error', 90_000);
    const history = await t.call('slices.history', { accountId });
    const repeated = history.filter((row) => row.type === 'disconnected');
    expect(repeated).toHaveLength(1);
    // The History budget's burst (50), each counted on the one row.
    expect(repeated[0]!.repeats).toBeGreaterThanOrEqual(40);
    expect(repeated[0]!.message).toMatch(/^The slice said: the same reason x+$/);
  }, 120_000);

  it('has a flood of small valid events that write nothing ended by the events budget, with words', async () => {
    const accountId = accounts.acks;
    await t.call('slices.connect', { accountId });
    const failed = await t.events.waitForStage(accountId, 'error', 90_000);
    expect(failed.error).toMatch(/it broke the protocol: the event stream: more than 500 events a second for 10 s, over its budget \(SLICEDECK_SLICE_EVENTS_PER_SECOND\)/);
    const history = await t.call('slices.history', { accountId });
    expect(history.filter((row) => row.type === 'slice.protocol').map((row) => row.message)).toEqual([expect.stringMatching(/more than 500 events a second/)]);
  }, 120_000);

  it('skips 1 MB events of an unknown name unread, and ends the flood by the bytes budget with no row per event', async () => {
    const accountId = accounts.unknown;
    await t.call('slices.connect', { accountId });
    const failed = await t.events.waitForStage(accountId, 'error', 90_000);
    expect(failed.error).toMatch(/it broke the protocol: the event stream: more than 2 MiB a second for 10 s, over its budget \(SLICEDECK_SLICE_BYTES_PER_SECOND\)/);
    const history = await t.call('slices.history', { accountId });
    // Connect's own rows and the breach: nothing per unknown event, and no other breach (no 1 MiB limit hit: nothing was kept).
    expect(history.length).toBeLessThan(30);
    expect(history.filter((row) => row.type === 'slice.protocol').map((row) => row.message)).toEqual([expect.stringMatching(/more than 2 MiB a second/)]);
  }, 120_000);
});
