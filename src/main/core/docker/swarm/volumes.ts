/**
 * Session volumes on a swarm: each lives on the node whose task made it (or where
 * ensure put it for a pinned slice), so they are made, listed and removed on the nodes'
 * own engines, every node that can be asked.
 */
import { removeWhenFree, statusOf, translateEngineError } from '../engine';
import { LABELS, homeFilter } from '../labels';
import type { ManagedVolume } from '../runtime';
import type { SwarmNodes } from './nodes';

export class SwarmVolumes {
  constructor(private readonly nodes: SwarmNodes) {}

  /** Without a node, Swarm creates the volume (with the labels of serviceSpec's mount) where the task lands. */
  async ensure(name: string, labels: Record<string, string>, nodeId?: string): Promise<void> {
    if (!nodeId) return;
    const node = await this.nodes.info(nodeId).catch((error) => {
      throw translateEngineError(error, `find swarm node ${nodeId}`);
    });
    const engine = this.nodes.engineOf(node, `create the session volume ${name}`);
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
  async remove(name: string): Promise<void> {
    for (const node of await this.nodes.all()) {
      if (!node.engine) continue;
      const engine = this.nodes.engineOf(node, `remove the session volume ${name}`);
      const busy = await removeWhenFree(() => engine.getVolume(name).remove(), (error) => statusOf(error) === 409).catch((error: unknown) => error);
      if (busy) throw translateEngineError(busy, `remove the session volume ${name} on node ${node.name}`);
    }
  }

  /** The session volumes of this home on every node that can be asked. */
  async list(homeId: string): Promise<ManagedVolume[]> {
    const volumes = new Map<string, ManagedVolume>();
    for (const node of await this.nodes.all()) {
      if (!node.engine) continue;
      try {
        const answer = await this.nodes.engineOf(node, 'list the session volumes').listVolumes({ filters: { label: homeFilter(homeId) } });
        for (const v of answer.Volumes ?? []) volumes.set(v.Name, { name: v.Name, accountId: v.Labels?.[LABELS.accountId] ?? null });
      } catch (error) {
        throw translateEngineError(error, `list the session volumes on node ${node.name}`);
      }
    }
    return [...volumes.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
