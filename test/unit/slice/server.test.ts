import { afterEach, describe, expect, it } from 'vitest';
import type { SliceHealth, SliceStatus } from '@shared/slice-protocol';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerAddress, loadSliceConfig, SliceConfigError, waitForTokenFile } from '../../../src/slice/config';
import { FAST_ENV, request, startSlice, TEST_TOKEN, type RunningSlice } from './harness';

let slice: RunningSlice | null = null;
afterEach(async () => {
  await slice?.close();
  slice = null;
});

describe('authentication', () => {
  it('answers /health without a token with liveness only: no account, no driver', async () => {
    slice = await startSlice();
    const anonymous = await slice.request<Record<string, unknown>>('GET', '/health', { token: null });
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ ok: true });
    const wrong = await slice.request<Record<string, unknown>>('GET', '/health', { token: 'wrong-token-0123456789' });
    expect(wrong.body).toEqual({ ok: true });
    expect(JSON.stringify(wrong.body)).not.toContain('unit-test');
  });

  it('names itself on /health only to the holder of its token', async () => {
    slice = await startSlice();
    const health = await slice.request<SliceHealth>('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, driver: 'simulated', instanceId: 'unit-test' });
    expect(health.body.uptimeMs).toBeGreaterThanOrEqual(0);
  });

  it('refuses every API call without the token, or with a wrong one, with 401 and words', async () => {
    slice = await startSlice();
    const calls: [string, string][] = [
      ['GET', '/api/status'],
      ['POST', '/api/status/initialize'],
      ['GET', '/api/events'],
      ['POST', '/api/messages'],
      ['GET', '/api/chats'],
      ['GET', '/api/chats/1@c.us/messages'],
      ['POST', '/api/logout'],
      ['POST', '/api/sim/scan'],
      ['POST', '/api/sim/fault'],
    ];
    for (const [method, path] of calls) {
      for (const token of [null, 'wrong-token-0123456789', `${TEST_TOKEN}x`, '']) {
        const answer = await slice.request<{ error: string }>(method, path, { token });
        expect(answer.status, `${method} ${path} with ${JSON.stringify(token)}`).toBe(401);
        expect(answer.body.error).toMatch(/token|Bearer/);
      }
    }
    // Nothing was started by the refused calls.
    expect((await slice.request<SliceStatus>('GET', '/api/status')).body.state).toBe('disconnected');
  });

  it('closes the connection of every answer without its token, and keeps the token holder’s alive (issue 19)', async () => {
    slice = await startSlice();
    const { default: http } = await import('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ask = (path: string, token: string | null) =>
      new Promise<{ status: number; connection: string | undefined; reused: boolean }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: slice!.port, path, agent, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket }));
        });
        req.on('error', reject);
      });
    try {
      expect(await ask('/health', null)).toMatchObject({ status: 200, connection: 'close' });
      expect(await ask('/api/status', 'wrong-token-0123456789')).toMatchObject({ status: 401, connection: 'close', reused: false });
      expect(await ask('/health', TEST_TOKEN)).toMatchObject({ status: 200, reused: false });
      // The host's probe and its calls ride one kept connection.
      expect(await ask('/api/status', TEST_TOKEN)).toMatchObject({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });

  it('refuses to start without a token, or with a weak one, saying why', () => {
    const { SLICE_TOKEN: _dropped, ...withoutToken } = FAST_ENV;
    expect(() => loadSliceConfig(withoutToken)).toThrow(SliceConfigError);
    expect(() => loadSliceConfig(withoutToken)).toThrow(/Neither SLICE_TOKEN_FILE nor SLICE_TOKEN gives a token/);
    expect(() => loadSliceConfig({ ...FAST_ENV, SLICE_TOKEN: 'short' })).toThrow(/at least 24/);
  });

  it('reads its token from the file SLICE_TOKEN_FILE names (what the host passes), before SLICE_TOKEN', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slice-token-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, 'from-the-file-0123456789\n', { mode: 0o400 });
      const config = loadSliceConfig({ ...FAST_ENV, SLICE_TOKEN_FILE: file });
      expect(config.token).toBe('from-the-file-0123456789');
      expect(() => loadSliceConfig({ ...FAST_ENV, SLICE_TOKEN_FILE: join(dir, 'missing') })).toThrow(/SLICE_TOKEN_FILE=.*missing cannot be read \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits for its token file (the host writes it just after the start), a bounded while', async () => {
    // What Docker's extraction shows on the way: missing, then root's 0400 file, then half written, then done.
    const steps: (string | Error)[] = [
      Object.assign(new Error('missing'), { code: 'ENOENT' }),
      Object.assign(new Error('still root’s'), { code: 'EACCES' }),
      'partial-tok',
      'partial-token-0123456789\n',
    ];
    let reads = 0;
    const read = () => {
      const step = steps[Math.min(reads++, steps.length - 1)]!;
      if (step instanceof Error) throw step;
      return step;
    };
    await waitForTokenFile({ SLICE_TOKEN_FILE: '/data/.slicedeck/x.token' }, 5_000, read);
    expect(reads).toBe(4);
    const missing = () => {
      throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    };
    await expect(waitForTokenFile({ SLICE_TOKEN_FILE: '/nowhere/x.token' }, 50, missing)).rejects.toThrow(/did not appear within 0 s/);
    await waitForTokenFile({}, 50, missing);
  });

  it('listens on the container address, not on every interface', () => {
    expect(loadSliceConfig(FAST_ENV, { address: () => '172.30.0.5' }).listenHost).toBe('172.30.0.5');
    expect(loadSliceConfig({ ...FAST_ENV, SLICE_LISTEN_HOST: '10.1.2.3' }, { address: () => '172.30.0.5' }).listenHost).toBe('10.1.2.3');
    expect(loadSliceConfig(FAST_ENV, { address: () => null }).listenHost).toBe('127.0.0.1');
    expect(containerAddress({ lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '', cidr: null }], eth0: [{ address: '172.30.0.5', family: 'IPv4', internal: false, netmask: '255.255.0.0', mac: '', cidr: null }] })).toBe('172.30.0.5');
  });

  it('refuses bad settings with the variable name and what it accepts', () => {
    expect(() => loadSliceConfig({ ...FAST_ENV, QR_TTL_MS: 'soon' })).toThrow(/QR_TTL_MS="soon" is not valid: use a whole number from 10 to 600000 \(unset: 20000\)/);
    expect(() => loadSliceConfig({ ...FAST_ENV, QR_CODES: '0' })).toThrow(/QR_CODES="0" is not valid: use a whole number from 1 to 20/);
    expect(() => loadSliceConfig({ ...FAST_ENV, SLICE_DRIVER: 'puppeteer' })).toThrow(/SLICE_DRIVER="puppeteer" is not valid: use one of simulated, whatsapp-web.js. The host sets it from SLICEDECK_DRIVER/);
    expect(() => loadSliceConfig({ ...FAST_ENV, SLICE_INSTANCE_ID: '../etc' })).toThrow(/SLICE_INSTANCE_ID/);
  });
});

