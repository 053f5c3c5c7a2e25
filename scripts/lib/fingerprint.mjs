/** What setup compares to decide whether dependencies and the build are current. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { lockfilesAgree, manifestMatchesLockfile } from './setup-plan.mjs';

/** The inputs of `electron-vite build`: every source, the configs it reads, and package.json. */
export const BUILD_INPUTS = ['src', 'electron.vite.config.ts', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.node.json', 'tsconfig.web.json', 'package.json'];
export const BUILD_HASH_FILE = join('out', '.build-hash');

/**
 * A hash of the build inputs' paths and contents (not mtimes: a fresh clone has new
 * mtimes everywhere, and the hash must still match when nothing changed).
 */
export function buildInputsHash(root, inputs = BUILD_INPUTS) {
  const hash = createHash('sha256');
  for (const input of inputs) {
    for (const file of listFiles(join(root, input))) {
      hash.update(relative(root, file).split(sep).join('/'));
      hash.update('\0');
      hash.update(readFileSync(file));
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

function listFiles(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => listFiles(join(path, entry.name)));
}

export function mtimeOrNull(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

export function readJsonOrNull(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Everything `dependencyState` needs, read from the project directory. */
export function observeDependencies(root) {
  const installedLockPath = join(root, 'node_modules', '.package-lock.json');
  const lockPath = join(root, 'package-lock.json');
  return {
    nodeModulesExists: existsSync(join(root, 'node_modules')),
    installedAt: mtimeOrNull(installedLockPath),
    manifestTimes: [mtimeOrNull(join(root, 'package.json')), mtimeOrNull(lockPath)],
    hasLockfile: existsSync(lockPath),
    sameDependencies: () => {
      const manifest = readJsonOrNull(join(root, 'package.json'));
      const lockfile = readJsonOrNull(lockPath);
      if (!lockfile) return false;
      return manifestMatchesLockfile(manifest, lockfile) && lockfilesAgree(lockfile, readJsonOrNull(installedLockPath));
    },
  };
}
