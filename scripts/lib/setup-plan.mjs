/**
 * The decisions `scripts/setup.mjs` makes, as pure functions of what it observed.
 * Kept apart from the side effects so they can be unit-tested under Node
 * (test/unit/setup-plan.test.ts) and read in one place.
 */

/** What each front door needs before it can run. */
export const MODES = {
  // The panel shows a banner when Docker is missing, so the desktop and web modes carry on.
  // `electron`: only the desktop app and its installer need Electron's binary and an
  // Electron build of better-sqlite3; everything else runs under Node, with no network
  // to Electron's host.
  start: { docker: 'optional', chromium: false, build: true, image: true, electron: true },
  serve: { docker: 'optional', chromium: false, build: true, image: true, electron: false },
  // `desktopSpec`: a real Electron for test/electron (its own binary, else the npm-registry
  // stand-in, lib/electron-stand-in.mjs) and a display for it (Xvfb); never fatal: without
  // them the desktop spec is skipped with its reason.
  test: { docker: 'required', chromium: true, build: true, image: true, electron: false, desktopSpec: true },
  bench: { docker: 'required', chromium: true, build: true, image: true, electron: false },
  'slice-image': { docker: 'required', chromium: false, build: false, image: true, electron: false },
  // `npm run dist` packages the app; the slice image is built later, by the installed app.
  dist: { docker: 'unused', chromium: false, build: true, image: false, electron: true },
};

export const USAGE = `usage: node scripts/setup.mjs <${Object.keys(MODES).join('|')}> [--force-image] [--chromium] [slice-image: --image=<ref> --from=<engine>]`;

const FORCE_FLAGS = ['--force-image', '--force'];

/**
 * `setup.mjs <mode> [--force-image] [--chromium]` → `{ mode, forceImage, chromium }` or `{ error }`.
 * `--force` is accepted as a synonym because `npm run slice:image -- --force` reads naturally;
 * `--chromium` asks `slice-image` for the image that can run the real WhatsApp driver.
 */
export function parseSetupArgs(argv) {
  const positional = argv.filter((arg) => !arg.startsWith('--'));
  const valued = {};
  for (const arg of argv) {
    const match = /^--(image|from)=(.*)$/.exec(arg);
    if (match) valued[match[1]] = match[2].trim();
  }
  const flags = argv.filter((arg) => arg.startsWith('--') && !/^--(image|from)=/.test(arg));
  const unknownFlags = flags.filter((flag) => !FORCE_FLAGS.includes(flag) && flag !== '--chromium');
  if (positional.length !== 1) {
    return { error: `Tell setup what to prepare for (exactly one mode).\n${USAGE}` };
  }
  const mode = positional[0];
  if (!Object.prototype.hasOwnProperty.call(MODES, mode)) {
    return { error: `"${mode}" is not a setup mode.\n${USAGE}` };
  }
  if (unknownFlags.length > 0) {
    return { error: `Unknown option ${unknownFlags.join(', ')}.\n${USAGE}` };
  }
  // --image / --from: which image to put on a swarm's nodes, and the engine that holds it (slice-image only).
  if ((valued.image !== undefined || valued.from !== undefined) && mode !== 'slice-image') {
    return { error: `--image and --from belong to slice-image (which image to load into a swarm's nodes, from which engine).\n${USAGE}` };
  }
  for (const [name, value] of Object.entries(valued)) {
    if (!value) return { error: `--${name}= needs a value.\n${USAGE}` };
  }
  if (valued.from !== undefined && !/^(unix|tcp):\/\//.test(valued.from)) {
    return { error: `--from=${valued.from} is not an engine endpoint (use unix:///path/to/docker.sock or tcp://host:port).\n${USAGE}` };
  }
  return { mode, forceImage: flags.some((flag) => FORCE_FLAGS.includes(flag)), chromium: flags.includes('--chromium'), ...valued };
}

export const NODE_SLICE_IMAGE = 'slicedeck-slice:latest';
export const CHROMIUM_SLICE_IMAGE = 'slicedeck-slice:chromium';

/**
 * Which slice image to make sure of. The tests and the bench run the simulated
 * driver (the small Node-only image). The panel builds what its configuration will
 * start: the Chromium image for the real whatsapp-web.js driver (the default), the
 * small one in simulation mode, nothing for an operator's own SLICEDECK_IMAGE.
 *
 * @returns {{ kind: 'build', withChromium: boolean } | { kind: 'custom', image: string }}
 */
export function sliceImagePlan({ mode, chromium = false, env = {} }) {
  if (mode === 'test' || mode === 'bench') return { kind: 'build', withChromium: false };
  if (mode === 'slice-image') return { kind: 'build', withChromium: chromium };
  const image = env.SLICEDECK_IMAGE?.trim();
  if (image === CHROMIUM_SLICE_IMAGE) return { kind: 'build', withChromium: true };
  if (image === NODE_SLICE_IMAGE) return { kind: 'build', withChromium: false };
  if (image) return { kind: 'custom', image };
  return { kind: 'build', withChromium: (env.SLICEDECK_DRIVER?.trim() || 'whatsapp-web.js') !== 'simulated' };
}

/**
 * Whether dependencies must be installed.
 *
 * `installedAt` is the mtime of node_modules/.package-lock.json (npm writes it at the
 * end of every install), or null. The mtime comparison is only the trigger: a
 * manifest that is newer but declares the same dependencies (someone edited the
 * `scripts`) must not wipe node_modules with `npm ci`, so `sameDependencies`
 * (the content check) has the last word.
 *
 * @returns {'missing' | 'stale' | 'fresh'}
 */
