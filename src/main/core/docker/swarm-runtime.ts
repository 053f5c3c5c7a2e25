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
 */
import Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import { SLICE_ENV, SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { containerCreateOptions } from './container-spec';
import { engineGetter, engineMessage, isConnectionFailure, statusOf, translateEngineError, withinPingTimeout } from './dockerode-runtime';
import { LABELS, homeFilter } from './labels';
import { PortTakenError, StatsUnavailableError, type ContainerState, type ManagedContainer, type ManagedVolume, type RawContainerStats, type SliceLocation, type SliceNetwork, type SliceRuntime, type SliceSpec } from './runtime';

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
/** How long `remove` waits for a task container that is already being removed on its node. */
const REMOVE_WAIT_MS = 15_000;
const POLL_MS = 100;
/** Swarm reserves this share of a slice's memory limit when it places it (an idle slice uses ~160–260 MiB of 1 GiB). */
const RESERVATION_SHARE = 4;

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

export class SwarmRuntime implements SliceRuntime {
  readonly kind = 'swarm' as const;
  private readonly engine: () => Docker;
  private readonly nodeEngines = new Map<string, Docker>();

  constructor(options?: Docker.DockerOptions) {
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
  async imagePresent(image: string): Promise<boolean> {
    try {
      await this.engine().getImage(image).inspect();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return hasRegistryHost(image);
      throw translateEngineError(error, `look up the image ${image}`);
    }
  }

  /** The service spec: the container settings of one engine, translated to Swarm's terms. */
  serviceSpec(spec: SliceSpec): Docker.CreateServiceOptions {
    const container = containerCreateOptions(spec);
    const labels = container.Labels!;
    const volumeLabels = { [LABELS.managed]: 'true', [LABELS.home]: spec.homeId, [LABELS.accountId]: spec.accountId };
    return {
      Name: container.name,
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: spec.image,
          Env: swarmEnv(container.Env ?? [], spec.token),
          Labels: labels,
          Init: true,
          CapabilityDrop: ['ALL'],
          // As one engine's restart (1 s) and forced removal: a slice on a node this host cannot ask stops soon after its service goes.
          StopGracePeriod: 1_000_000_000,
          Mounts: [
            { Type: 'volume', Source: spec.volume, Target: '/data', VolumeOptions: { Labels: volumeLabels } },
            // Chromium needs more than Docker's 64 MB default /dev/shm; services have no --shm-size.
            { Type: 'tmpfs', Target: '/dev/shm', TmpfsOptions: { SizeBytes: 256 * 1024 * 1024 } },
          ],
        },
        Resources: {
          Limits: { MemoryBytes: spec.memoryBytes, Pids: spec.pidsLimit },
          Reservations: { MemoryBytes: Math.floor(spec.memoryBytes / RESERVATION_SHARE) },
        },
        RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
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
    const token = spec.token;
    try {
      const service = (await this.engine().createService(this.serviceSpec(spec))) as unknown as { id?: string; ID?: string };
      return (service.id ?? service.ID)!;
    } catch (error) {
      // The engine's words never carry the per-slice token into a log or the UI.
      const words = translateEngineError(error, 'create the slice service');
      throw token ? new SlicedeckError(words.code, words.message.split(token).join('<token>')) : words;
    }
  }

  private async setReplicas(serviceId: string, replicas: number, force = false, node?: string): Promise<void> {
    const service = this.engine().getService(serviceId);
    // A concurrent update bumps the version: read, write, retry a few times.
    for (let attempt = 0; ; attempt++) {
      const info = (await service.inspect()) as { Version: { Index: number }; Spec: Docker.ServiceSpec & { TaskTemplate: { ForceUpdate?: number } } };
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
  async restart(serviceId: string, opts: { node?: string } = {}): Promise<void> {
    let before: Set<string>;
    try {
      // The tasks before the restart: the one that ended (e.g. on a node drained since) is not the answer.
      before = new Set(((await this.engine().listTasks({ filters: { service: [serviceId] } })) as unknown as Task[]).map((task) => task.ID));
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
      return new SlicedeckError('slice_failed', `No suitable node: the swarm has no node the slice may run on (${err}). If the account is pinned to a node that is down or drained, wait for it, or Log out and link again elsewhere.`);
    }
    if (/no such image|not found|pull access denied|manifest unknown/i.test(err)) {
      return new SlicedeckError('image_missing', `Image not found on ${where}: ${err}. Load the slice image into every node (\`npm run swarm:up\` does it for the private swarm; otherwise push it to a registry every node can pull from).`);
    }
    const exit = task.Status?.ContainerStatus?.ExitCode;
    return new SlicedeckError('slice_failed', `The slice's task on ${where} ended (${task.Status?.State}${typeof exit === 'number' ? `, exit code ${exit}` : ''}): ${err || 'no reason given'}.`);
  }

  /** The newest task of a service, or null when it has none (yet). */
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
   * port on the node is free and its volume can be removed. Removing the service alone
   * leaves each container to its node, stopped within its grace period, later.
   */
  async remove(serviceId: string): Promise<void> {
    let labels: Record<string, string> = {};
    try {
      const service = (await this.engine().getService(serviceId).inspect()) as { Spec?: { Labels?: Record<string, string> } };
      labels = service.Spec?.Labels ?? {};
      await this.engine().getService(serviceId).remove();
    } catch (error) {
      if (statusOf(error) === 404 && !labels[LABELS.sliceId]) return;
      if (statusOf(error) !== 404) throw translateEngineError(error, 'remove the slice service');
    }
    const sliceId = labels[LABELS.sliceId];
    const home = labels[LABELS.home];
    if (sliceId && home) await this.removeSliceContainers(home, sliceId);
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

  async listManaged(homeId: string): Promise<ManagedContainer[]> {
    try {
      const services = (await this.engine().listServices({ filters: { label: homeFilter(homeId) } })) as {
        ID: string;
        Spec?: { Name?: string; Labels?: Record<string, string> };
        Endpoint?: { Ports?: { TargetPort?: number; PublishedPort?: number }[] };
      }[];
      return Promise.all(
        services.map(async (s) => {
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
    } catch (error) {
      throw translateEngineError(error, 'list the slice services');
    }
  }

  /** Where a slice is (null while unplaced): a convenience over inspect. */
  async locate(serviceId: string): Promise<SliceLocation | null> {
    return (await this.inspect(serviceId))?.location ?? null;
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
  async removeVolume(name: string): Promise<void> {
    for (const node of await this.nodes()) {
      if (!node.engine) continue;
      const engine = this.nodeEngine(node, `remove the session volume ${name}`);
      for (let attempt = 0; ; attempt++) {
        try {
          await engine.getVolume(name).remove();
          break;
        } catch (error) {
          if (statusOf(error) === 404) break;
          if (statusOf(error) === 409 && attempt < 50) {
            await sleep(200);
            continue;
          }
          throw translateEngineError(error, `remove the session volume ${name} on node ${node.name}`);
        }
      }
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

  // A swarm's slices run on each node's default bridge and publish in host mode: a
  // per-home overlay with inter-container traffic off is not built yet (docs/SCALING.md).
  // The network calls answer for that default, and never create or remove anything.
  async ensureNetwork(): Promise<SliceNetwork> {
    return SWARM_NODE_BRIDGE;
  }

  async inspectNetwork(): Promise<SliceNetwork | null> {
    return SWARM_NODE_BRIDGE;
  }

  async removeNetworkIfUnused(): Promise<boolean> {
    return true;
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

/** What the network calls answer on a swarm (see above). */
const SWARM_NODE_BRIDGE: SliceNetwork = { name: 'bridge', id: 'bridge', gateway: null, subnet: null };

/**
 * The token reaches a service's slice in its environment, as SLICE_TOKEN: a token file
 * needs a copy into the task's volume on its node, which a swarm does not offer before
 * start (a Swarm secret is the next step, docs/SCALING.md). Never logged.
 */
function swarmEnv(env: string[], token: string): string[] {
  return [...env.filter((entry) => !entry.startsWith(`${SLICE_ENV.tokenFile}=`) && !entry.startsWith(`${SLICE_ENV.token}=`)), `${SLICE_ENV.token}=${token}`];
}
