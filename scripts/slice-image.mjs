#!/usr/bin/env node
/**
 * Builds the slice image without any registry (there is none here: `docker pull`
 * fails). Node builtins and the docker CLI only, because it runs before the
 * TypeScript app is built.
 *
 *   node scripts/slice-image.mjs [--force] [--chromium]
 *   import { ensureSliceImage } from './slice-image.mjs'
 *   await ensureSliceImage({ force, log }) → { image, built, hash, ms }
 *
 * How (ENVIRONMENT.md has the measurements behind it):
 *  1. Hash the inputs (src/slice/**, src/shared/**, src/http-kit/**, the two build scripts, the
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
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SLICE_IMAGE = 'slicedeck-slice:latest';
/** The image that can run the real whatsapp-web.js driver (and the simulated one). */
export const CHROMIUM_SLICE_IMAGE = 'slicedeck-slice:chromium';
export const SLICE_IMAGE_REPO = 'slicedeck-slice';
export const IMAGE_HASH_LABEL = 'slicedeck.image-hash';
export const BASE_NODE_REPO = 'slicedeck-base-node';
/**
 * The uid of images built before issue 19 (and of the base images' /etc/passwd):
 * each build now chooses its own (chooseSliceUid) and writes it over this one.
 */
export const SLICE_UID = 10001;
/** Labels the host reads (src/main/core/docker/slice-user.ts): the uid the image runs as, and its own init. */
export const SLICE_UID_LABEL = 'slicedeck.slice-uid';
export const SLICE_INIT_LABEL = 'slicedeck.slice-init';
/** The image's own init (a copy of the engine's tini), execute-only so that it is non-dumpable. */
export const SLICE_INIT_PATH = '/sbin/slice-init';
/** Bump when what makes the slice processes non-dumpable changes (new base tags, never a re-tag). */
const NONDUMPABLE_RECIPE = 1;
/** Where LocalAuth sessions live in the image (mount the account's volume here). */
export const AUTH_DIR_IN_IMAGE = '/data/auth';

// src/http-kit is bundled into the slice too (its HTTP layer): a change there must rebuild the image.
const HASHED_DIRS = ['src/slice', 'src/shared', 'src/http-kit'];
const HASHED_FILES = ['scripts/build-slice.mjs', 'scripts/slice-image.mjs'];
/** One lock per variant: a first Chromium build (minutes) must not hold up the node-only one. */
const lockDirOf = (variant) => join(tmpdir(), `slicedeck-slice-image-${variant}.lock`);
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

// ── the slice's uid ─────────────────────────────────────────────────────────

/**
 * A uid that no account of this machine has and none can come to have by the
 * machine's own rules, for the slice user: a host account with the slice's uid could
 * open /proc/<slice pid>/root and read the account's session and token (issue 19).
 *
 *  - above the login range (/etc/login.defs UID_MAX, 60000 by default) and 65535;
 *  - below 524288, where systemd's container ranges begin (65536–524287 is the band
 *    systemd leaves unused) and within tar's 7 octal digits;
 *  - in no /etc/subuid or /etc/subgid range (its owner can become any id in it);
 *  - not a uid or gid `getent` knows (NSS: LDAP, FreeIPA, sssd answer per id even
 *    where enumeration is off).
 * The previous image's uid is kept while it is still free (a session volume's files
 * belong to it); otherwise the first free one from the bottom of the band.
 */
const UID_BAND_TOP = 524_288;
export function loginDefs(path = '/etc/login.defs') {
  const values = { UID_MIN: 1000, UID_MAX: 60000 };
  try {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const match = /^\s*(UID_MIN|UID_MAX)\s+(\d+)\s*$/.exec(line);
      if (match) values[match[1]] = Number(match[2]);
    }
  } catch {
    // No login.defs (a minimal machine): the defaults of shadow-utils.
  }
  return values;
}

export function subordinateRanges(files = ['/etc/subuid', '/etc/subgid']) {
  const ranges = [];
  for (const file of files) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const [owner, from, count] = line.trim().split(':');
      if (owner && /^\d+$/.test(from ?? '') && /^\d+$/.test(count ?? '')) ranges.push({ owner, file, from: Number(from), count: Number(count) });
    }
  }
  return ranges;
}

