/**
 * Everything that works on one engine works on the swarm (issue 10, item 3), by labels
 * on services and tasks, with the core on the private swarm: the reconciler over
 * services (orphans of this home removed at start-up and by the periodic pass, another
 * home spared, interrupted provisioning), a host `kill -9` with services running, QR
 * expiry removing the service, the health check's restart ladder on a task killed on
 * its node, stats read from the task's node (or words saying it cannot be asked), and
 * a task's errors in words.
 *
 * Registered by runtime-swarm.test.ts (under its lease of the swarm, before its check
 * that the main engine is unchanged), so one file runs the whole swarm suite in order:
 * its node drains never overlap these tests, and that check comes after all of them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SlicedeckError } from '@shared/errors';
import { SLICE_ENV } from '@shared/slice-protocol';
import type { SliceStats } from '@shared/types';
import { coreInternals } from '../../src/main/core';
import { LABELS, authVolumeName } from '../../src/main/core/docker/labels';
import { STOP_WAIT_MARGIN_MS, type SwarmRuntime } from '../../src/main/core/docker/swarm-runtime';
import { REMOVE_WAIT_MS } from '../../src/main/core/docker/swarm/task-containers';
import { INTERRUPTED_WORDS } from '../../src/main/core/slices/slice-service';
import { MANAGER, NODES, leaseSwarm, nodeDocker, swarmStatus } from '../../scripts/lib/private-swarm.mjs';
import { makeTestCore, workerPortRange, type TestCore } from '../helpers/core';
import { NodeLabelProxy } from '../helpers/node-label-proxy';
import { killableHostEnv, spawnHost } from '../helpers/spawn-host';
import { DEFAULT_STOP_GRACE_MS, type CoreConfig } from '../../src/main/core/config';
import { contractSpec, homeId as newHomeId } from './runtime-contract';

export interface SwarmSubject {
  runtime: SwarmRuntime;
  image: string;
}

const MANAGER_SOCKET = MANAGER.dockerHost.slice('unix://'.length);
const manager = new Docker({ socketPath: MANAGER_SOCKET });
const engines = NODES.map((node) => ({ node, docker: new Docker({ socketPath: node.socket }) }));
const log = (line: string) => process.stderr.write(`[swarm-core] ${line}\n`);

async function servicesOf(home: string, accountId?: string) {
  const label = [`${LABELS.home}=${home}`, ...(accountId ? [`${LABELS.accountId}=${accountId}`] : [])];
  return manager.listServices({ filters: { label } });
}

/** Task containers of this home on every node (stopped ones too): what a service leaves behind on its node. */
async function taskContainersOf(home: string, accountId?: string): Promise<{ node: string; id: string; sliceId: string; state: string }[]> {
  const label = [`${LABELS.home}=${home}`, ...(accountId ? [`${LABELS.accountId}=${accountId}`] : [])];
  const found = await Promise.all(
    engines.map(async ({ node, docker }) =>
      (await docker.listContainers({ all: true, filters: { label } })).map((c) => ({ node: node.name, id: c.Id, sliceId: c.Labels[LABELS.sliceId] ?? '', state: c.State })),
    ),
  );
  return found.flat();
}

/** Session volumes of this home on every node, as `node:name`. */
async function volumesOf(home: string): Promise<string[]> {
  const found = await Promise.all(
    engines.map(async ({ node, docker }) => ((await docker.listVolumes({ filters: { label: [`${LABELS.home}=${home}`] } })).Volumes ?? []).map((v) => `${node.name}:${v.Name}`)),
  );
  return found.flat().sort();
}

