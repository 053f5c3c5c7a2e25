/**
 * A slice's stats on a swarm: the manager has none, so the task's container is asked on
 * its node's own engine; a node this host cannot ask gives words (StatsUnavailableError)
 * instead of figures.
 */
import { SlicedeckError } from '@shared/errors';
import { engineMessage, isConnectionFailure, readContainerStats, statusOf, translateEngineError } from '../engine';
import { StatsUnavailableError, type RawContainerStats } from '../runtime';
import { NODE_LABELS, type SwarmNodes } from './nodes';
import type { SliceTasks, Task } from './tasks';

export async function swarmSliceStats(nodes: SwarmNodes, tasks: SliceTasks, serviceId: string, timeoutMs: number): Promise<RawContainerStats | null> {
  let task: Task | null;
  try {
    task = await tasks.current(serviceId);
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw translateEngineError(error, 'find the slice task');
  }
  const containerId = task?.Status?.ContainerStatus?.ContainerID;
  if (!task || !containerId || !task.NodeID) return null;
  const node = await nodes.info(task.NodeID);
  if (!node.engine) {
    throw new StatsUnavailableError(
      `No figures: node ${node.name} (${node.address}), where this slice runs, cannot be asked from this host. Label the node with ${NODE_LABELS.engine}=<a Docker endpoint of its engine that this host reaches> (docker node update --label-add …) to see them.`,
    );
  }
  try {
    return await readContainerStats(nodes.engineOf(node, "read the slice's stats"), containerId, timeoutMs, `Node ${node.name}`);
  } catch (error) {
    if (error instanceof SlicedeckError) throw error;
    // No answer at all: the node's engine is out of this host's reach (the manager answered, so Docker itself is fine).
    if (isConnectionFailure(error)) {
      throw new StatsUnavailableError(
        `No figures: the engine of node ${node.name} (${node.address}), where this slice runs, did not answer at ${node.engine} (${engineMessage(error)}). Check that this host can reach it, or correct the node's ${NODE_LABELS.engine} label.`,
        error,
      );
    }
    throw translateEngineError(error, `read the slice's stats on node ${node.name}`);
  }
}
