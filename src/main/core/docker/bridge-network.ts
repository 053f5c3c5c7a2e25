/**
 * The data dir's slice network on one engine: a user-defined bridge labelled with the
 * home, inter-container traffic off (so one slice cannot reach another). Plain
 * functions over an engine, so DockerodeRuntime and network.ts (which only needs the
 * network) share them without one building the other.
 */
import type Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import { ICC_OPTION, engineMessage, statusOf, translateEngineError } from './engine';
import { LABELS, sliceNetworkName } from './labels';
import type { SliceNetwork } from './runtime';

interface NetworkInfo {
  Name: string;
  Id: string;
  Created?: string;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] };
  Containers?: Record<string, unknown>;
}

function networkOf(info: NetworkInfo): SliceNetwork {
  const ipv4 = (info.IPAM?.Config ?? []).find((config) => config.Subnet && !config.Subnet.includes(':'));
  return { name: info.Name, id: info.Id, gateway: ipv4?.Gateway ?? null, subnet: ipv4?.Subnet ?? null };
}

/** Two networks answer to one name (see removeDuplicateNetworks). */
export function isAmbiguous(error: unknown): boolean {
  return /is ambiguous|matches found based on name/i.test(engineMessage(error));
}

/** The network if it exists (null otherwise); never creates it. */
export async function inspectBridgeNetwork(engine: Docker, homeId: string): Promise<SliceNetwork | null> {
  const name = sliceNetworkName(homeId);
  for (let attempt = 0; ; attempt++) {
    try {
      return networkOf((await engine.getNetwork(name).inspect()) as NetworkInfo);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      if (attempt === 0 && isAmbiguous(error)) {
        await removeDuplicateNetworks(engine, homeId);
        continue;
      }
      throw translateEngineError(error, `look up the slice network ${name}`);
    }
  }
}

/**
 * Docker's duplicate check on create is not atomic: two creators at once (a host
 * killed mid-request whose create the engine still finishes, and its successor)
 * can make two networks of one name, which Docker then calls ambiguous. Keep the
 * oldest; remove the others that no container uses.
 */
export async function removeDuplicateNetworks(engine: Docker, homeId: string): Promise<void> {
  const name = sliceNetworkName(homeId);
  const found = ((await engine.listNetworks({ filters: { name: [name] } })) as NetworkInfo[])
    .filter((network) => network.Name === name)
    .sort((a, b) => (a.Created ?? '').localeCompare(b.Created ?? '') || a.Id.localeCompare(b.Id));
  for (const extra of found.slice(1)) {
    const info = (await engine.getNetwork(extra.Id).inspect().catch(() => null)) as NetworkInfo | null;
    if (!info || Object.keys(info.Containers ?? {}).length > 0) continue;
    await engine.getNetwork(extra.Id).remove().catch(() => undefined);
  }
}

/**
 * How many times ensureBridgeNetwork makes the network again when it is gone right after it
 * was made: the reconciler's sweep removes the home's network whenever no slice of the home
 * exists, and a Connect's network is made before its container, so a pass can land between
 * the two (seen in core-reconciler-timer under the full suite's load).
 */
const ENSURE_ATTEMPTS = 3;

/** Creates the network when missing and returns it; an existing one is reused. */
export async function ensureBridgeNetwork(engine: Docker, homeId: string): Promise<SliceNetwork> {
  const name = sliceNetworkName(homeId);
  for (let attempt = 0; attempt < ENSURE_ATTEMPTS; attempt++) {
    const existing = await inspectBridgeNetwork(engine, homeId);
    if (existing) return existing;
    try {
      await engine.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [LABELS.managed]: 'true', [LABELS.home]: homeId },
        Options: { [ICC_OPTION]: 'false' },
      });
    } catch (error) {
      // 409: a concurrent ensure (another core over the same data dir) made it first.
      if (statusOf(error) !== 409) {
        const words = /non-overlapping|address pool/i.test(engineMessage(error))
          ? `${engineMessage(error)} — Docker has no free address range for another network; remove networks you no longer need (docker network prune) and try again`
          : engineMessage(error);
        throw new SlicedeckError('slice_failed', `Docker could not create the slice network ${name}: ${words}`);
      }
    }
    const made = await inspectBridgeNetwork(engine, homeId);
    if (made) return made;
  }
  throw new SlicedeckError('slice_failed', `Docker created the slice network ${name} but it was gone each time it was looked up (${ENSURE_ATTEMPTS} times). Try again.`);
}

/** Removes the network when no container uses it; true when it is gone afterwards. */
export async function removeBridgeNetworkIfUnused(engine: Docker, homeId: string): Promise<boolean> {
  const name = sliceNetworkName(homeId);
  await removeDuplicateNetworks(engine, homeId).catch(() => undefined);
  try {
    const info = (await engine.getNetwork(name).inspect()) as NetworkInfo;
    if (Object.keys(info.Containers ?? {}).length > 0) return false;
    await engine.getNetwork(name).remove();
    return true;
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) return true;
    // 403: a container joined meanwhile ("has active endpoints"); it stays.
    if (status === 403 || status === 409) return false;
    throw translateEngineError(error, `remove the slice network ${name}`);
  }
}
