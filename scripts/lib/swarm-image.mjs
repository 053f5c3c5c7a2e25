/**
 * The slice image on every node of a swarm, without a registry: `npm run slice:image` with
 * `SLICEDECK_RUNTIME=swarm` (DOCKER_HOST = a manager) finds the image on the engine that
 * holds it, then for each node it can reach checks the image there and loads it when missing
 * (`docker save` streamed into `docker load` through dockerode: no temporary file), and says
 * per node: present, loaded in N s, or cannot be reached → lacks the image, with what to do.
 *
 * A node is reached at the endpoint of its own engine: the node label `slicedeck.engine`
 * (the private swarm of `npm run swarm:up` sets it), an entry of SLICEDECK_NODE_ENGINES
 * (`n2=tcp://10.0.0.12:2375,n3=unix:///run/n3.sock`, for nodes an operator cannot label), or,
 * for the manager DOCKER_HOST names, DOCKER_HOST itself.
 *
 * With a registry none of this is needed: a reference with a registry host is pulled by each
 * node when its task starts (docs/SCALING.md).
 */
import Docker from 'dockerode';

/** Node labels read here (the same names as src/main/core/docker/swarm-runtime.ts NODE_LABELS). */
const ENGINE_LABEL = 'slicedeck.engine';
const ADDRESS_LABEL = 'slicedeck.address';
const NAME_LABEL = 'slicedeck.node';
const PING_MS = 5_000;
const LOAD_MS = 10 * 60_000;

export class SwarmImageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SwarmImageError';
  }
}

/** dockerode options for `unix:///path` or `tcp://host:port` (DOCKER_HOST's forms that need no TLS). */
export function dockerOptionsFor(endpoint) {
  if (!endpoint) return { socketPath: '/var/run/docker.sock' };
  if (endpoint.startsWith('unix://')) return { socketPath: endpoint.slice('unix://'.length) };
  if (endpoint.startsWith('tcp://')) {
    const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
    return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
  }
  throw new SwarmImageError(`"${endpoint}" is not an engine endpoint this can reach (use unix:///path/to/docker.sock or tcp://host:port).`);
}

/** `n2=tcp://10.0.0.12:2375,n3=unix:///run/n3.sock` → { n2: …, n3: … }; words for a malformed entry. */
export function parseNodeEngines(value = '') {
  const out = {};
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at <= 0 || !/^(unix|tcp):\/\//.test(entry.slice(at + 1))) {
      throw new SwarmImageError(`SLICEDECK_NODE_ENGINES entry "${entry}" is not node=endpoint (e.g. n2=tcp://10.0.0.12:2375).`);
    }
    out[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return out;
}

function withTimeout(promise, ms, words) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new SwarmImageError(words)), ms)))]).finally(() => clearTimeout(timer));
}

const short = (error) => String(error?.json?.message ?? error?.reason ?? error?.message ?? error).trim().split('\n')[0];

/**
 * The swarm's nodes as the manager sees them, with the endpoint of each node's engine
 * when one is known (label, override, or the manager itself).
 */