/** Removes what a home of ours left on the swarm: its services, then task containers and volumes on each node. */
async function cleanHome(home: string): Promise<void> {
  for (const service of await servicesOf(home).catch(() => [])) await manager.getService(service.ID).remove().catch(() => undefined);
  for (const { docker } of engines) {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABELS.home}=${home}`] } }).catch(() => [])) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    for (const v of (await docker.listVolumes({ filters: { label: [`${LABELS.home}=${home}`] } }).catch(() => ({ Volumes: [] }))).Volumes ?? []) {
      await docker.getVolume(v.Name).remove().catch(() => undefined);
    }
  }
}

/**
 * What a wait for the swarm's side of a removal allows: a running orphan is stopped with
 * the grace, the runtime waits its margin for the node to say so, then up to its own bound
 * for the task container to leave the node; and as much again, because the full suite
 * runs two test files at once on 2 cores (a 5 s allowance here once failed under that load).
 */
const SWARM_REMOVAL_WAIT_MS = 2 * (DEFAULT_STOP_GRACE_MS + STOP_WAIT_MARGIN_MS + REMOVE_WAIT_MS);
/** What a wait for a slice to come up (or answer again) on a swarm node allows under the full suite's load. */
const SWARM_SLICE_WAIT_MS = 60_000;

/** Bounded: until `check` holds. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = SWARM_REMOVAL_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Bounded: reads until `test` holds; returns that reading. */
async function until<T>(read: () => Promise<T>, test: (value: T) => boolean, what: string, timeoutMs = SWARM_SLICE_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!test(value)) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/** True when something answers HTTP at address:port within a second. */
async function answers(address: string, port: number): Promise<boolean> {
  return fetch(`http://${address}:${port}/health`, { signal: AbortSignal.timeout(1_000) }).then(
    () => true,
    () => false,
  );
}

const nodeByAddress = (address: string | null | undefined) => NODES.find((n) => n.address === address);

