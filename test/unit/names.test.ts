/**
 * One name per meaning (issue 20): two `sliceErrorWords` (a slice's `error` event worded for
 * the operator; what a slice said in an HTTP refusal) and two `MIN_TOKEN_LENGTH` (24 for the
 * panel's token, 16 for a slice's — both "the shortest bearer token accepted", now one value
 * in @shared/host-settings) once said one thing and meant two; so did two `formatBytes` (a
 * file's size rounded for people; a configured limit said exactly). Each is declared once now.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Where a top-level function, class or const of this name is declared in src/. */
function declarations(name: string): string[] {
  const declared = new RegExp(`^(?:export )?(?:async )?(?:function|class|const|let) ${name}\\b`, 'm');
  return sources(join(root, 'src'))
    .filter((file) => declared.test(readFileSync(file, 'utf8')))
    .map((file) => relative(root, file));
}

describe('one name per meaning', () => {
  it.each([
    ['sliceErrorWords', ['src/main/core/slices/words.ts']],
    ['MIN_TOKEN_LENGTH', ['src/shared/host-settings.ts']],
    // A size as people read it (rounded); the slice budget says its configured limit exactly, under its own name.
    ['formatBytes', ['src/shared/file-size.ts']],
  ])('%s is declared once', (name, where) => {
    expect(declarations(name)).toEqual(where);
  });
});
