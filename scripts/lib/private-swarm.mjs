/**
 * A private two-node Docker Swarm on this machine, for trying slicedeck on a swarm
 * and for the tests (`npm run swarm:up` / `npm run swarm:down`). Node builtins only.
 *
 * Why it is built this way: a second `dockerd` started in the host's network
 * namespace and put into swarm mode once took 172.17.0.0/16 for its docker_gwbridge
 * and cut every container of the machine's main engine off the network
 * (docs/ENVIRONMENT notes). So nothing here runs in the host's namespace:
 *
 *   host ── sdsw-h (10.213.0.1/24) ─┐
 *                                   │ veth
 *   netns sdsw-hub:  bridge sdsw-br ┼──────────── veth ── netns sdsw-n1: eth0 10.213.0.11 (manager)
 *                                   └──────────── veth ── netns sdsw-n2: eth0 10.213.0.12 (worker)
 *
 * Each node is its own `dockerd` (`nsenter --net=/run/netns/sdsw-nX dockerd …`) with its own
 * data-root, exec-root, pidfile, unix socket (on the host's filesystem, so the host
 * talks to it directly), bridge (sdsw-nXbr, created by us inside the node) and
 * address pools, all in 10.213–10.216.x: see RANGES (checked free before use).
 * The bridge between the nodes lives in its own namespace (sdsw-hub) because the
 * host's FORWARD chain (policy DROP, set by the main engine) would drop bridged
 * traffic between them; the host itself only owns one veth with one /24 route.
 * Nothing here changes the host's iptables, the main engine's settings or its state.
 *
 * The nodes have no default route: a slice on the swarm reaches the host's side of
 * the private bridge (10.213.0.1) and the other node, nothing else.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PREFIX = 'sdsw';
export const HUB_NS = `${PREFIX}-hub`;
export const HUB_BRIDGE = `${PREFIX}-br`;
export const HOST_VETH = `${PREFIX}-h`;
export const HOST_ADDRESS = '10.213.0.1';
/** Every range the private swarm uses; none may be routed on the host before `up`. */
export const RANGES = {
  link: '10.213.0.0/24',
  /** Each node's own bridge (`--bridge`), 10.216.<n>.0/24. */
  nodeBridges: '10.216.0.0/16',
  /** Each node engine's `--default-address-pool` (docker_gwbridge and local networks). */
  enginePools: '10.214.0.0/16',
  /** The swarm's `--default-addr-pool` (overlay networks such as ingress). */
  swarmPool: '10.215.0.0/16',
};
export const STATE_DIR = '/var/lib/sdsw';
/** Short: containerd's socket lives under the exec-root and unix socket paths are capped at 108 bytes. */
export const RUN_DIR = '/run/sdsw';

export const NODES = [
  { name: 'n1', role: 'manager', address: '10.213.0.11', bridgeCidr: '10.216.1.1/24', pool: '10.214.0.0/18' },
  { name: 'n2', role: 'worker', address: '10.213.0.12', bridgeCidr: '10.216.2.1/24', pool: '10.214.64.0/18' },
].map((node) => ({
  ...node,
  ns: `${PREFIX}-${node.name}`,
  bridge: `${PREFIX}-${node.name}br`,
  socket: join(RUN_DIR, `${node.name}.sock`),
  pidfile: join(RUN_DIR, `${node.name}.pid`),
  dataRoot: join(STATE_DIR, node.name, 'data'),
  execRoot: join(RUN_DIR, node.name),
  log: join(STATE_DIR, `${node.name}.log`),
  dockerHost: `unix://${join(RUN_DIR, `${node.name}.sock`)}`,
}));
export const MANAGER = NODES[0];

export class SwarmError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SwarmError';
  }
}

const DOCKER_CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

/** Runs a command with a time bound; resolves { code, stdout, stderr } (never rejects). */
export function sh(command, args, { timeoutMs = 60_000, env, input } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n(timed out after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    if (input) input(child.stdin);
  });
}

/** Like sh, but a non-zero exit is a SwarmError that says what was being done. */
async function must(doing, command, args, opts) {
  const r = await sh(command, args, opts);
  if (r.code !== 0) throw new SwarmError(`Could not ${doing}: \`${command} ${args.join(' ')}\` exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-4).join(' | ')}`);
  return r.stdout;
}

