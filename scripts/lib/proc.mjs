/** Running commands and timing steps for the set-up scripts (Node builtins only). */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { formatDuration } from './setup-plan.mjs';

/** npm and npx are .cmd shims on Windows, which only a shell can start. */
const needsShell = process.platform === 'win32';

/**
 * Runs a command to completion. Output streams through (`inherit`) or is captured
 * (`capture: true`, to quote it only when the command fails). stdin is always
 * closed: no step may wait for an answer that will never come (CI has no stdin).
 */
export function run(command, args, { cwd, env, capture = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'],
      shell: needsShell,
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ code: 127, output: `${output}${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

/** True when `name` is an executable somewhere on PATH. */
export function onPath(name, pathVariable = process.env.PATH ?? '') {
  return pathVariable.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs a small Node program synchronously; true when it exits 0. */
export function nodeCheck(source, cwd) {
  const result = spawnSync(process.execPath, ['-e', source], { cwd, stdio: 'ignore', timeout: 30_000 });
  return result.status === 0;
}

/** One short line per step: `setup ▸ <step>: <what happened> (<time>)`. */
export async function step(name, body) {
  const started = performance.now();
  const outcome = await body();
  const line = typeof outcome === 'string' ? outcome : outcome.line;
  console.log(`setup ▸ ${name}: ${line} (${formatDuration(performance.now() - started)})`);
  return outcome;
}
