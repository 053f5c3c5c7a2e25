/**
 * A throw-away copy of this project for tests that run `npm start` / `npm run dist`
 * end to end without touching the real checkout: sources, scripts and configs are
 * copied; node_modules is a folder of symlinks to the real packages, except Electron's
 * package (copied without its binary, so its installer writes only into the copy) and
 * node_modules/.cache (the copy's own, for the Electron build of better-sqlite3).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..');

const COPIED = ['package.json', 'package-lock.json', 'electron.vite.config.ts', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.node.json', 'tsconfig.web.json', 'src', 'scripts', 'resources'];
const NOT_LINKED = new Set(['electron', '.cache', '.package-lock.json', '.vite', '.vite-temp']);

export interface ProjectCopy {
  root: string;
  electronDir: string;
  remove(): void;
}

export function makeProjectCopy(): ProjectCopy {
  const root = mkdtempSync(join(tmpdir(), 'slicedeck-project-'));
  for (const entry of COPIED) cpSync(join(REPO, entry), join(root, entry), { recursive: true });
  const modules = join(root, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(REPO, 'node_modules'))) {
    if (!NOT_LINKED.has(entry)) symlinkSync(join(REPO, 'node_modules', entry), join(modules, entry));
  }
  const electronDir = join(modules, 'electron');
  cpSync(join(REPO, 'node_modules', 'electron'), electronDir, {
    recursive: true,
    filter: (path) => !path.startsWith(join(REPO, 'node_modules', 'electron', 'dist')) && !path.endsWith('path.txt'),
  });
  // Last, so that npm's record of the install is newer than the manifests: "already installed".
  cpSync(join(REPO, 'node_modules', '.package-lock.json'), join(modules, '.package-lock.json'));
  return { root, electronDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}
