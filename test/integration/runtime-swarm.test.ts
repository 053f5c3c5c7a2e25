/**
 * The runtime contract on the private swarm of `npm run swarm:up` (brought up here
 * when it is not already, under a lease shared with other test runs on this machine),
 * the swarm's own promises (labels and locked-down settings on the task's container,
 * task errors in words), and the main engine left exactly as it was.
 *
 * Needs root (network namespaces): CI runs as root; elsewhere the set-up fails with words.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlicedeckError } from '@shared/errors';
import { SLICE_ENV, SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { LABELS, sliceNetworkConfigName, sliceNetworkName } from '../../src/main/core/docker/labels';
import { SwarmRuntime } from '../../src/main/core/docker/swarm-runtime';
import { SWARM_TOKEN_FILE } from '../../src/main/core/docker/swarm/service-spec';
import { readSliceUser } from '../../src/main/core/docker/slice-user';
import { coreInternals } from '../../src/main/core';
import { HOST_ADDRESS, HOST_VETH, MANAGER, NODES, RANGES, cidrsOverlap, hostRoutes, leaseSwarm, nodeDocker, releaseSwarm } from '../../scripts/lib/private-swarm.mjs';
import { makeTestCore, workerPortRange, type TestCore } from '../helpers/core';
import { execIn, fetchScript, docker as mainEngine } from '../helpers/docker';

/** Runs `node -e script` in a container as its own user, on the engine that runs it; its output. */
const execNode = (engine: Docker, containerId: string, script: string) => execIn(containerId, ['node', '-e', script], { engine, stderr: true });
import { snapshotMainEngine as snapshotOf, type MainEngineSnapshot } from '../../scripts/lib/main-engine.mjs';
import { contractSpec, healthOf, homeId, runtimeContract } from './runtime-contract';
import { swarmCoreSuite } from './swarm-core';
import { swarmRealWwebjsSuite } from './swarm-real-wwebjs';

/** Host routes into any range of the private swarm other than its one link to the host. */
async function strayRoutes(): Promise<string[]> {
  const ranges = Object.values(RANGES);
  return (await hostRoutes()).filter((r) => {
    const prefix = r.split(' ')[0]!;
    if (prefix === 'default' || r.includes(`dev ${HOST_VETH}`)) return false;
    return ranges.some((range) => cidrsOverlap(range, prefix.includes('/') ? prefix : `${prefix}/32`));
  });
}

/** What must not change on the machine's main engine and the host's network (scripts/lib/main-engine.mjs). */
const snapshotMainEngine = () => snapshotOf(mainEngine);

let before: MainEngineSnapshot;
let image: string;
let runtime: SwarmRuntime;
let tookDown = false;
const { from } = workerPortRange();
const log = (line: string) => process.stderr.write(`[swarm] ${line}\n`);

beforeAll(async () => {
  before = await snapshotMainEngine();
  const up = await leaseSwarm({ image: process.env.SLICEDECK_IMAGE, log });
  image = up.image;
  runtime = new SwarmRuntime({ socketPath: MANAGER.dockerHost.slice('unix://'.length) });
  log(`swarm ${up.reused ? 'reused' : 'up'} in ${up.ms} ms`);
}, 300_000);

afterAll(async () => {
  tookDown = await releaseSwarm({ log }).catch((error: unknown) => {
    log(`could not release the swarm: ${(error as Error).message}`);
    return false;
  });
}, 120_000);

const manager = () => new Docker({ socketPath: MANAGER.dockerHost.slice('unix://'.length) });

/** A slice service's task container, asked on the node it landed on. */
async function taskContainer(serviceId: string): Promise<{ node: (typeof NODES)[number]; engine: Docker; info: Docker.ContainerInspectInfo }> {
  const state = (await runtime.inspect(serviceId))!;
  const node = NODES.find((n) => n.address === state.location!.address)!;
  const engine = new Docker({ socketPath: node.dockerHost.slice('unix://'.length) });
  const [summary] = await engine.listContainers({ filters: { label: [`com.docker.swarm.service.id=${serviceId}`] } });
  return { node, engine, info: await engine.getContainer(summary!.Id).inspect() };
}

