/**
 * The slice process, as the image runs it (the esbuild bundle of src/slice/main.ts),
 * meets an error nobody handles — the way whatsapp-web.js's `framenavigated` handler
 * rejects while the browser closes. It must say so in its JSON log and exit non-zero
 * (so the host's restart ladder takes over), not print a bare stack or live on.
 * The failure is injected from outside the product: a `--require` preload that throws
 * once the slice logs that it listens.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_EXIT_CODE } from '../../../src/slice/crash-guard';

const buildScript = new URL('../../../scripts/build-slice.mjs', import.meta.url).href;
let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slicedeck-crash-'));
  bundle = join(dir, 'slice.mjs');
  const { buildSlice } = (await import(buildScript)) as { buildSlice: (opts: { outfile: string }) => Promise<unknown> };
  await buildSlice({ outfile: bundle });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs the slice bundle with a preload that plays `failure` once it listens; resolves with how it ended. */
async function runSliceThatFails(failure: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const preload = join(dir, `fail-${Math.random().toString(36).slice(2)}.cjs`);
  writeFileSync(
    preload,
    `const write = process.stdout.write.bind(process.stdout);
let fired = false;
process.stdout.write = (chunk, ...rest) => {
  if (!fired && String(chunk).includes('"event":"listening"')) {
    fired = true;
    setTimeout(() => { ${failure} }, 10);
  }
  return write(chunk, ...rest);
};
`,
  );
  const child = spawn(process.execPath, ['--require', preload, bundle], {
    env: { PATH: process.env.PATH ?? '', SLICE_TOKEN: 'crash-guard-test-token-0123456789', SLICE_PORT: String(await freePort()), SLICE_DRIVER: 'simulated', SLICE_INSTANCE_ID: 'acc_crashtest' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Bounded: a slice that does not exit is killed, and the test sees a signal, not a code.
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function crashLine(stdout: string): Record<string, unknown> | undefined {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((entry) => entry.event === 'crash');
}

describe('the slice process on an error nobody handles', () => {
  it('logs an unhandled rejection and exits non-zero', async () => {
    const ended = await runSliceThatFails(`Promise.reject(new Error('Protocol error: Target closed (framenavigated)'));`);
    expect(ended.signal).toBeNull();
    expect(ended.code).toBe(CRASH_EXIT_CODE);
    expect(ended.code).not.toBe(0);
    expect(crashLine(ended.stdout)).toMatchObject({ kind: 'unhandledRejection', error: 'Protocol error: Target closed (framenavigated)', exitCode: CRASH_EXIT_CODE });
  }, 30_000);

  it('logs an uncaught exception and exits non-zero', async () => {
    const ended = await runSliceThatFails(`throw new TypeError("Cannot read properties of undefined (reading 'fromMe')");`);
    expect(ended.signal).toBeNull();
    expect(ended.code).toBe(CRASH_EXIT_CODE);
    expect(crashLine(ended.stdout)).toMatchObject({ kind: 'uncaughtException', error: "Cannot read properties of undefined (reading 'fromMe')" });
  }, 30_000);

  it('logs a rejection with a value that is not an Error', async () => {
    const ended = await runSliceThatFails(`Promise.reject({ reason: 'LOGOUT' });`);
    expect(ended.code).toBe(CRASH_EXIT_CODE);
    expect(crashLine(ended.stdout)).toMatchObject({ kind: 'unhandledRejection', error: '{"reason":"LOGOUT"}' });
  }, 30_000);
});
