#!/usr/bin/env node
/**
 * Builds the slice image without any registry (there is none here: `docker pull`
 * fails). Node builtins and the docker CLI only, because it runs before the
 * TypeScript app is built.
 *
 *   node scripts/slice-image.mjs [--force]
 *   import { ensureSliceImage } from './slice-image.mjs'
 *   await ensureSliceImage({ force, log }) → { image, built, hash, ms }
 *
 * How (ENVIRONMENT.md has the measurements behind it):
 *  1. Hash the inputs (src/slice/**, src/shared/**, the two build scripts, the
 *     bundler and zod versions, the host Node version). If `slicedeck-slice:latest`
 *     carries that hash in its `slicedeck.image-hash` label: done, nothing to build.
 *  2. Bundle the slice with esbuild (scripts/build-slice.mjs).
 *  3. Once per Node version: `docker import` a tarball holding the host's `node`
 *     binary, the libraries `ldd` lists, CA certificates and an /etc/passwd with a
 *     non-root user → `slicedeck-base-node:<node version>` (~0.7 s, ~100 MB).
 *  4. `docker build` a generated context FROM that base: the bundle in /app, user
 *     `slice`, EXPOSE 8080, the hash label; tagged `:latest` and `:<hash12>`.
 *
 * Concurrent callers (parallel test files) are serialized with a lock directory,
 * and the second one finds the image already built.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SLICE_IMAGE = 'slicedeck-slice:latest';
export const SLICE_IMAGE_REPO = 'slicedeck-slice';
export const IMAGE_HASH_LABEL = 'slicedeck.image-hash';
export const BASE_NODE_REPO = 'slicedeck-base-node';
/** The unprivileged user the slice runs as inside its container. */
export const SLICE_UID = 10001;
/** Where LocalAuth sessions live in the image (mount the account's volume here). */
export const AUTH_DIR_IN_IMAGE = '/data/auth';

const HASHED_DIRS = ['src/slice', 'src/shared'];
const HASHED_FILES = ['scripts/build-slice.mjs', 'scripts/slice-image.mjs'];
const LOCK_DIR = join(tmpdir(), 'slicedeck-slice-image.lock');
const LOCK_WAIT_MS = 10 * 60_000;

// ── docker CLI ──────────────────────────────────────────────────────────────

/** Debian's CLI matches the daemon (API 1.41); the newer one on PATH may not. */
export function dockerCli() {
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

export class SliceImageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SliceImageError';
  }
}

async function docker(args, { input, env } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(dockerCli(), args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) =>
      reject(new SliceImageError(error.code === 'ENOENT' ? 'The docker command is not installed. Install Docker (apt-get install docker.io) and try again.' : `Could not run docker: ${error.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolvePromise({ stdout, stderr });
      else {
        const error = new SliceImageError(`docker ${args[0]} failed (exit ${code}): ${(stderr || stdout).trim().split('\n').slice(-5).join(' | ')}`);
        error.stderr = stderr;
        reject(error);
      }
    });
    if (input) input(child.stdin);
    else child.stdin.end();
  });
}

export async function assertDockerReachable() {
  try {
    await docker(['version', '--format', '{{.Server.Version}}']);
  } catch (error) {
    throw new SliceImageError(
      `Docker is not reachable, so the slice image cannot be built. Start the Docker engine (for example \`dockerd &\` as root, or \`systemctl start docker\`) and check that /var/run/docker.sock is accessible, then run \`npm run slice:image\` again. (${error.message})`,
    );
  }
}

/** The value of one label of a local image, or null when the image is missing. */
export async function imageLabel(image, label) {
  try {
    const { stdout } = await docker(['image', 'inspect', '--format', `{{ index .Config.Labels "${label}" }}`, image]);
    const value = stdout.trim();
    return value && value !== '<no value>' ? value : '';
  } catch (error) {
    if (/no such image/i.test(error.stderr ?? error.message)) return null;
    throw error;
  }
}

async function imageExists(image) {
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', image]);
    return true;
  } catch (error) {
    if (/no such image/i.test(error.stderr ?? error.message)) return false;
    throw error;
  }
}