const ip = (doing, args) => must(doing, 'ip', args, { timeoutMs: 15_000 });
const inNs = (ns, doing, args) => must(doing, 'ip', ['netns', 'exec', ns, ...args], { timeoutMs: 15_000 });

/** The docker CLI against one node (or the main engine when node is null). */
export function nodeDocker(node, args, opts = {}) {
  // A node is named by its socket; the main engine by whatever this process was given.
  const env = node ? { DOCKER_HOST: node.dockerHost } : {};
  return sh(DOCKER_CLI, args, { timeoutMs: 60_000, ...opts, env: { ...env, ...opts.env } });
}

/** GET /_ping on a unix socket; true when it answers OK within the time. */
export function pingSocket(socket, timeoutMs = 1_500) {
  return new Promise((resolve) => {
    if (!existsSync(socket)) return resolve(false);
    const req = http.request({ socketPath: socket, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ── preconditions ────────────────────────────────────────────────────────────

export function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function ensureTools(log) {
  if (process.platform !== 'linux') throw new SwarmError('The private swarm needs Linux (network namespaces); on this system use a real swarm and point DOCKER_HOST at its manager.');
  if (!isRoot()) {
    throw new SwarmError('The private swarm needs root: it creates network namespaces, veth pairs and two Docker engines. Run it as root (for example `sudo npm run swarm:up`).');
  }
  const missing = [];
  if ((await sh('ip', ['-V'])).code !== 0) missing.push('iproute2');
  if ((await sh('dockerd', ['--version'])).code !== 0) missing.push('docker.io');
  if (missing.length === 0) return;
  if ((await sh('apt-get', ['--version'])).code !== 0) throw new SwarmError(`The private swarm needs ${missing.join(' and ')}; install them with your package manager and try again.`);
  log(`installing ${missing.join(', ')} with apt-get`);
  await must('update the package lists', 'apt-get', ['update', '-q'], { timeoutMs: 300_000 });
  await must(`install ${missing.join(' ')}`, 'apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
    timeoutMs: 600_000,
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function ipv4ToInt(a) {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function cidrRange(cidr) {
  const [addr, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipv4ToInt(addr) / size) * size;
  return [start, start + size - 1];
}
export function cidrsOverlap(a, b) {
  const [a0, a1] = cidrRange(a);
  const [b0, b1] = cidrRange(b);
  return a0 <= b1 && b0 <= a1;
}

/** The host's IPv4 routes as `prefix dev X` lines (the main table). */
export async function hostRoutes() {
  const out = await ip('list the host routes', ['-4', 'route', 'show', 'table', 'main']);
  return out.trim().split('\n').filter(Boolean);
}

/** Refuses to start when any of our ranges is already routed on the host by something else. */
async function assertRangesFree() {
  const ours = Object.values(RANGES);
  for (const line of await hostRoutes()) {
    const prefix = line.split(' ')[0];
    if (prefix === 'default' || line.includes(`dev ${HOST_VETH}`)) continue;
    const cidr = prefix.includes('/') ? prefix : `${prefix}/32`;
    const clash = ours.find((r) => cidrsOverlap(r, cidr));
    if (clash) throw new SwarmError(`The private swarm's range ${clash} is already in use on this machine (route: ${line}). Nothing was changed; free that range or edit RANGES in scripts/lib/private-swarm.mjs.`);
  }
}

// ── state ────────────────────────────────────────────────────────────────────

async function namespaces() {
  const r = await sh('ip', ['netns', 'list']);
  return r.stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`${PREFIX}-`));
}

async function linkExists(name, ns) {
  const args = ns ? ['netns', 'exec', ns, 'ip', 'link', 'show', name] : ['link', 'show', name];
  return (await sh('ip', args)).code === 0;
}

/** What is up now: { namespaces, engines: {n1: bool}, swarm: {nodes, ready} | null }. */
export async function swarmStatus() {
  const ns = await namespaces();
  const engines = {};
  for (const node of NODES) engines[node.name] = await pingSocket(node.socket);
  let swarm = null;
  if (engines[MANAGER.name]) {
    const r = await nodeDocker(MANAGER, ['node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.Availability}}'], { timeoutMs: 10_000 });
    if (r.code === 0) {
      const lines = r.stdout.trim().split('\n').filter(Boolean);
      // Ready whatever its availability: a node drained by a test run that holds a lease is
      // part of a complete swarm; counting it as missing made the next lease rebuild the
      // swarm under the runs using it.
      swarm = { nodes: lines.length, ready: lines.filter((l) => / Ready (Active|Drain|Pause)$/.test(l)).length };
    }
  }
  return { namespaces: ns, engines, swarm };
}

// ── up ───────────────────────────────────────────────────────────────────────

async function buildNetwork(log) {
  await ip('create the hub namespace', ['netns', 'add', HUB_NS]);
  await inNs(HUB_NS, 'bring up lo in the hub', ['ip', 'link', 'set', 'lo', 'up']);
  await inNs(HUB_NS, 'create the hub bridge', ['ip', 'link', 'add', HUB_BRIDGE, 'type', 'bridge']);
  await inNs(HUB_NS, 'bring up the hub bridge', ['ip', 'link', 'set', HUB_BRIDGE, 'up']);
  // The host's leg: one veth, one /24 route on the host, nothing else.
  await ip('create the host veth', ['link', 'add', HOST_VETH, 'type', 'veth', 'peer', 'name', `${HOST_VETH}p`]);
  await ip('move the host veth peer into the hub', ['link', 'set', `${HOST_VETH}p`, 'netns', HUB_NS]);
  await inNs(HUB_NS, 'attach the host veth to the hub bridge', ['ip', 'link', 'set', `${HOST_VETH}p`, 'master', HUB_BRIDGE, 'up']);
  await ip('address the host veth', ['addr', 'add', `${HOST_ADDRESS}/24`, 'dev', HOST_VETH]);
  await ip('bring up the host veth', ['link', 'set', HOST_VETH, 'up']);
  for (const node of NODES) {
    await ip(`create namespace ${node.ns}`, ['netns', 'add', node.ns]);
    await inNs(node.ns, `bring up lo in ${node.ns}`, ['ip', 'link', 'set', 'lo', 'up']);
    const outer = `${node.ns}p`;
    await ip(`create the veth of ${node.name}`, ['link', 'add', `${node.ns}i`, 'type', 'veth', 'peer', 'name', outer]);
    await ip(`move the veth of ${node.name} into it`, ['link', 'set', `${node.ns}i`, 'netns', node.ns]);
    await inNs(node.ns, `rename the veth of ${node.name}`, ['ip', 'link', 'set', `${node.ns}i`, 'name', 'eth0']);
    await inNs(node.ns, `address ${node.name}`, ['ip', 'addr', 'add', `${node.address}/24`, 'dev', 'eth0']);
    await inNs(node.ns, `bring up eth0 of ${node.name}`, ['ip', 'link', 'set', 'eth0', 'up']);
    await ip(`move the outer veth of ${node.name} into the hub`, ['link', 'set', outer, 'netns', HUB_NS]);
    await inNs(HUB_NS, `attach ${node.name} to the hub bridge`, ['ip', 'link', 'set', outer, 'master', HUB_BRIDGE, 'up']);
    // The node engine's own bridge, so its name and subnet are ours, not docker0/172.17.
    await inNs(node.ns, `create the bridge of ${node.name}`, ['ip', 'link', 'add', node.bridge, 'type', 'bridge']);
    await inNs(node.ns, `address the bridge of ${node.name}`, ['ip', 'addr', 'add', node.bridgeCidr, 'dev', node.bridge]);
    await inNs(node.ns, `bring up the bridge of ${node.name}`, ['ip', 'link', 'set', node.bridge, 'up']);
  }
  log(`network: ${HUB_NS} bridge ${HUB_BRIDGE}, host ${HOST_ADDRESS}, ${NODES.map((n) => `${n.name} ${n.address}`).join(', ')}`);
}

function startEngine(node) {
  mkdirSync(node.dataRoot, { recursive: true });
  mkdirSync(node.execRoot, { recursive: true });
  const fd = openSync(node.log, 'w');
  // nsenter --net, not `ip netns exec`: the latter mounts a fresh /sys in a private mount
  // namespace, which hides /sys/fs/cgroup ("Devices cgroup isn't mounted"). Only the
  // network namespace is the node's; its mounts (under STATE_DIR/RUN_DIR) are undone by down.
  const args = [
    `--net=/run/netns/${node.ns}`, 'dockerd',
    '--host', node.dockerHost,
    '--data-root', node.dataRoot,
    '--exec-root', node.execRoot,
    '--pidfile', node.pidfile,
    '--bridge', node.bridge,
    '--default-address-pool', `base=${node.pool},size=24`,
    '--log-level', 'warn',
  ];
  const child = spawn('nsenter', args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = false;
  child.on('exit', () => (exited = true));
  child.on('error', () => (exited = true));
  child.unref();
  return () => !exited;
}

function logTail(node, lines = 6) {
  try {
    return readFileSync(node.log, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no log)';
  }
}

async function waitForEngine(node, isAlive, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pingSocket(node.socket)) return;
    if (!isAlive()) throw new SwarmError(`The engine of node ${node.name} exited while starting; its log (${node.log}) ends: ${logTail(node)}`);
    await sleep(300);
  }
  throw new SwarmError(`The engine of node ${node.name} did not answer on ${node.socket} within ${timeoutMs / 1000} s; its log (${node.log}) ends: ${logTail(node)}`);
}

async function formSwarm(log) {
  const d = (node, doing, args, timeoutMs = 60_000) =>
    nodeDocker(node, args, { timeoutMs }).then((r) => {
      if (r.code !== 0) throw new SwarmError(`Could not ${doing}: ${(r.stderr || r.stdout).trim()}`);
      return r.stdout.trim();
    });
  const [base, bits] = RANGES.swarmPool.split('/');
  await d(MANAGER, 'initialise the swarm on the manager', [
    'swarm', 'init',
    '--advertise-addr', MANAGER.address,
    '--listen-addr', `${MANAGER.address}:2377`,
    '--data-path-addr', MANAGER.address,
    '--default-addr-pool', `${base}/${bits}`,
    '--default-addr-pool-mask-length', '24',
  ]);
  const token = await d(MANAGER, 'read the worker join token', ['swarm', 'join-token', '-q', 'worker']);
  for (const node of NODES.filter((n) => n.role === 'worker')) {
    await d(node, `join node ${node.name} to the swarm`, [
      'swarm', 'join', '--token', token,
      '--advertise-addr', node.address, '--listen-addr', `${node.address}:2377`, '--data-path-addr', node.address,
      `${MANAGER.address}:2377`,
    ]);
  }
  // Label each node with its short name, its address and its own engine's socket: the
  // SwarmRuntime asks a node's engine for what the manager cannot tell (stats, volumes).
  const deadline = Date.now() + 30_000;
  let ids = [];
  while (Date.now() < deadline) {
    const out = await d(MANAGER, 'list the swarm nodes', ['node', 'ls', '--format', '{{.ID}} {{.Status}}']);
    ids = out.split('\n').filter((l) => l.endsWith(' Ready')).map((l) => l.split(' ')[0]);
    if (ids.length === NODES.length) break;
    await sleep(500);
  }
  if (ids.length !== NODES.length) throw new SwarmError(`Only ${ids.length} of ${NODES.length} swarm nodes became Ready within 30 s; see ${NODES.map((n) => n.log).join(', ')}.`);
  for (const node of NODES) {
    const id = await d(node, `read the node id of ${node.name}`, ['info', '--format', '{{.Swarm.NodeID}}']);
    await d(MANAGER, `label node ${node.name}`, ['node', 'update', '--label-add', `slicedeck.node=${node.name}`, '--label-add', `slicedeck.address=${node.address}`, '--label-add', `slicedeck.engine=${node.dockerHost}`, id]);
  }
  log(`swarm: ${NODES.length} nodes Ready (manager ${MANAGER.name} at ${MANAGER.address}:2377, overlay pool ${RANGES.swarmPool})`);
}

/** Loads `image` from the main engine into every node that lacks it (docker save | docker load). */
export async function loadImage(image, log = () => {}) {
  const missing = [];
  for (const node of NODES) {
    if ((await nodeDocker(node, ['image', 'inspect', '--format', '{{.Id}}', image])).code !== 0) missing.push(node);
  }
  if (missing.length === 0) return { loaded: [] };
  const tar = join(tmpdir(), `sdsw-image-${process.pid}-${Date.now()}.tar`);
  try {
    const saved = await nodeDocker(null, ['save', '-o', tar, image], { timeoutMs: 300_000 });
    if (saved.code !== 0) throw new SwarmError(`Could not save ${image} from the main Docker engine: ${saved.stderr.trim()}. Build it first (npm run slice:image).`);
    await Promise.all(
      missing.map(async (node) => {
        const r = await nodeDocker(node, ['load', '-q', '-i', tar], { timeoutMs: 300_000 });
        if (r.code !== 0) throw new SwarmError(`Could not load ${image} into node ${node.name}: ${r.stderr.trim()}`);
      }),
    );
  } finally {
    rmSync(tar, { force: true });
  }
  log(`image: ${image} loaded into ${missing.map((n) => n.name).join(', ')}`);
  return { loaded: missing.map((n) => n.name) };
}

/** The slice image's content tag (built on the main engine when missing). */
export async function sliceImage(log) {
  const { ensureSliceImage } = await import('../slice-image.mjs');
  const result = await ensureSliceImage({ log });
  return result.pinned;
}

/**
 * Brings the private swarm up (or finds it up) and loads `image` (default: the slice
 * image's content tag) into both nodes. Idempotent: a complete swarm is reused; a
 * partial one is taken down first. Bounded: every step has a time limit.
 * @returns {{ dockerHost: string, nodes: {name, address, dockerHost}[], image: string, reused: boolean, ms: number }}
 */
export async function swarmUp({ image, log = () => {} } = {}) {
  const started = performance.now();
  await ensureTools(log);
  const before = await swarmStatus();
  const complete = before.swarm && before.swarm.ready === NODES.length && NODES.every((n) => before.engines[n.name]);
  if (!complete) {
    // Leftovers (a half swarm, or a data-root from before a reboot that would rejoin an old swarm) go first.
    if (before.namespaces.length > 0 || Object.values(before.engines).some(Boolean) || existsSync(STATE_DIR) || existsSync(RUN_DIR)) {
      log('a partial private swarm is here: taking it down first');
      await swarmDown({ log });
    }
    await assertRangesFree();
    try {
      await buildNetwork(log);
      const alive = NODES.map((node) => startEngine(node));
      await Promise.all(NODES.map((node, i) => waitForEngine(node, alive[i])));
      log(`engines: ${NODES.map((n) => `${n.name} on ${n.socket}`).join(', ')}`);
      await formSwarm(log);
    } catch (error) {
      // Leave nothing half-built behind: the next `up` starts clean, `down` finds nothing.
      await swarmDown({ log: () => {} }).catch(() => undefined);
      throw error;
    }
  }
  const tag = image ?? (await sliceImage(log));
  await loadImage(tag, log);
  return {
    dockerHost: MANAGER.dockerHost,
    nodes: NODES.map((n) => ({ name: n.name, role: n.role, address: n.address, dockerHost: n.dockerHost })),
    image: tag,
    reused: Boolean(complete),
    ms: Math.round(performance.now() - started),
  };
}

// ── down ─────────────────────────────────────────────────────────────────────

function readPid(path) {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of processes inside one of our namespaces: by construction, ones we started. */
async function pidsIn(ns) {
  const r = await sh('ip', ['netns', 'pids', ns]);
  return r.stdout.split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 1);
}

async function stopEngine(node, log) {
  const pid = readPid(node.pidfile);
  if (pid && alive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (alive(pid) && Date.now() < deadline) await sleep(200);
    if (alive(pid)) {
      log(`engine ${node.name} (pid ${pid}) did not stop in 20 s: killing it`);
      process.kill(pid, 'SIGKILL');
    }
  }
  // What remains in the node's namespace (containerd, shims, slices) is ours too.
  if ((await namespaces()).includes(node.ns)) {
    for (let round = 0; round < 3; round++) {
      const pids = await pidsIn(node.ns);
      if (pids.length === 0) break;
      for (const p of pids) {
        try {
          process.kill(p, round === 0 ? 'SIGTERM' : 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      await sleep(round === 0 ? 1_500 : 500);
    }
  }
}

/** Mount points under our directories (left by an engine that ran in the host mount namespace). */
function ourMounts() {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4])
      .filter((p) => p && (p.startsWith(`${STATE_DIR}/`) || p.startsWith(`${RUN_DIR}/`)))
      .sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}

/**
 * Removes everything `swarmUp` made: engines and whatever ran in their namespaces,
 * the namespaces (and so every veth and bridge in them), the host veth, the data
 * directories. Idempotent; bounded in time; says what it could not remove.
 */
export async function swarmDown({ log = () => {} } = {}) {
  const started = performance.now();
  if (!isRoot()) throw new SwarmError('Taking the private swarm down needs root (it removes network namespaces). Run it as root (for example `sudo npm run swarm:down`).');
  await Promise.all(NODES.map((node) => stopEngine(node, log)));
  for (const mount of ourMounts()) await sh('umount', ['-l', mount], { timeoutMs: 10_000 });
  for (const ns of await namespaces()) {
    const r = await sh('ip', ['netns', 'delete', ns], { timeoutMs: 15_000 });
    if (r.code !== 0) log(`could not delete namespace ${ns}: ${r.stderr.trim()}`);
  }
  // Deleting the hub namespace removes the peer and so the host veth; this is for a half-built one.
  if (await linkExists(HOST_VETH)) await sh('ip', ['link', 'delete', HOST_VETH]);
  for (const dir of [STATE_DIR, RUN_DIR]) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      log(`could not remove ${dir}: ${error.message}`);
    }
  }
  const left = [];
  if ((await namespaces()).length > 0) left.push(`namespaces ${(await namespaces()).join(', ')}`);
  if (await linkExists(HOST_VETH)) left.push(`interface ${HOST_VETH}`);
  for (const dir of [STATE_DIR, RUN_DIR]) if (existsSync(dir)) left.push(`directory ${dir} (${safeList(dir)})`);
  if (left.length > 0) throw new SwarmError(`The private swarm is partly still here: ${left.join('; ')}. Run \`npm run swarm:down\` again; if it stays, remove these by hand.`);
  return { ms: Math.round(performance.now() - started) };
}

function safeList(dir) {
  try {
    return readdirSync(dir).slice(0, 5).join(', ') || 'empty';
  } catch {
    return statSync(dir, { throwIfNoEntry: false }) ? 'unreadable' : 'gone';
  }
}

// ── sharing one private swarm between test runs ─────────────────────────────
//
// Test runs of several checkouts may run on one machine at once, and the swarm's
// names and ranges are fixed: so a run takes a lease (a file named by its pid)
// under a lock, brings the swarm up only when it is not already, and the last run
// out takes down a swarm that a test run brought up (never one an operator did).

export const LEASE_DIR = '/run/sdsw-leases';
const LOCK_DIR = join(LEASE_DIR, '.lock');
const BY_TESTS = join(LEASE_DIR, '.brought-up-by-tests');

async function withLeaseLock(body) {
  mkdirSync(LEASE_DIR, { recursive: true });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
      break;
    } catch {
      const owner = readPid(join(LOCK_DIR, 'pid'));
      if (owner && !alive(owner)) rmSync(LOCK_DIR, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new SwarmError(`Waited 5 minutes for the private swarm's lock (${LOCK_DIR}, held by pid ${owner ?? '?'}). Remove it if no test run is using the swarm.`);
      else await sleep(250);
    }
  }
  try {
    return await body();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

function liveLeases() {
  return readdirSync(LEASE_DIR)
    .filter((f) => /^\d+$/.test(f))
    .filter((f) => {
      if (alive(Number(f))) return true;
      rmSync(join(LEASE_DIR, f), { force: true });
      return false;
    });
}

/** swarmUp under a lease; pair with releaseSwarm(). */
export async function leaseSwarm({ image, log = () => {} } = {}) {
  return withLeaseLock(async () => {
    writeFileSync(join(LEASE_DIR, String(process.pid)), '');
    const status = await swarmStatus();
    const wasUp = Boolean(status.swarm);
    const result = await swarmUp({ image, log });
    if (!wasUp) writeFileSync(BY_TESTS, '');
    return result;
  });
}

/** Drops this process's lease; the last one out takes down a swarm that tests brought up. Returns whether it did. */
export async function releaseSwarm({ log = () => {} } = {}) {
  return withLeaseLock(async () => {
    rmSync(join(LEASE_DIR, String(process.pid)), { force: true });
    if (liveLeases().length > 0 || !existsSync(BY_TESTS)) return false;
    await swarmDown({ log });
    rmSync(BY_TESTS, { force: true });
    return true;
  });
}
