/**
 * The swarm's nodes as the runtime needs them: where a node's published ports are
 * reached, its name for words, and — when it carries a `slicedeck.engine` label naming
 * an endpoint this host can reach — its own engine, asked for what the manager cannot
 * tell (a node's containers, stats, volumes and local networks).
 */
import type Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import { engineGetter, engineOptionsFor, translateEngineError } from '../engine';

/** Node labels the runtime reads (set by an operator, or by `npm run swarm:up`). */
export const NODE_LABELS = {
  /** A Docker endpoint of the node's own engine that this host can reach (unix:// or tcp://). */
  engine: 'slicedeck.engine',
  /** The address the host uses to reach ports published on the node, when Status.Addr is not it. */
  address: 'slicedeck.address',
  /** A short name for the node, used in words. */
  name: 'slicedeck.node',
} as const;

export interface NodeInfo {
  id: string;
  name: string;
  address: string;
  engine: string | null;
  ready: boolean;
}

export class SwarmNodes {
  /** One client per node endpoint, made on first use. */
  private readonly engines = new Map<string, () => Docker>();

  constructor(private readonly manager: () => Docker) {}

  /** One node: its address for published ports and, when labelled, its own engine. */
  async info(nodeId: string): Promise<NodeInfo> {
    const node = (await this.manager().getNode(nodeId).inspect()) as {
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

  /** Every node of the swarm. */
  async all(): Promise<NodeInfo[]> {
    try {
      const list = (await this.manager().listNodes()) as { ID: string }[];
      return Promise.all(list.map((n) => this.info(n.ID)));
    } catch (error) {
      throw translateEngineError(error, 'list the swarm nodes');
    }
  }

  /** The ready nodes whose own engine this host can ask. */
  async askable(): Promise<NodeInfo[]> {
    return (await this.all()).filter((node) => node.ready && node.engine);
  }

  /** The node's own engine; words naming the node and the label to set when it has none. */
  engineOf(node: NodeInfo, doing: string): Docker {
    if (!node.engine) {
      throw new SlicedeckError('slice_failed', `Cannot ${doing}: node ${node.name} (${node.address}) cannot be asked from this host. Label it with ${NODE_LABELS.engine}=<a Docker endpoint this host reaches> (docker node update --label-add …) to allow it.`);
    }
    let engine = this.engines.get(node.engine);
    if (!engine) {
      engine = engineGetter(engineOptionsFor(node.engine));
      this.engines.set(node.engine, engine);
    }
    return engine();
  }
}
