/**
 * The slice image on every node of a swarm (issue 10, item 4), on the private swarm of
 * `npm run swarm:up` (leased, as runtime-swarm.test.ts does):
 *  - without a registry, `npm run slice:image` (scripts/setup.mjs slice-image) with
 *    SLICEDECK_RUNTIME=swarm loads the image into each node it can reach, says so per node,
 *    and names a node it cannot reach (exit code 1);
 *  - a registry reference: the manager not having it does not stop Connect; the node that
 *    cannot pull it fails the task with "Image not found on node X".
 *
 * Every image tag here is this run's own (`slicedeck-slice:i10img-<random>`), removed from the
 * main engine and from each node at the end; `:latest`/`:chromium` are never touched.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SwarmRuntime } from '../../src/main/core/docker/swarm-runtime';
import { MANAGER, NODES, leaseSwarm, releaseSwarm } from '../../scripts/lib/private-swarm.mjs';
import { ensureImageOnNodes } from '../../scripts/lib/swarm-image.mjs';
import { makeTestCore, workerPortRange, type TestCore } from '../helpers/core';
import { docker as mainEngine } from '../helpers/docker';
import { contractSpec, homeId } from './runtime-contract';

const TAG = `i10img-${randomBytes(4).toString('hex')}`;
const OWN = `slicedeck-slice:${TAG}`;
/** A second tag of the same image: `npm run slice:image` puts both of its tags (`image`, `pinned`) on the nodes in one stream. */
const OWN_PINNED = `slicedeck-slice:${TAG}-pinned`;
/** A registry on each node's own loopback where nothing listens: the pull fails at once, with no traffic off the machine. */
const REGISTRY_REF = `127.0.0.1:5999/slicedeck-slice:${TAG}`;
const MAIN_ENGINE = 'unix:///var/run/docker.sock';
const { from } = workerPortRange();
const log = (line: string) => process.stderr.write(`[swarm-image] ${line}\n`);
const nodeEngine = (socket: string) => new Docker({ socketPath: socket.slice('unix://'.length) });

let image: string;

/** `npm run slice:image -- …` as the operator runs it (setup.mjs slice-image), bounded in time. */
function sliceImage(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/setup.mjs', 'slice-image', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function idOn(engine: Docker, ref: string): Promise<string | null> {
  try {
    return (await engine.getImage(ref).inspect()).Id;
  } catch {
    return null;
  }
}

/** Removes this run's tag from an engine (an untag when another tag shares the image). */
async function untag(engine: Docker, ref: string) {
  await engine.getImage(ref).remove({ noprune: false }).catch(() => undefined);
}

beforeAll(async () => {
  const up = await leaseSwarm({ image: process.env.SLICEDECK_IMAGE, log });
  image = up.image;
  // This run's own tag of the slice image, on the main engine only.
  for (const ref of [OWN, OWN_PINNED]) {
    const [repo, tag] = ref.split(':') as [string, string];
    await mainEngine.getImage(image).tag({ repo, tag });
  }
}, 300_000);

afterAll(async () => {
  for (const engine of [mainEngine, ...NODES.map((n) => nodeEngine(n.dockerHost))]) {
    await untag(engine, OWN);
    await untag(engine, OWN_PINNED);
    await untag(engine, REGISTRY_REF);
  }
  await releaseSwarm({ log }).catch((error: unknown) => log(`could not release the swarm: ${(error as Error).message}`));
}, 120_000);

