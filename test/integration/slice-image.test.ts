/**
 * The slice image, for real: built without a registry, run by the Docker engine,
 * spoken to through its published loopback port like the host does.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SliceHealth, SliceStatus } from '@shared/slice-protocol';
import { EventTap, request } from '../unit/slice/harness';

const run = promisify(execFile);
const script = new URL('../../scripts/slice-image.mjs', import.meta.url).href;
const { ensureSliceImage, dockerCli, imageLabel } = (await import(script)) as {
  ensureSliceImage: (opts?: { force?: boolean; log?: (line: string) => void }) => Promise<{ image: string; built: boolean; hash: string; ms: number }>;
  dockerCli: () => string;
  imageLabel: (image: string, label: string) => Promise<string | null>;
};

const docker = (...args: string[]) => run(dockerCli(), args).then(({ stdout }) => stdout.trim());
const token = randomBytes(24).toString('hex');
let containerId = '';
let port = 0;

/** The host's wait: docker-proxy accepts TCP before the app listens, so only a real 200 counts. */
async function waitForHealth(timeoutMs: number): Promise<SliceHealth> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (let attempt = 0; Date.now() < deadline && attempt < 500; attempt++) {
    try {
      const answer = await request<SliceHealth>(port, 'GET', '/health', { token });
      if (answer.status === 200) return answer.body;
      last = `HTTP ${answer.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the slice container never answered /health with 200 (${last})`);
}

describe('the slice image', () => {
  let image = '';
  beforeAll(async () => {
    const result = await ensureSliceImage({ log: () => undefined });
    image = result.image;
    expect(image).toBe('slicedeck-slice:latest');
    expect(await imageLabel(image, 'slicedeck.image-hash')).toBe(result.hash);
    containerId = await docker(
      'run', '-d',
      '--label', 'slicedeck.test=slice',
      '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--memory', '256m', '--pids-limit', '128',
      '-e', `SLICE_TOKEN=${token}`, '-e', 'SLICE_DRIVER=simulated', '-e', 'SLICE_INSTANCE_ID=image-test',
      '-e', 'QR_TTL_MS=10000', '-e', 'SIM_CONTACTS=12', '-e', 'SIM_CONTACT_INTERVAL_MS=20', '-e', 'SIM_LINK_DELAY_MS=20',
      '-p', '127.0.0.1::8080',
      image,
    );
    const mapping = await docker('port', containerId, '8080/tcp');
    port = Number(/:(\d+)\s*$/m.exec(mapping.split('\n')[0]!)![1]);
  });

  afterAll(async () => {
    if (containerId) await docker('rm', '-f', containerId).catch(() => undefined);
  });

  it('is up to date on a second call (skipped by its content hash)', async () => {
    const again = await ensureSliceImage({ log: () => undefined });
    expect(again.built).toBe(false);
  });

  it('gives the slice user (the uid of its label) its own home and session directory', async () => {
    const stat = 'const fs = require("fs"); for (const p of ["/home/slice", "/data", "/data/auth"]) { const s = fs.statSync(p); console.log(p, s.uid, s.gid); } console.log("HOME", process.env.HOME);';
    // The uid the build chose (no host account's), as its label says.
    const uid = await docker('image', 'inspect', '--format', '{{ index .Config.Labels "slicedeck.slice-uid" }}', image);
    const out = await docker('run', '--rm', '--label', 'slicedeck.test=slice', '--entrypoint', '/usr/local/bin/node', image, '-e', stat);
    expect(Number(uid)).toBeGreaterThan(65535);
    expect(out.split('\n')).toEqual([`/home/slice ${uid} ${uid}`, `/data ${uid} ${uid}`, `/data/auth ${uid} ${uid}`, 'HOME /home/slice']);
  });

  it('runs as a non-root user', async () => {
    const user = await docker('image', 'inspect', '--format', '{{.Config.User}}', image);
    expect(user).not.toBe('');
    expect(user.startsWith('0')).toBe(false);
  });

  it('answers /health for real, refuses the API without its token, then links end to end', async () => {
    const health = await waitForHealth(20_000);
    expect(health).toMatchObject({ ok: true, driver: 'simulated', instanceId: 'image-test' });
    // Without the token, /health says it is alive and nothing about whose slice it is.
    expect((await request(port, 'GET', '/health', { token: null })).body).toEqual({ ok: true });

    const refused = await request<{ error: string }>(port, 'GET', '/api/status', { token: null });
    expect(refused.status).toBe(401);
    const wrong = await request<{ error: string }>(port, 'GET', '/api/status', { token: 'not-the-token-at-all' });
    expect(wrong.status).toBe(401);

    const events = await EventTap.open(port, token);
    try {
      const started = await request<SliceStatus>(port, 'POST', '/api/status/initialize', { token, body: {} });
      expect(started.status).toBe(202);
      const qr = await events.waitFor('qr', () => true, { timeoutMs: 30_000 });
      expect(qr).toMatchObject({ index: 1, total: 3 });
      expect(qr.payload).toMatch(/^2@/);
      const scanned = await request(port, 'POST', '/api/sim/scan', { token, body: {} });
      expect(scanned.status).toBe(200);
      await events.waitFor('authenticated', () => true, { timeoutMs: 30_000 });
      const last = await events.waitFor('contacts', (c) => c.done, { timeoutMs: 30_000 });
      expect(last.count).toBe(12);
      await events.waitFor('ready', () => true, { timeoutMs: 30_000 });
      const status = await request<SliceStatus>(port, 'GET', '/api/status', { token });
      expect(status.body).toMatchObject({ state: 'ready', contacts: 12, authenticated: true });
    } finally {
      events.close();
    }
  });

  it('says which image to use when asked for the real driver (it carries no whatsapp-web.js)', async () => {
    const realToken = randomBytes(24).toString('hex');
    const id = await docker('run', '-d', '--rm', '--label', 'slicedeck.test=slice', '-e', `SLICE_TOKEN=${realToken}`, '-e', 'SLICE_DRIVER=whatsapp-web.js', '-p', '127.0.0.1::8080', image);
    try {
      const mapped = Number(/:(\d+)\s*$/m.exec((await docker('port', id, '8080/tcp')).split('\n')[0]!)![1]);
      const saved = port;
      port = mapped;
      try {
        await waitForHealth(20_000);
      } finally {
        port = saved;
      }
      const events = await EventTap.open(mapped, realToken);
      try {
        await request(mapped, 'POST', '/api/status/initialize', { token: realToken, body: {} });
        const error = await events.waitFor('error', () => true, { timeoutMs: 30_000 });
        expect(error.message).toMatch(/slicedeck-slice:chromium/);
      } finally {
        events.close();
      }
    } finally {
      await docker('rm', '-f', id).catch(() => undefined);
    }
  });

  it('exits by itself on SIGTERM (exit 0, not killed by docker after the grace period)', async () => {
    await docker('stop', '--time', '20', containerId);
    const state = await docker('inspect', '--format', '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}', containerId);
    expect(state).toBe('exited 0 false');
  });
});