export function swarmCoreSuite(subject: () => SwarmSubject): void {
  describe('swarm core: what works on one engine works on the swarm', () => {
    const { from, to } = workerPortRange();
    /** Ports of services this file plants itself (the cores allocate from the bottom of the same range). */
    let plantPort = to;
    const homes = new Set<string>();
    let t: TestCore | undefined;
    const base = (more: Partial<CoreConfig> = {}): Partial<CoreConfig> => ({ runtime: 'swarm', qrTtlMs: 60_000, ...more });
    const coreOnSwarm = async (more: Partial<CoreConfig> = {}, socketPath = MANAGER_SOCKET, dataDir?: string) => {
      const core = await makeTestCore(base(more), { docker: { socketPath }, ...(dataDir ? { dataDir } : {}) });
      homes.add(core.homeId);
      return core;
    };

    /** A started service with slicedeck's labels that no row of `home` intends (or another home's). */
    async function plant(home: string, change: (spec: ReturnType<typeof contractSpec>) => void = () => {}): Promise<{ id: string; sliceId: string; volume: string; accountId: string }> {
      homes.add(home);
      const { runtime, image } = subject();
      const port = plantPort--;
      const spec = contractSpec({ image }, home, Number.parseInt(randomBytes(2).toString('hex'), 16), port);
      change(spec);
      const id = await runtime.create(spec);
      await runtime.start(id);
      return { id, sliceId: spec.sliceId, volume: spec.volume, accountId: spec.accountId };
    }

    afterEach(async () => {
      await t?.cleanup();
      t = undefined;
    }, 120_000);
    afterAll(async () => {
      for (const home of homes) await cleanHome(home);
    }, 120_000);

    it('the shared swarm: a lease taken while another run has a node drained reuses the swarm (it is complete), never rebuilds it under that run', async () => {
      const before = (await subject().runtime.nodes()).map((n) => n.id).sort();
      const worker = NODES.find((n) => n.role === 'worker')!;
      const workerId = (await subject().runtime.nodes()).find((n) => n.address === worker.address)!.id;
      await nodeDocker(MANAGER, ['node', 'update', '--availability', 'drain', workerId]);
      try {
        // Complete as it is (checked first, so that a wrong answer never gets as far as a rebuild).
        expect((await swarmStatus()).swarm).toEqual({ nodes: NODES.length, ready: NODES.length });
        // This process holds a lease already: taking it again only rewrites its own lease file.
        const again = await leaseSwarm({ image: subject().image, log });
        expect(again.reused).toBe(true);
        expect((await subject().runtime.nodes()).map((n) => n.id).sort()).toEqual(before);
      } finally {
        await nodeDocker(MANAGER, ['node', 'update', '--availability', 'active', workerId]);
      }
    }, 60_000);

    it('reconciler over services: an orphan of this home goes at start-up and by the periodic pass, with its task container and the volume of no account; another home is spared', async () => {
      t = await coreOnSwarm();
      const home = t.homeId;
      const foreign = await plant(newHomeId());
      const orphan = await plant(home);
      expect(await taskContainersOf(home)).toMatchObject([{ sliceId: orphan.sliceId, state: 'running' }]);
      expect((await volumesOf(home)).map((v) => v.split(':')[1])).toEqual([orphan.volume]);

      // Start-up: the pass of a new host over the same data dir.
      t = await t.reopen(base());
      expect(await servicesOf(home)).toEqual([]);
      // Removed as on one engine: its container is gone from its node when the pass ends, and with it the volume of an account that does not exist.
      expect(await taskContainersOf(home)).toEqual([]);
      expect(await volumesOf(home)).toEqual([]);

      // While running: the periodic pass (it may remove the orphan while it is still starting: then starting it says so).
      t = await t.reopen(base({ reconcileIntervalMs: 300 }));
      await plant(home).catch((error: unknown) => expect((error as Error).message).toMatch(/The slice service is gone \(it was removed while starting\)/));
      await eventually(async () => (await servicesOf(home)).length === 0, 'the periodic removal of the orphan service');
      await eventually(async () => (await taskContainersOf(home)).length === 0, "the orphan's task container leaving its node");

      // A slice whose service vanished behind the host's back: cleared, its port freed, words saying what to do.
      const account = await t.call('accounts.add', { name: 'Vanishing' });
      await t.call('slices.connect', { accountId: account.id });
      await t.events.waitForStage(account.id, 'qr');
      const [service] = await servicesOf(home, account.id);
      await manager.getService(service!.ID).remove();
      const cleared = await t.events.waitFor('slice', (v) => v.accountId === account.id && v.phase === 'error', SWARM_REMOVAL_WAIT_MS, 'the view cleared by the reconciler');
      expect(cleared.port).toBeUndefined();
      expect(cleared.error ?? '').toMatch(/Connect/);
      expect((await t.call('system.status')).portsInUse).toBe(0);

      // Another home's service was never touched.
      expect((await subject().runtime.inspect(foreign.id))?.running).toBe(true);
      await subject().runtime.remove(foreign.id);
    }, 360_000);

    it('host kill -9 with services running: a new host adopts the Ready slice at its node, resumes a half-started one, ends an interrupted one in words; nothing is orphaned', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'slicedeck-swarm-crash-'));
      const { image } = subject();
      const env = {
        ...killableHostEnv(dataDir, { from, to: from + 19 }),
        SLICEDECK_RUNTIME: 'swarm',
        DOCKER_HOST: MANAGER.dockerHost,
        SLICEDECK_IMAGE: image,
        SLICEDECK_IMAGE_VARIANT: 'node',
        SLICEDECK_QR_TTL_MS: '60000',
        SLICEDECK_QR_FIRST_TTL_MS: '60000',
        SLICEDECK_SIM_LINK_DELAY_MS: '50',
      };
      const hosts: Awaited<ReturnType<typeof spawnHost>>[] = [];
      let home = '';
      try {
        // Host 1 links an account (Ready on its node), and dies.
        const first = await spawnHost({ ...env, HOST_ACCOUNT_NAME: 'Linked', HOST_SCAN: '1' });
        hosts.push(first);
        home = (await first.waitForLine((l) => l.type === 'home')).homeId!;
        homes.add(home);
        await first.waitForLine((l) => l.type === 'slice' && l.stage === 'ready', 60_000);
        await first.kill9();
        // Host 2 dies inside Connect of a second account: its service exists, its id was never stored.
        const second = await spawnHost({ ...env, HOST_ACCOUNT_NAME: 'Half', HOST_PAUSE_AT: 'creating_container' });
        hosts.push(second);
        await second.waitForLine((l) => l.type === 'paused', 60_000);
        await second.kill9();
        // Host 3 (its start-up repairs host 2's leftover) dies with a third slice started and healthy, not yet followed.
        const third = await spawnHost({ ...env, HOST_ACCOUNT_NAME: 'Resumed', HOST_PAUSE_AT: 'waiting_for_health' });
        hosts.push(third);
        await third.waitForLine((l) => l.type === 'paused', 60_000);
        await third.kill9();
        // And a service of this home that no row intends (a leftover of some earlier host).
        const orphan = await plant(home);
        expect((await servicesOf(home)).length).toBe(3);

        t = await coreOnSwarm({}, MANAGER_SOCKET, dataDir);
        const { store, slices } = coreInternals(t.core);
        const byName = new Map((await t.call('accounts.list')).map((a) => [a.name, a.id]));
        const linked = byName.get('Linked')!;
        const half = byName.get('Half')!;
        const resumed = byName.get('Resumed')!;

        // Ready: adopted where it runs, reached at its node's address.
        const linkedRow = store.getSlice(linked)!;
        expect((await t.call('slices.view', { accountId: linked })).stage).toBe('ready');
        expect(slices.isFollowing(linked, linkedRow.sliceId!)).toBe(true);
        expect(nodeByAddress(linkedRow.address)).toBeDefined();
        expect((await t.call('chats.list', { accountId: linked })).length).toBeGreaterThan(0);
        expect((await t.call('slices.history', { accountId: linked })).map((h) => h.type)).toContain('adopted');
        // Half-started: resumed, at its node, to its first code.
        const resumedView = await until(() => t!.call('slices.view', { accountId: resumed }), (v) => v.stage === 'qr', 'the resumed slice showing a code');
        expect(resumedView.qr?.index).toBe(1);
        expect(nodeByAddress(store.getSlice(resumed)!.address)).toBeDefined();
        expect(await t.call('slices.history', { accountId: resumed })).toContainEqual(expect.objectContaining({ type: 'adopted', stage: 'initializing' }));
        // Interrupted: error with the words, its service (found only by its labels) removed.
        expect(await t.call('slices.view', { accountId: half })).toMatchObject({ stage: 'error', error: INTERRUPTED_WORDS });
        expect(await servicesOf(home, half)).toEqual([]);

        // Exactly the two slices the rows intend, each one task container on the node its row names.
        const intended = [linked, resumed].map((a) => store.getSlice(a)!);
        expect((await servicesOf(home)).map((s) => s.Spec?.Labels?.[LABELS.sliceId]).sort()).toEqual(intended.map((r) => r.sliceId).sort());
        const containers = await taskContainersOf(home);
        expect(containers.map((c) => `${c.node}:${c.sliceId}:${c.state}`).sort()).toEqual(intended.map((r) => `${nodeByAddress(r.address)!.name}:${r.sliceId}:running`).sort());
        expect(containers.some((c) => c.sliceId === orphan.sliceId)).toBe(false);

        // Destroyed: no service, no task container on either node, no port held there or in the range.
        for (const accountId of [linked, resumed]) await t.call('slices.destroy', { accountId });
        expect(await servicesOf(home)).toEqual([]);
        expect(await taskContainersOf(home)).toEqual([]);
        for (const row of intended) expect(await answers(row.address!, row.port!)).toBe(false);
        expect((await t.call('system.status')).portsInUse).toBe(0);
        // The linked sessions stay on their nodes (as on one engine); the orphan's volume (no such account) went.
        expect((await volumesOf(home)).map((v) => v.split(':')[1]).sort()).toEqual([authVolumeName(home, linked), authVolumeName(home, resumed)].sort());
      } finally {
        for (const host of hosts) await host.kill9();
        await t?.cleanup();
        t = undefined;
        if (home) await cleanHome(home);
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 240_000);

    it('QR expiry: after code 3 of 3 the service is gone, no task container is left on its node, the unlinked volume stays there until the account is removed', async () => {
      t = await coreOnSwarm({ qrCodes: 3, qrTtlMs: 1_000, qrFirstTtlMs: 1_000, qrScanGraceMs: 0 });
      const account = await t.call('accounts.add', { name: 'Expiring' });
      const { port, sliceId } = await t.call('slices.connect', { accountId: account.id });
      await t.events.waitForStage(account.id, 'qr');
      const row = coreInternals(t.core).store.getSlice(account.id)!;
      const node = nodeByAddress(row.address)!;
      expect(await taskContainersOf(t.homeId, account.id)).toMatchObject([{ node: node.name, sliceId, state: 'running' }]);

      const expired = await t.events.waitForStage(account.id, 'qr_timeout', SWARM_SLICE_WAIT_MS);
      expect(expired.phase).toBe('expired');
      const codes = t.events.of('slice').filter((v) => v.accountId === account.id && v.qr).map((v) => `${v.qr!.index}/${v.qr!.total}`);
      expect([...new Set(codes)]).toEqual(['1/3', '2/3', '3/3']);
      expect(await servicesOf(t.homeId, account.id)).toEqual([]);
      expect(await taskContainersOf(t.homeId, account.id)).toEqual([]);
      expect(await answers(node.address, port)).toBe(false);
      expect((await t.call('system.status')).portsInUse).toBe(0);
      // As on one engine the volume outlives the slice; on a swarm it is on the node the slice ran on.
      expect(await volumesOf(t.homeId)).toEqual([`${node.name}:${authVolumeName(t.homeId, account.id)}`]);
      await t.call('accounts.remove', { accountId: account.id });
      expect(await volumesOf(t.homeId)).toEqual([]);
    }, 90_000);

    it('health and restart ladder: a task container killed on its node is restarted on that node (its session is there) and followed; the budget spent, Error in words', async () => {
      t = await coreOnSwarm({ maxSliceRestarts: 1, restartWindowMs: 120_000, healthIntervalMs: 500 });
      const core = t;
      const { store, slices } = coreInternals(core.core);
      const account = await core.call('accounts.add', { name: 'Killed' });
      const { sliceId } = await core.call('slices.connect', { accountId: account.id });
      await core.events.waitForStage(account.id, 'qr');
      await core.call('sim.scan', { accountId: account.id });
      await core.events.waitForStage(account.id, 'ready');
      const node = nodeByAddress(store.getSlice(account.id)!.address)!;
      expect(store.sessionNode(account.id)?.name).toBe(node.name);

      // Its node busier than the other, so Swarm's spread alone would put a new task elsewhere, away from the session.
      const other = newHomeId();
      const nodeId = store.getSlice(account.id)!.node!;
      for (let i = 0; i < 2; i++) await plant(other, (spec) => (spec.node = nodeId));

      const kill = async () => {
        const [container] = (await taskContainersOf(core.homeId, account.id)).filter((c) => c.state === 'running');
        expect(container?.node).toBe(node.name);
        const killed = await nodeDocker(node, ['kill', container!.id]);
        expect(killed.code, killed.stderr).toBe(0);
      };
      const since = Date.now();
      await kill();
      await core.events.waitFor('slice', (v) => v.accountId === account.id && v.restarts === 1 && v.stage === 'ready' && !v.note, 60_000, 'the slice restarted and Ready again');
      const after = store.getSlice(account.id)!;
      expect(after).toMatchObject({ sliceId, restarts: 1, address: node.address });
      expect(slices.isFollowing(account.id, sliceId)).toBe(true);
      // Restored from its volume on that node: no new code was needed.
      const history = (await core.call('slices.history', { accountId: account.id })).filter((h) => h.at >= since).map((h) => h.type);
      expect(history).toContain('restart');
      expect(history).not.toContain('qr');
      // Its chats come from the slice on that node once WhatsApp has restored (as on one engine, Ready is shown while it does).
      await until(() => core.call('chats.list', { accountId: account.id }).catch(() => []), (chats) => chats.length > 0, 'the restarted slice answering with its chats');

      await kill();
      const failed = await core.events.waitForStage(account.id, 'error', 60_000);
      log(`budget spent: ${failed.error}`);
      // Killed, not out of memory: the words say what the node's engine says, as on one engine.
      expect(failed.error).toMatch(/^The slice kept failing \(it stopped \(exit code 137\); 1 restart already tried\)\. Click Connect to start a fresh one\.$/);
      expect(await servicesOf(core.homeId, account.id)).toEqual([]);
      expect(await taskContainersOf(core.homeId, account.id)).toEqual([]);
    }, 180_000);

    it("stats: the Dashboard's figures come from the task's node; a node this host cannot ask gives words, not zeros or a crash", async () => {
      const socketDir = mkdtempSync(join(tmpdir(), 'slicedeck-nodeproxy-'));
      const proxy = new NodeLabelProxy(join(socketDir, 'manager.sock'), MANAGER_SOCKET);
      await proxy.start();
      try {
        t = await coreOnSwarm({ statsIntervalMs: 200 }, proxy.path);
        const account = await t.call('accounts.add', { name: 'Measured' });
        await t.call('slices.connect', { accountId: account.id });
        await t.events.waitForStage(account.id, 'qr');
        const node = nodeByAddress(coreInternals(t.core).store.getSlice(account.id)!.address)!;
        const entryOf = (list: SliceStats[]) => list.find((e) => e.accountId === account.id);
        /** A reading taken after now (the sampler answers from a round no older than its interval). */
        const fresh = async () => {
          const since = Date.now();
          await new Promise((resolve) => setTimeout(resolve, 250));
          const entry = entryOf(await t!.call('slices.stats'));
          expect(entry?.sampledAt).toBeGreaterThanOrEqual(since);
          return entry!;
        };

        const measured = await fresh();
        const [container] = await taskContainersOf(t.homeId, account.id);
        const onNode = (await engines.find((e) => e.node.name === node.name)!.docker.getContainer(container!.id).stats({ stream: false })) as { memory_stats: { limit: number } };
        expect(measured.unavailable).toBeUndefined();
        expect(measured.memoryLimitBytes).toBe(256 * 1024 * 1024);
        expect(measured.memoryLimitBytes).toBe(onNode.memory_stats.limit);
        expect(measured.memoryBytes).toBeGreaterThan(0);
        expect(typeof measured.cpuPercent).toBe('number');

        // The node without an engine label (as on most operators' swarms): words that name it and say what to do.
        proxy.mode = 'drop';
        const unlabelled = await fresh();
        log(`unlabelled node: ${unlabelled.unavailable}`);
        expect(unlabelled.unavailable).toMatch(new RegExp(`node ${node.name} \\(${node.address.replace(/\./g, '\\.')}\\).*cannot be asked from this host.*slicedeck\\.engine`));
        expect(unlabelled).toMatchObject({ cpuPercent: null, memoryBytes: null, memoryLimitBytes: null });
        // What the manager knows still shows: the slice runs, since when.
        expect(unlabelled.startedAt).toBe(measured.startedAt);

        // Labelled, but its engine does not answer from here: the other slices' figures are not lost with it (no skipped round).
        proxy.mode = 'nowhere';
        const unreachable = await fresh();
        log(`unreachable node engine: ${unreachable.unavailable}`);
        expect(unreachable.unavailable).toMatch(new RegExp(`engine of node ${node.name} .*did not answer`));
        expect(unreachable.memoryBytes).toBeNull();

        proxy.mode = 'pass';
        expect((await fresh()).memoryBytes).toBeGreaterThan(0);
      } finally {
        await t?.cleanup();
        t = undefined;
        await proxy.stop();
        rmSync(socketDir, { recursive: true, force: true });
      }
    }, 90_000);

    it('task errors in words: an image on the manager only, pinned to n2 → "image not found on node n2"; a memory reservation no node has → "insufficient memory" on Connect', async () => {
      const { runtime, image } = subject();
      const home = newHomeId();
      homes.add(home);
      const worker = NODES.find((n) => n.role === 'worker')!;
      const workerId = (await runtime.nodes()).find((n) => n.address === worker.address)!.id;
      // A tag of our own on the manager's engine only (never :latest or :chromium).
      const tag = `slicedeck-slice:swarm-core-${randomBytes(4).toString('hex')}`;
      const tagged = await nodeDocker(MANAGER, ['tag', image, tag]);
      expect(tagged.code, tagged.stderr).toBe(0);
      try {
        expect(await runtime.imagePresent(tag)).toBe(true);
        const spec = contractSpec({ image: tag }, home, 1, plantPort--);
        spec.node = workerId;
        const id = await runtime.create(spec);
        const failure = await runtime.start(id).then(
          () => null,
          (error: unknown) => error as Error,
        );
        log(`image on the manager only: ${failure?.message}`);
        expect(failure).toBeInstanceOf(SlicedeckError);
        expect(failure!.message).toMatch(new RegExp(`^Image not found on node ${worker.name} \\(${worker.address.replace(/\./g, '\\.')}\\)`));
        expect(failure!.message).not.toContain(spec.env[SLICE_ENV.token]);
        await runtime.remove(id);
      } finally {
        await nodeDocker(MANAGER, ['rmi', tag]);
      }

      t = await coreOnSwarm({ sliceMemoryBytes: 1024 ** 4 });
      const account = await t.call('accounts.add', { name: 'Too big' });
      const refused = await t.call('slices.connect', { accountId: account.id }).then(
        () => null,
        (error: unknown) => error as Error,
      );
      log(`memory no node has: ${refused?.message}`);
      expect(refused?.message).toMatch(/insufficient memory.*lower SLICEDECK_SLICE_MEMORY_MB/);
      expect((await t.call('slices.view', { accountId: account.id })).error).toMatch(/insufficient memory/);
      expect(await servicesOf(t.homeId)).toEqual([]);
    }, 90_000);
  });
}
