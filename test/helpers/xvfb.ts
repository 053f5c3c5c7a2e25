/**
 * A display of the test's own for the desktop spec on a machine without one: Xvfb,
 * which picks a free display number itself (-displayfd), so runs side by side never
 * share one. Stopped by the test that started it.
 */
import { spawn, spawnSync } from 'node:child_process';

export interface VirtualDisplay {
  /** ":99" — what DISPLAY is set to for the app. */
  display: string;
  stop(): Promise<void>;
}

export function xvfbInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v Xvfb'], { stdio: 'ignore' }).status === 0;
}

/** Waits at most `timeoutMs` (generous: a loaded 2-core machine) for Xvfb to say which display it took. */
export function startXvfb({ timeoutMs = 60_000 } = {}): Promise<VirtualDisplay> {
  // fd 3 is where Xvfb writes the display number once it accepts connections.
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref())]);
    if (!killed) child.kill('SIGKILL');
  };
  return new Promise<VirtualDisplay>((resolve, reject) => {
    let number = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`Xvfb named no display within ${timeoutMs / 1000} s: ${stderr.trim() || 'it printed nothing'}`));
    }, timeoutMs);
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      number += chunk.toString();
      if (!number.includes('\n')) return;
      clearTimeout(timer);
      resolve({ display: `:${number.trim()}`, stop });
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb stopped (code ${code}) before naming a display: ${stderr.trim() || 'it printed nothing'}`));
    });
  });
}