export function dependencyState({ nodeModulesExists, installedAt, manifestTimes, sameDependencies }) {
  if (!nodeModulesExists || installedAt === null) return 'missing';
  const newest = Math.max(...manifestTimes.filter((time) => typeof time === 'number'));
  if (newest <= installedAt) return 'fresh';
  return sameDependencies() ? 'fresh' : 'stale';
}

/** `npm ci` reproduces the lockfile exactly; without one, `npm install` writes it. */
export function installCommand({ hasLockfile }) {
  return {
    command: 'npm',
    args: [hasLockfile ? 'ci' : 'install', '--no-audit', '--no-fund'],
    // whatsapp-web.js would download its own Chromium; slices use Debian's.
    env: { PUPPETEER_SKIP_DOWNLOAD: '1' },
  };
}

/**
 * Compares what package-lock.json asks for with what npm recorded as installed
 * (node_modules/.package-lock.json). Optional packages may rightly be absent
 * (other platforms' binaries), so only their versions are compared when present.
 */
export function lockfilesAgree(lockfile, installedLockfile) {
  const wanted = lockfile?.packages ?? {};
  const installed = installedLockfile?.packages ?? {};
  for (const [path, entry] of Object.entries(wanted)) {
    if (path === '' || entry.link) continue;
    const have = installed[path];
    if (!have) {
      if (entry.optional || entry.devOptional || entry.peer) continue;
      return false;
    }
    if (entry.version && have.version !== entry.version) return false;
  }
  return true;
}

/** The dependencies package.json declares must be the ones the lockfile was made for. */
export function manifestMatchesLockfile(manifest, lockfile) {
  const root = lockfile?.packages?.[''] ?? {};
  const fields = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];
  return fields.every((field) => sameRecord(manifest?.[field], root[field]));
}

function sameRecord(a = {}, b = {}) {
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => a[key] === b[key]);
}

/**
 * What to do about the Docker engine.
 *
 * @returns {{ kind: 'ready' } | { kind: 'start-local', installFirst: boolean } | { kind: 'advise', words: string }}
 */
export function engineAction({ reachable, dockerHost, platform, isRoot, dockerdInstalled, aptAvailable }) {
  if (reachable) return { kind: 'ready' };
  if (dockerHost) {
    // Starting a local daemon would not help: the operator pointed us elsewhere.
    return {
      kind: 'advise',
      words: `The Docker engine at DOCKER_HOST=${dockerHost} does not answer. Check that it is running and reachable from here, or unset DOCKER_HOST to use the local engine.`,
    };
  }
  if (platform === 'linux' && isRoot && (dockerdInstalled || aptAvailable)) {
    return { kind: 'start-local', installFirst: !dockerdInstalled };
  }
  return { kind: 'advise', words: engineAdvice({ platform, isRoot, dockerdInstalled }) };
}

function engineAdvice({ platform, isRoot, dockerdInstalled }) {
  const remote = 'or set DOCKER_HOST to a Docker engine elsewhere (for example DOCKER_HOST=tcp://build-host:2375)';
  if (platform === 'darwin' || platform === 'win32') {
    return `No Docker engine answers. Start Docker Desktop and wait until it says it is running, ${remote}.`;
  }
  if (platform === 'linux' && !isRoot) {
    const install = dockerdInstalled ? '' : 'install Docker (sudo apt-get install -y docker.io), then ';
    return `No Docker engine answers. ${install}Start it with "sudo systemctl start docker" (or run this command as root and slicedeck starts it), ${remote}.`;
  }
  return `No Docker engine answers and none can be installed here (no apt-get). Install Docker Engine and start it, ${remote}.`;
}

/** Without an engine, the desktop and web modes still open (with a banner); the rest cannot work. */
export function missingEngineOutcome(mode) {
  return MODES[mode].docker === 'required' ? 'fail' : 'continue';
}

/** @returns {{ kind: 'ready' } | { kind: 'install' } | { kind: 'advise', words: string }} */
export function chromiumAction({ present, path, platform, isRoot, aptAvailable }) {
  if (present) return { kind: 'ready' };
  if (platform === 'linux' && isRoot && aptAvailable) return { kind: 'install' };
  return {
    kind: 'advise',
    words: `The browser tests need Chromium at ${path}, and it is not there. Install it (on Debian or Ubuntu: sudo apt-get install -y chromium), or set SLICEDECK_CHROMIUM to a Chromium or Chrome binary.`,
  };
}

/** @returns {'missing' | 'stale' | 'fresh'} */
export function buildState({ outExists, recordedHash, currentHash }) {
  if (!outExists || !recordedHash) return 'missing';
  return recordedHash.trim() === currentHash ? 'fresh' : 'stale';
}

/** Where the Docker engine is: the `http.request` options for a ping. */
export function engineEndpoint(dockerHost, platform, { tls = false } = {}) {
  if (!dockerHost) {
    return platform === 'win32' ? { socketPath: '\\\\.\\pipe\\docker_engine' } : { socketPath: '/var/run/docker.sock' };
  }
  const url = new URL(dockerHost);
  switch (url.protocol) {
    case 'unix:':
      return { socketPath: url.pathname };
    case 'npipe:':
      return { socketPath: url.pathname.replace(/^\/+/, '\\\\').replace(/\//g, '\\') };
    case 'tcp:':
    case 'http:':
    case 'https:':
      return { host: url.hostname, port: Number(url.port) || (tls ? 2376 : 2375), tls: tls || url.protocol === 'https:' };
    default:
      return { error: `DOCKER_HOST=${dockerHost} is not an address slicedeck understands (use unix://, tcp:// or npipe://).` };
  }
}

/** "1.2 s" / "340 ms": step lines say how long they took. */
export function formatDuration(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