// ── the input hash ──────────────────────────────────────────────────────────

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'missing';
  }
}

/** Hash of everything that ends up in the image; extra strings refine it per variant. */
export function sliceInputHash(extra = []) {
  const hash = createHash('sha256');
  const files = [...HASHED_DIRS.flatMap((dir) => listFiles(join(ROOT, dir))), ...HASHED_FILES.map((file) => join(ROOT, file))]
    .map((file) => relative(ROOT, file).split('\\').join('/'))
    .sort();
  for (const file of files) {
    hash.update(`file:${file}\0`);
    hash.update(readFileSync(join(ROOT, file)));
    hash.update('\0');
  }
  hash.update(`node:${process.version}\0esbuild:${packageVersion('esbuild')}\0zod:${packageVersion('zod')}\0`);
  for (const item of extra) hash.update(`extra:${item}\0`);
  return hash.digest('hex');
}

// ── a lock so parallel callers build once ───────────────────────────────────

async function withBuildLock(log, action) {
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (lockIsStale()) {
        rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new SliceImageError(`Another slice image build has held ${LOCK_DIR} for over ${LOCK_WAIT_MS / 60_000} minutes. If no build is running, delete that directory and try again.`);
      if (!announced) log('slice image: another build is running, waiting for it…');
      announced = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await action();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

function lockIsStale() {
  try {
    const pid = Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8'));
    if (!pid) return Date.now() - statSync(LOCK_DIR).mtimeMs > 5_000;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // ESRCH: the holder is gone. ENOENT: pid not written yet (give it a moment).
    if (error.code === 'ENOENT') return Date.now() - statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs > 5_000;
    return error.code === 'ESRCH';
  }
}

// ── the node-only base image ────────────────────────────────────────────────

/** The host's node binary and every shared library it links (from `ldd`). */
async function nodeRuntimeFiles() {
  const nodeBinary = realpathSync(process.execPath);
  const { stdout } = await execFileAsync('ldd', [nodeBinary]);
  const libraries = [];
  for (const line of stdout.split('\n')) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match) libraries.push(match[1]);
  }
  if (libraries.length === 0) throw new SliceImageError(`ldd listed no libraries for ${nodeBinary}; is it a dynamically linked Linux binary?`);
  return { nodeBinary, libraries };
}

function copyInto(stage, source, target = source) {
  const destination = join(stage, target);
  mkdirSync(dirname(destination), { recursive: true });
  // Dereferences symlinks: the image gets the real bytes under the linked name.
  copyFileSync(source, destination);
  chmodSync(destination, statSync(source).mode & 0o777);
}

