import { describe, expect, it } from 'vitest';
import { SlicedeckError } from '@shared/errors';
import { NoSuitableNodeError } from '../../../src/main/core/docker/runtime';
import { pinnedNodeFailure } from '../../../src/main/core/slices/placement';

const pinned = { node: 'x1y2z3', name: 'n1' };

describe('pinnedNodeFailure: which failures of a pinned slice are its node refusing it', () => {
  it('a runtime saying no node may take the task → the pinned-node words (wait for the node, or Log out and link again)', () => {
    const words = pinnedNodeFailure(pinned, new NoSuitableNodeError('No suitable node: the swarm has no node the slice may run on (no suitable node (1 node not available for new tasks))'));
    expect(words).toMatch(/saved on node n1/);
    expect(words).toMatch(/Wait for node n1 to come back, or Log out and link again elsewhere/);
  });

  it('a lack of memory is not the node refusing the slice, even though the engine text says "no suitable node"', () => {
    const memory = new SlicedeckError('slice_failed', 'No swarm node has room for the slice: insufficient memory (no suitable node (insufficient resources on 2 nodes)).');
    expect(pinnedNodeFailure(pinned, memory)).toBeNull();
  });

  it('an account without a pinned node gets no node words', () => {
    expect(pinnedNodeFailure(null, new NoSuitableNodeError('No suitable node'))).toBeNull();
  });
});
