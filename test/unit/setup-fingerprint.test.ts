import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildInputsHash, observeDependencies } from '../../scripts/lib/fingerprint.mjs';
import { dependencyState } from '../../scripts/lib/setup-plan.mjs';

let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'slicedeck-setup-'));
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

const write = (path: string, content: string) => {
  mkdirSync(join(project, path, '..'), { recursive: true });
  writeFileSync(join(project, path), content);
};
const age = (path: string, secondsAgo: number) => {
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(join(project, path), when, when);
};

describe('the build hash', () => {
  it('is stable for the same sources and changes with any source', () => {
    write('src/main/index.ts', 'one');
    write('package.json', '{}');
    const first = buildInputsHash(project);
    expect(buildInputsHash(project)).toBe(first);
    write('src/renderer/new.tsx', 'two');
    expect(buildInputsHash(project)).not.toBe(first);
  });

  it('ignores modification times (a fresh clone of the same sources needs no rebuild)', () => {
    write('src/a.ts', 'same');
    const before = buildInputsHash(project);
    age('src/a.ts', 3600);
    expect(buildInputsHash(project)).toBe(before);
  });
});

describe('observing the installed dependencies', () => {
  const manifest = { name: 'x', scripts: { test: 'a' }, dependencies: { zod: '^4.0.0' } };
  const lockfile = { packages: { '': { dependencies: { zod: '^4.0.0' } }, 'node_modules/zod': { version: '4.1.0' } } };

  function installedProject() {
    write('package.json', JSON.stringify(manifest));
    write('package-lock.json', JSON.stringify(lockfile));
    write('node_modules/.package-lock.json', JSON.stringify({ packages: { 'node_modules/zod': { version: '4.1.0' } } }));
    age('package.json', 60);
    age('package-lock.json', 60);
    age('node_modules/.package-lock.json', 30);
  }

  it('finds a fresh clone without node_modules missing', () => {
    write('package.json', JSON.stringify(manifest));
    expect(dependencyState(observeDependencies(project))).toBe('missing');
  });

  it('finds a finished install fresh', () => {
    installedProject();
    expect(dependencyState(observeDependencies(project))).toBe('fresh');
  });

  it('keeps the install when a later package.json edit only touched scripts', () => {
    installedProject();
    write('package.json', JSON.stringify({ ...manifest, scripts: { test: 'b' } }));
    expect(dependencyState(observeDependencies(project))).toBe('fresh');
  });

  it('reinstalls when a later package.json adds a dependency', () => {
    installedProject();
    write('package.json', JSON.stringify({ ...manifest, dependencies: { zod: '^4.0.0', pino: '^10.0.0' } }));
    expect(dependencyState(observeDependencies(project))).toBe('stale');
  });
});
