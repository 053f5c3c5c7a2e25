/**
 * Issue 19, finding 1: a host account whose uid is the slice's owned every slice —
 * it opened /proc/<slice pid>/root and read the token file and the session. Now the
 * slice's uid is chosen when the image is built (no host account has it, outside the
 * login and subordinate ranges) and stored as an image label the host reads; every
 * slice process is non-dumpable (execute-only binaries, the image's own init), so even
 * an account with that uid is refused /proc/<pid>/root and /proc/<pid>/environ; and the
 * start-up check names a host account that has the slices' uid.
 *
 * "A host account with the slice's uid" is played with `setpriv --reuid=<uid>` (the raw
 * uid, so no account is made that a concurrent image build on this engine would see),
 * except in the start-up check, which needs a real account: there a throw-away account
 * with a uid far from the build's band, and a throw-away image label pointing at it.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sliceTokenFile } from '@shared/slice-protocol';
import { coreInternals } from '../../src/main/core';
import { containerCreateOptions } from '../../src/main/core/docker/container-spec';
import { readSliceUser, SLICE_UID_LABEL } from '../../src/main/core/docker/slice-user';
import { accountOfUid, subordinateRanges } from '../../src/main/core/secrets/host-accounts';
import { buildSliceSpec } from '../../src/main/core/slices/slice-spec';
import { makeTestCore, testConfig, type TestCore } from '../helpers/core';
import { containersOfHome, docker, execIn } from '../helpers/docker';
import { authVolumeName, volumeLabels } from '../../src/main/core/docker/labels';
import { ensureChromiumImage } from '../helpers/images';

const image = process.env.SLICEDECK_IMAGE!;

interface Probe {
  pid: number;
  comm: string;
  root: string;
  environ: string;
}

/** The host pids of a container's processes, with their command names. */
async function processesOf(containerId: string): Promise<{ pid: number; uid: number; comm: string }[]> {
  const top = (await docker.getContainer(containerId).top({ ps_args: '-o pid,uid,comm' })) as { Processes: string[][] };
  return top.Processes.map(([pid, uid, comm]) => ({ pid: Number(pid), uid: Number(uid), comm: comm! }));
}

/** As a host account with `uid` (no supplementary groups): what `ls`/`cat` of the slice's /proc entries say. */
function asSliceUid(uid: number, args: string[]): string {
  const run = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...args], { encoding: 'utf8', timeout: 10_000 });
  return run.status === 0 ? `ok: ${run.stdout.replace(/\0/g, ' ').slice(0, 200)}` : `refused: ${run.stderr.trim()}`;
}

/** `path` is read with `cat`, or listed with `ls` when it ends in a slash. */
function probeAll(uid: number, processes: { pid: number; comm: string }[], path: string): Probe[] {
  return processes.map(({ pid, comm }) => ({
    pid,
    comm,
    root: asSliceUid(uid, path.endsWith('/') ? ['ls', `/proc/${pid}/root${path}`] : ['cat', `/proc/${pid}/root${path}`]),
    environ: asSliceUid(uid, ['cat', `/proc/${pid}/environ`]),
  }));
}

