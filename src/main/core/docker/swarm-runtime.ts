/**
 * SliceRuntime on a Docker Swarm (SLICEDECK_RUNTIME=swarm, DOCKER_HOST = a manager).
 * A slice is a service: one replica, restart condition none (the host decides about
 * restarts, as on one engine), the same labels on the service and on its task's
 * container, the same limits, environment and locked-down settings, its port published
 * in host mode on the node the task lands on. The handle the host keeps (what the
 * interface calls a container id) is the service id.
 *
 * What the manager cannot tell (a node's containers, stats and volumes) is asked of
 * the node's own engine when the node carries a `slicedeck.engine` label naming an
 * endpoint this host can reach (the private swarm of `npm run swarm:up` sets it);
 * otherwise those calls say that the node cannot be asked.
 *
 * Swarm on API 1.41 (Docker 20.10) has no per-service no-new-privileges or swap
 * setting: all capabilities are dropped and the image runs as an unprivileged user,
 * and the memory limit is the limit (Swarm sets no extra swap for it).
 *
 * The per-slice token is a Swarm secret (one per slice, labelled like the service),
 * mounted as a 0400 file of the slice user; only its path is in the environment.
 * The slices of one home sit on a swarm-scoped bridge network whose settings (inter-
 * container traffic off) come from a config-only network on each node: see ensureNetwork.
 */
import Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import { SLICE_ENV, SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { SLICE_HOME, SLICE_LOG_CONFIG, SLICE_TMPFS, containerCreateOptions } from './container-spec';
import { LEGACY_SLICE_USER, engineRemapsUsers, readSliceUser, type SliceUser } from './slice-user';
import { engineGetter, engineMessage, graceSeconds, isConnectionFailure, statusOf, translateEngineError, withinPingTimeout } from './dockerode-runtime';
import { LABELS, homeFilter, sliceNetworkConfigName, sliceNetworkName, tokenSecretName, volumeLabels } from './labels';
import { DEFAULT_STOP_GRACE_MS } from '../config';
import { NoSuitableNodeError, PortTakenError, StatsUnavailableError, type ContainerState, type ManagedContainer, type ManagedVolume, type RawContainerStats, type SliceNetwork, type SliceRuntime, type SliceSpec, type StopOutcome } from './runtime';

/** Node labels the runtime reads (set by an operator, or by `npm run swarm:up`). */
export const NODE_LABELS = {
  /** A Docker endpoint of the node's own engine that this host can reach (unix:// or tcp://). */
  engine: 'slicedeck.engine',
  /** The address the host uses to reach ports published on the node, when Status.Addr is not it. */
  address: 'slicedeck.address',
  /** A short name for the node, used in words. */
  name: 'slicedeck.node',
} as const;

/** How long `start` waits for the task to run (or to fail in words) before giving up. */
const START_WAIT_MS = 60_000;
/** How much longer than the grace a graceful stop waits for the node to report the container stopped. */
const STOP_WAIT_MARGIN_MS = 5_000;
/** How long `remove` waits for a task container that is already being removed on its node. */
const REMOVE_WAIT_MS = 15_000;
const POLL_MS = 100;
/** Swarm reserves this share of a slice's memory limit when it places it (an idle slice uses ~160–260 MiB of 1 GiB). */
const RESERVATION_SHARE = 4;

/** Where the token secret is mounted in the slice (Swarm mounts secrets under /run/secrets). */
export const SWARM_TOKEN_FILE = '/run/secrets/slicedeck-token';
/** listManaged's id for a token secret whose service is gone (what `remove` then removes). */
export const ORPHAN_SECRET_PREFIX = 'secret:';
/** Docker's option that turns inter-container traffic off on a bridge. */
const ICC_OPTION = 'com.docker.network.bridge.enable_icc';

/** The parts of a swarm task the runtime reads (dockerode's typings leave most out). */
interface Task {
  ID: string;
  NodeID?: string;
  DesiredState?: string;
  Version?: { Index?: number };
  Status?: { State?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}
interface NodeInfo {
  id: string;
  name: string;
  address: string;
  engine: string | null;
  ready: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Task states after which a task never runs again. */
const FINAL = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

function dockerOptionsFor(endpoint: string): Docker.DockerOptions {
  if (endpoint.startsWith('unix://')) return { socketPath: endpoint.slice('unix://'.length) };
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
}

/** An account with a proxy on a swarm (SLICEDECK_RUNTIME=swarm): not carried there yet. */
export const SWARM_PROXY_WORDS =
  'This account has a proxy, and slices on a swarm (SLICEDECK_RUNTIME=swarm) cannot use one yet. Remove the proxy from the account, or run slicedeck on one Docker engine.';

export class SwarmRuntime implements SliceRuntime {
  readonly kind = 'swarm' as const;
  private readonly engine: () => Docker;
  private readonly nodeEngines = new Map<string, Docker>();

  /**
   * `stopGraceMs`: the stop grace period written into every slice service. Swarm stops a task
   * with the grace its spec had when the task was made, so it is fixed at create.
   */
  constructor(
    options?: Docker.DockerOptions,
    private readonly settings: { stopGraceMs?: number } = {},
  ) {
    this.engine = engineGetter(options);
  }

  async ping(): Promise<void> {
    const engine = this.engine();
    let info: { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
    try {
      info = (await withinPingTimeout(engine.info())) as typeof info;
    } catch (error) {
      throw translateEngineError(error, 'answer');
    }
    if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable) {
      throw new SlicedeckError(
        'docker_unreachable',
        `SLICEDECK_RUNTIME=swarm, but the engine at DOCKER_HOST is not a swarm manager (its swarm state is "${info.Swarm?.LocalNodeState ?? 'unknown'}"). Point DOCKER_HOST at a manager of your swarm (\`npm run swarm:up\` prints one), or unset SLICEDECK_RUNTIME to use one engine.`,
      );
    }
  }

  /**
   * On the manager's engine. A reference with a registry host (`registry.example.com:5000/slicedeck-slice:1`)
   * counts as present even when the manager lacks it: each node pulls it when its task starts,
   * and a node that cannot pull fails its task with words ("Image not found on node X", see start).
   */
  sliceUser(image: string): Promise<SliceUser> {
    return readSliceUser(this.engine(), image);
  }

  remapsUsers(): Promise<boolean> {
    return engineRemapsUsers(this.engine());
  }

  async imagePresent(image: string): Promise<boolean> {
    try {
      await this.engine().getImage(image).inspect();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return hasRegistryHost(image);
      throw translateEngineError(error, `look up the image ${image}`);
    }
  }

  /**
   * The service spec: the container settings of one engine, translated to Swarm's terms,
   * on the home's slice network, with the token secret (its id) mounted as the token file.
   */
  serviceSpec(spec: SliceSpec, secretId: string, user: SliceUser = LEGACY_SLICE_USER): Docker.CreateServiceOptions {
    const container = containerCreateOptions(spec, user);
    const labels = container.Labels!;
    const sessionVolumeLabels = volumeLabels(spec.homeId, spec.accountId);
    return {
      Name: container.name,
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: spec.image,
          Env: swarmEnv(container.Env ?? []),
          Labels: labels,
          Secrets: [
            {
              SecretID: secretId,
              SecretName: tokenSecretName(spec.homeId, spec.sliceId),
              File: { Name: SWARM_TOKEN_FILE.slice('/run/secrets/'.length), UID: String(user.uid), GID: String(user.uid), Mode: 0o400 },
            },
          ],
          User: container.User,
          Init: container.HostConfig!.Init,
          CapabilityDrop: ['ALL'],
          // As on one engine: a read-only root, with tmpfs scratch space where the slice and Chromium write.
          ReadOnly: true,
          // Swarm stops a task (a restart, a scale to none, the service removed) with the grace of its own spec:
          // a slice that may hold a session gets the time to close its browser (see stopAndRemove).
          StopGracePeriod: (this.settings.stopGraceMs ?? DEFAULT_STOP_GRACE_MS) * 1_000_000,
          Mounts: [
            { Type: 'volume', Source: spec.volume, Target: '/data', VolumeOptions: { Labels: sessionVolumeLabels } },
            // One engine's ShmSize (services have no --shm-size). The slice's Chromium runs with
            // --disable-dev-shm-usage, so its shared memory is in the /tmp tmpfs below, which is what
            // it needs (without it the browser does not start: test/integration/swarm-real-wwebjs.ts).
            { Type: 'tmpfs', Target: '/dev/shm', TmpfsOptions: { SizeBytes: 256 * 1024 * 1024 } },
            ...swarmTmpfsMounts(),
          ],
        },
        Resources: {
          Limits: { MemoryBytes: spec.memoryBytes, Pids: spec.pidsLimit, NanoCPUs: Math.round(spec.cpus * 1e9) },
          Reservations: { MemoryBytes: Math.floor(spec.memoryBytes / RESERVATION_SHARE) },
        },
        RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
        // One slice must not fill its node's disk with its output (one engine's rotation).
        LogDriver: { Name: SLICE_LOG_CONFIG.Type, Options: { ...SLICE_LOG_CONFIG.Config } },
        // The home's network that create makes sure of (spec.network names the same one when the core builds the spec).
        Networks: [{ Target: sliceNetworkName(spec.homeId) }],
        Placement: spec.node ? { Constraints: [`node.id==${spec.node}`] } : {},
      },
      // Created with no replica: `start` asks for the one task, as `docker start` would.
      Mode: { Replicated: { Replicas: 0 } },
      EndpointSpec: {
        Ports: [{ Protocol: 'tcp', TargetPort: SLICE_INTERNAL_PORT, PublishedPort: spec.port, PublishMode: 'host' }],
      },
    } as unknown as Docker.CreateServiceOptions;
  }

  async create(spec: SliceSpec): Promise<string> {
    // Not carried on a swarm yet: refuse rather than let the account's traffic go direct.
    if (spec.proxy) throw new SlicedeckError('invalid_input', SWARM_PROXY_WORDS);
    try {
      await this.ensureNetwork(spec.homeId);
      const secretId = await this.createTokenSecret(spec);
      try {
        return await this.createService(spec, secretId).catch(async (error: unknown) => {
          // The network was removed since (the reconciler drops it when nothing of the home runs): once more.
          if (!/network .* not found/i.test(engineMessage(error))) throw error;
          await this.ensureNetwork(spec.homeId);
          return this.createService(spec, secretId);
        });
      } catch (error) {
        // A secret without its service is of no use: do not leave it behind (else the reconciler removes it later).
        await this.removeSecret(secretId).catch(() => undefined);
        throw error;
      }
    } catch (error) {
      // The engine's words never carry the per-slice token into a log or the UI.
      const words = translateEngineError(error, 'create the slice service');
      throw spec.token ? new SlicedeckError(words.code, words.message.split(spec.token).join('<token>')) : words;
    }
  }

  private async createService(spec: SliceSpec, secretId: string): Promise<string> {
    // The uid the image was built with, as the manager's copy of the image says.
    const user = await readSliceUser(this.engine(), spec.image);
    const service = (await this.engine().createService(this.serviceSpec(spec, secretId, user))) as unknown as { id?: string; ID?: string };
    return (service.id ?? service.ID)!;
  }

  /**
   * The slice's token as a Swarm secret, labelled like its service (so listManaged finds
   * it when its service is gone). One left by an earlier try of the same slice is replaced.
   */
  private async createTokenSecret(spec: SliceSpec): Promise<string> {
    const name = tokenSecretName(spec.homeId, spec.sliceId);
    const options = {
      Name: name,
      Labels: { [LABELS.managed]: 'true', [LABELS.home]: spec.homeId, [LABELS.sliceId]: spec.sliceId, [LABELS.accountId]: spec.accountId },
      // The newline tells the slice the file is complete (src/slice/config.ts waits for it).
      Data: Buffer.from(`${spec.token}\n`, 'utf8').toString('base64'),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        const secret = (await this.engine().createSecret(options)) as unknown as { id?: string; ID?: string };
        return (secret.id ?? secret.ID)!;
      } catch (error) {
        if (statusOf(error) !== 409 || attempt > 0) throw translateEngineError(error, `create the token secret ${name}`);
        await this.removeSecret(name);
      }
    }
  }

  /** A secret still named by a service being removed is retried briefly; one already gone is not an error. */
  private async removeSecret(idOrName: string): Promise<void> {
    const busy = await removeWhenFree(() => this.engine().getSecret(idOrName).remove(), isInUse).catch((error: unknown) => error);
    if (busy) throw translateEngineError(busy, "remove the slice's token secret");
  }

  private async setReplicas(serviceId: string, replicas: number, force = false, node?: string): Promise<void> {
    const service = this.engine().getService(serviceId);
    // A concurrent update bumps the version: read, write, retry a few times.
    for (let attempt = 0; ; attempt++) {
      const info = (await service.inspect()) as {
        Version: { Index: number };
        Spec: Docker.ServiceSpec & { TaskTemplate: { ForceUpdate?: number } };
      };
      const spec = { ...info.Spec, Mode: { Replicated: { Replicas: replicas } } };
      if (force) spec.TaskTemplate = { ...spec.TaskTemplate, ForceUpdate: (spec.TaskTemplate.ForceUpdate ?? 0) + 1 };
      if (node) spec.TaskTemplate = { ...spec.TaskTemplate, Placement: { ...spec.TaskTemplate.Placement, Constraints: [`node.id==${node}`] } };
      try {
        await service.update({ version: info.Version.Index, ...spec } as never);
        return;
      } catch (error) {
        if (attempt < 3 && /update out of sequence/i.test(engineMessage(error))) continue;
        throw error;
      }
    }
  }

  /** Asks for the task and waits until it runs, or says in words why it cannot. */
  async start(serviceId: string): Promise<void> {
    try {
      await this.setReplicas(serviceId, 1);
    } catch (error) {
      if (statusOf(error) === 404) throw new SlicedeckError('slice_failed', 'The slice service is gone (it was removed while starting). Click Connect again.');
      throw translateEngineError(error, 'start the slice service');
    }
    await this.waitRunning(serviceId);
  }

  /**
   * A new task for the service. With `node` the new task is pinned there: a slice created
   * unpinned (its account not linked yet) whose account linked since has its session on
   * that node's volume, and Swarm's spread would otherwise put the new task anywhere.
   */
  async restart(serviceId: string, opts: { node?: string; graceMs?: number } = {}): Promise<void> {
    let before: Set<string>;
    try {
      // The tasks before the restart: the one that ended (e.g. on a node drained since) is not the answer.
      before = new Set(((await this.engine().listTasks({ filters: { service: [serviceId] } })) as unknown as Task[]).map((task) => task.ID));
      // The old task is stopped with the grace of its own spec (the runtime's stopGraceMs): Swarm takes no per-restart grace.
      await this.setReplicas(serviceId, 1, true, opts.node);
    } catch (error) {
      throw translateEngineError(error, 'restart the slice service');
    }
    await this.waitRunning(serviceId, before);
  }

  /** Until the service's current task (one not in `ignore`) runs, or fails in words. */
  private async waitRunning(serviceId: string, ignore: ReadonlySet<string> = new Set()): Promise<void> {
    const deadline = Date.now() + START_WAIT_MS;
    let last: Task | null = null;
    while (Date.now() < deadline) {
      try {
        last = await this.currentTask(serviceId, ignore);
      } catch (error) {
        // Removed meanwhile (a Destroy, or the reconciler found it orphaned): words, not the engine's 404.
        if (statusOf(error) === 404) throw new SlicedeckError('slice_failed', 'The slice service is gone (it was removed while starting). Click Connect again.');
        throw translateEngineError(error, 'follow the slice task');
      }
      const state = last?.Status?.State;
      if (state === 'running') return;
      const err = last?.Status?.Err;
      if (last && (FINAL.has(state ?? '') || (state === 'pending' && err))) throw await this.taskError(serviceId, last);
      await sleep(POLL_MS);
    }
    throw new SlicedeckError('timeout', `The swarm did not run the slice within ${START_WAIT_MS / 1000} s (its task is ${last?.Status?.State ?? 'not created'}). Check the swarm's nodes (docker node ls) and try again.`);
  }

  /** The words for a task that cannot run; the service id's own words when the engine gave none. */
  private async taskError(serviceId: string, task: Task): Promise<Error> {
    const err = task.Status?.Err ?? '';
    const node = task.NodeID ? await this.nodeInfo(task.NodeID).catch(() => null) : null;
    const where = node ? `node ${node.name} (${node.address})` : 'its node';
    const hostPort = /host-mode port already in use/i.test(err);
    if (hostPort) {
      const service = (await this.engine().getService(serviceId).inspect().catch(() => null)) as { Spec?: { EndpointSpec?: { Ports?: { PublishedPort?: number }[] } } } | null;
      const port = service?.Spec?.EndpointSpec?.Ports?.[0]?.PublishedPort ?? NaN;
      return new PortTakenError(port, new Error(err));
    }
    if (/insufficient resources/i.test(err)) {
      return new SlicedeckError('slice_failed', `No swarm node has room for the slice: insufficient memory (${err}). Free memory on a node, add a node, or lower SLICEDECK_SLICE_MEMORY_MB.`);
    }
    if (/no suitable node/i.test(err)) {
      return new NoSuitableNodeError(`No suitable node: the swarm has no node the slice may run on (${err}). If the account is pinned to a node that is down or drained, wait for it, or Log out and link again elsewhere.`);
    }
    if (/configuration network .* does not exist/i.test(err)) {
      return new SlicedeckError('slice_failed', `Node ${node?.name ?? 'of the task'} has no slicedeck network settings (${err}): slicedeck makes them on every node it can ask. Label the node with ${NODE_LABELS.engine}=<a Docker endpoint this host reaches> (docker node update --label-add …), or drain it, then click Connect again.`);
    }
    if (/no such image|not found|pull access denied|manifest unknown/i.test(err)) {
      return new SlicedeckError('image_missing', `Image not found on ${where}: ${err}. Load the slice image into every node (\`npm run swarm:up\` does it for the private swarm; otherwise push it to a registry every node can pull from).`);
    }
    const exit = task.Status?.ContainerStatus?.ExitCode;
    return new SlicedeckError('slice_failed', `The slice's task on ${where} ended (${task.Status?.State}${typeof exit === 'number' ? `, exit code ${exit}` : ''}): ${err || 'no reason given'}.`);
  }

  /**
   * The service's current task: the newest of those the swarm still wants running (an old
   * task being shut down can carry a newer version than its replacement), else the newest.
   */
  private async currentTask(serviceId: string, ignore: ReadonlySet<string> = new Set()): Promise<Task | null> {
    const tasks = ((await this.engine().listTasks({ filters: { service: [serviceId] } })) as unknown as Task[]).filter((task) => !ignore.has(task.ID));
    if (tasks.length === 0) return null;
    const wanted = tasks.filter((task) => task.DesiredState === 'running');
    return (wanted.length > 0 ? wanted : tasks).reduce((a, b) => ((a.Version?.Index ?? 0) >= (b.Version?.Index ?? 0) ? a : b));
  }

  /**
   * Forced removal, as on one engine: the service, then the slice's containers on the
   * nodes that can be asked, so that when this resolves the slice no longer runs, its
   * port on the node is free and its volume can be removed (removing the service alone
   * leaves each container to its node, stopped within its grace period, later); last its
   * token secret (Docker refuses to remove a secret a service names).
   */
  async remove(serviceId: string): Promise<void> {
    if (serviceId.startsWith(ORPHAN_SECRET_PREFIX)) return this.removeSecret(serviceId.slice(ORPHAN_SECRET_PREFIX.length));
    let labels: Record<string, string> = {};
    let secrets: string[] = [];
    try {
      const service = this.engine().getService(serviceId);
      const info = (await service.inspect()) as { Spec?: { Labels?: Record<string, string>; TaskTemplate?: { ContainerSpec?: { Secrets?: { SecretID?: string }[] } } } };
      labels = info.Spec?.Labels ?? {};
      secrets = (info.Spec?.TaskTemplate?.ContainerSpec?.Secrets ?? []).map((s) => s.SecretID ?? '').filter(Boolean);
      await service.remove();
    } catch (error) {
      if (statusOf(error) === 404 && !labels[LABELS.sliceId]) return;
      if (statusOf(error) !== 404) throw translateEngineError(error, 'remove the slice service');
    }
    const sliceId = labels[LABELS.sliceId];
    const home = labels[LABELS.home];
    if (sliceId && home) await this.removeSliceContainers(home, sliceId);
    for (const secret of secrets) await this.removeSecret(secret);
  }

  /**
   * Graceful stop, as `docker stop` on one engine. Where the task's node can be asked, its
   * engine stops the container itself (SIGTERM, `graceMs`, then SIGKILL; restart condition
   * `none`: the swarm starts no other task). Elsewhere the service is scaled to no replica and
   * the node stops the task with its spec's grace (the runtime's stopGraceMs). Once the
   * container has stopped (waited for, bounded by the grace and a margin), the service is
   * removed as by `remove`.
   */
  async stopAndRemove(serviceId: string, opts: { graceMs: number }): Promise<StopOutcome> {
    if (serviceId.startsWith(ORPHAN_SECRET_PREFIX)) {
      await this.remove(serviceId);
      return { exitCode: null };
    }
    let exitCode: number | null = null;
    try {
      const task = await this.currentTask(serviceId);
      const containerId = task?.Status?.ContainerStatus?.ContainerID;
      if (task?.Status?.State === 'running' && containerId) {
        const node = task.NodeID ? await this.nodeInfo(task.NodeID).catch(() => null) : null;
        const stopped = node?.engine ? await this.stopOnNode(node, containerId, opts.graceMs) : false;
        if (!stopped) await this.setReplicas(serviceId, 0);
        const specGraceMs = this.settings.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
        exitCode = await this.waitContainerStopped(node, serviceId, task.ID, containerId, (stopped ? 0 : specGraceMs) + STOP_WAIT_MARGIN_MS);
      }
    } catch (error) {
      if (statusOf(error) !== 404) throw translateEngineError(error, 'stop the slice service');
      return { exitCode: null };
    }
    await this.remove(serviceId);
    return { exitCode };
  }

  /** `docker stop` on the task's node; false when that engine could not do it (the swarm's way is used then). */
  private async stopOnNode(node: NodeInfo, containerId: string, graceMs: number): Promise<boolean> {
    try {
      await this.nodeEngine(node, 'stop the slice container').getContainer(containerId).stop({ t: graceSeconds(graceMs) });
      return true;
    } catch (error) {
      // 304: it is not running any more; 404: gone already.
      return statusOf(error) === 304 || statusOf(error) === 404;
    }
  }

  /**
   * Until the task's container has stopped (bounded): asked of its node's engine when the
   * node can be asked (which keeps the exit code), else until the swarm says the task ended.
   * Its exit code, or null when nobody says.
   */
  private async waitContainerStopped(node: NodeInfo | null, serviceId: string, taskId: string, containerId: string, waitMs: number): Promise<number | null> {
    const deadline = Date.now() + waitMs;
    const engine = node?.engine ? this.nodeEngine(node, 'stop the slice container') : null;
    while (Date.now() < deadline) {
      // undefined: the node did not answer this time; null: the container is gone (the swarm removed it with its task).
      const info = engine ? await engine.getContainer(containerId).inspect().catch((error: unknown) => (statusOf(error) === 404 ? null : undefined)) : null;
      if (info && !info.State.Running) return typeof info.State.ExitCode === 'number' ? info.State.ExitCode : null;
      if (!info) {
        const tasks = (await this.engine().listTasks({ filters: { service: [serviceId] } })) as unknown as Task[];
        const task = tasks.find((t) => t.ID === taskId);
        if (!task) return null;
        if (FINAL.has(task.Status?.State ?? '')) return task.Status?.ContainerStatus?.ExitCode ?? null;
      }
      await sleep(POLL_MS);
    }
    return null;
  }

  /**
   * The slice's containers (by its labels, stopped ones too) removed on every node that can
   * be asked. A node that was still preparing the task when the service went may make its
   * container after a first look: look again until a look finds none (bounded).
   */
  private async removeSliceContainers(homeId: string, sliceId: string): Promise<void> {
    const engines = (await this.nodes().catch(() => [])).filter((node) => node.engine).map((node) => this.nodeEngine(node, 'remove the slice container'));
    const label = [`${LABELS.home}=${homeId}`, `${LABELS.sliceId}=${sliceId}`];
    const deadline = Date.now() + REMOVE_WAIT_MS;
    while (Date.now() < deadline) {
      const found = await Promise.all(
        engines.map(async (engine) => ((await engine.listContainers({ all: true, filters: { label } }).catch(() => [])) as { Id: string }[]).map((c) => ({ engine, id: c.Id }))),
      );
      if (found.flat().length === 0) return;
      await Promise.all(found.flat().map(({ engine, id }) => forceRemoveContainer(engine, id)));
    }
  }

  async inspect(serviceId: string): Promise<ContainerState | null> {
    try {
      await this.engine().getService(serviceId).inspect();
      const task = await this.currentTask(serviceId);
      if (!task) return { id: serviceId, running: false, status: 'created', exitCode: null, oomKilled: false, startedAt: null, location: null, problem: null };
      const state = task.Status?.State ?? 'unknown';
      const exit = task.Status?.ContainerStatus?.ExitCode;
      const node = task.NodeID ? await this.nodeInfo(task.NodeID).catch(() => null) : null;
      const err = task.Status?.Err ?? '';
      const bad = FINAL.has(state) && state !== 'complete' ? err : state === 'pending' && err ? err : '';
      return {
        id: serviceId,
        running: state === 'running',
        status: state,
        exitCode: typeof exit === 'number' && FINAL.has(state) ? exit : null,
        oomKilled: exit === 137 && (await this.oomKilled(node, task)),
        startedAt: state === 'running' && task.Status?.Timestamp ? Date.parse(task.Status.Timestamp) : null,
        location: node ? { node: node.id, address: node.address, name: node.name } : null,
        problem: bad ? (await this.taskError(serviceId, task)).message : null,
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw translateEngineError(error, 'inspect the slice service');
    }
  }

  /**
   * Whether a task that exited 137 was killed for memory: its node's engine knows (a
   * `docker kill` exits 137 too). Swarm itself does not report it, so where the node
   * cannot be asked, 137 (the kernel's kill) is taken as the best sign there is.
   */
  private async oomKilled(node: NodeInfo | null, task: Task): Promise<boolean> {
    const containerId = task.Status?.ContainerStatus?.ContainerID;
    if (!node?.engine || !containerId) return true;
    try {
      const info = await this.nodeEngine(node, 'inspect the slice container').getContainer(containerId).inspect();
      return info.State.OOMKilled === true;
    } catch {
      return true;
    }
  }

  /** One node: its address for published ports and, when labelled, its own engine. */
  async nodeInfo(nodeId: string): Promise<NodeInfo> {
    const node = (await this.engine().getNode(nodeId).inspect()) as {
      ID: string;
      Description?: { Hostname?: string };
      Spec?: { Labels?: Record<string, string> };
      Status?: { Addr?: string; State?: string };
      ManagerStatus?: { Addr?: string };
    };
    const labels = node.Spec?.Labels ?? {};
    let address = labels[NODE_LABELS.address] || node.Status?.Addr || '';
    // A manager may report 0.0.0.0; its raft address carries the real one.
    if (!address || address === '0.0.0.0') address = node.ManagerStatus?.Addr?.split(':')[0] ?? '127.0.0.1';
    return {
      id: node.ID,
      name: labels[NODE_LABELS.name] || node.Description?.Hostname || node.ID.slice(0, 12),
      address,
      engine: labels[NODE_LABELS.engine] || null,
      ready: node.Status?.State === 'ready',
    };
  }

  /** Every node of the swarm (for volumes and the image check). */
  async nodes(): Promise<NodeInfo[]> {
    try {
      const list = (await this.engine().listNodes()) as { ID: string }[];
      return Promise.all(list.map((n) => this.nodeInfo(n.ID)));
    } catch (error) {
      throw translateEngineError(error, 'list the swarm nodes');
    }
  }

  private nodeEngine(node: NodeInfo, doing: string): Docker {
    if (!node.engine) {
      throw new SlicedeckError('slice_failed', `Cannot ${doing}: node ${node.name} (${node.address}) cannot be asked from this host. Label it with ${NODE_LABELS.engine}=<a Docker endpoint this host reaches> (docker node update --label-add …) to allow it.`);
    }
    let engine = this.nodeEngines.get(node.engine);
    if (!engine) {
      engine = new Docker(dockerOptionsFor(node.engine));
      this.nodeEngines.set(node.engine, engine);
    }
    return engine;
  }

  async stats(serviceId: string, opts: { timeoutMs: number }): Promise<RawContainerStats | null> {
    let task: Task | null;
    try {
      task = await this.currentTask(serviceId);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw translateEngineError(error, 'find the slice task');
    }
    const containerId = task?.Status?.ContainerStatus?.ContainerID;
    if (!task || !containerId || !task.NodeID) return null;
    const node = await this.nodeInfo(task.NodeID);
    if (!node.engine) {
      throw new StatsUnavailableError(
        `No figures: node ${node.name} (${node.address}), where this slice runs, cannot be asked from this host. Label the node with ${NODE_LABELS.engine}=<a Docker endpoint of its engine that this host reaches> (docker node update --label-add …) to see them.`,
      );
    }
    const engine = this.nodeEngine(node, "read the slice's stats");
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
    try {
      const answer: unknown = await engine.getContainer(containerId).stats({ stream: false as const, abortSignal: controller.signal } as never);
      return answer as RawContainerStats;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      if (controller.signal.aborted) throw new SlicedeckError('timeout', `Node ${node.name} took longer than ${opts.timeoutMs} ms to report the slice's stats.`);
      // No answer at all: the node's engine is out of this host's reach (the manager answered, so Docker itself is fine).
      if (isConnectionFailure(error)) {
        throw new StatsUnavailableError(
          `No figures: the engine of node ${node.name} (${node.address}), where this slice runs, did not answer at ${node.engine} (${engineMessage(error)}). Check that this host can reach it, or correct the node's ${NODE_LABELS.engine} label.`,
          error,
        );
      }
      throw translateEngineError(error, `read the slice's stats on node ${node.name}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * This home's slice services, and its token secrets whose service is gone (a host that
   * died between making the secret and the service): those are listed as not running,
   * with an id that `remove` understands, so the reconciler removes them as orphans.
   */
  async listManaged(homeId: string): Promise<ManagedContainer[]> {
    try {
      // Secrets first: one made after this listing is not judged; one whose service is made meanwhile is seen with it.
      const secrets = (await this.engine().listSecrets({ filters: { label: homeFilter(homeId) } })) as { ID: string; Spec?: { Name?: string; Labels?: Record<string, string> } }[];
      const services = (await this.engine().listServices({ filters: { label: homeFilter(homeId) } })) as {
        ID: string;
        Spec?: { Name?: string; Labels?: Record<string, string> };
        Endpoint?: { Ports?: { TargetPort?: number; PublishedPort?: number }[] };
      }[];
      const listed = await Promise.all(
        services.map(async (s): Promise<ManagedContainer> => {
          const task = await this.currentTask(s.ID);
          const state = task?.Status?.State ?? 'created';
          const port = s.Endpoint?.Ports?.find((p) => p.TargetPort === SLICE_INTERNAL_PORT)?.PublishedPort ?? null;
          return {
            id: s.ID,
            name: s.Spec?.Name ?? '',
            sliceId: s.Spec?.Labels?.[LABELS.sliceId] ?? null,
            accountId: s.Spec?.Labels?.[LABELS.accountId] ?? null,
            running: state === 'running',
            state,
            hostPort: port,
          };
        }),
      );
      const withService = new Set(listed.map((s) => s.sliceId));
      for (const secret of secrets) {
        const sliceId = secret.Spec?.Labels?.[LABELS.sliceId] ?? null;
        if (sliceId && withService.has(sliceId)) continue;
        listed.push({
          id: `${ORPHAN_SECRET_PREFIX}${secret.ID}`,
          name: secret.Spec?.Name ?? '',
          sliceId,
          accountId: secret.Spec?.Labels?.[LABELS.accountId] ?? null,
          running: false,
          state: 'token secret without its service',
          hostPort: null,
        });
      }
      return listed;
    } catch (error) {
      throw translateEngineError(error, 'list the slice services');
    }
  }

  async ensureVolume(name: string, labels: Record<string, string>, opts?: { node?: string }): Promise<void> {
    // Without a node, Swarm creates the volume (with these labels, see serviceSpec) where the task lands.
    if (!opts?.node) return;
    const node = await this.nodeInfo(opts.node).catch((error) => {
      throw translateEngineError(error, `find swarm node ${opts.node}`);
    });
    const engine = this.nodeEngine(node, `create the session volume ${name}`);
    try {
      await engine.getVolume(name).inspect();
      return;
    } catch (error) {
      if (statusOf(error) !== 404) throw translateEngineError(error, `look up the session volume ${name} on node ${node.name}`);
    }
    try {
      await engine.createVolume({ Name: name, Labels: labels });
    } catch (error) {
      throw translateEngineError(error, `create the session volume ${name} on node ${node.name}`);
    }
  }

  /** On every node that can be asked; a volume still held by a container being removed is retried briefly. */
  /** A slice's volume is on whichever node runs it, not on this machine's filesystem. */
  async localVolumePath(): Promise<string | null> {
    return null;
  }

  async removeVolume(name: string): Promise<void> {
    for (const node of await this.nodes()) {
      if (!node.engine) continue;
      const engine = this.nodeEngine(node, `remove the session volume ${name}`);
      const busy = await removeWhenFree(() => engine.getVolume(name).remove(), (error) => statusOf(error) === 409).catch((error: unknown) => error);
      if (busy) throw translateEngineError(busy, `remove the session volume ${name} on node ${node.name}`);
    }
  }

  /** The session volumes of this home on every node that can be asked. */
  async listVolumes(homeId: string): Promise<ManagedVolume[]> {
    const volumes = new Map<string, ManagedVolume>();
    for (const node of await this.nodes()) {
      if (!node.engine) continue;
      try {
        const answer = await this.nodeEngine(node, 'list the session volumes').listVolumes({ filters: { label: homeFilter(homeId) } });
        for (const v of answer.Volumes ?? []) volumes.set(v.Name, { name: v.Name, accountId: v.Labels?.[LABELS.accountId] ?? null });
      } catch (error) {
        throw translateEngineError(error, `list the session volumes on node ${node.name}`);
      }
    }
    return [...volumes.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The home's slice network: a swarm-scoped bridge (`--scope swarm --config-from`) whose
   * settings come from a config-only network of the same home on each node, with
   * inter-container traffic off. Each node makes its own local bridge from it when a
   * task lands there (a subnet from that node's address pools), so slices of one home
   * cannot reach each other, nor other homes' slices or other containers, and reach the
   * outside through the node as on one engine; ports are published on the node. An
   * overlay would join a home's slices across nodes with no way to turn that traffic
   * off, and publish through docker_gwbridge, an address the slice does not listen on.
   *
   * The config-only network is made on every ready node this host can ask (see
   * NODE_LABELS.engine) on each call, so a node that joined since gets it; a task that
   * lands on a node without it is rejected by Swarm ("configuration network … does not exist").
   * Swarm takes no labels on a network made from a config: the name carries the home,
   * the config-only networks carry the labels.
   */
  async ensureNetwork(homeId: string): Promise<SliceNetwork> {
    const config = sliceNetworkConfigName(homeId);
    const labels = { [LABELS.managed]: 'true', [LABELS.home]: homeId };
    await Promise.all(
      (await this.askableNodes()).map(async (node) => {
        const engine = this.nodeEngine(node, `make the slice network ${config}`);
        try {
          await engine.getNetwork(config).inspect();
          return;
        } catch (error) {
          if (statusOf(error) !== 404) throw translateEngineError(error, `look up the slice network ${config} on node ${node.name}`);
        }
        try {
          await engine.createNetwork({ Name: config, ConfigOnly: true, CheckDuplicate: true, Labels: labels, Options: { [ICC_OPTION]: 'false' } } as Docker.NetworkCreateOptions);
        } catch (error) {
          // 409: a concurrent ensureNetwork made it first.
          if (statusOf(error) !== 409) throw translateEngineError(error, `make the slice network ${config} on node ${node.name}`);
        }
      }),
    );
    const name = sliceNetworkName(homeId);
    try {
      // No CheckDuplicate: the manager would count its own local copy of a network just removed (it lingers for
      // seconds) and refuse; the swarm itself keeps names unique (409 when the home's network exists).
      const made = (await this.engine().createNetwork({ Name: name, Driver: 'bridge', Scope: 'swarm', ConfigFrom: { Network: config } } as Docker.NetworkCreateOptions)) as { id?: string };
      return { name, id: made.id ?? name, gateway: null, subnet: null };
    } catch (error) {
      if (statusOf(error) !== 409) throw translateEngineError(error, `make the slice network ${name}`);
    }
    const existing = await this.swarmNetwork(homeId);
    if (!existing) throw new SlicedeckError('slice_failed', `The swarm says the slice network ${name} exists but cannot find it. Try again.`);
    return existing;
  }

  /** The home's swarm network as the manager shows it (null when it does not exist); its subnet and gateway differ per node. */
  private async swarmNetwork(homeId: string): Promise<SliceNetwork | null> {
    const name = sliceNetworkName(homeId);
    try {
      // dockerode passes the options on as the query (its typings know no options here).
      const network = this.engine().getNetwork(name) as unknown as { inspect(opts: { scope: string }): Promise<{ Id: string; Name: string }> };
      const info = await network.inspect({ scope: 'swarm' });
      return { name: info.Name, id: info.Id, gateway: null, subnet: null };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw translateEngineError(error, `look up the slice network ${name}`);
    }
  }

  /**
   * The home's swarm network; or, when it is gone but a node still holds the home's
   * config-only network (a removal cut short), that one, so the reconciler finishes the removal.
   */
  async inspectNetwork(homeId: string): Promise<SliceNetwork | null> {
    const network = await this.swarmNetwork(homeId);
    if (network) return network;
    const config = sliceNetworkConfigName(homeId);
    for (const node of await this.askableNodes()) {
      try {
        const info = (await this.nodeEngine(node, `look up the slice network ${config}`).getNetwork(config).inspect()) as { Id: string; Name: string };
        return { name: info.Name, id: info.Id, gateway: null, subnet: null };
      } catch (error) {
        if (statusOf(error) !== 404) throw translateEngineError(error, `look up the slice network ${config} on node ${node.name}`);
      }
    }
    return null;
  }

  /**
   * The swarm network when no service uses it, then the config-only network on each
   * node (a node keeps its local copy of the swarm network for a moment after its last
   * task: "in use" is retried briefly). False when something of the home still uses it.
   */
  async removeNetworkIfUnused(homeId: string): Promise<boolean> {
    const name = sliceNetworkName(homeId);
    try {
      await this.engine().getNetwork(name).remove();
    } catch (error) {
      if (statusOf(error) !== 404) {
        if (/in use/i.test(engineMessage(error))) return false;
        throw translateEngineError(error, `remove the slice network ${name}`);
      }
    }
    const config = sliceNetworkConfigName(homeId);
    const gone = await Promise.all(
      (await this.askableNodes()).map(async (node) => {
        const engine = this.nodeEngine(node, `remove the slice network ${config}`);
        try {
          // Still in use after a while: the swarm network was made again meanwhile (a Connect); it stays.
          return (await removeWhenFree(() => engine.getNetwork(config).remove(), isInUse)) === null;
        } catch (error) {
          throw translateEngineError(error, `remove the slice network ${config} on node ${node.name}`);
        }
      }),
    );
    return gone.every(Boolean);
  }

  /** The ready nodes whose own engine this host can ask. */
  private async askableNodes(): Promise<NodeInfo[]> {
    return (await this.nodes()).filter((node) => node.ready && node.engine);
  }
}

/** How often, and how far apart, removeWhenFree tries again while the thing is still in use. */
const BUSY_RETRIES = 50;
const BUSY_RETRY_MS = 200;

const isInUse = (error: unknown) => /in use/i.test(engineMessage(error));

/**
 * Removes something the engine may still hold for a moment (a secret named by a service
 * being removed, a volume or network of a task container going away): done when removed
 * or already gone (404); while `busy(error)`, tried again, bounded. Resolves with null
 * when done, or with the last "busy" error when it still was at the end; other errors throw.
 */
async function removeWhenFree(remove: () => Promise<unknown>, busy: (error: unknown) => boolean): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      await remove();
      return null;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      if (!busy(error)) throw error;
      if (attempt >= BUSY_RETRIES) return error;
      await sleep(BUSY_RETRY_MS);
    }
  }
}

/** Removes a container now (SIGKILL, as one engine's forced removal); waits, bounded, for one already being removed. */
async function forceRemoveContainer(engine: Docker, containerId: string): Promise<void> {
  const deadline = Date.now() + REMOVE_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      await engine.getContainer(containerId).remove({ force: true });
      return;
    } catch (error) {
      if (statusOf(error) === 404) return;
      // 409: its node is removing it already (the task was shut down with the service); anything else: the swarm removes it in time.
      if (statusOf(error) !== 409) return;
    }
    await sleep(POLL_MS);
  }
}

/**
 * Whether an image reference names a registry host, by Docker's own rule: the part before
 * the first `/` is a host when it has a `.` or a `:`, or is `localhost` (`slicedeck-slice:1`
 * and `library/x` have none: Docker Hub, which Swarm nodes here cannot reach).
 */
export function hasRegistryHost(image: string): boolean {
  const slash = image.indexOf('/');
  if (slash < 0) return false;
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/**
 * One engine's tmpfs scratch mounts (SLICE_TMPFS) as service mounts, less the slice
 * user's HOME. A service's tmpfs takes only a size and a mode on API 1.41 (no uid/gid),
 * and over a directory the image has (/home/slice) it takes that directory's mode with
 * root as owner, so the slice user could not write there: on a swarm HOME is /tmp
 * (SWARM_SLICE_HOME), sticky and world-writable like any /tmp, where only the slice user runs.
 */
export function swarmTmpfsMounts(): { Type: 'tmpfs'; Target: string; TmpfsOptions: { SizeBytes: number; Mode: number } }[] {
  return Object.entries(SLICE_TMPFS)
    .filter(([target]) => target !== SLICE_HOME)
    .map(([target, options]) => {
      const size = /(?:^|,)size=(\d+)m(?:,|$)/.exec(options);
      if (!size) throw new Error(`SLICE_TMPFS ${target} has no size in MiB: ${options}`);
      return { Type: 'tmpfs', Target: target, TmpfsOptions: { SizeBytes: Number(size[1]) * 1024 * 1024, Mode: 0o1777 } };
    });
}

/** The slice user's HOME on a swarm (see swarmTmpfsMounts): Chromium keeps its caches there. */
export const SWARM_SLICE_HOME = '/tmp';

/**
 * The environment of a service's slice: the token file is the mounted secret; no
 * token (SLICE_TOKEN) is ever in it, so `docker service inspect` does not show it.
 */
function swarmEnv(env: string[]): string[] {
  const ours = [`${SLICE_ENV.tokenFile}=`, `${SLICE_ENV.token}=`, 'HOME='];
  return [...env.filter((entry) => !ours.some((name) => entry.startsWith(name))), `${SLICE_ENV.tokenFile}=${SWARM_TOKEN_FILE}`, `HOME=${SWARM_SLICE_HOME}`];
}