function getentHas(database, id) {
  const found = spawnSync('getent', [database, String(id)], { encoding: 'utf8', timeout: 10_000 });
  return found.status === 0 && found.stdout.trim() !== '';
}

/** Why `uid` must not be the slice's on this machine, or null when it may. */
export function sliceUidProblem(uid, { defs = loginDefs(), ranges = subordinateRanges() } = {}) {
  if (!Number.isInteger(uid) || uid <= Math.max(defs.UID_MAX, 65535) || uid >= UID_BAND_TOP) return `outside ${Math.max(defs.UID_MAX, 65535) + 1}–${UID_BAND_TOP - 1}`;
  const range = ranges.find((r) => uid >= r.from && uid < r.from + r.count);
  if (range) return `in ${range.owner}'s subordinate range of ${range.file}`;
  if (getentHas('passwd', uid)) return 'a host account has it';
  if (getentHas('group', uid)) return 'a host group has it';
  return null;
}

export function chooseSliceUid({ previous } = {}) {
  const defs = loginDefs();
  const ranges = subordinateRanges();
  if (previous && sliceUidProblem(previous, { defs, ranges }) === null) return previous;
  for (let uid = Math.max(defs.UID_MAX, 65535) + 1; uid < UID_BAND_TOP; uid++) {
    if (ranges.some((r) => uid >= r.from && uid < r.from + r.count)) continue;
    if (sliceUidProblem(uid, { defs, ranges }) === null) return uid;
  }
  throw new SliceImageError(
    `No uid from ${Math.max(defs.UID_MAX, 65535) + 1} to ${UID_BAND_TOP - 1} is free of host accounts and subordinate ranges (/etc/login.defs, /etc/subuid, /etc/subgid), so the slice image has no safe user to run as. Free one of them, then build the image again.`,
  );
}

