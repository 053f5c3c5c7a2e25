/**
 * What an attacker on the same machine, or inside one slice, finds (docs/SECURITY.md):
 * the data dir closed to other users, no slice token at rest or in an environment,
 * slices limited and isolated from each other, /health anonymous. Real core, real
 * engine, real slice containers; a second container of our own plays the attacker.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLICE_INTERNAL_PORT, sliceTokenFile } from '@shared/slice-protocol';
import { createCore, coreInternals, type Core } from '../../src/main/core';
import { sliceNetworkName } from '../../src/main/core/docker/labels';
import { MIGRATIONS } from '../../src/main/core/db/migrations';
import { DockerodeRuntime } from '../../src/main/core/docker/dockerode-runtime';
import { sliceNetwork } from '../../src/main/core/docker/network';
import { readSliceUser } from '../../src/main/core/docker/slice-user';
import { makeTestCore, testConfig, type TestCore } from '../helpers/core';
import { containersOfHome, demuxDockerStream, docker, execIn, fetchScript, removeHome } from '../helpers/docker';

const image = process.env.SLICEDECK_IMAGE!;

/** Runs `script` with node in a throw-away container of ours on `network`; returns what it printed. */
async function probe(network: string, script: string, label: string): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['node', '-e', script],
    Labels: { 'slicedeck.test-probe': label },
    HostConfig: { NetworkMode: network, AutoRemove: false },
  });
  try {
    await container.start();
    await container.wait();
    return demuxDockerStream(await container.logs({ stdout: true, stderr: true }));
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

describe('secrets at rest', () => {
  let parent: string;
  let dataDir: string;
  let core: Core | null = null;

  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), 'slicedeck-modes-'));
    // Other users may walk the parent (like a home directory): only the data dir's own modes protect it.
    chmodSync(parent, 0o755);
    dataDir = join(parent, 'data');
  });
  afterAll(async () => {
    if (core) {
      await core.close({ destroySlices: true });
      await removeHome(core.homeId);
    }
    rmSync(parent, { recursive: true, force: true });
  });

  it('creates the data dir 0700 and every file in it 0600, and another local user can read none of it', async () => {
    core = await createCore({ config: testConfig(dataDir) });
    const account = await core.handlers['accounts.add']({ name: 'Modes' });
    await core.handlers['slices.connect']({ accountId: account.id });
    await core.close({ destroySlices: true });
    await removeHome(core.homeId);
    core = null;

    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'logs')).mode & 0o777).toBe(0o700);
    const files = [...readdirSync(dataDir).map((name) => join(dataDir, name)), join(dataDir, 'logs', 'slicedeck.log')].filter((path) => statSync(path).isFile());
    expect(files.map((path) => path.slice(dataDir.length + 1)).sort()).toEqual(expect.arrayContaining(['logs/slicedeck.log', 'slice-key.json', 'slicedeck.db']));
    for (const path of files) expect({ path, mode: (statSync(path).mode & 0o777).toString(8) }).toEqual({ path, mode: '600' });

    // The issue's attack, as user nobody: read the database (where tokens used to be).
    const asNobody = spawnSync(process.execPath, ['-e', `require('fs').readFileSync(${JSON.stringify(join(dataDir, 'slicedeck.db'))})`], { uid: 65534, gid: 65534, encoding: 'utf8' });
    expect(asNobody.status).not.toBe(0);
    expect(asNobody.stderr).toMatch(/EACCES/);
  });

  it('tightens an existing data dir left open by an older slicedeck, and says so in the log', async () => {
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'slicedeck.db'), 0o644);
    chmodSync(join(dataDir, 'logs', 'slicedeck.log'), 0o644);
    core = await createCore({ config: testConfig(dataDir) });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'slicedeck.db')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'logs', 'slicedeck.log')).mode & 0o777).toBe(0o600);
    await core.close();
    core = null;
    // pino writes asynchronously: wait (bounded) for the note to reach the file.
    const logFile = join(dataDir, 'logs', 'slicedeck.log');
    for (let i = 0; i < 100 && !readFileSync(logFile, 'utf8').includes('modes were tightened'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(/the data dir was readable by other users; its modes were tightened/);
    expect(log).toMatch(/slicedeck\.db was 0644, now 0600/);
  });

  it('scrubs tokens an older schema stored in the database', async () => {
    // Schemas 1 and 2 kept each slice's token in plain text: a database truly at schema 2
    // (its own data dir; rewinding user_version on a newer one would re-run migrations it has).
    const legacyDir = join(parent, 'legacy');
    mkdirSync(legacyDir, { mode: 0o700 });
    const db = new Database(join(legacyDir, 'slicedeck.db'));
    for (const migration of MIGRATIONS.slice(0, 2)) db.exec(migration);
    db.pragma('user_version = 2');
    const at = Date.now();
    db.prepare(`INSERT INTO accounts (id, name, created_at, updated_at) VALUES ('acc_legacy0000', 'Legacy', ?, ?)`).run(at, at);
    db.prepare(`INSERT INTO slices (account_id, slice_id, token, stage, created_at, updated_at) VALUES ('acc_legacy0000', NULL, 'legacy-plaintext-token-0123456789', 'idle', ?, ?)`).run(at, at);
    db.close();
    core = await createCore({ config: testConfig(legacyDir), logger: pino({ level: 'silent' }) });
    await core.close();
    core = null;
    const check = new Database(join(legacyDir, 'slicedeck.db'), { readonly: true });
    expect(check.prepare('SELECT COUNT(*) AS n FROM slices WHERE token IS NOT NULL').get()).toEqual({ n: 0 });
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    check.close();
    for (const name of readdirSync(legacyDir).filter((n) => n.startsWith('slicedeck.db'))) {
      expect(readFileSync(join(legacyDir, name)).includes('legacy-plaintext-token')).toBe(false);
    }
  });
});

