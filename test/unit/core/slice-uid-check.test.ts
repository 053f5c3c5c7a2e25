/**
 * The start-up check's reading of subordinate ranges and user-namespace remapping
 * (the account case runs for real in test/integration/slice-uid.test.ts). Real files
 * in a temporary folder stand in for /etc/subuid and /etc/subgid.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostUidOfSlices, sliceUidWarning } from '../../../src/main/core/docker/slice-uid-check';

const dir = mkdtempSync(join(tmpdir(), 'slicedeck-subuid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const files = { subuid: join(dir, 'subuid'), subgid: join(dir, 'subgid') };
writeFileSync(files.subuid, 'alice:165000:1000\ndockremap:100000:131072\n');
writeFileSync(files.subgid, 'bob:300000:65536\n');
const user = (uid: number) => ({ uid, ownInit: true, labelled: true });

describe('the slice uid check', () => {
  it("names the owner of a subordinate range that holds the slices' uid, in /etc/subuid or /etc/subgid", () => {
    expect(sliceUidWarning(user(165500), 'img', files)).toMatch(/uid 165500 \(image img\), which lies in the subordinate id range of "alice" in .*subuid \(165000–165999\): "alice" can become that uid/);
    expect(sliceUidWarning(user(300001), 'img', files)).toMatch(/"bob" in .*subgid/);
    expect(sliceUidWarning(user(200000), 'img', files)).toBeNull();
  });

  it("checks the remapped uid where the engine remaps user namespaces, and ignores dockremap's own range", () => {
    expect(hostUidOfSlices(user(65536), false, files.subuid)).toBe(65536);
    expect(hostUidOfSlices(user(65536), true, files.subuid)).toBe(165536);
    // 65536 itself is in dockremap's range: that is the remapping, not another account.
    expect(sliceUidWarning(user(200000 - 100000), 'img', files, false)).toBeNull();
    expect(sliceUidWarning(user(65500), 'img', files, true)).toMatch(/uid 165500 .*"alice"/);
  });
});
