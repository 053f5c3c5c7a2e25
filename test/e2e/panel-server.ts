/**
 * Starts the real web mode (`node out/main/serve.js`) as a child process with a
 * throw-away data dir and the simulated driver, and tears everything down after:
 * the process, every container and volume labelled with its home, the data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeHome } from '../helpers/docker';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SERVE_ENTRY = join(ROOT, 'out', 'main', 'serve.js');
/**
 * stdout is a pipe here, not a terminal: serve prints the address without its token and
 * says which private file holds the full one (src/main/serve.ts, issue 19).
 */
const URL_LINE = /^slicedeck web panel: http:\/\/127\.0\.0\.1:(\d+)\/ \(the address with its token is in (\S+), readable by you only\)$/m;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

export interface PanelServer {
  /** The printed address, token included (what an operator opens). */
  url: string;
  /** `http://127.0.0.1:<port>` without a path. */
  origin: string;
  port: number;
  token: string;
  homeId: string;
  dataDir: string;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  /** `keepData`: only stop the process (a restart test opens the same data dir again). */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** Reuse a data dir (and so its home id) another server left behind. */
  dataDir?: string;
  token?: string;
}

export async function startPanelServer(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<PanelServer> {
  if (!existsSync(SERVE_ENTRY)) {
    throw new Error(`${SERVE_ENTRY} does not exist. Build first: "npx electron-vite build" (or run the tests with "npm run e2e").`);
  }
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'slicedeck-e2e-'));
  // At least MIN_TOKEN_LENGTH (src/http-kit): serve refuses a shorter SLICEDECK_TOKEN.
  const token = opts.token ?? `e2e-${randomBytes(18).toString('base64url')}`;
  const child = spawn(process.execPath, [SERVE_ENTRY], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOME: dataDir,
      SLICEDECK_DATA_DIR: dataDir,
      SLICEDECK_PORT: '0',
      SLICEDECK_TOKEN: token,
      SLICEDECK_DRIVER: 'simulated',
      SLICEDECK_PORT_RANGE: '47600-47649',
      SLICEDECK_LOG_LEVEL: 'debug',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const cleanupDir = () => rmSync(dataDir, { recursive: true, force: true });
  let match: RegExpExecArray;
  try {
    match = await waitForUrl(child, () => output);
  } catch (error) {
    await stopProcess(child);
    cleanupDir();
    throw error;
  }
  const [, port, urlFile] = match;
  const url = readFileSync(urlFile!, 'utf8').trim();
  const origin = `http://127.0.0.1:${port}`;
  const status = await fetch(`${origin}/api/rpc/system.status`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: '{}',
  }).then((r) => r.json() as Promise<{ ok: boolean; result: { homeId: string } }>);
  if (!status.ok) throw new Error(`system.status failed on the fresh server: ${JSON.stringify(status)}`);
  const homeId = status.result.homeId;
  noteHome(homeId, dataDir);

  let stopped: Promise<void> | null = null;
  let cleaned: Promise<void> | null = null;
  return {
    url: url!,
    origin,
    port: Number(port),
    token,
    homeId,
    dataDir,
    output: () => output,
    async stop(stopOpts) {
      stopped ??= stopProcess(child);
      await stopped;
      if (stopOpts?.keepData) return;
      cleaned ??= (async () => {
        await removeHome(homeId);
        cleanupDir();
        forgetHome(homeId);
      })();
      await cleaned;
    },
  };
}

function waitForUrl(child: ChildProcess, output: () => string): Promise<RegExpExecArray> {
  return new Promise((resolveUrl, reject) => {
    const check = () => {
      const match = URL_LINE.exec(output());
      if (match) {
        done();
        resolveUrl(match);
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`serve.js exited (code ${code}) before printing its address:\n${output()}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`serve.js printed no address within ${START_TIMEOUT_MS} ms:\n${output()}`));
    }, START_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** SIGTERM (the server closes its core), then SIGKILL if it does not leave in time. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** A port that was free a moment ago (for tests that must restart a server on the same address). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

// ── leftovers of runs that were killed ─────────────────────────────────────
// Each live server notes its home (with the test process's pid) here; a note whose
// process is gone marks containers nobody will ever tear down. globalSetup sweeps them.
const HOMES_DIR = join(tmpdir(), 'slicedeck-e2e-homes');

function noteHome(homeId: string, dataDir: string): void {
  mkdirSync(HOMES_DIR, { recursive: true });
  writeFileSync(join(HOMES_DIR, homeId), JSON.stringify({ pid: process.pid, dataDir }));
}

function forgetHome(homeId: string): void {
  rmSync(join(HOMES_DIR, homeId), { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes containers, volumes and data dirs of e2e servers whose test process died. */
export async function sweepDeadRuns(): Promise<number> {
  if (!existsSync(HOMES_DIR)) return 0;
  let swept = 0;
  for (const homeId of readdirSync(HOMES_DIR)) {
    let note: { pid: number; dataDir: string };
    try {
      note = JSON.parse(readFileSync(join(HOMES_DIR, homeId), 'utf8')) as { pid: number; dataDir: string };
    } catch {
      forgetHome(homeId);
      continue;
    }
    if (processAlive(note.pid)) continue;
    await removeHome(homeId);
    if (note.dataDir.startsWith(join(tmpdir(), 'slicedeck-e2e-'))) rmSync(note.dataDir, { recursive: true, force: true });
    forgetHome(homeId);
    swept++;
  }
  return swept;
}

/** One command over the web transport with the server's token, as the page would send it. */
export async function rpc(server: PanelServer, name: string, input: unknown): Promise<{ ok: boolean; result?: unknown; error?: { message: string } }> {
  const response = await fetch(`${server.origin}/api/rpc/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
    body: JSON.stringify(input),
  });
  return (await response.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
}
