/**
 * The real driver in the real Chromium image, where WhatsApp cannot be reached
 * (no machine here can): the slice must end in `error`, saying WhatsApp Web could
 * not be reached, within a bounded time — after Chromium really started.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SliceHealth, SliceStatus } from '@shared/slice-protocol';
import { EventTap, request } from '../unit/slice/harness';

const run = promisify(execFile);
const script = new URL('../../scripts/slice-image.mjs', import.meta.url).href;
const { ensureSliceImage, dockerCli } = (await import(script)) as {
  ensureSliceImage: (opts?: { force?: boolean; withChromium?: boolean; log?: (line: string) => void }) => Promise<{ image: string; pinned: string; built: boolean; hash: string; ms: number }>;
  dockerCli: () => string;
};

const docker = (...args: string[]) => run(dockerCli(), args).then(({ stdout }) => stdout.trim());
const token = randomBytes(24).toString('hex');
let chromiumImage = '';
/** The slice's own bound on reaching WhatsApp Web; the test waits a little longer. */
const START_TIMEOUT_MS = 30_000;
let containerId = '';
let port = 0;

async function waitForHealth(timeoutMs: number): Promise<SliceHealth> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; Date.now() < deadline && attempt < 1_000; attempt++) {
    const answer = await request<SliceHealth>(port, 'GET', '/health', { token }).catch(() => null);
    if (answer?.status === 200) return answer.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the Chromium slice never answered /health with 200');
}

describe('the real whatsapp-web.js driver without a route to WhatsApp', () => {
  beforeAll(async () => {
    // First build: a Debian root filesystem with Chromium (~1.5 min), then cached.
    const { image, pinned } = await ensureSliceImage({ withChromium: true, log: (line) => process.stderr.write(`[slice-image] ${line}\n`) });
    expect(image).toBe('slicedeck-slice:chromium');
    // The content tag: `:chromium` moves whenever another checkout on this engine builds.
    chromiumImage = pinned;
    containerId = await docker(
      'run', '-d',
      '--label', 'slicedeck.test=slice',
      '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--memory', '1g', '--pids-limit', '512',
      '-e', `SLICE_TOKEN=${token}`, '-e', 'SLICE_DRIVER=whatsapp-web.js', '-e', 'SLICE_INSTANCE_ID=acc_chromium-test',
      '-e', `WWEBJS_START_TIMEOUT_MS=${START_TIMEOUT_MS}`,
      '-p', '127.0.0.1::8080',
      pinned,
    );
    const mapping = await docker('port', containerId, '8080/tcp');
    port = Number(/:(\d+)\s*$/m.exec(mapping.split('\n')[0]!)![1]);
  }, 600_000);

  afterAll(async () => {
    if (containerId) await docker('rm', '-f', containerId).catch(() => undefined);
  });

  it('reaches error with words saying WhatsApp Web could not be reached', async () => {
    const health = await waitForHealth(30_000);
    expect(health).toMatchObject({ ok: true, driver: 'whatsapp-web.js', instanceId: 'acc_chromium-test' });
    const events = await EventTap.open(port, token);
    try {
      const started = await request<SliceStatus>(port, 'POST', '/api/status/initialize', { token, body: {} });
      expect(started.body.state).toBe('connecting');
      const error = await events.waitFor('error', () => true, { timeoutMs: START_TIMEOUT_MS + 15_000 });
      expect(error.message).toMatch(/WhatsApp Web could not be reached/);
      expect(error.message).toMatch(/Connect/);
      expect(events.ofType('qr')).toEqual([]);
      const status = await request<SliceStatus>(port, 'GET', '/api/status', { token });
      expect(status.body).toMatchObject({ state: 'error', error: error.message, driver: 'whatsapp-web.js' });
    } finally {
      events.close();
    }
    // Chromium really launched: the failure came from navigating, not from starting the browser.
    const logs = await run(dockerCli(), ['logs', containerId]).then(({ stdout }) => stdout);
    const failure = logs.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event: string; error?: string }).find((entry) => entry.event === 'wwebjs_start_failed');
    expect(failure?.error).toMatch(/net::ERR_|start_timeout/);
  }, 90_000);

  it("gives the slice user (the uid of its label) its own home and session directory: Chromium's font cache needs a writable home", async () => {
    const stat = 'const fs = require("fs"); for (const p of ["/home/slice", "/data", "/data/auth"]) { const s = fs.statSync(p); console.log(p, s.uid, s.gid); } console.log("HOME", process.env.HOME);';
    // The uid the build chose (no host account's), as its label says.
    const uid = await docker('image', 'inspect', '--format', '{{ index .Config.Labels "slicedeck.slice-uid" }}', chromiumImage);
    const out = await docker('run', '--rm', '--label', 'slicedeck.test=slice', '--entrypoint', '/usr/local/bin/node', chromiumImage, '-e', stat);
    expect(Number(uid)).toBeGreaterThan(65535);
    expect(out.split('\n')).toEqual([`/home/slice ${uid} ${uid}`, `/data ${uid} ${uid}`, `/data/auth ${uid} ${uid}`, 'HOME /home/slice']);
  });

  it('refuses sends with words (409 not_ready) instead of keeping them', async () => {
    const answer = await request<{ code: string; error: string }>(port, 'POST', '/api/messages', { token, body: { chatId: '1555000001@c.us', text: 'hello' } });
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe('not_ready');
    expect(answer.body.error).toMatch(/Click Connect/);
  });
});