describe('input validation', () => {
  it('answers 400 with words for bad JSON and bad send bodies', async () => {
    slice = await startSlice();
    const cases: [unknown, RegExp][] = [
      [{ chatId: '1@c.us' }, /text/],
      [{ text: 'hi' }, /chatId/],
      [{ chatId: 'has spaces', text: 'hi' }, /chatId: chatId has characters/],
      [{ chatId: '1@c.us', text: '   ' }, /Type a message first/],
      [{ chatId: '1@c.us', text: 'x'.repeat(4097) }, /4096/],
      [{ chatId: '1@c.us', text: 'hi', extra: true }, /extra|Unrecognized/i],
      [[1, 2], /object|expected/i],
    ];
    for (const [body, words] of cases) {
      const answer = await slice.request<{ error: string }>('POST', '/api/messages', { body });
      expect(answer.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(answer.body.error).toMatch(words);
    }
    const broken = await slice.request<{ error: string }>('POST', '/api/messages', { rawBody: '{"chatId":' });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/not valid JSON/);
  });

  it('refuses bodies over 64 KB with 413', async () => {
    slice = await startSlice();
    const answer = await slice.request<{ error: string }>('POST', '/api/messages', { body: { chatId: '1@c.us', text: 'x'.repeat(70 * 1024) } });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatch(/64 KB/);
  });

  it('validates sim faults and the chat id in the path', async () => {
    slice = await startSlice();
    const fault = await slice.request<{ error: string }>('POST', '/api/sim/fault', { body: { kind: 'explode' } });
    expect(fault.status).toBe(400);
    expect(fault.body.error).toMatch(/drop_link, fail_initialize, phone_logout/);
    const path = await slice.request<{ error: string }>('GET', '/api/chats/%E0%A4%A/messages');
    expect(path.status).toBe(400);
    const chars = await slice.request<{ error: string }>('GET', `/api/chats/${encodeURIComponent('a b')}/messages`);
    expect(chars.status).toBe(400);
    expect(chars.body.error).toMatch(/chatId/);
    const initialize = await slice.request<{ error: string }>('POST', '/api/status/initialize', { body: { now: true } });
    expect(initialize.status).toBe(400);
  });

  it('answers unknown paths with 404 and wrong methods with 405, in words', async () => {
    slice = await startSlice();
    const missing = await slice.request<{ error: string }>('GET', '/api/nothing');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/There is no GET \/api\/nothing/);
    const method = await slice.request<{ error: string }>('GET', '/api/status/initialize');
    expect(method.status).toBe(405);
    expect(method.body.error).toMatch(/Use POST/);
  });
});

