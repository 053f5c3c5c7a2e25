/**
 * The host never trusts a slice: a REAL hostile slice container (the slice image
 * with another entry script) answers with a huge body and then floods its event
 * stream with a line that never ends. The host's memory stays bounded, the account
 * goes down the health ladder (History rows, one restart, then `error`), and
 * another account on the same core, running the real slice, carries on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreInternals } from '../../src/main/core';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker } from '../helpers/docker';

const baseImage = process.env.SLICEDECK_IMAGE!;

/**
 * For the accounts named in HOSTILE_ACCOUNTS it serves the protocol's happy path
 * (health, initialize, one valid code) and then: a 256 MiB answer to GET /api/chats,
 * and after POST /api/sim/scan an event line that never ends (64 MiB at most, so a
 * broken host cannot hang the run). Every other account runs the real slice.
 */
const HOSTILE_SCRIPT = String.raw`
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
const id = process.env.SLICE_INSTANCE_ID;
if (!(process.env.HOSTILE_ACCOUNTS ?? '').split(',').includes(id)) {
  await import('/app/slice.mjs');
} else {
  // Like the real slice: the host writes the token file just after the start.
  for (let i = 0; i < 6000 && !fs.existsSync(process.env.SLICE_TOKEN_FILE); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  const token = fs.readFileSync(process.env.SLICE_TOKEN_FILE, 'utf8').trim();
  const address = Object.values(os.networkInterfaces()).flat().find((a) => a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';
  const started = Date.now();
  const streams = new Set();
  let flooding = false;
  const status = { state: 'connecting', driver: 'simulated', qr: null, authenticated: false, contacts: 0, queueDepth: 0, restarts: 0, error: null };
  const json = (res, code, body) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
  const pour = (res, total, label) => {
    const piece = 'x'.repeat(64 * 1024);
    let sent = 0;
    const more = () => {
      while (sent < total && !res.destroyed) {
        sent += piece.length;
        if (!res.write(piece)) return res.once('drain', more);
      }
    };
    res.on('close', () => console.log(JSON.stringify({ poured: label, bytes: sent })));
    more();
  };
  const flood = (res) => { res.write('event: qr\ndata: '); pour(res, 64 * 1024 * 1024, 'event'); };
  http.createServer((req, res) => {
    const authorized = req.headers.authorization === 'Bearer ' + token;
    if (req.url === '/health') return json(res, 200, authorized ? { ok: true, driver: 'simulated', instanceId: id, uptimeMs: Date.now() - started } : { ok: true });
    if (!authorized) return json(res, 401, { error: 'token' });
    if (req.url === '/api/status/initialize') return json(res, 202, status);
    if (req.url === '/api/status') return json(res, 200, status);
    if (req.url === '/api/sim/scan') {
      flooding = true;
      for (const stream of streams) flood(stream);
      return json(res, 200, status);
    }
    if (req.url === '/api/chats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      return pour(res, 256 * 1024 * 1024, 'answer');
    }
    if (req.url === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const now = Date.now();
      res.write(': connected\n\nevent: qr\ndata: ' + JSON.stringify({ payload: 'hostile-code', index: 1, total: 3, issuedAt: now, expiresAt: now + 120000 }) + '\n\n');
      streams.add(res);
      res.on('close', () => streams.delete(res));
      if (flooding) flood(res);
      return;
    }
    json(res, 404, { error: 'no' });
  }).listen(8080, address);
}
`;

let t: TestCore;
let hostileImage: string;
let buildDir: string;
let good: string;
let bad: string;

/** The host process's memory that a slice could make grow: JS heap plus Buffers. */
function hostMemory(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external + usage.arrayBuffers;
}