function writeUserFiles(stage) {
  mkdirSync(join(stage, 'etc'), { recursive: true });
  writeFileSync(join(stage, 'etc/passwd'), `root:x:0:0:root:/root:/sbin/nologin\nslice:x:${SLICE_UID}:${SLICE_UID}:slicedeck slice:/home/slice:/sbin/nologin\n`);
  writeFileSync(join(stage, 'etc/group'), `root:x:0:\nslice:x:${SLICE_UID}:\n`);
  writeFileSync(join(stage, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  for (const dir of ['tmp', 'home/slice', 'app', 'root']) mkdirSync(join(stage, dir), { recursive: true });
  chmodSync(join(stage, 'tmp'), 0o1777);
}

export async function ensureNodeBaseImage({ log = console.log } = {}) {
  const image = `${BASE_NODE_REPO}:${process.version}`;
  if (await imageExists(image)) return { image, built: false };
  const started = performance.now();
  const stage = mkdtempSync(join(tmpdir(), 'slicedeck-base-node-'));
  try {
    const { nodeBinary, libraries } = await nodeRuntimeFiles();
    copyInto(stage, nodeBinary, '/usr/local/bin/node');
    for (const library of libraries) copyInto(stage, library);
    writeUserFiles(stage);
    // CA certificates: dereferenced copies of the host's bundle.
    if (existsSync('/etc/ssl/certs/ca-certificates.crt')) copyInto(stage, '/etc/ssl/certs/ca-certificates.crt');
    await docker(['import', '-c', 'ENV PATH=/usr/local/bin:/usr/bin:/bin', '-c', 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt', '-m', 'slicedeck: host node runtime', '-', image], {
      input: (stdin) => {
        const tar = spawn('tar', ['-C', stage, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
        tar.stdout.pipe(stdin);
      },
    });
    log(`slice image: base ${image} imported in ${Math.round(performance.now() - started)} ms`);
    return { image, built: true };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

// ── the slice image ─────────────────────────────────────────────────────────

function nodeOnlyDockerfile({ base, hash }) {
  return `# Generated by scripts/slice-image.mjs — the node-only slice (simulated driver).
FROM ${base}
COPY --chown=${SLICE_UID}:${SLICE_UID} data /data
COPY slice.mjs /app/slice.mjs
ENV NODE_ENV=production SLICE_DRIVER=simulated AUTH_BASE_DIR=${AUTH_DIR_IN_IMAGE}
WORKDIR /app
USER ${SLICE_UID}:${SLICE_UID}
EXPOSE 8080
LABEL slicedeck.image-hash="${hash}" slicedeck.image-variant="node"
CMD ["node", "/app/slice.mjs"]
`;
}

async function buildFromContext({ contextDir, tags }) {
  const args = ['build', '--quiet', '--force-rm'];
  for (const tag of tags) args.push('-t', tag);
  args.push(contextDir);
  // The classic builder resolves FROM against local images only; no registry involved.
  await docker(args, { env: { DOCKER_BUILDKIT: '0' } });
}

export async function ensureSliceImage({ force = false, log = console.log } = {}) {
  const started = performance.now();
  const image = SLICE_IMAGE;
  await assertDockerReachable();
  const hash = sliceInputHash(['variant:node']);
  const done = (built) => ({ image, built, hash, ms: Math.round(performance.now() - started) });
  if (!force && (await imageLabel(image, IMAGE_HASH_LABEL)) === hash) return done(false);

  return withBuildLock(log, async () => {
    // Someone else may have built it while we waited for the lock.
    if (!force && (await imageLabel(image, IMAGE_HASH_LABEL)) === hash) return done(false);
    const { buildSlice } = await import('./build-slice.mjs');
    const contextDir = mkdtempSync(join(tmpdir(), 'slicedeck-slice-context-'));
    try {
      await buildSlice({ outfile: join(contextDir, 'slice.mjs') });
      mkdirSync(join(contextDir, 'data', 'auth'), { recursive: true });
      const { image: base } = await ensureNodeBaseImage({ log });
      writeFileSync(join(contextDir, 'Dockerfile'), nodeOnlyDockerfile({ base, hash }));
      await buildFromContext({ contextDir, tags: [image, `${SLICE_IMAGE_REPO}:${hash.slice(0, 12)}`] });
    } finally {
      rmSync(contextDir, { recursive: true, force: true });
    }
    const result = done(true);
    log(`slice image: built ${image} (${hash.slice(0, 12)}) in ${result.ms} ms`);
    return result;
  });
}

// ── CLI ─────────────────────────────────────────────────────────────────────

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const force = process.argv.includes('--force');
  ensureSliceImage({ force })
    .then((result) => console.log(`slice image: ${result.image} ${result.built ? 'built' : 'up to date'} (hash ${result.hash.slice(0, 12)}, ${result.ms} ms)`))
    .catch((error) => {
      console.error(error instanceof SliceImageError ? error.message : `Could not build the slice image: ${error.stack ?? error}`);
      process.exit(1);
    });
}
