/**
 * The runtime contract: what every SliceRuntime (one engine, a swarm, later others)
 * must do for the slice service, on a real engine. Each runtime's test file calls
 * `runtimeContract` with a way to make the runtime; nothing here knows which it is.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLICE_ENV, SLICE_INTERNAL_PORT, SLICE_PATHS } from '@shared/slice-protocol';
import { LABELS, authVolumeName, sliceNetworkName } from '../../src/main/core/docker/labels';
import type { SliceRuntime, SliceSpec } from '../../src/main/core/docker/runtime';

export interface ContractSubject {
  runtime: SliceRuntime;
  image: string;
  /** Two ports the runtime may publish slices on. */
  ports: [number, number];
  /**
   * Every environment the engine shows for a slice (`docker inspect`'s Config.Env; on a
   * swarm also the service spec's): what anyone who may read the engine can see.
   */
  envOf(id: string): Promise<string[][]>;
}

/**
 * What a wait for a slice to answer (health, its first code) allows: a slice is up in
 * seconds on an idle machine; the full suite runs two test files at once on 2 cores,
 * and a swarm adds scheduling and a node's own engine.
 */
const HEALTH_WAIT_MS = 60_000;
/** A test that starts slices and waits for them: several such waits in a row, bounded. */
const SLICE_TEST_MS = 180_000;

export function contractSpec(subject: Pick<ContractSubject, 'image'>, homeId: string, n: number, port: number): SliceSpec {
  const accountId = `acc_contract${n}`;
  const token = randomBytes(16).toString('hex');
  return {
    homeId,
    token,
    cpus: 1,
    network: sliceNetworkName(homeId),
    accountId,
    sliceId: `slc_contract${n}_${randomBytes(3).toString('hex')}`,
    image: subject.image,
    port,
    memoryBytes: 256 * 1024 * 1024,
    pidsLimit: 128,
    volume: authVolumeName(homeId, accountId),
    // No token here: the runtime hands it to the slice by itself (a file), never through the environment.
    env: {
      [SLICE_ENV.port]: String(SLICE_INTERNAL_PORT),
      [SLICE_ENV.driver]: 'simulated',
      [SLICE_ENV.instanceId]: accountId,
    },
  };
}

export function homeId(): string {
  return `contract${randomBytes(6).toString('hex')}`;
}

/** Polls GET /health until it answers 200 (bounded); returns its JSON. */
export async function healthOf(address: string, port: number, waitMs = HEALTH_WAIT_MS): Promise<{ ok: boolean }> {
  const deadline = Date.now() + waitMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://${address}:${port}/health`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return (await res.json()) as { ok: boolean };
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`http://${address}:${port}/health did not answer 200 within ${waitMs} ms (${last})`);
}