describe('the event stream', () => {
  it('replays the current code to a subscriber that arrives late', async () => {
    slice = await startSlice({ QR_FIRST_TTL_MS: '5000' });
    const early = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    const shown = await early.waitFor('qr');
    const late = await slice.events();
    const replayedState = await late.waitFor('state');
    const replayedQr = await late.waitFor('qr');
    expect(replayedState.state).toBe('connecting');
    expect(replayedQr).toEqual(shown);
    expect(late.received[0]!.type).toBe('state');
  });

  it('replays authenticated, the final contact count and ready to a subscriber after linking', async () => {
    slice = await startSlice({ QR_FIRST_TTL_MS: '5000', SIM_CONTACTS: '7' });
    const early = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await early.waitFor('qr');
    await slice.request('POST', '/api/sim/scan', { body: {} });
    await early.waitFor('ready');
    const late = await slice.events();
    await late.waitFor('ready');
    expect(late.received.map((e) => e.type)).toEqual(['state', 'authenticated', 'contacts', 'ready']);
    expect(late.received[0]!.data).toEqual({ state: 'ready' });
    expect(late.received[2]!.data).toEqual({ count: 7, done: true });
  });

  it('sends a comment heartbeat and forgets a subscriber that left', async () => {
    slice = await startSlice({}, { heartbeatMs: 20 });
    const tap = await slice.events();
    await tap.waitFor('state');
    const before = tap.comments;
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('no heartbeat within 2 s')), 2_000);
      const check = setInterval(() => {
        if (tap.comments > before + 1) {
          clearInterval(check);
          clearTimeout(deadline);
          resolve();
        }
      }, 10);
    });
    tap.close();
    // The server notices the closed stream and drops its listener.
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline && slice.app.manager['listeners'].size > 0) await new Promise((r) => setTimeout(r, 10));
    expect(slice.app.manager['listeners'].size).toBe(0);
  });
});

describe('the real driver seam', () => {
  it('has no /api/sim routes: 404 with words', async () => {
    slice = await startSlice({ SLICE_DRIVER: 'whatsapp-web.js' });
    const scan = await slice.request<{ error: string }>('POST', '/api/sim/scan', { body: {} });
    expect(scan.status).toBe(404);
    expect(scan.body.error).toMatch(/only with the simulated driver/);
    const health = await request<SliceHealth>(slice.port, 'GET', '/health');
    expect(health.body.driver).toBe('whatsapp-web.js');
  });
});
