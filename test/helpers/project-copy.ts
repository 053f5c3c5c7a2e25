/**
 * A throw-away copy of this project for tests that run `npm start` / `npm run dist`
 * end to end without touching the real checkout: sources, scripts and configs are
 * copied; node_modules is a hard-linked copy of the real one (a second name for every
 * file, made in a second: npm and electron-builder see an ordinary tree, and nothing in
 * these runs writes into an existing file), except Electron's package (a real copy
 * without its binary, so its installer writes only into the copy) and
 * node_modules/.cache (the copy's own, for the Electron build of better-sqlite3).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..');

const COPIED = ['package.json', 'package-lock.json', 'electron.vite.config.ts', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.node.json', 'tsconfig.web.json', 'src', 'scripts', 'resources'];
/** Never shared with the real checkout: written by the runs under test. */
const OWN = ['electron', '.cache', '.package-lock.json', '.vite', '.vite-temp'];

export interface ProjectCopy {
  root: string;
  electronDir: string;
  remove(): void;
}

export function makeProjectCopy(): ProjectCopy {
  const root = mkdtempSync(join(tmpdir(), 'slicedeck-project-'));
  for (const entry of COPIED) cpSync(join(REPO, entry), join(root, entry), { recursive: true });
  const modules = join(root, 'node_modules');
  execFileSync('cp', ['-al', join(REPO, 'node_modules'), modules]);
  // Removing a hard link never touches the real file.
  for (const entry of OWN) rmSync(join(modules, entry), { recursive: true, force: true });
  const electronDir = join(modules, 'electron');
  cpSync(join(REPO, 'node_modules', 'electron'), electronDir, {
    recursive: true,
    filter: (path) => !path.startsWith(join(REPO, 'node_modules', 'electron', 'dist')) && !path.endsWith('path.txt'),
  });
  // Last, so that npm's record of the install is newer than the manifests: "already installed".
  cpSync(join(REPO, 'node_modules', '.package-lock.json'), join(modules, '.package-lock.json'));
  return { root, electronDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}