describe('npm run slice:image on a swarm (no registry)', () => {
  const swarmEnv = { SLICEDECK_RUNTIME: 'swarm', DOCKER_HOST: MANAGER.dockerHost };

  it('loads a tag that is on no node into both, says so per node, then finds it present', async () => {
    for (const node of NODES) expect(await idOn(nodeEngine(node.dockerHost), OWN)).toBeNull();
    const first = await sliceImage([`--image=${OWN}`, `--from=${MAIN_ENGINE}`], swarmEnv);
    log(first.out);
    expect(first.code).toBe(0);
    const wanted = await idOn(mainEngine, OWN);
    for (const node of NODES) {
      expect(first.out).toMatch(new RegExp(`node ${node.name} \\(${node.address.replace(/\./g, '\\.')}\\): loaded ${OWN} in \\d+\\.\\d s`));
      expect(await idOn(nodeEngine(node.dockerHost), OWN)).toBe(wanted);
    }
    expect(first.out).toContain(`${OWN} is on all ${NODES.length} nodes`);

    const again = await sliceImage([`--image=${OWN}`, `--from=${MAIN_ENGINE}`], swarmEnv);
    expect(again.code).toBe(0);
    for (const node of NODES) expect(again.out).toContain(`node ${node.name} (${node.address}): present (${OWN})`);
  }, 240_000);

  it('names a node it cannot reach, says what to do, and exits 1; the nodes it can reach still get the image', async () => {
    for (const node of NODES) await untag(nodeEngine(node.dockerHost), OWN);
    const [reachable, unreachable] = NODES as [(typeof NODES)[number], (typeof NODES)[number]];
    // The second node's engine named at a socket where nothing answers (its swarm label is shared with other runs: not changed).
    const run = await sliceImage([`--image=${OWN}`, `--from=${MAIN_ENGINE}`], { ...swarmEnv, SLICEDECK_NODE_ENGINES: `${unreachable.name}=unix:///run/sdsw/no-such-node-${TAG}.sock` });
    log(run.out);
    expect(run.code).toBe(1);
    expect(run.out).toContain(`node ${unreachable.name} (${unreachable.address}): cannot be reached at unix:///run/sdsw/no-such-node-${TAG}.sock`);
    expect(run.out).toMatch(/→ lacks slicedeck-slice:i10img-[0-9a-f]{8}\. Load it there yourself \(docker save/);
    expect(run.out).toMatch(new RegExp(`The slice image is not on node ${unreachable.name} \\(above: why, and what to do\\)`));
    expect(run.out).toContain(`node ${reachable.name} (${reachable.address}): loaded ${OWN}`);
    expect(await idOn(nodeEngine(reachable.dockerHost), OWN)).toBe(await idOn(mainEngine, OWN));
    expect(await idOn(nodeEngine(unreachable.dockerHost), OWN)).toBeNull();
  }, 240_000);

  it('puts several tags of the image on a node in one save → load, and counts a node as present only when every tag is there', async () => {
    for (const node of NODES) await untag(nodeEngine(node.dockerHost), OWN);
    const lines: string[] = [];
    const first = await ensureImageOnNodes({ images: [OWN, OWN_PINNED], sourceEndpoint: MAIN_ENGINE, managerEndpoint: MANAGER.dockerHost, log: (line: string) => lines.push(line) });
    expect(first.lacking).toEqual([]);
    expect(first.nodes.map((n) => n.state)).toEqual(NODES.map(() => 'loaded'));
    for (const node of NODES) {
      for (const ref of [OWN, OWN_PINNED]) expect(await idOn(nodeEngine(node.dockerHost), ref)).toBe(await idOn(mainEngine, ref));
    }
    // One tag missing on one node: that node is loaded again, the other is present.
    await untag(nodeEngine(NODES[1]!.dockerHost), OWN_PINNED);
    const second = await ensureImageOnNodes({ images: [OWN, OWN_PINNED], sourceEndpoint: MAIN_ENGINE, managerEndpoint: MANAGER.dockerHost, log: () => {} });
    expect(second.nodes.map((n) => n.state)).toEqual(['present', 'loaded']);
  }, 240_000);

  it('says which engine lacks the image when the source does not have it', async () => {
    const run = await sliceImage([`--image=slicedeck-slice:${TAG}-nowhere`, `--from=${MAIN_ENGINE}`], swarmEnv);
    expect(run.code).toBe(1);
    expect(run.out).toContain(`slicedeck-slice:${TAG}-nowhere is not on the engine at ${MAIN_ENGINE}, so it cannot be loaded into the swarm's nodes`);
  }, 120_000);
});

describe('a registry reference on the swarm', () => {
  let t: TestCore | undefined;
  afterAll(async () => {
    await t?.cleanup();
  });

  it('counts as present when the manager lacks it (each node pulls it); a name with no registry host does not', async () => {
    const runtime = new SwarmRuntime({ socketPath: MANAGER.dockerHost.slice('unix://'.length) });
    expect(await idOn(nodeEngine(MANAGER.dockerHost), REGISTRY_REF)).toBeNull();
    expect(await runtime.imagePresent(REGISTRY_REF)).toBe(true);
    expect(await runtime.imagePresent(`localhost/slicedeck-slice:${TAG}`)).toBe(true);
    expect(await runtime.imagePresent(`slicedeck-slice:${TAG}-nowhere`)).toBe(false);
    expect(await runtime.imagePresent(`library/slicedeck-slice:${TAG}-nowhere`)).toBe(false);
  });

  it('the service is created with it; a node that cannot pull it fails the task with "Image not found on node X"', async () => {
    const runtime = new SwarmRuntime({ socketPath: MANAGER.dockerHost.slice('unix://'.length) });
    const spec = contractSpec({ image: REGISTRY_REF }, homeId(), 40, from + 36);
    const id = await runtime.create(spec);
    try {
      const service = (await nodeEngine(MANAGER.dockerHost).getService(id).inspect()) as { Spec: { TaskTemplate: { ContainerSpec: { Image: string } } } };
      expect(service.Spec.TaskTemplate.ContainerSpec.Image).toBe(REGISTRY_REF);
      const failure = await runtime.start(id).then(
        () => null,
        (error: unknown) => error as Error,
      );
      log(`registry reference: ${failure?.message}`);
      expect(failure?.message).toMatch(/^Image not found on node n[12] \(10\.213\.0\.1[12]\)/);
      expect(failure?.message).toContain(REGISTRY_REF);
    } finally {
      await runtime.remove(id);
      await runtime.removeVolume(spec.volume).catch(() => undefined);
    }
  }, 90_000);

  it('Connect goes past the image check and ends in the node\'s words', async () => {
    t = await makeTestCore({ runtime: 'swarm', image: REGISTRY_REF }, { docker: { socketPath: MANAGER.dockerHost.slice('unix://'.length) } });
    const account = await t.call('accounts.add', { name: 'Registry' });
    // Connect answers once the slice runs or fails: here it fails on the node, not on the manager's image check.
    const failure = await t.call('slices.connect', { accountId: account.id }).then(
      () => null,
      (error: unknown) => error as Error,
    );
    log(`connect with a registry reference: ${failure?.message}`);
    expect(failure?.message).toMatch(/^Image not found on node n[12] \(10\.213\.0\.1[12]\)/);
    expect(failure?.message).not.toMatch(/is not in Docker/);
    const view = await t.call('slices.view', { accountId: account.id });
    expect(view.stage).toBe('error');
    expect(view.error).toMatch(/Image not found on node n[12]/);
  }, 120_000);
});
