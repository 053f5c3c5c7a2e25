/**
 * Issue 21 part 4 against a real slice in the real engine: `GET /metrics` of the web
 * server (its own token, the Host/Origin rules) reflects the slice that exists — phase,
 * connect, stage durations, its CPU and memory labelled by account id only — and
 * `slices.logs` returns the container's lines, follows a new one, and searches.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreInternals } from '../../src/main/core';
import { startWebServer, type WebServer } from '../../src/main/transport/web';
import { linkNewAccount, makeTestCore, type TestCore } from '../helpers/core';
import { parseExposition, type ParsedFamily } from '../helpers/prometheus-parse';

const PANEL_TOKEN = 'panel-token-for-metrics-0123456789';
const METRICS_TOKEN = 'metrics-token-of-its-own-0123456789';
const NAME = 'Metrics Person';

let t: TestCore;
let server: WebServer;
let rendererDir: string;
let accountId: string;

beforeAll(async () => {
  t = await makeTestCore({ simReplyDelayMs: 0 });
  rendererDir = mkdtempSync(join(tmpdir(), 'slicedeck-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>slicedeck</title>');
  server = await startWebServer({ core: t.core, port: 0, token: PANEL_TOKEN, metricsToken: METRICS_TOKEN, rendererDir });
  ({ accountId } = await linkNewAccount(t, NAME));
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.cleanup();
  if (rendererDir) rmSync(rendererDir, { recursive: true, force: true });
});

function scrape(headers: Record<string, string> = { Authorization: `Bearer ${METRICS_TOKEN}` }, init: RequestInit = {}, path = 'metrics') {
  return fetch(`${server.url}${path}`, { ...init, headers });
}

/** fetch() sets Host itself: a foreign one (DNS rebinding) needs node:http. */
function statusUnderHost(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: '/metrics', agent: false, timeout: 30_000, headers: { Host: host, Authorization: `Bearer ${METRICS_TOKEN}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end();
  });
}

const sample = (family: ParsedFamily | undefined, labels: Record<string, string>, name = family?.name) =>
  family?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('GET /metrics', () => {
  it('shows the running slice: its phase, its connect, its stages timed, its CPU and memory by account id', async () => {
    const response = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const families = parseExposition(text);

    expect(sample(families.get('slicedeck_slices'), { phase: 'ready' })?.value).toBe(1);
    expect(sample(families.get('slicedeck_slices'), { phase: 'setup' })?.value).toBe(0);
    expect(sample(families.get('slicedeck_connects_total'), {})?.value).toBe(1);
    expect(sample(families.get('slicedeck_outbox_depth'), {})?.value).toBe(0);
    const stages = families.get('slicedeck_connect_stage_duration_seconds');
    for (const stage of ['pending', 'starting', 'waiting_for_health', 'initializing', 'qr']) {
      expect(sample(stages, { stage }, 'slicedeck_connect_stage_duration_seconds_count')?.value, stage).toBe(1);
    }
    const memory = sample(families.get('slicedeck_slice_memory_bytes'), { account_id: accountId });
    expect(memory?.value).toBeGreaterThan(0);
    expect(sample(families.get('slicedeck_slice_memory_limit_bytes'), { account_id: accountId })?.value).toBe(t.core.config.sliceMemoryBytes);
    expect(families.get('slicedeck_slice_cpu_percent')).toBeDefined();
    // Labelled by account id only: never the account's name.
    expect(text).not.toContain(NAME);
  });

  it('counts the webhook events still waiting in the durable queue', async () => {
    const backlog = async () => sample(parseExposition(await (await scrape()).text()).get('slicedeck_webhook_backlog'), {})?.value;
    expect(await backlog()).toBe(0);
    // A webhook on loopback's discard port, whose event waits in the queue (enqueued as the feed does).
    const { webhookStore } = coreInternals(t.core).gateway;
    const { info } = webhookStore.add('http://127.0.0.1:9/metrics-test', accountId, ['message.incoming'], Date.now());
    try {
      webhookStore.enqueue([info.id], 'evt_metrics_test', accountId, 'message.incoming', '{}', Date.now() + 3_600_000);
      expect(await backlog()).toBe(1);
    } finally {
      webhookStore.remove(info.id);
    }
    expect(await backlog()).toBe(0);
  });

  it('opens for its own token only, by header, and keeps the web server’s Host and Origin rules', async () => {
    expect((await scrape({})).status).toBe(401);
    expect((await scrape({ Authorization: `Bearer ${PANEL_TOKEN}` })).status).toBe(401);
    const refused = await scrape({}, {}, `metrics?token=${METRICS_TOKEN}`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toMatch(/metrics token is missing or wrong/);
    expect(await statusUnderHost(`evil.example:${server.port}`)).toBe(403);
    expect(await statusUnderHost(`127.0.0.1:${server.port}`)).toBe(200);
    expect((await scrape({ Authorization: `Bearer ${METRICS_TOKEN}`, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await scrape({ Authorization: `Bearer ${METRICS_TOKEN}` }, { method: 'POST', body: 'x' })).status).toBe(405);
    // The metrics token opens nothing of the panel.
    const rpc = await fetch(`${server.url}api/rpc/accounts.list`, { method: 'POST', headers: { Authorization: `Bearer ${METRICS_TOKEN}`, 'Content-Type': 'application/json' }, body: '{}' });
    expect(rpc.status).toBe(401);
  });
});

describe('slices.logs', () => {
  it('returns the container’s own lines, follows a new one, and searches', async () => {
    const first = await t.call('slices.logs', { accountId });
    expect(first.running).toBe(true);
    expect(first.lines.some((line) => line.text.includes('"event":"listening"'))).toBe(true);
    expect(first.lines.every((line) => typeof line.at === 'number')).toBe(true);
    const seen = new Set(first.lines.map((line) => `${line.at} ${line.text}`));

    // The link drops and comes back (the simulated phone): the slice writes its transitions, and the next read shows them.
    await t.call('sim.fault', { accountId, kind: 'drop_link' });
    let fresh: string[] = [];
    for (let i = 0; i < 60 && !fresh.some((text) => text.includes('"event":"transition"')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      fresh = (await t.call('slices.logs', { accountId })).lines.filter((line) => !seen.has(`${line.at} ${line.text}`)).map((line) => line.text);
    }
    expect(fresh.some((text) => text.includes('"event":"transition"'))).toBe(true);

    const transitions = (await t.call('slices.logs', { accountId })).lines.filter((line) => line.text.includes('"event":"transition"')).length;
    const searched = await t.call('slices.logs', { accountId, query: 'EVENT":"TRANSITION' });
    expect(searched.lines.length).toBeGreaterThanOrEqual(transitions);
    expect(searched.lines.length).toBeGreaterThan(0);
    expect(searched.lines.every((line) => line.text.includes('"event":"transition"'))).toBe(true);
    expect(searched.omitted).toBeGreaterThan(0);
    const limited = await t.call('slices.logs', { accountId, limit: 2 });
    expect(limited.lines).toHaveLength(2);

    const nothing = await t.call('slices.logs', { accountId, query: 'no line says this 7c1f' });
    expect(nothing.lines).toEqual([]);
    // The slice's token never leaves in a line.
    const token = coreInternals(t.core).store.getSlice(accountId)!.token!;
    expect(JSON.stringify(await t.call('slices.logs', { accountId }))).not.toContain(token);
  });

  it('says there is nothing to read for an account without a slice, and refuses bad input with words', async () => {
    const idle = await t.call('accounts.add', { name: 'No slice' });
    const page = await t.call('slices.logs', { accountId: idle.id });
    expect(page).toMatchObject({ running: false, lines: [] });
    expect(page.words).toMatch(/no slice running/);
    await expect(t.call('slices.logs', { accountId, query: 'x'.repeat(201) })).rejects.toThrow(/at most 200 characters/);
    await expect(t.call('slices.logs', { accountId, limit: 501 })).rejects.toThrow(/at most 500/);
    await expect(t.call('slices.logs', { accountId: 'acc_doesnotexist' })).rejects.toThrow(/no such account/);
  });
});
