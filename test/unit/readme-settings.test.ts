/**
 * Every setting the host reads (src/main/core/config.ts) has its row in the README's
 * settings table: an operator looks there, not in the source. Four were missing once
 * (issue 20); this keeps the table from drifting again.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The names in the first column of the README's tables (`A` or `A` / `B`). */
function documentedSettings(readme: string): Set<string> {
  const names = new Set<string>();
  for (const line of readme.split('\n')) {
    const first = /^\|([^|]*)\|/.exec(line)?.[1] ?? '';
    for (const [, name] of first.matchAll(/`(SLICEDECK_[A-Z0-9_]+)`/g)) names.add(name!);
  }
  return names;
}

describe('the README settings table', () => {
  it('has a row for every SLICEDECK_* setting loadConfig reads', () => {
    const readByHost = [...read('src/main/core/config.ts').matchAll(/'(SLICEDECK_[A-Z0-9_]+)'/g)].map(([, name]) => name!);
    expect(readByHost.length).toBeGreaterThan(40);
    const documented = documentedSettings(read('README.md'));
    expect([...new Set(readByHost)].filter((name) => !documented.has(name)).sort()).toEqual([]);
  });
});