export async function swarmNodes({ managerEndpoint, overrides = {} }) {
  const manager = new Docker(dockerOptionsFor(managerEndpoint));
  let info;
  try {
    info = await withTimeout(manager.info(), PING_MS, `The engine at ${managerEndpoint} did not answer within ${PING_MS / 1000} s.`);
  } catch (error) {
    throw new SwarmImageError(`Could not ask the swarm manager at ${managerEndpoint} for its nodes: ${short(error)}. Check DOCKER_HOST.`);
  }
  if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable) {
    throw new SwarmImageError(`SLICEDECK_RUNTIME=swarm, but the engine at ${managerEndpoint} is not a swarm manager (its swarm state is "${info.Swarm?.LocalNodeState ?? 'unknown'}"). Point DOCKER_HOST at a manager (\`npm run swarm:up\` prints one).`);
  }
  const nodes = await manager.listNodes();
  return nodes
    .map((node) => {
      const labels = node.Spec?.Labels ?? {};
      const name = labels[NAME_LABEL] || node.Description?.Hostname || node.ID.slice(0, 12);
      let address = labels[ADDRESS_LABEL] || node.Status?.Addr || '';
      if (!address || address === '0.0.0.0') address = node.ManagerStatus?.Addr?.split(':')[0] ?? '?';
      const engine = overrides[name] ?? labels[ENGINE_LABEL] ?? (node.ID === info.Swarm.NodeID ? managerEndpoint : null);
      return { id: node.ID, name, address, engine, state: node.Status?.State ?? 'unknown', availability: node.Spec?.Availability ?? 'active' };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Image ids by reference on one engine; a missing reference is absent from the map. */
async function imageIds(engine, images) {
  const ids = new Map();
  for (const image of images) {
    try {
      ids.set(image, (await engine.getImage(image).inspect()).Id);
    } catch (error) {
      if (error?.statusCode !== 404) throw error;
    }
  }
  return ids;
}

/** Streams `docker save` of `images` from `source` into `docker load` on `target`. */
async function saveInto(source, target, images) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), LOAD_MS);
  try {
    const saved = await source.getImages({ names: images, abortSignal: controller.signal });
    const answer = await target.loadImage(saved, { quiet: true, abortSignal: controller.signal });
    // The load answers with JSON lines; an error in one of them is the load's error.
    let text = '';
    for await (const chunk of answer) text += chunk;
    const failed = text.split('\n').map((line) => { try { return JSON.parse(line); } catch { return null; } }).find((m) => m?.error || m?.errorDetail);
    if (failed) throw new SwarmImageError(failed.error ?? failed.errorDetail?.message);
  } catch (error) {
    if (controller.signal.aborted) throw new SwarmImageError(`the load took longer than ${LOAD_MS / 60_000} minutes`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** What an operator does for a node this cannot reach. */
function unreachableAdvice(node, image) {
  return (
    `Load it there yourself (docker save ${image} | ssh <${node.name}> docker load), ` +
    `or label the node with an endpoint of its engine this machine can reach (docker node update --label-add ${ENGINE_LABEL}=tcp://${node.address}:2375 ${node.name}, or SLICEDECK_NODE_ENGINES=${node.name}=…) and run npm run slice:image again, ` +
    `or push the image to a registry every node can pull from and set SLICEDECK_IMAGE to that reference. Until then a slice Swarm puts on ${node.name} ends in "Image not found on node ${node.name}".`
  );
}

/**
 * Makes sure `images` (references on the `source` engine: the same image under one or more
 * tags) are on every node of the swarm that `managerEndpoint` manages.
 * @returns {Promise<{ nodes: { name, address, state: 'present'|'loaded'|'unreachable'|'failed', ms?: number, words: string }[], lacking: string[] }>}
 */
export async function ensureImageOnNodes({ images, sourceEndpoint, managerEndpoint, overrides = {}, log = console.log }) {
  const source = new Docker(dockerOptionsFor(sourceEndpoint));
  const wanted = await imageIds(source, images).catch((error) => {
    throw new SwarmImageError(`Could not look up ${images.join(', ')} on the engine at ${sourceEndpoint ?? 'the default socket'}: ${short(error)}.`);
  });
  const absent = images.filter((image) => !wanted.has(image));
  if (absent.length) throw new SwarmImageError(`${absent.join(', ')} is not on the engine at ${sourceEndpoint ?? 'the default socket'}, so it cannot be loaded into the swarm's nodes. Build it there first (npm run slice:image), or name the engine that has it (--from=unix:///… or tcp://…).`);
  const image = images[0];
  const nodes = await swarmNodes({ managerEndpoint, overrides });
  const report = [];
  // One node after another: a 100 MB–1 GB stream per node is what a 2-core machine can carry.
  for (const node of nodes) {
    const where = `node ${node.name} (${node.address})`;
    const say = (entry) => {
      report.push({ name: node.name, address: node.address, ...entry });
      log(`  ${where}: ${entry.words}`);
    };
    if (!node.engine) {
      say({ state: 'unreachable', words: `cannot be reached from here (no ${ENGINE_LABEL} label) → lacks ${image}. ${unreachableAdvice(node, image)}` });
      continue;
    }
    let target;
    try {
      target = new Docker(dockerOptionsFor(node.engine));
      await withTimeout(target.ping(), PING_MS, `no answer within ${PING_MS / 1000} s`);
    } catch (error) {
      say({ state: 'unreachable', words: `cannot be reached at ${node.engine} (${short(error)}${node.state !== 'ready' ? `; the swarm says it is ${node.state}` : ''}) → lacks ${image}. ${unreachableAdvice(node, image)}` });
      continue;
    }
    try {
      const have = await imageIds(target, images);
      if (images.every((ref) => have.get(ref) === wanted.get(ref))) {
        say({ state: 'present', words: `present (${image})` });
        continue;
      }
      const started = performance.now();
      await saveInto(source, target, images);
      const after = await imageIds(target, images);
      const still = images.filter((ref) => after.get(ref) !== wanted.get(ref));
      if (still.length) throw new SwarmImageError(`after the load, ${still.join(', ')} is still not the image of the source`);
      const ms = Math.round(performance.now() - started);
      say({ state: 'loaded', ms, words: `loaded ${image} in ${(ms / 1000).toFixed(1)} s` });
    } catch (error) {
      say({ state: 'failed', words: `could not load ${image} at ${node.engine} (${short(error)}) → lacks it. Free disk space on the node or load it yourself (docker save ${image} | docker -H ${node.engine} load), then run npm run slice:image again.` });
    }
  }
  const lacking = report.filter((n) => n.state === 'unreachable' || n.state === 'failed').map((n) => n.name);
  return { nodes: report, lacking };
}