export function runtimeContract(name: string, makeSubject: () => Promise<ContractSubject>, teardown: () => Promise<void> = async () => {}): void {
  describe(`runtime contract: ${name}`, () => {
    let subject: ContractSubject;
    let runtime: SliceRuntime;
    const home = homeId();
    const otherHome = homeId();
    const made: string[] = [];
    const volumes: string[] = [];

    beforeAll(async () => {
      subject = await makeSubject();
      runtime = subject.runtime;
    }, 180_000);

    afterAll(async () => {
      for (const id of made) await runtime?.remove(id).catch(() => undefined);
      for (const volume of volumes) await runtime?.removeVolume(volume).catch(() => undefined);
      for (const h of [home, otherHome]) await runtime?.removeNetworkIfUnused(h).catch(() => undefined);
      await teardown();
    }, 180_000);

    async function startSlice(homeOf: string, n: number, port: number, env: Record<string, string> = {}) {
      const spec = contractSpec(subject, homeOf, n, port);
      Object.assign(spec.env, env);
      volumes.push(spec.volume);
      await runtime.ensureVolume(spec.volume, { [LABELS.managed]: 'true', [LABELS.home]: homeOf, [LABELS.accountId]: spec.accountId });
      const id = await runtime.create(spec);
      made.push(id);
      await runtime.start(id);
      return { id, spec };
    }

    it('answers ping and knows which images it has', async () => {
      await runtime.ping();
      expect(await runtime.imagePresent(subject.image)).toBe(true);
      expect(await runtime.imagePresent('slicedeck-slice:no-such-tag-here')).toBe(false);
    });

    it('creates and starts a slice that is healthy where inspect says it is; lists it by labels, reads its stats, removes it', async () => {
      const { id, spec } = await startSlice(home, 1, subject.ports[0]);
      const state = await runtime.inspect(id);
      expect(state).toMatchObject({ ref: id, running: true, problem: null });
      expect(state!.location).not.toBeNull();
      expect(state!.startedAt).toBeGreaterThan(0);
      const health = await healthOf(state!.location!.address, spec.port);
      expect(health.ok).toBe(true);

      // A slice of another home: never listed for this one, and the other way round.
      const other = await startSlice(otherHome, 2, subject.ports[1]);
      const mine = await runtime.listManaged(home);
      expect(mine).toEqual([expect.objectContaining({ ref: id, sliceId: spec.sliceId, accountId: spec.accountId, running: true, hostPort: spec.port })]);
      const theirs = await runtime.listManaged(otherHome);
      expect(theirs.map((c) => c.ref)).toEqual([other.id]);

      const stats = await runtime.stats(id, { timeoutMs: 10_000 });
      expect(stats?.memory_stats?.usage).toBeGreaterThan(0);

      await runtime.remove(id);
      await runtime.remove(other.id);
      expect(await runtime.inspect(id)).toBeNull();
      expect(await runtime.listManaged(home)).toEqual([]);
      // Removing what is gone is not an error; neither is its stats or inspect.
      await runtime.remove(id);
      expect(await runtime.stats(id, { timeoutMs: 5_000 })).toBeNull();
    }, SLICE_TEST_MS);

    it("reads a slice's last log lines with their times (the panel's Slice log), bounded; none once it is gone", async () => {
      const { id, spec } = await startSlice(home, 7, subject.ports[0]);
      await healthOf((await runtime.inspect(id))!.location!.address, spec.port);
      // A swarm gathers a service's lines from its node: they may come a moment after the slice answers.
      let lines: Awaited<ReturnType<SliceRuntime['logs']>> = [];
      for (let i = 0; i < 40 && !lines?.some((line) => line.text.includes('"event":"listening"')); i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 500));
        lines = await runtime.logs(id, { tail: 50, lineMaxBytes: 1_000, timeoutMs: 10_000 });
      }
      const listening = lines!.find((line) => line.text.includes('"event":"listening"'));
      expect(listening).toMatchObject({ stream: 'stdout' });
      expect(listening!.at).toBeGreaterThan(Date.now() - 10 * 60_000);
      expect(JSON.parse(listening!.text)).toMatchObject({ event: 'listening', driver: 'simulated' });
      expect((await runtime.logs(id, { tail: 1, lineMaxBytes: 20, timeoutMs: 10_000 }))!.every((line) => Buffer.byteLength(line.text) <= 20)).toBe(true);
      expect(await runtime.logs(id, { tail: 1, lineMaxBytes: 1_000, timeoutMs: 10_000 })).toHaveLength(1);
      await runtime.remove(id);
      expect(await runtime.logs(id, { tail: 10, lineMaxBytes: 1_000, timeoutMs: 10_000 })).toBeNull();
    });

    it('keeps the token out of every environment the engine shows; the slice answers with its token and refuses without or with another', async () => {
      const { id, spec } = await startSlice(home, 4, subject.ports[1]);
      const address = (await runtime.inspect(id))!.location!.address;
      await healthOf(address, spec.port);
      const envs = await subject.envOf(id);
      expect(envs.length).toBeGreaterThan(0);
      for (const env of envs) {
        expect(env.filter((entry) => entry.startsWith(`${SLICE_ENV.tokenFile}=`))).toHaveLength(1);
        expect(env.filter((entry) => entry.startsWith(`${SLICE_ENV.token}=`))).toEqual([]);
        expect(env.join('\n')).not.toContain(spec.token);
      }
      const status = async (token?: string) =>
        (await fetch(`http://${address}:${spec.port}${SLICE_PATHS.status}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(5_000) })).status;
      expect(await status(spec.token)).toBe(200);
      expect(await status()).toBe(401);
      expect(await status(randomBytes(16).toString('hex'))).toBe(401);
      await runtime.remove(id);
    }, SLICE_TEST_MS);

    /** A started slice with its WhatsApp client (the stand-in browser) open: it shows a code. */
    async function sliceShowingCode(n: number, port: number, env: Record<string, string>) {
      const started = await startSlice(home, n, port, env);
      const address = (await runtime.inspect(started.id))!.location!.address;
      await healthOf(address, port);
      const call = (path: string, method = 'GET') =>
        fetch(`http://${address}:${port}${path}`, { method, headers: { authorization: `Bearer ${started.spec.token}` }, signal: AbortSignal.timeout(5_000) });
      expect((await call(SLICE_PATHS.initialize, 'POST')).status).toBeLessThan(300);
      await expect.poll(async () => ((await (await call(SLICE_PATHS.status)).json()) as { qr: unknown }).qr, { timeout: HEALTH_WAIT_MS, interval: 200 }).not.toBeNull();
      return started;
    }

    it('stops a slice gracefully: SIGTERM, and the grace to close its browser before any SIGKILL; then removes it', async () => {
      // The stand-in browser takes 2.5 s to close (Chromium writing a profile): longer than an old 1 s grace, well within 10 s.
      const { id } = await sliceShowingCode(5, subject.ports[0], { [SLICE_ENV.simCloseMs]: '2500', [SLICE_ENV.shutdownMs]: '8000' });
      // 0: the slice got SIGTERM, closed its client and browser, and exited by itself (a SIGKILL would be 137).
      expect(await runtime.stopAndRemove(id, { graceMs: 10_000 })).toEqual({ exitCode: 0 });
      expect(await runtime.inspect(id)).toBeNull();
      expect(await runtime.listManaged(home)).toEqual([]);
      // Stopping what is gone is not an error.
      expect(await runtime.stopAndRemove(id, { graceMs: 10_000 })).toEqual({ exitCode: null });
    }, SLICE_TEST_MS);

    it('kills a slice that has not closed by the end of the grace (SIGKILL after it, not before), and removes it', async () => {
      const { id } = await sliceShowingCode(6, subject.ports[1], { [SLICE_ENV.simCloseMs]: '20000', [SLICE_ENV.shutdownMs]: '30000' });
      expect(await runtime.stopAndRemove(id, { graceMs: 2_000 })).toEqual({ exitCode: 137 });
      expect(await runtime.inspect(id)).toBeNull();
    }, SLICE_TEST_MS);

    it("sweeps what nothing needs: never a slice, nothing while a slice of the home exists, then the home's network; never another home's", async () => {
      const { id, spec } = await startSlice(home, 7, subject.ports[0]);
      await runtime.ensureNetwork(otherHome);
      // Not even a slice nobody keeps: slices are the reconciler's to judge.
      expect(await runtime.sweepOrphans(home, () => false)).toEqual({ leftoversRemoved: 0, networkRemoved: false });
      expect((await runtime.inspect(id))?.running).toBe(true);
      expect(await runtime.inspectNetwork(home)).not.toBeNull();
      expect(await runtime.sweepOrphans(home, (sliceId) => sliceId === spec.sliceId)).toEqual({ leftoversRemoved: 0, networkRemoved: false });
      // Removed, a slice takes what was made for it alone: only the home's network is left, and goes.
      await runtime.remove(id);
      expect(await runtime.sweepOrphans(home, () => false)).toEqual({ leftoversRemoved: 0, networkRemoved: true });
      expect(await runtime.inspectNetwork(home)).toBeNull();
      expect(await runtime.inspectNetwork(otherHome)).not.toBeNull();
      expect(await runtime.sweepOrphans(home, () => false)).toEqual({ leftoversRemoved: 0, networkRemoved: false });
    }, SLICE_TEST_MS);

    const volumeNames = async (h: string) => (await runtime.listVolumes(h)).map((v) => v.name);

    it('makes, lists and removes session volumes by home', async () => {
      const { id, spec } = await startSlice(home, 3, subject.ports[0]);
      const location = (await runtime.inspect(id))!.location!;
      // The slice's own volume exists where it runs, labelled with its home.
      expect(await volumeNames(home)).toContain(spec.volume);
      const spare = authVolumeName(home, 'acc_contractspare');
      volumes.push(spare);
      await runtime.ensureVolume(spare, { [LABELS.managed]: 'true', [LABELS.home]: home, [LABELS.accountId]: 'acc_contractspare' }, { node: location.node });
      await runtime.ensureVolume(spare, { [LABELS.managed]: 'true', [LABELS.home]: home, [LABELS.accountId]: 'acc_contractspare' }, { node: location.node });
      expect(await volumeNames(home)).toEqual(expect.arrayContaining([spec.volume, spare]));
      expect(await volumeNames(otherHome)).not.toContain(spare);
      await runtime.removeVolume(spare);
      expect(await volumeNames(home)).not.toContain(spare);
      await runtime.remove(id);
      await runtime.removeVolume(spec.volume);
      expect(await volumeNames(home)).not.toContain(spec.volume);
      await runtime.removeVolume(spec.volume);
    }, SLICE_TEST_MS);
  });
}