/** The engine's init (tini, static), copied into the image; null where the host has none (e.g. Docker Desktop). */
export function engineInitBinary() {
  for (const candidate of ['/usr/bin/docker-init', '/usr/libexec/docker/docker-init', '/usr/local/bin/docker-init']) {
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  return null;
}

/** /etc/passwd and /etc/group of `base`, with the slice user moved to `uid`. */
async function userFilesOf(base, uid) {
  const { stdout } = await docker(['create', base, 'true']);
  const id = stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'slicedeck-etc-'));
  try {
    const files = {};
    for (const name of ['passwd', 'group']) {
      await docker(['cp', `${id}:/etc/${name}`, join(dir, name)]);
      const lines = readFileSync(join(dir, name), 'utf8').split('\n').filter((line) => line && !line.startsWith('slice:'));
      lines.push(name === 'passwd' ? `slice:x:${uid}:${uid}:slicedeck slice:/home/slice:/usr/sbin/nologin` : `slice:x:${uid}:`);
      files[name] = `${lines.join('\n')}\n`;
    }
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await docker(['rm', '-f', id]).catch(() => undefined);
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

/**
 * What an installed app ships instead of sources and dev dependencies (`npm run dist`
 * stages it, resources/slice-image/prebuilt): the slice bundle built at packaging time
 * (no esbuild there) and the versions of the packages the build would read.
 */
export const PREBUILT_DIR = join(ROOT, 'prebuilt');
const PREBUILT_BUNDLE = join(PREBUILT_DIR, 'slice.mjs');
const PREBUILT_VERSIONS = join(PREBUILT_DIR, 'versions.json');

/**
 * The Node that goes into the image. Under Node that is this process's own binary;
 * inside Electron (the desktop app's Build image) process.execPath is Electron, so the
 * machine's `node` is used (SLICEDECK_NODE_BINARY, else the first on PATH).
 */
let imageNodeMemo = null;
export function imageNode() {
  if (imageNodeMemo) return imageNodeMemo;
  if (!process.versions.electron) return (imageNodeMemo = { binary: process.execPath, version: process.version });
  const candidates = [process.env.SLICEDECK_NODE_BINARY, ...(process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => join(dir, 'node'))].filter(Boolean);
  for (const binary of candidates) {
    if (!existsSync(binary)) continue;
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    if (probe.status === 0 && /^v\d+\./.test(probe.stdout.trim())) return (imageNodeMemo = { binary, version: probe.stdout.trim() });
  }
  throw new SliceImageError('Building the slice image needs Node.js (20 or newer) on this machine: its binary goes into the image. Install Node.js (on Debian or Ubuntu: sudo apt-get install -y nodejs), or set SLICEDECK_NODE_BINARY to a node binary, then build the image again.');
}

function packageVersion(name) {
  if (existsSync(PREBUILT_VERSIONS)) {
    const shipped = JSON.parse(readFileSync(PREBUILT_VERSIONS, 'utf8'))[name];
    if (shipped) return shipped;
  }
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
  // An installed app hashes the bundle it ships instead of the sources it does not have.
  if (existsSync(PREBUILT_BUNDLE)) {
    hash.update('prebuilt:');
    hash.update(readFileSync(PREBUILT_BUNDLE));
    hash.update('\0');
  }
  hash.update(`node:${imageNode().version}\0esbuild:${packageVersion('esbuild')}\0zod:${packageVersion('zod')}\0`);
  for (const item of extra) hash.update(`extra:${item}\0`);
  return hash.digest('hex');
}

// ── a lock so parallel callers build once ───────────────────────────────────

async function withBuildLock(variant, log, action) {
  const lockDir = lockDirOf(variant);
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (lockIsStale(lockDir)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new SliceImageError(`Another slice image build has held ${lockDir} for over ${LOCK_WAIT_MS / 60_000} minutes. If no build is running, delete that directory and try again.`);
      if (!announced) log('slice image: another build is running, waiting for it…');
      announced = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await action();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function lockIsStale(lockDir) {
  try {
    const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    if (!pid) return Date.now() - statSync(lockDir).mtimeMs > 5_000;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // ESRCH: the holder is gone. ENOENT: pid not written yet (give it a moment).
    if (error.code === 'ENOENT') return Date.now() - statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs > 5_000;
    return error.code === 'ESRCH';
  }
}

// ── the node-only base image ────────────────────────────────────────────────

/** The host's node binary and every shared library it links (from `ldd`). */
async function nodeRuntimeFiles() {
  const nodeBinary = realpathSync(imageNode().binary);
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
  // The recipe in the tag: a base made before the execute-only node stays as it was for whoever uses it.
  const image = `${BASE_NODE_REPO}:${imageNode().version}-nd${NONDUMPABLE_RECIPE}${engineInitBinary() ? '' : '-noinit'}`;
  if (await imageExists(image)) return { image, built: false };
  const started = performance.now();
  const stage = mkdtempSync(join(tmpdir(), 'slicedeck-base-node-'));
  try {
    const { nodeBinary, libraries } = await nodeRuntimeFiles();
    copyInto(stage, nodeBinary, '/usr/local/bin/node');
    // Execute-only (root's): exec of a file its user cannot read makes the process non-dumpable,
    // so no one with the slice's uid can open /proc/<pid>/root or /environ of the slice's node.
    chmodSync(join(stage, 'usr/local/bin/node'), 0o711);
    const init = engineInitBinary();
    if (init) {
      copyInto(stage, init, SLICE_INIT_PATH);
      chmodSync(join(stage, SLICE_INIT_PATH), 0o711);
    }
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

// ── the Chromium base image (real driver) ───────────────────────────────────

const DEBIAN_SUITE = 'bookworm';
const DEBIAN_MIRROR = process.env.SLICEDECK_DEBIAN_MIRROR || 'http://deb.debian.org/debian';
export const CHROMIUM_PACKAGES = ['chromium', 'fonts-liberation', 'ca-certificates'];
export const BASE_CHROMIUM_REPO = 'slicedeck-base-chromium';
export const CHROMIUM_DEPS_REPO = 'slicedeck-base-chromium-deps';
/** Bump when the recipe below changes in a way the hash cannot see. */
const CHROMIUM_RECIPE_VERSION = 3;
/** What the image never needs: docs, translations, icons, and Mesa/LLVM (Chromium runs with --disable-gpu). */
const CHROMIUM_TRIM = [
  './usr/share/doc', './usr/share/man', './usr/share/info', './usr/share/locale', './usr/share/lintian',
  './usr/share/icons', './usr/share/pixmaps', './usr/share/bug', './usr/share/X11/locale',
  './var/cache/apt', './var/lib/apt/lists', './var/log', './usr/lib/x86_64-linux-gnu/dri',
  './usr/lib/x86_64-linux-gnu/libLLVM*', './usr/lib/x86_64-linux-gnu/libgallium*', './usr/lib/x86_64-linux-gnu/libvulkan_*',
];

function chromiumBaseHash() {
  return createHash('sha256')
    .update(JSON.stringify({ suite: DEBIAN_SUITE, packages: CHROMIUM_PACKAGES, node: imageNode().version, recipe: CHROMIUM_RECIPE_VERSION, trim: CHROMIUM_TRIM }))
    .digest('hex');
}

function run(command, args, { log, cwd, env, label = command } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk) => {
      tail = (tail + chunk).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => reject(new SliceImageError(`Could not run ${label}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolvePromise(tail);
      else reject(new SliceImageError(`${label} failed (exit ${code}): ${tail.trim().split('\n').slice(-6).join(' | ')}`));
    });
    log?.(`slice image: ${label}…`);
  });
}

const DEBOOTSTRAP = '/usr/sbin/debootstrap';

/**
 * A new machine has no debootstrap; as root with apt (the only case that gets this
 * far) it is one package away, so install it rather than stop the set-up.
 */
async function ensureDebootstrap({ log }) {
  if (existsSync(DEBOOTSTRAP)) return;
  if (!existsSync('/usr/bin/apt-get')) {
    throw new SliceImageError('Building the Chromium slice base needs debootstrap, and this machine has no apt-get to install it. Install debootstrap, or build src/slice/Dockerfile where a registry is reachable.');
  }
  const aptEnv = { DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['update'], { log, env: aptEnv, label: 'apt-get update' });
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'debootstrap'], { log, env: aptEnv, label: 'apt-get install debootstrap' });
  } catch (error) {
    throw new SliceImageError(`Building the Chromium slice base needs debootstrap, and installing it failed: ${error.message}. Check that Debian's mirrors are reachable, or install debootstrap yourself and try again.`);
  }
  if (!existsSync(DEBOOTSTRAP)) throw new SliceImageError(`apt-get installed debootstrap but ${DEBOOTSTRAP} is still missing.`);
}

/**
 * Once per recipe: a Debian bookworm root filesystem (debootstrap minbase) with
 * Chromium, fonts and CA certificates, the host's Node copied in, trimmed, and
 * imported as `slicedeck-base-chromium:<hash12>`. Needs root and debootstrap (installed with apt when missing),
 * and reaches Debian's mirror (never a container registry).
 */
export async function ensureChromiumBaseImage({ log = console.log } = {}) {
  const image = `${BASE_CHROMIUM_REPO}:${chromiumBaseHash().slice(0, 12)}`;
  if (await imageExists(image)) return { image, built: false, ms: 0 };
  if (process.getuid?.() !== 0) {
    throw new SliceImageError('Building the Chromium slice base needs root (debootstrap and chroot). Run `sudo node scripts/slice-image.mjs --chromium`, or build src/slice/Dockerfile where a registry is reachable.');
  }
  await ensureDebootstrap({ log });
  const started = performance.now();
  const rootfs = mkdtempSync(join(tmpdir(), 'slicedeck-base-chromium-'));
  const mounted = [];
  try {
    await run(DEBOOTSTRAP, ['--variant=minbase', DEBIAN_SUITE, rootfs, DEBIAN_MIRROR], { log, label: 'debootstrap bookworm' });
    // Services must not start inside the chroot.
    writeFileSync(join(rootfs, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    copyFileSync('/etc/resolv.conf', join(rootfs, 'etc/resolv.conf'));
    for (const [args, target] of [[['-t', 'proc', 'proc'], 'proc'], [['--bind', '/dev'], 'dev'], [['--bind', '/dev/pts'], 'dev/pts']]) {
      await run('mount', [...args, join(rootfs, target)], { label: `mount ${target}` });
      mounted.unshift(join(rootfs, target));
    }
    const aptEnv = { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
    await run('chroot', [rootfs, 'apt-get', 'install', '-y', '--no-install-recommends', ...CHROMIUM_PACKAGES], { log, env: aptEnv, label: `apt-get install ${CHROMIUM_PACKAGES.join(' ')}` });
    await run('chroot', [rootfs, 'apt-get', 'clean'], { env: aptEnv, label: 'apt-get clean' });
    for (const target of mounted.splice(0)) await run('umount', ['-l', target], { label: `umount ${target}` });
    rmSync(join(rootfs, 'usr/sbin/policy-rc.d'), { force: true });
    writeFileSync(join(rootfs, 'etc/resolv.conf'), '');

    // The host's Node 20 (Debian's is 18), plus any library it needs that the rootfs lacks.
    const { nodeBinary, libraries } = await nodeRuntimeFiles();
    copyInto(rootfs, nodeBinary, '/usr/local/bin/node');
    for (const library of libraries) if (!existsSync(join(rootfs, library))) copyInto(rootfs, library);
    appendUser(rootfs);
    for (const dir of ['app', 'home/slice', 'data/auth']) mkdirSync(join(rootfs, dir), { recursive: true });

    log('slice image: importing the Chromium base…');
    const excludes = CHROMIUM_TRIM.flatMap((pattern) => ['--exclude', pattern]);
    await docker(
      ['import', '-c', 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin', '-c', 'WORKDIR /app', '-m', 'slicedeck: debian bookworm + chromium + host node', '-', image],
      {
        input: (stdin) => {
          // Ownership of the writable dirs is fixed here; everything else stays root's.
          const tar = spawn('tar', ['-C', rootfs, '--numeric-owner', ...excludes, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
          tar.stdout.pipe(stdin);
        },
      },
    );
    const ms = Math.round(performance.now() - started);
    log(`slice image: base ${image} built in ${ms} ms`);
    return { image, built: true, ms };
  } finally {
    for (const target of mounted) await run('umount', ['-l', target], { label: `umount ${target}` }).catch(() => undefined);
    rmSync(rootfs, { recursive: true, force: true });
  }
}

function appendUser(rootfs) {
  const passwd = join(rootfs, 'etc/passwd');
  const group = join(rootfs, 'etc/group');
  if (!readFileSync(passwd, 'utf8').includes(`:${SLICE_UID}:`)) {
    writeFileSync(passwd, `${readFileSync(passwd, 'utf8')}slice:x:${SLICE_UID}:${SLICE_UID}:slicedeck slice:/home/slice:/usr/sbin/nologin\n`);
    writeFileSync(group, `${readFileSync(group, 'utf8')}slice:x:${SLICE_UID}:\n`);
  }
}

// ── whatsapp-web.js's production node_modules ───────────────────────────────

/**
 * `npm install --omit=dev` of the exact whatsapp-web.js version the project uses,
 * in a staging folder cached by content hash under .cache/slice-modules/.
 * PUPPETEER_SKIP_DOWNLOAD: Chromium comes from Debian, not from puppeteer.
 */
export async function ensureWwebjsModules({ log = console.log, cacheDir = join(ROOT, '.cache') } = {}) {
  const version = packageVersion('whatsapp-web.js');
  if (version === 'missing') throw new SliceImageError('whatsapp-web.js is not in node_modules; run `npm ci` first.');
  const key = createHash('sha256').update(JSON.stringify({ version, node: imageNode().version })).digest('hex').slice(0, 12);
  const dir = join(cacheDir, 'slice-modules', key);
  if (existsSync(join(dir, 'node_modules', 'whatsapp-web.js', 'package.json'))) return { dir, built: false, version };
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'slicedeck-slice-runtime', private: true, dependencies: { 'whatsapp-web.js': version } }, null, 2));
  const started = performance.now();
  await run('flock', ['/tmp/slicedeck-npm.lock', 'npm', 'install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], {
    cwd: staging,
    env: { PUPPETEER_SKIP_DOWNLOAD: '1' },
    log,
    label: `npm install whatsapp-web.js@${version} --omit=dev`,
  });
  rmSync(dir, { recursive: true, force: true });
  await import('node:fs').then(({ renameSync }) => renameSync(staging, dir));
  log(`slice image: whatsapp-web.js modules staged in ${Math.round(performance.now() - started)} ms`);
  return { dir, built: true, version };
}

// ── the slice image ─────────────────────────────────────────────────────────

/**
 * The slice user's home, owned by it (Chromium writes its font cache there). The
 * context holds `home/slice/`; copying `home` onto /home makes `slice` a copied
 * entry, so --chown applies to /home/slice itself (copying onto an existing
 * /home/slice would chown only its contents).
 */
const homeCopy = (uid) => `COPY --chown=${uid}:${uid} home /home`;

/**
 * What both variants add on top of their base for the chosen uid: /data and the home
 * owned by it, /etc/passwd and /etc/group naming it, USER, the labels the host reads
 * (SLICE_UID_LABEL, SLICE_INIT_LABEL) and, where the image has its own init, that
 * init as the entrypoint (the host then leaves Docker's out).
 */
function sliceUserLayer({ uid, withInit }) {
  return {
    // `dataroot` holds `data/auth`: copied onto /, `data` is a copied entry, so /data itself is chowned too.
    files: `COPY --chown=${uid}:${uid} dataroot /
${homeCopy(uid)}
COPY etc/passwd etc/group /etc/`,
    user: `USER ${uid}:${uid}`,
    labels: `${SLICE_UID_LABEL}="${uid}"${withInit ? ` ${SLICE_INIT_LABEL}="${SLICE_INIT_PATH}"` : ''}`,
    entrypoint: withInit ? `ENTRYPOINT ["${SLICE_INIT_PATH}", "--"]\n` : '',
  };
}

function nodeOnlyDockerfile({ base, hash, uid, withInit }) {
  const layer = sliceUserLayer({ uid, withInit });
  return `# Generated by scripts/slice-image.mjs — the node-only slice (simulated driver).
FROM ${base}
${layer.files}
COPY slice.mjs /app/slice.mjs
ENV NODE_ENV=production SLICE_DRIVER=simulated AUTH_BASE_DIR=${AUTH_DIR_IN_IMAGE}
WORKDIR /app
${layer.user}
EXPOSE 8080
LABEL slicedeck.image-hash="${hash}" slicedeck.image-variant="node" ${layer.labels}
${layer.entrypoint}CMD ["node", "/app/slice.mjs"]
`;
}

async function buildFromContext({ contextDir, tags }) {
  const args = ['build', '--quiet', '--force-rm'];
  for (const tag of tags) args.push('-t', tag);
  args.push(contextDir);
  // The classic builder resolves FROM against local images only; no registry involved.
  await docker(args, { env: { DOCKER_BUILDKIT: '0' } });
}

/**
 * The Chromium base plus whatsapp-web.js's node_modules, as its own image keyed by
 * both: an app change then only adds the bundle on top (seconds, not a 70 MB copy).
 */
export async function ensureChromiumDepsImage({ log = console.log, cacheDir } = {}) {
  const { image: base } = await ensureChromiumBaseImage({ log });
  const modules = await ensureWwebjsModules({ log, cacheDir });
  const init = engineInitBinary();
  const key = createHash('sha256').update(`${base}\0${modules.dir}\0nondumpable:${NONDUMPABLE_RECIPE}\0init:${Boolean(init)}`).digest('hex').slice(0, 12);
  const image = `${CHROMIUM_DEPS_REPO}:${key}`;
  if (await imageExists(image)) return { image, built: false };
  const contextDir = mkdtempSync(join(tmpdir(), 'slicedeck-slice-deps-'));
  try {
    await run('cp', ['-a', join(modules.dir, 'node_modules'), join(contextDir, 'node_modules')], { label: 'copy node_modules' });
    if (init) {
      copyFileSync(init, join(contextDir, 'slice-init'));
      chmodSync(join(contextDir, 'slice-init'), 0o711);
    }
    // Node, Chromium and its crash handler execute-only: exec of a file its user cannot read
    // makes the process non-dumpable (no /proc/<pid>/root or /environ for a same-uid account).
    writeFileSync(
      join(contextDir, 'Dockerfile'),
      `# Generated by scripts/slice-image.mjs — Chromium base + whatsapp-web.js runtime modules, binaries execute-only.
FROM ${base}
COPY node_modules /app/node_modules
${init ? `COPY slice-init ${SLICE_INIT_PATH}\n` : ''}RUN chmod 0711 /usr/local/bin/node /usr/lib/chromium/chromium /usr/lib/chromium/chrome_crashpad_handler
`,
    );
    await buildFromContext({ contextDir, tags: [image] });
    log(`slice image: ${image} built`);
    return { image, built: true };
  } finally {
    rmSync(contextDir, { recursive: true, force: true });
  }
}

function chromiumDockerfile({ base, hash, uid, withInit }) {
  const layer = sliceUserLayer({ uid, withInit });
  return `# Generated by scripts/slice-image.mjs — the slice with Chromium (whatsapp-web.js driver).
FROM ${base}
${layer.files}
COPY slice.mjs /app/slice.mjs
ENV NODE_ENV=production SLICE_DRIVER=whatsapp-web.js CHROME_PATH=/usr/bin/chromium AUTH_BASE_DIR=${AUTH_DIR_IN_IMAGE} HOME=/home/slice PUPPETEER_SKIP_DOWNLOAD=1
WORKDIR /app
${layer.user}
EXPOSE 8080
LABEL slicedeck.image-hash="${hash}" slicedeck.image-variant="chromium" ${layer.labels}
${layer.entrypoint}CMD ["node", "/app/slice.mjs"]
`;
}

/**
 * Removes the `:<hash12>` tags of earlier builds of the same variant, so that every
 * edit of the slice does not leave a 100 MB image behind. Only tags older than a day
 * go: another run on this engine (a test run of another checkout) may be using a
 * recent one by its content tag right now. Never forced: an image still used by a
 * container stays (docker refuses, and we let it).
 */
const STALE_HASH_TAG_MS = 24 * 60 * 60 * 1000;
async function pruneStaleHashTags({ keep, withChromium }) {
  const { stdout } = await docker(['image', 'ls', SLICE_IMAGE_REPO, '--format', '{{.Tag}}\t{{.CreatedAt}}']);
  const pattern = withChromium ? /^chromium-[0-9a-f]{12}$/ : /^[0-9a-f]{12}$/;
  const current = pinnedTag({ hash: keep, withChromium });
  for (const line of stdout.split('\n')) {
    const [tag = '', createdAt = ''] = line.trim().split('\t');
    // CreatedAt looks like "2026-11-30 01:02:03 +0000 UTC": the first three fields parse.
    const created = Date.parse(createdAt.split(' ').slice(0, 3).join(' '));
    const stale = Number.isFinite(created) && Date.now() - created > STALE_HASH_TAG_MS;
    if (pattern.test(tag) && tag !== current && stale) await docker(['rmi', `${SLICE_IMAGE_REPO}:${tag}`]).catch(() => undefined);
  }
}

/** The content tag of one build: never moved once made, so a run can hold on to it. */
function pinnedTag({ hash, withChromium }) {
  return `${withChromium ? 'chromium-' : ''}${hash.slice(0, 12)}`;
}

/** `slicedeck-slice:latest` (node only, simulated driver) or `slicedeck-slice:chromium` (both drivers). */
export function sliceImageName({ withChromium = false } = {}) {
  return withChromium ? CHROMIUM_SLICE_IMAGE : SLICE_IMAGE;
}

/**
 * Makes sure the slice image exists and matches its inputs; builds it otherwise.
 * `withChromium: false` (default): `slicedeck-slice:latest`, ~105 MB, seconds to build,
 * simulated driver only. `withChromium: true`: `slicedeck-slice:chromium`, runs both drivers.
 * `moveTag: false` (the test runs) builds and keeps only the content tag, leaving `:latest` /
 * `:chromium` to whoever else on this engine uses them.
 */
export async function ensureSliceImage({ force = false, log = console.log, withChromium = false, cacheDir = undefined, moveTag = true } = {}) {
  const started = performance.now();
  const image = sliceImageName({ withChromium });
  await assertDockerReachable();
  // The uid is part of what the image is: another uid, another content tag.
  const previous = Number(await imageLabel(image, SLICE_UID_LABEL)) || undefined;
  const uid = chooseSliceUid({ previous });
  const withInit = Boolean(engineInitBinary());
  const variantInputs = withChromium ? ['variant:chromium', chromiumBaseHash(), `wwebjs:${packageVersion('whatsapp-web.js')}`] : ['variant:node'];
  const hash = sliceInputHash([...variantInputs, `uid:${uid}`, `init:${withInit}`, `nondumpable:${NONDUMPABLE_RECIPE}`]);
  // `pinned` is the content tag (`slicedeck-slice:<hash12>`): tests and the bench run
  // that one, since `image` (`:latest`/`:chromium`) moves whenever any checkout builds.
  const pinned = `${SLICE_IMAGE_REPO}:${pinnedTag({ hash, withChromium })}`;
  const done = (built) => ({ image, pinned, built, hash, uid, ms: Math.round(performance.now() - started) });
  if (!force && (await imageLabel(pinned, IMAGE_HASH_LABEL)) === hash) {
    // Another checkout may have moved `image` to its own build: point it back at ours.
    if (moveTag && (await imageLabel(image, IMAGE_HASH_LABEL)) !== hash) await docker(['tag', pinned, image]);
    return done(false);
  }

  return withBuildLock(withChromium ? 'chromium' : 'node', log, async () => {
    // Someone else may have built it while we waited for the lock.
    if (!force && (await imageLabel(pinned, IMAGE_HASH_LABEL)) === hash) return done(false);
    const contextDir = mkdtempSync(join(tmpdir(), 'slicedeck-slice-context-'));
    try {
      if (existsSync(PREBUILT_BUNDLE)) copyFileSync(PREBUILT_BUNDLE, join(contextDir, 'slice.mjs'));
      else await (await import('./build-slice.mjs')).buildSlice({ outfile: join(contextDir, 'slice.mjs') });
      mkdirSync(join(contextDir, 'dataroot', 'data', 'auth'), { recursive: true });
      mkdirSync(join(contextDir, 'home', 'slice'), { recursive: true });
      mkdirSync(join(contextDir, 'etc'), { recursive: true });
      const tags = moveTag ? [image, pinned] : [pinned];
      const base = withChromium ? (await ensureChromiumDepsImage({ log, cacheDir })).image : (await ensureNodeBaseImage({ log })).image;
      const users = await userFilesOf(base, uid);
      for (const name of ['passwd', 'group']) writeFileSync(join(contextDir, 'etc', name), users[name], { mode: 0o644 });
      writeFileSync(join(contextDir, 'Dockerfile'), (withChromium ? chromiumDockerfile : nodeOnlyDockerfile)({ base, hash, uid, withInit }));
      await buildFromContext({ contextDir, tags });
    } finally {
      rmSync(contextDir, { recursive: true, force: true });
    }
    await pruneStaleHashTags({ keep: hash, withChromium });
    const result = done(true);
    log(`slice image: built ${moveTag ? image : pinned} (${hash.slice(0, 12)}, slice uid ${uid}) in ${result.ms} ms`);
    return result;
  });
}

// ── CLI ─────────────────────────────────────────────────────────────────────

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const force = process.argv.includes('--force');
  const withChromium = process.argv.includes('--chromium');
  // For a registry build of src/slice/Dockerfile: `--build-arg SLICE_UID=$(node scripts/slice-image.mjs --choose-uid)`.
  if (process.argv.includes('--choose-uid')) {
    console.log(chooseSliceUid());
    process.exit(0);
  }
  ensureSliceImage({ force, withChromium })
    .then((result) => console.log(`slice image: ${result.image} ${result.built ? 'built' : 'up to date'} (hash ${result.hash.slice(0, 12)}, ${result.ms} ms)`))
    .catch((error) => {
      console.error(error instanceof SliceImageError ? error.message : `Could not build the slice image: ${error.stack ?? error}`);
      process.exit(1);
    });
}