/** Samples hostMemory() every 20 ms while `work` runs; resolves with the peak growth. */
async function peakGrowthDuring(work: () => Promise<unknown>): Promise<number> {
  const before = hostMemory();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, hostMemory())), 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, hostMemory()) - before;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  // The ladder: one restart allowed, then `error`.
  t = await makeTestCore({ qrTtlMs: 60_000, maxSliceRestarts: 1 });
  good = (await t.call('accounts.add', { name: 'Good' })).id;
  bad = (await t.call('accounts.add', { name: 'Hostile' })).id;
  buildDir = mkdtempSync(join(tmpdir(), 'slicedeck-hostile-'));
  writeFileSync(join(buildDir, 'hostile.mjs'), HOSTILE_SCRIPT);
  writeFileSync(join(buildDir, 'Dockerfile'), `FROM ${baseImage}\nCOPY hostile.mjs /app/hostile.mjs\nENV HOSTILE_ACCOUNTS=${bad}\nCMD ["node", "/app/hostile.mjs"]\n`);
  hostileImage = `slicedeck-hostile-test:${t.homeId}`;
  const built = spawnSync('docker', ['build', '--quiet', '--force-rm', '-t', hostileImage, buildDir], { encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  if (built.status !== 0) throw new Error(`could not build the hostile slice image: ${built.stderr}`);
  t = await t.reopen({ qrTtlMs: 60_000, maxSliceRestarts: 1, image: hostileImage });
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
  if (hostileImage) await docker.getImage(hostileImage).remove({ force: true }).catch(() => undefined);
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

describe('a hostile slice', () => {
  it('gets its huge answer refused with words, the host reading no more than the limit', async () => {
    await t.call('slices.connect', { accountId: good });
    await t.call('slices.connect', { accountId: bad });
    await t.events.waitForStage(bad, 'qr');
    await t.events.waitForStage(good, 'qr');
    await t.call('sim.scan', { accountId: good });
    await t.events.waitForStage(good, 'ready');

    let refusal: unknown;
    const growth = await peakGrowthDuring(() => t.call('chats.list', { accountId: bad }).catch((error: unknown) => (refusal = error)));
    expect(refusal).toMatchObject({ code: 'slice_failed', message: expect.stringMatching(/broke the protocol on GET \/api\/chats \(an answer longer than the 1048576 bytes allowed\)/) });
    // The slice offered 256 MiB; the host held on to a few at most.
    expect(growth).toBeLessThan(64 * 1024 * 1024);
    const history = await t.call('slices.history', { accountId: bad });
    expect(history.some((row) => row.type === 'slice.protocol' && /answer longer than/.test(row.message ?? ''))).toBe(true);
  });

  it('has its endless event line dropped, goes down the ladder to error, and leaves the other account alone', async () => {
    const { slices } = coreInternals(t.core);
    // The refused answer already cost one step of the ladder: a restart. Wait until it is followed again.
    await until('the hostile slice to be restarted and followed again', async () => {
      const history = await t.call('slices.history', { accountId: bad });
      const view = await t.call('slices.view', { accountId: bad });
      return history.some((row) => row.type === 'restart') && view.sliceId !== undefined && slices.isFollowing(bad, view.sliceId) && !view.error;
    });

    let scan = '';
    const growth = await peakGrowthDuring(async () => {
      // The flood may be caught before the scan's own answer arrives: dropping the slice
      // then cuts that call too, which is fine — the outcome below is what matters.
      scan = await t.call('sim.scan', { accountId: bad }).then(
        () => 'answered',
        (error: { code?: string }) => error.code ?? 'thrown',
      );
      await t.events.waitForStage(bad, 'error');
    });
    expect(['answered', 'slice_unavailable']).toContain(scan);
    expect(growth).toBeLessThan(64 * 1024 * 1024);

    const view = await t.call('slices.view', { accountId: bad });
    expect(view).toMatchObject({ phase: 'error', error: expect.stringMatching(/The slice kept failing \(it broke the protocol: the event stream: an event longer than 1 MiB with no end/) });
    const history = await t.call('slices.history', { accountId: bad });
    expect(history.filter((row) => row.type === 'slice.protocol').map((row) => row.message)).toEqual([
      expect.stringMatching(/answer longer than/),
      expect.stringMatching(/the event stream: an event longer than 1 MiB/),
    ]);
    expect(await containersOfHome(t.homeId, { accountId: bad })).toHaveLength(0);

    // The other account never noticed.
    expect(await t.call('slices.view', { accountId: good })).toMatchObject({ phase: 'ready' });
    const chats = await t.call('chats.list', { accountId: good });
    expect(chats.length).toBeGreaterThan(0);
    const sent = await t.call('messages.send', { accountId: good, chatId: chats[0]!.id, text: 'still here' });
    expect(sent.status).toBe('sent');
  });
});
