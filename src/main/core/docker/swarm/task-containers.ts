/**
 * A slice's task containers, asked of their nodes' own engines: stopping one with a
 * grace as `docker stop` does, waiting until it has stopped, whether the kernel killed
 * it for memory, and removing every container of a slice so that when a removal
 * resolves its port and volume are free. The manager cannot do these (it only knows
 * tasks); where a node cannot be asked, the caller falls back on the swarm's own ways.
 */
import type Docker from 'dockerode';
import { graceSeconds, statusOf } from '../engine';
import { LABELS } from '../labels';
import type { NodeInfo, SwarmNodes } from './nodes';
import { FINAL, POLL_MS, sleep, type SliceTasks, type Task } from './tasks';

/** How long a removal waits for task containers that are being removed, or made late, on their nodes. */
export const REMOVE_WAIT_MS = 15_000;

export class TaskContainers {
  constructor(
    private readonly nodes: SwarmNodes,
    private readonly tasks: SliceTasks,
  ) {}

  /** `docker stop` on the task's node; false when that engine could not do it (the swarm's way is used then). */
  async stopOnNode(node: NodeInfo, containerId: string, graceMs: number): Promise<boolean> {
    try {
      await this.nodes.engineOf(node, 'stop the slice container').getContainer(containerId).stop({ t: graceSeconds(graceMs) });
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
  async waitStopped(node: NodeInfo | null, serviceId: string, taskId: string, containerId: string, waitMs: number): Promise<number | null> {
    const deadline = Date.now() + waitMs;
    const engine = node?.engine ? this.nodes.engineOf(node, 'stop the slice container') : null;
    while (Date.now() < deadline) {
      // undefined: the node did not answer this time; null: the container is gone (the swarm removed it with its task).
      const info = engine ? await engine.getContainer(containerId).inspect().catch((error: unknown) => (statusOf(error) === 404 ? null : undefined)) : null;
      if (info && !info.State.Running) return typeof info.State.ExitCode === 'number' ? info.State.ExitCode : null;
      if (!info) {
        const task = (await this.tasks.all(serviceId)).find((t) => t.ID === taskId);
        if (!task) return null;
        if (FINAL.has(task.Status?.State ?? '')) return task.Status?.ContainerStatus?.ExitCode ?? null;
      }
      await sleep(POLL_MS);
    }
    return null;
  }

  /**
   * Whether a task that exited 137 was killed for memory: its node's engine knows (a
   * `docker kill` exits 137 too). Swarm itself does not report it, so where the node
   * cannot be asked, 137 (the kernel's kill) is taken as the best sign there is.
   */
  async oomKilled(node: NodeInfo | null, task: Task): Promise<boolean> {
    const containerId = task.Status?.ContainerStatus?.ContainerID;
    if (!node?.engine || !containerId) return true;
    try {
      const info = await this.nodes.engineOf(node, 'inspect the slice container').getContainer(containerId).inspect();
      return info.State.OOMKilled === true;
    } catch {
      return true;
    }
  }

  /**
   * The slice's containers (by its labels, stopped ones too) removed on every node that can
   * be asked. A node that was still preparing the task when the service went may make its
   * container after a first look: look again until a look finds none (bounded).
   */
  async removeAll(homeId: string, sliceId: string): Promise<void> {
    const engines = (await this.nodes.all().catch(() => [])).filter((node) => node.engine).map((node) => this.nodes.engineOf(node, 'remove the slice container'));
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
