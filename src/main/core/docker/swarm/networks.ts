/**
 * The home's slice network on a swarm: a swarm-scoped bridge (`--scope swarm
 * --config-from`) whose settings come from a config-only network of the same home on
 * each node, with inter-container traffic off. Each node makes its own local bridge
 * from it when a task lands there (a subnet from that node's address pools), so slices
 * of one home cannot reach each other, nor other homes' slices or other containers, and
 * reach the outside through the node as on one engine; ports are published on the
 * node. An overlay would join a home's slices across nodes with no way to turn that
 * traffic off, and publish through docker_gwbridge, an address the slice does not listen on.
 */
import type Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import { ICC_OPTION, engineMessage, isInUse, removeWhenFree, statusOf, translateEngineError } from '../engine';
import { LABELS, sliceNetworkConfigName, sliceNetworkName } from '../labels';
import type { SliceNetwork } from '../runtime';
import type { SwarmNodes } from './nodes';

export class SwarmNetworks {
  constructor(
    private readonly manager: () => Docker,
    private readonly nodes: SwarmNodes,
  ) {}

  /**
   * The config-only network is made on every ready node this host can ask (see
   * NODE_LABELS.engine) on each call, so a node that joined since gets it; a task that
   * lands on a node without it is rejected by Swarm ("configuration network … does not exist").
   * Swarm takes no labels on a network made from a config: the name carries the home,
   * the config-only networks carry the labels.
   */
  async ensure(homeId: string): Promise<SliceNetwork> {
    const config = sliceNetworkConfigName(homeId);
    const labels = { [LABELS.managed]: 'true', [LABELS.home]: homeId };
    await Promise.all(
      (await this.nodes.askable()).map(async (node) => {
        const engine = this.nodes.engineOf(node, `make the slice network ${config}`);
        try {
          await engine.getNetwork(config).inspect();
          return;
        } catch (error) {
          if (statusOf(error) !== 404) throw translateEngineError(error, `look up the slice network ${config} on node ${node.name}`);
        }
        try {
          await engine.createNetwork({ Name: config, ConfigOnly: true, CheckDuplicate: true, Labels: labels, Options: { [ICC_OPTION]: 'false' } } as Docker.NetworkCreateOptions);
        } catch (error) {
          // 409: a concurrent ensure made it first.
          if (statusOf(error) !== 409) throw translateEngineError(error, `make the slice network ${config} on node ${node.name}`);
        }
      }),
    );
    const name = sliceNetworkName(homeId);
    try {
      // No CheckDuplicate: the manager would count its own local copy of a network just removed (it lingers for
      // seconds) and refuse; the swarm itself keeps names unique (409 when the home's network exists).
      const made = (await this.manager().createNetwork({ Name: name, Driver: 'bridge', Scope: 'swarm', ConfigFrom: { Network: config } } as Docker.NetworkCreateOptions)) as { id?: string };
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
      const network = this.manager().getNetwork(name) as unknown as { inspect(opts: { scope: string }): Promise<{ Id: string; Name: string }> };
      const info = await network.inspect({ scope: 'swarm' });
      return { name: info.Name, id: info.Id, gateway: null, subnet: null };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw translateEngineError(error, `look up the slice network ${name}`);
    }
  }

  /**
   * The home's swarm network; or, when it is gone but a node still holds the home's
   * config-only network (a removal cut short), that one, so a sweep finishes the removal.
   */
  async inspect(homeId: string): Promise<SliceNetwork | null> {
    const network = await this.swarmNetwork(homeId);
    if (network) return network;
    const config = sliceNetworkConfigName(homeId);
    for (const node of await this.nodes.askable()) {
      try {
        const info = (await this.nodes.engineOf(node, `look up the slice network ${config}`).getNetwork(config).inspect()) as { Id: string; Name: string };
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
  async removeIfUnused(homeId: string): Promise<boolean> {
    const name = sliceNetworkName(homeId);
    try {
      await this.manager().getNetwork(name).remove();
    } catch (error) {
      if (statusOf(error) !== 404) {
        if (isInUse(error)) return false;
        throw translateEngineError(error, `remove the slice network ${name}`);
      }
    }
    const config = sliceNetworkConfigName(homeId);
    const gone = await Promise.all(
      (await this.nodes.askable()).map(async (node) => {
        const engine = this.nodes.engineOf(node, `remove the slice network ${config}`);
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
}

/** A service create that failed because the home's network was removed meanwhile (the sweep drops it when nothing of the home runs). */
export function isNetworkMissing(error: unknown): boolean {
  return /network .* not found/i.test(engineMessage(error));
}
