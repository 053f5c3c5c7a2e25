/**
 * `npm run swarm:up` / `swarm:down` without root stop at once with words, and create
 * nothing (run here as the unprivileged user `nobody` through setpriv; CI is root).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostRoutes, RANGES, cidrsOverlap } from '../../scripts/lib/private-swarm.mjs';

/** Host routes into the swarm's link range (none unless a swarm is up). */
async function linkRoutes(): Promise<string[]> {
  return (await hostRoutes()).filter((r) => {
    const prefix = r.split(' ')[0]!;
    return prefix !== 'default' && cidrsOverlap(RANGES.link, prefix.includes('/') ? prefix : `${prefix}/32`);
  });
}

/**
 * The scripts (they load only Node's own modules) copied where `nobody` may read them:
 * a checkout may sit in a folder only its owner can enter (a fresh clone in mktemp -d).
 */
const readable = mkdtempSync(join(tmpdir(), 'slicedeck-swarm-scripts-'));
chmodSync(readable, 0o755);
mkdirSync(join(readable, 'scripts', 'lib'), { recursive: true, mode: 0o755 });
chmodSync(join(readable, 'scripts'), 0o755);
for (const file of ['scripts/swarm-up.mjs', 'scripts/swarm-down.mjs', 'scripts/lib/private-swarm.mjs']) {
  copyFileSync(resolve(file), join(readable, file));
  chmodSync(join(readable, file), 0o644);
}
afterAll(() => rmSync(readable, { recursive: true, force: true }));

function asNobody(script: string) {
  return spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(readable, script)], { encoding: 'utf8', timeout: 30_000, cwd: readable });
}

describe('the private swarm scripts without root', () => {
  it.each(['scripts/swarm-up.mjs', 'scripts/swarm-down.mjs'])('%s exits 1 saying it needs root, touching nothing', async (script) => {
    const routesBefore = await linkRoutes();
    const run = asNobody(script);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/needs root.*Run it as root \(for example `sudo npm run swarm:(up|down)`\)/);
    expect(await linkRoutes()).toEqual(routesBefore);
  });
});