describe("the slices' uid", () => {
  let t: TestCore;
  let accountId: string;
  let containerId: string;
  let tokenPath: string;

  beforeAll(async () => {
    t = await makeTestCore({ qrTtlMs: 20_000 });
    accountId = (await t.call('accounts.add', { name: 'Uid' })).id;
    await t.call('slices.connect', { accountId });
    await t.events.waitForStage(accountId, 'qr');
    containerId = (await containersOfHome(t.homeId, { accountId }))[0]!.Id;
    tokenPath = sliceTokenFile(coreInternals(t.core).store.getSlice(accountId)!.sliceId!);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('is the one the image was built with: no host account has it, and it lies outside the login and subordinate ranges', async () => {
    const user = await readSliceUser(docker, image);
    expect(user.labelled).toBe(true);
    const loginMax = Number(/^\s*UID_MAX\s+(\d+)/m.exec(readFileSync('/etc/login.defs', 'utf8'))?.[1] ?? 60000);
    expect(user.uid).toBeGreaterThan(Math.max(loginMax, 65535));
    expect(accountOfUid(user.uid)).toBeNull();
    for (const file of ['/etc/subuid', '/etc/subgid']) {
      for (const range of subordinateRanges(file)) expect(user.uid >= range.from && user.uid < range.from + range.count, `${file} ${range.owner}`).toBe(false);
    }
    const info = await docker.getContainer(containerId).inspect();
    expect(info.Config.User).toBe(`${user.uid}:${user.uid}`);
    const processes = await processesOf(containerId);
    expect(processes.length).toBeGreaterThanOrEqual(2);
    for (const p of processes) expect({ comm: p.comm, uid: p.uid }).toEqual({ comm: p.comm, uid: user.uid });
    expect((await t.call('system.status')).sliceUid).toBe(user.uid);
  });

  it("keeps a host account with the slice's uid out of /proc/<pid>/root (token file, session) and /proc/<pid>/environ of every slice process", async () => {
    const { uid } = await readSliceUser(docker, image);
    const processes = await processesOf(containerId);
    // Control: the paths are right — root (CAP_SYS_PTRACE) reads the token file through each process's root.
    for (const { pid } of processes) expect(readFileSync(`/proc/${pid}/root${tokenPath}`, 'utf8').trim().length).toBeGreaterThan(20);

    const probes = [...probeAll(uid, processes, tokenPath), ...probeAll(uid, processes, '/data/auth/')];
    for (const probe of probes) {
      expect(probe.root, `${probe.comm} (${probe.pid}) root`).toMatch(/^refused: .*Permission denied/);
      expect(probe.environ, `${probe.comm} (${probe.pid}) environ`).toMatch(/^refused: .*Permission denied/);
    }
    // The init is the image's own (execute-only), not Docker's readable host binary.
    expect(processes.map((p) => p.comm)).toContain('slice-init');
  });

  it('keeps Chromium and all its processes non-dumpable in the Chromium image', async () => {
    const chromiumImage = await ensureChromiumImage();
    const user = await readSliceUser(docker, chromiumImage);
    expect(user.labelled).toBe(true);
    const spec = buildSliceSpec(testConfig(t.dataDir, { image: chromiumImage }), { homeId: t.homeId, accountId: 'acc_uidchromium', sliceId: 'slc_uidchromium', port: 0, token: 'unused' });
    const options = containerCreateOptions({ ...spec, network: 'none' }, user);
    const container = await docker.createContainer({
      ...options,
      name: `slicedeck-uid-chromium-${randomBytes(4).toString('hex')}`,
      Labels: { ...options.Labels, 'slicedeck.home': t.homeId },
      // Chromium as the driver starts it (the flags of src/slice/drivers), on a blank page, kept running.
      Cmd: ['/usr/bin/chromium', '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--remote-debugging-port=9222', 'about:blank'],
      HostConfig: { ...options.HostConfig, NetworkMode: 'none', PortBindings: {}, Mounts: [] },
      ExposedPorts: {},
    });
    try {
      await container.start();
      let processes: { pid: number; uid: number; comm: string }[] = [];
      for (let i = 0; i < 60 && processes.filter((p) => /chrom/.test(p.comm)).length < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        processes = await processesOf(container.id);
      }
      expect(processes.filter((p) => /chrom/.test(p.comm)).length, JSON.stringify(processes)).toBeGreaterThanOrEqual(3);
      for (const probe of probeAll(user.uid, processes, '/etc/passwd')) {
        expect(probe.root, `${probe.comm} (${probe.pid}) root`).toMatch(/^refused: .*Permission denied/);
        expect(probe.environ, `${probe.comm} (${probe.pid}) environ`).toMatch(/^refused: .*Permission denied/);
      }
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  });
});

describe('the start-up check', () => {
  const name = `sdtest${randomBytes(3).toString('hex')}`;
  // Far above the band's bottom, where the image build looks first, so a concurrent build is not swayed.
  const uid = 400_000 + (randomBytes(2).readUInt16BE() % 50_000);
  const tag = `slicedeck-test-uid:${name}`;
  let t: TestCore | null = null;

  beforeAll(() => {
    const context = mkdtempSync(join(tmpdir(), 'slicedeck-uid-image-'));
    writeFileSync(join(context, 'Dockerfile'), `FROM ${image}\nLABEL ${SLICE_UID_LABEL}="${uid}"\n`);
    const build = spawnSync('docker', ['build', '-q', '-t', tag, context], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    rmSync(context, { recursive: true, force: true });
    if (build.status !== 0) throw new Error(`docker build: ${build.stderr}`);
    const add = spawnSync('useradd', ['--uid', String(uid), '--no-create-home', '--shell', '/usr/sbin/nologin', '--no-user-group', name], { encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`useradd: ${add.stderr}`);
  });
  afterAll(async () => {
    await t?.cleanup();
    spawnSync('userdel', [name]);
    await docker.getImage(tag).remove().catch(() => undefined);
  });

  it('names the host account that has the slices\' uid and says how to fix it, in system.status and the log', async () => {
    t = await makeTestCore({ image: tag });
    const status = await t.call('system.status');
    expect(status.sliceUid).toBe(uid);
    expect(status.sliceUidWarning).toMatch(new RegExp(`run as uid ${uid} \\(image ${tag}\\), and the host account "${name}" has that uid: it can read every linked account's WhatsApp session`));
    expect(status.sliceUidWarning).toMatch(/Build the slice image again .* the build picks a uid no account has; or give ".*" another uid/);
    const log = readFileSync(join(t.dataDir, 'test.log'), 'utf8');
    expect(log).toContain(`the host account \\"${name}\\" has that uid`);
  });
});

describe('a session volume of an older slice user', () => {
  let t: TestCore;
  afterAll(async () => {
    await t?.cleanup();
  });

  it("is given to the image's uid before the slice starts, so the slice reads its session again", async () => {
    t = await makeTestCore({ qrTtlMs: 20_000 });
    const accountId = (await t.call('accounts.add', { name: 'Old volume' })).id;
    // What a slicedeck before issue 19 left: the session in the volume, owned by uid 10001, private folders.
    const volume = authVolumeName(t.homeId, accountId);
    await docker.createVolume({ Name: volume, Labels: volumeLabels(t.homeId, accountId) });
    const seed = await docker.createContainer({
      Image: image,
      User: '0:0',
      Entrypoint: ['/usr/local/bin/node'],
      Cmd: ['-e', "const fs=require('fs');fs.mkdirSync('/data/auth/session-old',{recursive:true,mode:0o700});fs.writeFileSync('/data/auth/session-old/Local State','{}',{mode:0o600});for(const p of ['/data','/data/auth','/data/auth/session-old','/data/auth/session-old/Local State'])fs.chownSync(p,10001,10001)"],
      Labels: { 'slicedeck.home': t.homeId },
      HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }], NetworkMode: 'none' },
    });
    await seed.start();
    expect((await seed.wait()).StatusCode).toBe(0);
    await seed.remove();

    await t.call('slices.connect', { accountId });
    await t.events.waitForStage(accountId, 'qr');
    const [container] = await containersOfHome(t.homeId, { accountId });
    const { uid } = await readSliceUser(docker, image);
    const inside = await execIn(container!.Id, ['node', '-e', "const fs=require('fs');const p='/data/auth/session-old/Local State';console.log(JSON.stringify({read:fs.readFileSync(p,'utf8'),uid:fs.statSync(p).uid}))"], { stderr: true });
    expect(JSON.parse(inside.trim().split('\n').at(-1)!)).toEqual({ read: '{}', uid });
  });
});
