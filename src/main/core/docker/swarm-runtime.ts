/**
 * SliceRuntime on a Docker Swarm (SLICEDECK_RUNTIME=swarm, DOCKER_HOST = a manager).
 * A slice is a service with one replica (service-spec.ts); its SliceRef is the service
 * id. This class is the lifecycle — create, start, restart, stop, remove, inspect, list,
 * sweep — and hands each resource to the module that knows it:
 *   swarm/nodes.ts            the nodes, their addresses and their own engines
 *   swarm/tasks.ts            the service's current task, waiting for it, its words
 *   swarm/task-containers.ts  the task's container on its node (stop, wait, OOM, remove)
 *   swarm/secrets.ts          the per-slice token secrets
 *   swarm/volumes.ts          session volumes on the nodes
 *   swarm/networks.ts         the home's swarm-scoped bridge and its config-only networks
 *   swarm/stats.ts            stats read on the task's node
 *
 * What the manager cannot tell (a node's containers, stats and volumes) is asked of
 * the node's own engine when the node carries a `slicedeck.engine` label naming an
 * endpoint this host can reach (the private swarm of `npm run swarm:up` sets it);
 * otherwise those calls say that the node cannot be asked.
 */
import type Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import { SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { engineRemapsUsers, readSliceUser, type SliceUser } from './slice-user';
import { engineGetter, engineMessage, statusOf, translateEngineError, withinPingTimeout } from './engine';
import { LABELS, homeFilter } from './labels';
import { readEngineLogs, type LogRequest, type RawLogLine } from './container-logs';
import { DEFAULT_STOP_GRACE_MS } from '../config';
import type { ManagedSlice, ManagedVolume, RawContainerStats, SliceNetwork, SliceRef, SliceRunState, SliceRuntime, SliceSpec, StopOutcome, SweepReport } from './runtime';
import { SwarmNodes, type NodeInfo } from './swarm/nodes';
import { hasRegistryHost, serviceSpec } from './swarm/service-spec';
import { TokenSecrets } from './swarm/secrets';
import { FINAL, SERVICE_GONE_WORDS, SliceTasks } from './swarm/tasks';
import { TaskContainers } from './swarm/task-containers';
import { SwarmVolumes } from './swarm/volumes';
import { SwarmNetworks, isNetworkMissing } from './swarm/networks';
import { swarmSliceStats } from './swarm/stats';

/** How much longer than the grace a graceful stop waits for the node to report the container stopped. */
export const STOP_WAIT_MARGIN_MS = 5_000;

/** An account with a proxy on a swarm (SLICEDECK_RUNTIME=swarm): not carried there yet. */
export const SWARM_PROXY_WORDS =
  'This account has a proxy, and slices on a swarm (SLICEDECK_RUNTIME=swarm) cannot use one yet. Remove the proxy from the account, or run slicedeck on one Docker engine.';

export class SwarmRuntime implements SliceRuntime {
  readonly kind = 'swarm' as const;
  private readonly engine: () => Docker;
  private readonly swarmNodes: SwarmNodes;
  private readonly tasks: SliceTasks;
  private readonly taskContainers: TaskContainers;
  private readonly secrets: TokenSecrets;
  private readonly volumes: SwarmVolumes;
  private readonly networks: SwarmNetworks;

  /**
   * `stopGraceMs`: the stop grace period written into every slice service. Swarm stops a task
   * with the grace its spec had when the task was made, so it is fixed at create.
   */
  constructor(
    options?: Docker.DockerOptions,
    private readonly settings: { stopGraceMs?: number } = {},
  ) {
    this.engine = engineGetter(options);
    this.swarmNodes = new SwarmNodes(this.engine);
    this.tasks = new SliceTasks(this.engine, this.swarmNodes);
    this.taskContainers = new TaskContainers(this.swarmNodes, this.tasks);
    this.secrets = new TokenSecrets(this.engine);
    this.volumes = new SwarmVolumes(this.swarmNodes);
    this.networks = new SwarmNetworks(this.engine, this.swarmNodes);
  }

  private get stopGraceMs(): number {
    return this.settings.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
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

  sliceUser(image: string): Promise<SliceUser> {
    return readSliceUser(this.engine(), image);
  }

  remapsUsers(): Promise<boolean> {
    return engineRemapsUsers(this.engine());
  }

  /**
   * On the manager's engine. A reference with a registry host (`registry.example.com:5000/slicedeck-slice:1`)
   * counts as present even when the manager lacks it: each node pulls it when its task starts,
   * and a node that cannot pull fails its task with words ("Image not found on node X", see tasks.ts).
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

  /** The home's network, the slice's token secret, then its service (with no replica yet). */
  async create(spec: SliceSpec): Promise<SliceRef> {
    // Not carried on a swarm yet: refuse rather than let the account's traffic go direct.
    if (spec.proxy) throw new SlicedeckError('invalid_input', SWARM_PROXY_WORDS);
    try {
      await this.networks.ensure(spec.homeId);
      const secretId = await this.secrets.create(spec);
      try {
        return await this.createService(spec, secretId).catch(async (error: unknown) => {
          // The network was removed since (a sweep drops it when nothing of the home runs): once more.
          if (!isNetworkMissing(error)) throw error;
          await this.networks.ensure(spec.homeId);
          return this.createService(spec, secretId);
        });
      } catch (error) {
        // A secret without its service is of no use: do not leave it behind (else a sweep removes it later).
        await this.secrets.remove(secretId).catch(() => undefined);
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
    const service = (await this.engine().createService(serviceSpec(spec, secretId, user, this.stopGraceMs))) as unknown as { id?: string; ID?: string };
    return (service.id ?? service.ID)!;
  }

  private async setReplicas(ref: SliceRef, replicas: number, force = false, node?: string): Promise<void> {
    const service = this.engine().getService(ref);
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
  async start(ref: SliceRef): Promise<void> {
    try {
      await this.setReplicas(ref, 1);
    } catch (error) {
      if (statusOf(error) === 404) throw new SlicedeckError('slice_failed', SERVICE_GONE_WORDS);
      throw translateEngineError(error, 'start the slice service');
    }
    await this.tasks.waitRunning(ref);
  }

  /**
   * A new task for the service. With `node` the new task is pinned there: a slice created
   * unpinned (its account not linked yet) whose account linked since has its session on
   * that node's volume, and Swarm's spread would otherwise put the new task anywhere.
   */
  async restart(ref: SliceRef, opts: { node?: string; graceMs?: number } = {}): Promise<void> {
    let before: Set<string>;
    try {
      // The tasks before the restart: the one that ended (e.g. on a node drained since) is not the answer.
      before = new Set((await this.tasks.all(ref)).map((task) => task.ID));
      // The old task is stopped with the grace of its own spec (the runtime's stopGraceMs): Swarm takes no per-restart grace.
      await this.setReplicas(ref, 1, true, opts.node);
    } catch (error) {
      throw translateEngineError(error, 'restart the slice service');
    }
    await this.tasks.waitRunning(ref, before);
  }

  /**
   * Forced removal, as on one engine: the service, then the slice's containers on the
   * nodes that can be asked, so that when this resolves the slice no longer runs, its
   * port on the node is free and its volume can be removed (removing the service alone
   * leaves each container to its node, stopped within its grace period, later); last its
   * token secret (Docker refuses to remove a secret a service names).
   */
  async remove(ref: SliceRef): Promise<void> {
    let labels: Record<string, string> = {};
    let secrets: string[] = [];
    try {
      const service = this.engine().getService(ref);
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
    if (sliceId && home) await this.taskContainers.removeAll(home, sliceId);
    for (const secret of secrets) await this.secrets.remove(secret);
  }

  /**
   * Graceful stop, as `docker stop` on one engine. Where the task's node can be asked, its
   * engine stops the container itself (SIGTERM, `graceMs`, then SIGKILL; restart condition
   * `none`: the swarm starts no other task). Elsewhere the service is scaled to no replica and
   * the node stops the task with its spec's grace (the runtime's stopGraceMs). Once the
   * container has stopped (waited for, bounded by the grace and a margin), the service is
   * removed as by `remove`.
   */
  async stopAndRemove(ref: SliceRef, opts: { graceMs: number }): Promise<StopOutcome> {
    let exitCode: number | null = null;
    try {
      const task = await this.tasks.current(ref);
      const containerId = task?.Status?.ContainerStatus?.ContainerID;
      if (task?.Status?.State === 'running' && containerId) {
        const node = task.NodeID ? await this.swarmNodes.info(task.NodeID).catch(() => null) : null;
        const stopped = node?.engine ? await this.taskContainers.stopOnNode(node, containerId, opts.graceMs) : false;
        if (!stopped) await this.setReplicas(ref, 0);
        exitCode = await this.taskContainers.waitStopped(node, ref, task.ID, containerId, (stopped ? 0 : this.stopGraceMs) + STOP_WAIT_MARGIN_MS);
      }
    } catch (error) {
      if (statusOf(error) !== 404) throw translateEngineError(error, 'stop the slice service');
      return { exitCode: null };
    }
    await this.remove(ref);
    return { exitCode };
  }

  async inspect(ref: SliceRef): Promise<SliceRunState | null> {
    try {
      await this.engine().getService(ref).inspect();
      const task = await this.tasks.current(ref);
      if (!task) return { ref, running: false, status: 'created', exitCode: null, oomKilled: false, startedAt: null, location: null, problem: null };
      const state = task.Status?.State ?? 'unknown';
      const exit = task.Status?.ContainerStatus?.ExitCode;
      const node = task.NodeID ? await this.swarmNodes.info(task.NodeID).catch(() => null) : null;
      const err = task.Status?.Err ?? '';
      const bad = FINAL.has(state) && state !== 'complete' ? err : state === 'pending' && err ? err : '';
      return {
        ref,
        running: state === 'running',
        status: state,
        exitCode: typeof exit === 'number' && FINAL.has(state) ? exit : null,
        oomKilled: exit === 137 && (await this.taskContainers.oomKilled(node, task)),
        startedAt: state === 'running' && task.Status?.Timestamp ? Date.parse(task.Status.Timestamp) : null,
        location: node ? { node: node.id, address: node.address, name: node.name } : null,
        problem: bad ? (await this.tasks.error(ref, task)).message : null,
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw translateEngineError(error, 'inspect the slice service');
    }
  }

  stats(ref: SliceRef, opts: { timeoutMs: number }): Promise<RawContainerStats | null> {
    return swarmSliceStats(this.swarmNodes, this.tasks, ref, opts.timeoutMs);
  }

  /** The service's log (the manager collects it from the task's node: no node engine needed). */
  logs(ref: SliceRef, opts: LogRequest): Promise<RawLogLine[] | null> {
    return readEngineLogs(this.engine(), `/services/${encodeURIComponent(ref)}/logs?`, opts, "read the slice's log");
  }

  /** This home's slice services, each with its current task's state. */
  async listManaged(homeId: string): Promise<ManagedSlice[]> {
    try {
      const services = (await this.engine().listServices({ filters: { label: homeFilter(homeId) } })) as {
        ID: string;
        Spec?: { Name?: string; Labels?: Record<string, string> };
        Endpoint?: { Ports?: { TargetPort?: number; PublishedPort?: number }[] };
      }[];
      return await Promise.all(
        services.map(async (s): Promise<ManagedSlice> => {
          const state = (await this.tasks.current(s.ID))?.Status?.State ?? 'created';
          return {
            ref: s.ID,
            name: s.Spec?.Name ?? '',
            sliceId: s.Spec?.Labels?.[LABELS.sliceId] ?? null,
            accountId: s.Spec?.Labels?.[LABELS.accountId] ?? null,
            running: state === 'running',
            state,
            hostPort: s.Endpoint?.Ports?.find((p) => p.TargetPort === SLICE_INTERNAL_PORT)?.PublishedPort ?? null,
          };
        }),
      );
    } catch (error) {
      throw translateEngineError(error, 'list the slice services');
    }
  }

  /** Token secrets left without their service, then the home's networks when no service of the home is left. */
  async sweepOrphans(homeId: string, keep: (sliceId: string) => boolean): Promise<SweepReport> {
    const report: SweepReport = { leftoversRemoved: await this.secrets.sweep(homeId, keep), networkRemoved: false };
    if (!(await this.hasServices(homeId)) && (await this.networks.inspect(homeId))) {
      report.networkRemoved = await this.networks.removeIfUnused(homeId);
    }
    return report;
  }

  /** Whether any slice service of the home exists (without asking each for its task, as listManaged does). */
  private async hasServices(homeId: string): Promise<boolean> {
    try {
      return (await this.engine().listServices({ filters: { label: homeFilter(homeId) } })).length > 0;
    } catch (error) {
      throw translateEngineError(error, 'list the slice services');
    }
  }

  ensureVolume(name: string, labels: Record<string, string>, opts?: { node?: string }): Promise<void> {
    return this.volumes.ensure(name, labels, opts?.node);
  }

  /** A slice's volume is on whichever node runs it, not on this machine's filesystem. */
  async localVolumePath(): Promise<string | null> {
    return null;
  }

  removeVolume(name: string): Promise<void> {
    return this.volumes.remove(name);
  }

  listVolumes(homeId: string): Promise<ManagedVolume[]> {
    return this.volumes.list(homeId);
  }

  ensureNetwork(homeId: string): Promise<SliceNetwork> {
    return this.networks.ensure(homeId);
  }

  inspectNetwork(homeId: string): Promise<SliceNetwork | null> {
    return this.networks.inspect(homeId);
  }

  removeNetworkIfUnused(homeId: string): Promise<boolean> {
    return this.networks.removeIfUnused(homeId);
  }

  /** One node: its address for published ports and, when labelled, its own engine. */
  nodeInfo(nodeId: string): Promise<NodeInfo> {
    return this.swarmNodes.info(nodeId);
  }

  /** Every node of the swarm. */
  nodes(): Promise<NodeInfo[]> {
    return this.swarmNodes.all();
  }
}