runtimeContract('SwarmRuntime on the private swarm', async () => ({
  runtime,
  image,
  ports: [from + 30, from + 31],
  envOf: async (id) => {
    const service = (await manager().getService(id).inspect()) as { Spec: { TaskTemplate: { ContainerSpec: { Env?: string[] } } } };
    return [service.Spec.TaskTemplate.ContainerSpec.Env ?? [], (await taskContainer(id)).info.Config.Env ?? []];
  },
}));

describe('SwarmRuntime: what only a swarm does', () => {
  const home = homeId();
  const made: string[] = [];
  // Other checkouts' runs on this machine share the private swarm under its lease, and their tests
  // drain a node for a while: these tests place slices on given nodes, so wait (bounded) for both.
  beforeEach(async () => {
    await expect
      .poll(async () => (await manager().listNodes()).every((n) => n.Spec?.Availability === 'active' && n.Status?.State === 'ready'), { timeout: 120_000, interval: 500 })
      .toBe(true);
  }, 130_000);
  afterAll(async () => {
    for (const id of made) await runtime.remove(id).catch(() => undefined);
    await runtime.removeNetworkIfUnused(home).catch(() => undefined);
  }, 60_000);

  async function create(n: number, port: number, change: (spec: ReturnType<typeof contractSpec>) => void = () => {}) {
    const spec = contractSpec({ image }, home, n, port);
    change(spec);
    const id = await runtime.create(spec);
    made.push(id);
    return { id, spec };
  }

  it('runs a slice as a one-replica service, restart none, with the labels and locked-down settings on its task container', async () => {
    const { id, spec } = await create(10, from + 32);
    expect((await runtime.inspect(id))?.status).toBe('created');
    await runtime.start(id);
    const state = (await runtime.inspect(id))!;
    const service = (await new Docker({ socketPath: MANAGER.dockerHost.slice(7) }).getService(id).inspect()) as {
      Spec: { Labels: Record<string, string>; Mode: { Replicated: { Replicas: number } }; TaskTemplate: { RestartPolicy: { Condition: string } } };
    };
    expect(service.Spec.Mode.Replicated.Replicas).toBe(1);
    expect(service.Spec.TaskTemplate.RestartPolicy.Condition).toBe('none');
    expect(service.Spec.Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.home]: home, [LABELS.sliceId]: spec.sliceId, [LABELS.accountId]: spec.accountId });

    // The task's container, asked on the node it landed on.
    const node = NODES.find((n) => n.address === state.location!.address)!;
    expect(node).toBeDefined();
    const onNode = new Docker({ socketPath: node.dockerHost.slice(7) });
    const [summary] = await onNode.listContainers({ filters: { label: [`${LABELS.sliceId}=${spec.sliceId}`] } });
    const info = await onNode.getContainer(summary!.Id).inspect();
    expect(info.Config.Labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.home]: home, [LABELS.accountId]: spec.accountId });
    // The image's own init (issue 19), so Docker's stays out.
    const { uid, ownInit } = await readSliceUser(manager(), spec.image);
    expect(info.HostConfig).toMatchObject({ Init: !ownInit, CapDrop: ['ALL'], Memory: spec.memoryBytes, PidsLimit: spec.pidsLimit, NanoCpus: spec.cpus * 1e9, ReadonlyRootfs: true });
    expect(info.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
    const tmpfs = (info.Mounts ?? []).filter((m) => m.Type === 'tmpfs').map((m) => m.Destination).sort();
    expect(tmpfs).toEqual(['/app/.wwebjs_cache', '/dev/shm', '/tmp']);
    expect(info.Config.Env).toContain('HOME=/tmp');
    expect((await healthOf(state.location!.address, spec.port)).ok).toBe(true);

    // The token is a Swarm secret of this slice, labelled like its service, mounted as a 0400 file of the slice user.
    expect(info.Config.Env).toContain(`${SLICE_ENV.tokenFile}=${SWARM_TOKEN_FILE}`);
    const secrets = await manager().listSecrets({ filters: { label: [`${LABELS.sliceId}=${spec.sliceId}`] } });
    expect(secrets.map((s) => s.Spec?.Labels)).toEqual([{ [LABELS.managed]: 'true', [LABELS.home]: home, [LABELS.sliceId]: spec.sliceId, [LABELS.accountId]: spec.accountId }]);
    const file = await execNode(onNode, summary!.Id, `const s = require('fs').statSync(${JSON.stringify(SWARM_TOKEN_FILE)}); console.log(s.uid, s.gid, (s.mode & 0o777).toString(8), process.getuid())`);
    expect(file.trim()).toBe(`${uid} ${uid} 400 ${uid}`);
    // The root really is read-only; the slice user writes in its HOME, its tmpfs scratch and its volume.
    const writes = await execNode(
      onNode,
      summary!.Id,
      `const fs=require('fs');const r={};for(const p of ['/app/x','/home/slice/x',process.env.HOME+'/.config/x','/app/.wwebjs_cache/x','/data/x']){try{fs.mkdirSync(require('path').dirname(p),{recursive:true});fs.writeFileSync(p,'1');fs.unlinkSync(p);r[p]='ok'}catch(e){r[p]=e.code}}console.log(JSON.stringify(r))`,
    );
    expect(JSON.parse(writes.trim().split('\n').at(-1)!)).toEqual({ '/app/x': 'EROFS', '/home/slice/x': 'EROFS', '/tmp/.config/x': 'ok', '/app/.wwebjs_cache/x': 'ok', '/data/x': 'ok' });

    // Removed with its service: nothing of the token stays in the swarm.
    await runtime.remove(id);
    expect(await manager().listSecrets({ filters: { label: [`${LABELS.sliceId}=${spec.sliceId}`] } })).toEqual([]);
  }, 180_000);

  it("sweepOrphans removes this home's token secret whose slice is neither kept nor has a service; spares a kept one, one whose service exists, and another home's; listManaged lists only services", async () => {
    const other = homeId();
    const leave = async (h: string, sliceId: string) =>
      (await manager().createSecret({
        Name: `slicedeck-tok-${h}-${sliceId}`,
        Labels: { [LABELS.managed]: 'true', [LABELS.home]: h, [LABELS.sliceId]: sliceId, [LABELS.accountId]: 'acc_orphan' },
        Data: Buffer.from('not-a-real-token-0000000000\n').toString('base64'),
      })) as { id: string };
    // A slice with its service (not kept): its secret is the service's, removed with it by the reconciler, not by a sweep.
    const withService = await create(15, from + 33);
    const [serviceSecret] = await manager().listSecrets({ filters: { label: [`${LABELS.sliceId}=${withService.spec.sliceId}`] } });
    const mine = await leave(home, 'slc_orphan_mine');
    const kept = await leave(home, 'slc_orphan_kept');
    const theirs = await leave(other, 'slc_orphan_theirs');
    try {
      // Secrets are never slices: not listed, so nothing that removes orphan slices meets them.
      expect((await runtime.listManaged(home)).map((c) => c.sliceId)).toEqual([withService.spec.sliceId]);
      const report = await runtime.sweepOrphans(home, (sliceId) => sliceId === 'slc_orphan_kept');
      expect(report).toEqual({ leftoversRemoved: 1, networkRemoved: false });
      const left = (await manager().listSecrets()).map((s) => s.ID);
      expect(left).not.toContain(mine.id);
      expect(left).toEqual(expect.arrayContaining([kept.id, theirs.id, serviceSecret!.ID]));
      expect(await runtime.inspect(withService.id)).not.toBeNull();
    } finally {
      for (const s of [mine, kept, theirs]) await manager().getSecret(s.id).remove().catch(() => undefined);
      await runtime.remove(withService.id);
    }
  }, 120_000);

  it("puts a home's slices on its own swarm-scoped bridge, inter-container traffic off: a slice reaches no other slice by its address (its home's or another's), reaches the outside, and the host reaches each at node:port", async () => {
    const nodes = await runtime.nodes();
    const n1 = nodes.find((n) => n.address === MANAGER.address)!;
    const n2 = nodes.find((n) => n.address !== MANAGER.address)!;
    const other = homeId();
    // Something outside the swarm's nodes a slice must reach (as it reaches WhatsApp Web): the host's side of the private link.
    const server = http.createServer((_req, res) => res.end('host'));
    await new Promise<void>((resolve) => server.listen(0, HOST_ADDRESS, resolve));
    const outside = `http://${HOST_ADDRESS}:${(server.address() as AddressInfo).port}/`;
    let b1: string | undefined;
    try {
      // Room for three probe processes at once beside the slice.
      const a1 = await create(20, from + 35, (spec) => Object.assign(spec, { node: n1.id, memoryBytes: 768 * 1024 * 1024 }));
      const a2 = await create(21, from + 36, (spec) => (spec.node = n1.id));
      const a3 = await create(22, from + 37, (spec) => (spec.node = n2.id));
      const bSpec = contractSpec({ image }, other, 23, from + 38);
      bSpec.node = n1.id;
      b1 = await runtime.create(bSpec);
      const ids = [a1.id, a2.id, a3.id, b1];
      await Promise.all(ids.map((id) => runtime.start(id)));
      // The host reaches every slice at its node's address and published port.
      for (const [id, port] of [[a1.id, a1.spec.port], [a2.id, a2.spec.port], [a3.id, a3.spec.port], [b1, bSpec.port]] as const) {
        expect((await healthOf((await runtime.inspect(id))!.location!.address, port)).ok).toBe(true);
      }
      const [c1, c2, c3, cb] = await Promise.all(ids.map((id) => taskContainer(id)));
      const probing = Date.now();
      const addressOn = (c: Awaited<ReturnType<typeof taskContainer>>, h: string) => {
        // On its home's network only (no default bridge, no docker_gwbridge).
        expect(Object.keys(c.info.NetworkSettings.Networks)).toEqual([sliceNetworkName(h)]);
        return c.info.NetworkSettings.Networks[sliceNetworkName(h)]!.IPAddress;
      };
      const probe = (from: typeof c1, url: string) => execNode(from.engine, from.info.Id, fetchScript(url));
      const [sameNode, otherNode, otherHome] = [addressOn(c2!, home), addressOn(c3!, home), addressOn(cb!, other)];
      const c1Address = addressOn(c1!, home);
      // At once: each probe that is blocked waits out its 3 s.
      const [toSameNode, toOtherNode, toOtherHome, fromOtherHome, outFromN1, outFromN2] = await Promise.all([
        probe(c1!, `http://${sameNode}:${SLICE_INTERNAL_PORT}/health`),
        probe(c1!, `http://${otherNode}:${SLICE_INTERNAL_PORT}/health`),
        probe(c1!, `http://${otherHome}:${SLICE_INTERNAL_PORT}/health`),
        probe(cb!, `http://${c1Address}:${SLICE_INTERNAL_PORT}/health`),
        probe(c1!, outside),
        probe(c3!, outside),
      ]);
      expect({ toSameNode, toOtherNode, toOtherHome, fromOtherHome }).toEqual({
        toSameNode: expect.stringMatching(/^BLOCKED/),
        toOtherNode: expect.stringMatching(/^BLOCKED/),
        toOtherHome: expect.stringMatching(/^BLOCKED/),
        fromOtherHome: expect.stringMatching(/^BLOCKED/),
      });
      // Control (the probe is not simply broken): the outside is reached, from either node.
      expect(outFromN1).toMatch(/^REACHED 200 host/);
      expect(outFromN2).toMatch(/^REACHED 200 host/);
      log(`six probes from inside slices in ${Date.now() - probing} ms`);

      // The swarm network takes its settings from a config-only network of the home on every node: ICC off.
      const network = (await manager().getNetwork(sliceNetworkName(home)).inspect()) as { Scope: string; Driver: string; ConfigFrom?: { Network?: string } };
      expect(network).toMatchObject({ Scope: 'swarm', Driver: 'bridge', ConfigFrom: { Network: sliceNetworkConfigName(home) } });
      for (const node of NODES) {
        const config = (await new Docker({ socketPath: node.dockerHost.slice(7) }).getNetwork(sliceNetworkConfigName(home)).inspect()) as { ConfigOnly: boolean; Options: Record<string, string>; Labels: Record<string, string> };
        expect(config).toMatchObject({ ConfigOnly: true, Options: { 'com.docker.network.bridge.enable_icc': 'false' }, Labels: { [LABELS.home]: home } });
      }

      // Nothing of a home left: its networks go, on the manager and on every node; the other home's stays while it runs.
      for (const id of [a1.id, a2.id, a3.id]) await runtime.remove(id);
      expect(await runtime.removeNetworkIfUnused(other)).toBe(false);
      expect(await runtime.inspectNetwork(other)).not.toBeNull();
      const removing = Date.now();
      expect(await runtime.removeNetworkIfUnused(home)).toBe(true);
      log(`a home's network removed from the swarm and its ${NODES.length} nodes in ${Date.now() - removing} ms`);
      expect(await runtime.inspectNetwork(home)).toBeNull();
      for (const node of NODES) {
        const names = (await new Docker({ socketPath: node.dockerHost.slice(7) }).listNetworks()).map((n) => n.Name);
        expect(names).not.toContain(sliceNetworkConfigName(home));
        expect(names).toContain(sliceNetworkConfigName(other));
      }
      await runtime.remove(b1);
      expect(await runtime.removeNetworkIfUnused(other)).toBe(true);
    } finally {
      server.close();
      // The other home's slice and network are this test's to clean up (the describe's afterAll knows only `home`).
      if (b1) await runtime.remove(b1).catch(() => undefined);
      await runtime.removeNetworkIfUnused(other).catch(() => undefined);
    }
  }, 120_000);

  it('pins a slice to a node: it runs there', async () => {
    const nodes = await runtime.nodes();
    const worker = nodes.find((n) => n.address !== MANAGER.address)!;
    const { id } = await create(11, from + 33, (spec) => (spec.node = worker.id));
    await runtime.start(id);
    expect((await runtime.inspect(id))!.location).toEqual({ node: worker.id, address: worker.address, name: worker.name });
    await runtime.remove(id);
  }, 120_000);

  it.each([
    ['no suitable node', (spec: ReturnType<typeof contractSpec>) => (spec.node = 'nosuchnode0000000000000000'), /No suitable node/],
    ['insufficient memory', (spec: ReturnType<typeof contractSpec>) => (spec.memoryBytes = 1024 ** 4), /insufficient memory/],
    ['image not found on node X', (spec: ReturnType<typeof contractSpec>) => (spec.image = 'slicedeck-slice:not-on-any-node'), /Image not found on node n[12] \(10\.213\.0\.1[12]\)/],
  ])('says "%s" in words when the task cannot run', async (_name, change, words) => {
    const { id, spec } = await create(12, from + 34, change);
    const failure = await runtime.start(id).then(
      () => null,
      (error: unknown) => error,
    );
    log(`${_name}: ${(failure as Error)?.message}`);
    expect(failure).toBeInstanceOf(SlicedeckError);
    expect((failure as Error).message).toMatch(words);
    expect((failure as Error).message).not.toContain(spec.token);
    expect((await runtime.inspect(id))!.problem).toMatch(words);
    await runtime.remove(id);
  }, 90_000);
  it('says which node lacks the network settings when a task lands on a node slicedeck could not ask, and makes them again on the next create', async () => {
    const worker = (await runtime.nodes()).find((n) => n.address !== MANAGER.address)!;
    const onWorker = new Docker({ socketPath: NODES.find((n) => n.address === worker.address)!.dockerHost.slice('unix://'.length) });
    const { id } = await create(13, from + 39, (spec) => (spec.node = worker.id));
    // As on a node without the slicedeck.engine label: its config-only network was never made. (A slice
    // of an earlier test that ran there leaves it "in use" for a few seconds.)
    await expect
      .poll(() => onWorker.getNetwork(sliceNetworkConfigName(home)).remove().then(() => 'removed', (error: Error) => error.message), { timeout: 60_000, interval: 250 })
      .toBe('removed');
    const failure = (await runtime.start(id).then(
      () => null,
      (error: unknown) => error,
    )) as Error | null;
    log(`node without the network settings: ${failure?.message}`);
    expect(failure?.message).toMatch(new RegExp(`Node ${worker.name} has no slicedeck network settings .*Label the node with slicedeck\\.engine=`));
    await runtime.remove(id);
    const again = await create(14, from + 39, (spec) => (spec.node = worker.id));
    await runtime.start(again.id);
    expect((await onWorker.getNetwork(sliceNetworkConfigName(home)).inspect()).Name).toBe(sliceNetworkConfigName(home));
    await runtime.remove(again.id);
  }, 240_000);
});

