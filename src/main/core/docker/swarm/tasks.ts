/**
 * A slice service's tasks: which one is current, waiting until it runs, and the words
 * for one that cannot (no room, no suitable node, no image, a port taken, a node
 * without the home's network settings).
 */
import type Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import { statusOf, translateEngineError } from '../engine';
import { NoSuitableNodeError, PortTakenError } from '../runtime';
import { NODE_LABELS, type SwarmNodes } from './nodes';

/** The parts of a swarm task the runtime reads (dockerode's typings leave most out). */
export interface Task {
  ID: string;
  NodeID?: string;
  DesiredState?: string;
  Version?: { Index?: number };
  Status?: { State?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}

/** Task states after which a task never runs again. */
export const FINAL = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

/** How long `waitRunning` waits for the task to run (or to fail in words) before giving up. */
const START_WAIT_MS = 60_000;
export const POLL_MS = 100;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const SERVICE_GONE_WORDS = 'The slice service is gone (it was removed while starting). Click Connect again.';

export class SliceTasks {
  constructor(
    private readonly manager: () => Docker,
    private readonly nodes: SwarmNodes,
  ) {}

  /** Every task of the service, old ones included. */
  async all(serviceId: string): Promise<Task[]> {
    return (await this.manager().listTasks({ filters: { service: [serviceId] } })) as unknown as Task[];
  }

  /**
   * The service's current task: the newest of those the swarm still wants running (an old
   * task being shut down can carry a newer version than its replacement), else the newest.
   */
  async current(serviceId: string, ignore: ReadonlySet<string> = new Set()): Promise<Task | null> {
    const tasks = (await this.all(serviceId)).filter((task) => !ignore.has(task.ID));
    if (tasks.length === 0) return null;
    const wanted = tasks.filter((task) => task.DesiredState === 'running');
    return (wanted.length > 0 ? wanted : tasks).reduce((a, b) => ((a.Version?.Index ?? 0) >= (b.Version?.Index ?? 0) ? a : b));
  }

  /** Until the service's current task (one not in `ignore`) runs, or fails in words. */
  async waitRunning(serviceId: string, ignore: ReadonlySet<string> = new Set()): Promise<void> {
    const deadline = Date.now() + START_WAIT_MS;
    let last: Task | null = null;
    while (Date.now() < deadline) {
      try {
        last = await this.current(serviceId, ignore);
      } catch (error) {
        // Removed meanwhile (a Destroy, or the reconciler found it orphaned): words, not the engine's 404.
        if (statusOf(error) === 404) throw new SlicedeckError('slice_failed', SERVICE_GONE_WORDS);
        throw translateEngineError(error, 'follow the slice task');
      }
      const state = last?.Status?.State;
      if (state === 'running') return;
      const err = last?.Status?.Err;
      if (last && (FINAL.has(state ?? '') || (state === 'pending' && err))) throw await this.error(serviceId, last);
      await sleep(POLL_MS);
    }
    throw new SlicedeckError('timeout', `The swarm did not run the slice within ${START_WAIT_MS / 1000} s (its task is ${last?.Status?.State ?? 'not created'}). Check the swarm's nodes (docker node ls) and try again.`);
  }

  /** The words for a task that cannot run; the task's own words when there are no better ones. */
  async error(serviceId: string, task: Task): Promise<Error> {
    const err = task.Status?.Err ?? '';
    const node = task.NodeID ? await this.nodes.info(task.NodeID).catch(() => null) : null;
    const where = node ? `node ${node.name} (${node.address})` : 'its node';
    if (/host-mode port already in use/i.test(err)) {
      const service = (await this.manager().getService(serviceId).inspect().catch(() => null)) as { Spec?: { EndpointSpec?: { Ports?: { PublishedPort?: number }[] } } } | null;
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
}