describe('a running slice', () => {
  let t: TestCore;
  let accountId: string;
  let containerId: string;
  let token: string;

  beforeAll(async () => {
    t = await makeTestCore({ qrTtlMs: 20_000, sliceCpus: 0.5 });
    accountId = (await t.call('accounts.add', { name: 'Locked' })).id;
    await t.call('slices.connect', { accountId });
    await t.events.waitForStage(accountId, 'qr');
    containerId = (await containersOfHome(t.homeId, { accountId }))[0]!.Id;
    token = coreInternals(t.core).store.getSlice(accountId)!.token!;
  });
  afterAll(async () => {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`slicedeck.test-probe=${t?.homeId}`] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    await t?.cleanup();
  });

  it('has its token as a 0400 file of the slice user, in no environment and nowhere in the database', async () => {
    const info = await docker.getContainer(containerId).inspect();
    expect(info.Config.Env.join('\n')).not.toContain(token);
    const file = sliceTokenFile(coreInternals(t.core).store.getSlice(accountId)!.sliceId!);
    const inside = await execIn(
      containerId,
      ['node', '-e', `const fs=require('fs');const s=fs.statSync(${JSON.stringify(file)});console.log(JSON.stringify({mode:(s.mode&0o777).toString(8),uid:s.uid,same:fs.readFileSync(${JSON.stringify(file)},'utf8')===${JSON.stringify(`${token}\n`)},environ:JSON.stringify(process.env).includes(${JSON.stringify(token)})}))`],
      { stderr: true },
    );
    // The slice user is the uid the image was built with (its label: slice-user.ts).
    const { uid } = await readSliceUser(docker, image);
    expect(JSON.parse(inside.trim().split('\n').at(-1)!)).toEqual({ mode: '400', uid, same: true, environ: false });
    for (const name of readdirSync(t.dataDir).filter((n) => n.startsWith('slicedeck.db'))) {
      expect(readFileSync(join(t.dataDir, name)).includes(token), name).toBe(false);
    }
  });

  it('runs with its limits: CPU, memory, pids, read-only root with tmpfs, rotated logs, its own network', async () => {
    const info = await docker.getContainer(containerId).inspect();
    const host = info.HostConfig;
    expect(host.NanoCpus).toBe(0.5e9);
    expect(host.Memory).toBe(t.core.config.sliceMemoryBytes);
    expect(host.PidsLimit).toBe(t.core.config.slicePidsLimit);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(Object.keys(host.Tmpfs ?? {}).sort()).toEqual(['/app/.wwebjs_cache', '/home/slice', '/tmp']);
    expect(host.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-file': '3', 'max-size': '10m' } });
    expect(host.NetworkMode).toBe(sliceNetworkName(t.homeId));
    const network = await docker.getNetwork(sliceNetworkName(t.homeId)).inspect();
    expect(network.Options).toMatchObject({ 'com.docker.network.bridge.enable_icc': 'false' });
    expect(network.Labels).toMatchObject({ 'slicedeck.managed': 'true', 'slicedeck.home': t.homeId });
    // The root really is read-only; the tmpfs and the volume are not.
    const writes = await execIn(
      containerId,
      ['node', '-e', `const fs=require('fs');const r={};for(const p of ['/app/x','/tmp/x','/home/slice/x','/data/x']){try{fs.writeFileSync(p,'1');fs.unlinkSync(p);r[p]='ok'}catch(e){r[p]=e.code}}console.log(JSON.stringify(r))`],
      { stderr: true },
    );
    expect(JSON.parse(writes.trim().split('\n').at(-1)!)).toEqual({ '/app/x': 'EROFS', '/tmp/x': 'ok', '/home/slice/x': 'ok', '/data/x': 'ok' });
  });

  it('listens on its container address only, and names nobody on an anonymous /health', async () => {
    const info = await docker.getContainer(containerId).inspect();
    const address = info.NetworkSettings.Networks[sliceNetworkName(t.homeId)]!.IPAddress;
    const inside = await execIn(
      containerId,
      ['node', '-e', `Promise.all(['127.0.0.1', ${JSON.stringify(address)}].map((h) => fetch('http://' + h + ':${SLICE_INTERNAL_PORT}/health').then((r) => r.text(), (e) => e.cause?.code))).then((r) => console.log(JSON.stringify(r)))`],
      { stderr: true },
    );
    expect(JSON.parse(inside.trim().split('\n').at(-1)!)).toEqual(['ECONNREFUSED', '{"ok":true}']);
  });

  it('cannot be reached from another container, on its network or on the default bridge', async () => {
    const info = await docker.getContainer(containerId).inspect();
    const address = info.NetworkSettings.Networks[sliceNetworkName(t.homeId)]!.IPAddress;
    const url = `http://${address}:${SLICE_INTERNAL_PORT}/health`;
    expect(await probe(sliceNetworkName(t.homeId), fetchScript(url), t.homeId)).toMatch(/^BLOCKED/m);
    expect(await probe('bridge', fetchScript(url), t.homeId)).toMatch(/^BLOCKED/m);
    // Control (the probe is not simply broken): from the same network it does reach the host
    // on the network's gateway, which slices need (a stand-in WhatsApp Web listens there).
    const network = await sliceNetwork(t.homeId);
    expect(network.name).toBe(sliceNetworkName(t.homeId));
    expect(network?.gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const server = http.createServer((req, res) => res.end('host-gateway-ok'));
    await new Promise<void>((resolve) => server.listen(0, network!.gateway!, resolve));
    try {
      const gatewayUrl = `http://${network!.gateway}:${(server.address() as AddressInfo).port}/`;
      expect(await probe(sliceNetworkName(t.homeId), fetchScript(gatewayUrl), t.homeId)).toMatch(/^REACHED 200 host-gateway-ok/m);
    } finally {
      server.close();
    }
  });

  it('removes its network when the core closes with no slice left', async () => {
    const other = await makeTestCore();
    try {
      const id = (await other.call('accounts.add', { name: 'Net' })).id;
      await other.call('slices.connect', { accountId: id });
      expect(await new DockerodeRuntime().inspectNetwork(other.homeId)).not.toBeNull();
      await other.call('slices.destroy', { accountId: id });
      await other.core.close();
      expect(await new DockerodeRuntime().inspectNetwork(other.homeId)).toBeNull();
    } finally {
      await other.cleanup();
    }
  });
});