describe('the core on the swarm: a slice as a service', () => {
  let t: TestCore | undefined;
  const coreOnSwarm = () => makeTestCore({ runtime: 'swarm', qrTtlMs: 20_000 }, { docker: { socketPath: MANAGER.dockerHost.slice('unix://'.length) } });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('connect → QR → scan → ready → destroy, the host reaching the slice at its node', async () => {
    t = await coreOnSwarm();
    const manager = new Docker({ socketPath: MANAGER.dockerHost.slice('unix://'.length) });
    const account = await t.call('accounts.add', { name: 'Swarm' });
    const began = Date.now();
    const result = await t.call('slices.connect', { accountId: account.id });
    expect(result.status).toBe('provisioned');
    const qr = await t.events.waitForStage(account.id, 'qr');
    log(`connect → first QR on the swarm: ${Date.now() - began} ms`);
    expect(qr.qr).toMatchObject({ index: 1 });

    // The slice is a service of this home, and the host reached it at its node's address (not 127.0.0.1).
    const services = await manager.listServices({ filters: { label: [`${LABELS.home}=${t.homeId}`] } });
    expect(services.map((s) => s.Spec?.Labels?.[LABELS.sliceId])).toEqual([result.sliceId]);
    const state = (await coreInternals(t.core).runtime.inspect(services[0]!.ID))!;
    expect(NODES.map((n) => n.address)).toContain(state.location!.address);
    expect(coreInternals(t.core).store.getSlice(account.id)).toMatchObject({ address: state.location!.address, node: state.location!.node });
    // The panel names the node (Dashboard), and the audit trail says where the slice ran (History).
    const node = NODES.find((n) => n.address === state.location!.address)!;
    expect((await t.call('slices.view', { accountId: account.id })).node).toBe(node.name);
    const placed = (await t.call('slices.history', { accountId: account.id })).filter((h) => h.type === 'placed');
    expect(placed.map((h) => h.message)).toEqual([`on node ${node.name} (${node.address})`]);

    await t.call('sim.scan', { accountId: account.id });
    await t.events.waitForStage(account.id, 'ready');
    expect((await t.call('slices.view', { accountId: account.id })).contacts).toBeGreaterThan(0);

    // A restart of the host finds the slice where the row says it is, and reaches it there.
    t = await t.reopen();
    expect((await t.call('slices.view', { accountId: account.id })).stage).toBe('ready');
    expect(coreInternals(t.core).slices.isFollowing(account.id, result.sliceId)).toBe(true);
    expect((await t.call('chats.list', { accountId: account.id })).length).toBeGreaterThan(0);

    await t.call('slices.destroy', { accountId: account.id });
    expect((await t.call('slices.view', { accountId: account.id })).stage).toBe('idle');
    expect(await manager.listServices({ filters: { label: [`${LABELS.home}=${t.homeId}`] } })).toEqual([]);
  }, 120_000);

  it("the reconciler removes a token secret of this home left without its service (a host that died mid-create), and spares another home's", async () => {
    t ??= await coreOnSwarm();
    const other = homeId();
    const leave = async (h: string, sliceId: string) =>
      (await manager().createSecret({
        Name: `slicedeck-tok-${h}-${sliceId}`,
        Labels: { [LABELS.managed]: 'true', [LABELS.home]: h, [LABELS.sliceId]: sliceId, [LABELS.accountId]: 'acc_leftbehind' },
        Data: Buffer.from('not-a-real-token-0000000000\n').toString('base64'),
      })) as { id: string };
    const mine = await leave(t.homeId, 'slc_leftbehind_mine');
    const theirs = await leave(other, 'slc_leftbehind_theirs');
    try {
      await coreInternals(t.core).reconciler.runOnce();
      const left = (await manager().listSecrets()).map((s) => s.ID);
      expect(left).not.toContain(mine.id);
      expect(left).toContain(theirs.id);
    } finally {
      for (const s of [mine, theirs]) await manager().getSecret(s.id).remove().catch(() => undefined);
    }
  }, 60_000);

  it('a slice whose node is drained is restarted by the health check where the swarm puts it now, and reached there', async () => {
    t ??= await coreOnSwarm();
    const account = await t!.call('accounts.add', { name: 'Moved' });
    const { sliceId } = await t!.call('slices.connect', { accountId: account.id });
    await t!.events.waitForStage(account.id, 'qr');
    const { store, slices } = coreInternals(t!.core);
    const before = store.getSlice(account.id)!;
    const first = NODES.find((n) => n.address === before.address)!;
    const other = NODES.find((n) => n !== first)!;
    // Its node takes no task any more: the swarm shuts the slice's task down there.
    await nodeDocker(MANAGER, ['node', 'update', '--availability', 'drain', before.node!]);
    try {
      // (Whether the swarm then starts a task elsewhere by itself or not, the host must find the slice again.)
      const stillThere = async () => {
        const state = await coreInternals(t!.core).runtime.inspect(before.sliceRef!);
        return Boolean(state?.running && state.location?.address === first.address);
      };
      // The drained node stops the task with its grace (10 s); generous for a loaded machine.
      await expect.poll(stillThere, { timeout: 60_000 }).toBe(false);
      const restartedAt = Date.now();
      await slices.checkSlice(account.id, sliceId);
      const after = store.getSlice(account.id)!;
      expect(after).toMatchObject({ sliceId, restarts: 1, address: other.address, nodeName: other.name });
      expect((await t!.call('slices.view', { accountId: account.id })).node).toBe(other.name);
      // The host follows the slice on its new node: its new code arrives, and a scan there reaches Ready.
      await t!.events.waitFor('slice', (v) => v.accountId === account.id && v.stage === 'qr' && (v.qr?.issuedAt ?? 0) >= restartedAt);
      await t!.call('sim.scan', { accountId: account.id });
      await t!.events.waitForStage(account.id, 'ready');
      const placed = (await t!.call('slices.history', { accountId: account.id })).filter((h) => h.type === 'placed').map((h) => h.message);
      expect(placed).toEqual([`on node ${first.name} (${first.address})`, `on node ${other.name} (${other.address})`]);
    } finally {
      await nodeDocker(MANAGER, ['node', 'update', '--availability', 'active', before.node!]);
    }
    await t!.call('slices.destroy', { accountId: account.id });
  }, 240_000);

  it('sessions live on a node: two linked accounts on the two nodes each relink on their own node without a code; the node drained → words', async () => {
    t ??= await coreOnSwarm();
    const core = t!;
    const manager = new Docker({ socketPath: MANAGER.dockerHost.slice('unix://'.length) });
    const { store } = coreInternals(core.core);
    const constraintsOf = async (accountId: string) => {
      const [service] = await manager.listServices({ filters: { label: [`${LABELS.home}=${core.homeId}`, `${LABELS.accountId}=${accountId}`] } });
      return (service?.Spec?.TaskTemplate as { Placement?: { Constraints?: string[] } } | undefined)?.Placement?.Constraints ?? [];
    };
    const nameOf = (accountId: string) => NODES.find((n) => n.address === store.getSlice(accountId)!.address)!.name;
    /** Connect, then Ready (a scan when a code comes); the views of this slice, and its history since. */
    const connectToReady = async (accountId: string, scan: boolean) => {
      const since = Date.now();
      const { sliceId } = await core.call('slices.connect', { accountId });
      const first = await core.events.waitFor('slice', (v) => v.accountId === accountId && v.sliceId === sliceId && (v.stage === 'ready' || v.stage === 'qr'), 60_000, 'Ready or a code');
      if (scan && first.stage === 'qr') {
        await core.call('sim.scan', { accountId });
        await core.events.waitFor('slice', (v) => v.accountId === accountId && v.sliceId === sliceId && v.stage === 'ready', 60_000, 'Ready');
      }
      const views = core.events.of('slice').filter((v) => v.accountId === accountId && v.sliceId === sliceId);
      const history = (await core.call('slices.history', { accountId })).filter((h) => h.at >= since).map((h) => h.type);
      return { views, history };
    };

    // A links wherever the swarm puts it (no constraint while unlinked), and is pinned to that node once Ready.
    const a = await core.call('accounts.add', { name: 'Pinned' });
    const b = await core.call('accounts.add', { name: 'Elsewhere' });
    const { history: firstLink } = await connectToReady(a.id, true);
    expect(firstLink).toContain('qr');
    const nodeA = store.getSlice(a.id)!.node!;
    const nameA = nameOf(a.id);
    expect(store.sessionNode(a.id)).toEqual({ node: nodeA, name: nameA });
    await core.call('slices.destroy', { accountId: a.id });

    // B on the other node. (Not by Swarm's spread: the private swarm is shared under a lease by
    // concurrent test runs whose tasks change the per-node counts spread compares, so which node
    // an unpinned slice gets is not ours to predict; A's node taking no tasks while B links is.)
    await nodeDocker(MANAGER, ['node', 'update', '--availability', 'drain', nodeA]);
    try {
      await connectToReady(b.id, true);
    } finally {
      await nodeDocker(MANAGER, ['node', 'update', '--availability', 'active', nodeA]);
    }
    const nodeB = store.getSlice(b.id)!.node!;
    expect(nodeB).not.toBe(nodeA);
    expect(store.sessionNode(b.id)).toEqual({ node: nodeB, name: nameOf(b.id) });
    await core.call('slices.destroy', { accountId: b.id });

    // Disconnected, both Connect again: each restores on its own node, with no code.
    for (const [account, node] of [
      [a, nodeA],
      [b, nodeB],
    ] as const) {
      const { views, history } = await connectToReady(account.id, false);
      expect(views.at(-1)).toMatchObject({ stage: 'ready' });
      expect(views.some((v) => v.restoring && v.phase !== 'ready')).toBe(true);
      expect(history).toContain('session.restored');
      expect(history).not.toContain('qr');
      expect(store.getSlice(account.id)!.node).toBe(node);
      expect(await constraintsOf(account.id)).toEqual([`node.id==${node}`]);
    }

    // A's node drained: Connect ends in words naming the node and the choice.
    await core.call('slices.destroy', { accountId: a.id });
    await nodeDocker(MANAGER, ['node', 'update', '--availability', 'drain', nodeA]);
    try {
      const failure = await core.call('slices.connect', { accountId: a.id }).then(
        () => null,
        (error: unknown) => error as Error,
      );
      log(`pinned node drained: ${failure?.message}`);
      expect(failure?.message).toMatch(new RegExp(`node ${nameA}.*Wait for node ${nameA} to come back, or Log out and link again elsewhere`));
      expect((await core.call('slices.view', { accountId: a.id })).error).toContain(`Wait for node ${nameA} to come back`);
    } finally {
      await nodeDocker(MANAGER, ['node', 'update', '--availability', 'active', nodeA]);
    }

    // B Ready on its node, that node drained: the health check's restart does not move B away from its session, and says so.
    await connectToReady(b.id, false);
    const nameB = nameOf(b.id);
    const bRow = store.getSlice(b.id)!;
    await nodeDocker(MANAGER, ['node', 'update', '--availability', 'drain', nodeB]);
    try {
      await expect.poll(async () => Boolean((await coreInternals(core.core).runtime.inspect(bRow.sliceRef!))?.running), { timeout: 60_000 }).toBe(false);
      await coreInternals(core.core).slices.checkSlice(b.id, bRow.sliceId!);
      const view = await core.call('slices.view', { accountId: b.id });
      expect(view.stage).toBe('error');
      expect(view.error).toMatch(new RegExp(`node ${nameB}.*Wait for node ${nameB} to come back, or Log out and link again elsewhere`));
    } finally {
      await nodeDocker(MANAGER, ['node', 'update', '--availability', 'active', nodeB]);
    }

    // Log out forgets the pin: the next link goes wherever the swarm puts it.
    await core.call('slices.logout', { accountId: a.id });
    expect(store.sessionNode(a.id)).toBeNull();
    await core.call('slices.destroy', { accountId: b.id });
  }, 240_000);
});

// The core's one-engine promises on the swarm (reconciler, crash, QR expiry, restart ladder, stats, task errors).
swarmCoreSuite(() => ({ runtime, image }));

// The real Chromium slice as a service, against the stand-in WhatsApp Web on the host's end of the swarm's link.
swarmRealWwebjsSuite();

describe('the main engine after the swarm suite', () => {
  it('is exactly as it was: swarm state, bridge subnet, no swarm network, host routes', async () => {
    // Release first (the afterAll does it again harmlessly), so "after" is after the swarm left.
    tookDown = await releaseSwarm({ log });
    const after = await snapshotMainEngine();
    expect(after).toEqual(before);
    expect(await strayRoutes()).toEqual([]);
    if (tookDown) expect((await hostRoutes()).filter((r) => r.includes(HOST_VETH))).toEqual([]);
  }, 120_000);
});
