/**
 * Runs test/helpers/host-process.ts as a separate Node process (bundled once by
 * esbuild; native and CJS dependencies stay external and load from node_modules).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
let bundled: Promise<string> | null = null;

function bundle(): Promise<string> {
  bundled ??= (async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'slicedeck-host-')), 'host-process.cjs');
    await build({
      entryPoints: [join(root, 'test/helpers/host-process.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile,
      alias: { '@shared': join(root, 'src/shared') },
      external: ['better-sqlite3', 'dockerode', 'pino', 'ssh2', 'cpu-features'],
      logLevel: 'silent',
    });
    return outfile;
  })();
  return bundled;
}

export interface HostLine {
  type: 'home' | 'slice' | 'paused' | 'connected' | 'failed' | 'queued' | 'closed' | 'destroying';
  homeId?: string;
  sliceId?: string;
  stage?: string;
  accountId?: string;
  message?: string;
  /** The code's payload (HOST_PRINT_QR=1). */
  qr?: string;
}

export interface HostProcess {
  child: ChildProcess;
  /** Resolves with the first printed line matching `test` (bounded). */
  waitForLine(test: (line: HostLine) => boolean, timeoutMs?: number): Promise<HostLine>;
  lines: HostLine[];
  kill9(): Promise<void>;
  /** SIGTERM, then waits (bounded) for the process to exit; its exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/**
 * The settings every host that a test kills shares: its data dir and ports, the
 * simulated phone, small slices, and no background passes of its own (the host that
 * opens the data dir next is the one under test).
 */
export function killableHostEnv(dataDir: string, range: { from: number; to: number }): Record<string, string> {
  return {
    SLICEDECK_DATA_DIR: dataDir,
    SLICEDECK_DRIVER: 'simulated',
    SLICEDECK_PORT_RANGE: `${range.from}-${range.to}`,
    SLICEDECK_RECONCILE_INTERVAL_MS: '0',
    SLICEDECK_HEALTH_INTERVAL_MS: '0',
    SLICEDECK_SLICE_MEMORY_MB: '256',
  };
}

export async function spawnHost(env: Record<string, string>): Promise<HostProcess> {
  const script = await bundle();
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, NODE_PATH: join(root, 'node_modules'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: HostLine[] = [];
  const waiters: { test: (line: HostLine) => boolean; resolve: (line: HostLine) => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: HostLine;
    try {
      line = JSON.parse(text) as HostLine;
    } catch {
      return;
    }
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines,
    waitForLine(test, timeoutMs = 30_000) {
      const seen = lines.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`host process printed no matching line in ${timeoutMs} ms; lines: ${JSON.stringify(lines)}; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
        waiters.push({ test, resolve: (line) => (clearTimeout(timer), resolve(line)) });
        void exited.then(() => setTimeout(() => reject(new Error(`host process exited; lines: ${JSON.stringify(lines)}; stderr: ${stderr.slice(-2000)}`)), 50));
      });
    },
    async stop(timeoutMs = 60_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`host process did not exit within ${timeoutMs} ms of SIGTERM; stderr: ${stderr.slice(-2000)}`)), timeoutMs)))]);
      clearTimeout(timer);
      return child.exitCode;
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
