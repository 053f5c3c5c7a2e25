/**
 * Where a slice runs, as the runtime says (`inspect().location`), kept with its row
 * so a restarted host reaches it there; and the node a linked account's session is
 * pinned to. Nothing here asks which runtime it is: one engine answers
 * LOCAL_LOCATION (one place, nothing to pin to), a swarm names its nodes, and a
 * runtime with one place ignores `SliceSpec.node`.
 */
import { LOCAL_LOCATION, NoSuitableNodeError, type SliceLocation, type SliceRuntime } from '../docker/runtime';
import type { SliceRow, Store } from '../db/store';
import type { SliceHandle } from './slice-state';
import { pinnedNodeWords } from './words';

export interface PinnedNode {
  /** The engine's node id (SliceSpec.node). */
  node: string;
  /** Its short name, for words. */
  name: string;
}

/** The address of a slice's published port: where the runtime placed it, 127.0.0.1 for rows from before that was recorded. */
export function hostOf(row: SliceRow): string {
  return row.address ?? LOCAL_LOCATION.address;
}

/**
 * Asks the runtime where the started slice runs and records it with the row (so a
 * restart of the host reaches it there); returns the address to reach its port on.
 */
export async function placeSlice(runtime: SliceRuntime, store: Store, slice: SliceHandle, sliceRef: string): Promise<string> {
  const location: SliceLocation = (await runtime.inspect(sliceRef))?.location ?? LOCAL_LOCATION;
  const row = store.setLocation(slice.accountId, slice.sliceId, location);
  // A node worth naming (a swarm's): the audit trail says where each slice ran, and the panel shows it.
  if (row && location.name) {
    slice.record('placed', row.stage, `on node ${location.name} (${location.address})`);
    slice.publish(row);
  }
  return location.address;
}

/**
 * The node a slice that just linked ran on, which now holds the account's session
 * (volumes are node-local on a swarm); null on one engine, whose single place
 * (LOCAL_LOCATION) is nothing to pin to.
 */
export function sessionNodeOf(row: SliceRow): PinnedNode | null {
  if (!row.node || row.node === LOCAL_LOCATION.node) return null;
  return { node: row.node, name: row.nodeName ?? row.node.slice(0, 12) };
}

/**
 * Words for a pinned slice that its node would not take, or null when the failure is
 * something else. A runtime says no node may take the task with NoSuitableNodeError
 * (a swarm's constraint; one engine never throws it); a lack of memory is not this.
 */
export function pinnedNodeFailure(pinned: PinnedNode | null, error: unknown): string | null {
  if (!pinned || !(error instanceof NoSuitableNodeError)) return null;
  return pinnedNodeWords(pinned.name, 'no suitable node');
}
