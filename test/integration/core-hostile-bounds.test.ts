/**
 * Issue 19, findings 7, 8 and 11, against REAL hostile slice containers (the slice image
 * with another entry script) on a real core:
 * - a slice that writes past its account's disk budget into /data is stopped with words
 *   and a History row (the 300 MiB that landed on the host's disk);
 * - a slice that answers initialize with a 900 KB error full of bidi overrides and a
 *   "paste your token at…" lure: the view's error is at most 4 KB, clean, and the slice's;
 * - the previous slices' token files are gone from the volume after a Connect.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISK_BUDGET_ROW } from '../../src/main/core/slices/disk-budget';
import { authVolumeName } from '../../src/main/core/docker/labels';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker } from '../helpers/docker';

const baseImage = process.env.SLICEDECK_IMAGE!;
const BUDGET_MB = 16;

/**
 * FILL_ACCOUNTS: the real slice, which also writes 48 MiB into /data once it listens.
 * LIAR_ACCOUNTS: health as usual, then initialize refused with a 900 KB lying error.
 * Every other account: the real slice.
 */
const HOSTILE_SCRIPT = String.raw`
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
const id = process.env.SLICE_INSTANCE_ID;
const list = (name) => (process.env[name] ?? '').split(',');
if (list('FILL_ACCOUNTS').includes(id)) {
  const chunk = Buffer.alloc(1024 * 1024, 7);
  setTimeout(() => {
    const fd = fs.openSync('/data/filler.bin', 'w');
    for (let i = 0; i < 48; i++) fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    console.log(JSON.stringify({ filled: 48 }));
  }, 200);
}
if (!list('LIAR_ACCOUNTS').includes(id)) {
  await import('/app/slice.mjs');
} else {
  for (let i = 0; i < 6000 && !fs.existsSync(process.env.SLICE_TOKEN_FILE); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  const token = fs.readFileSync(process.env.SLICE_TOKEN_FILE, 'utf8').trim();
  const address = Object.values(os.networkInterfaces()).flat().find((a) => a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';
  const started = Date.now();
  const lure = '\u202eSECURITY ALERT\u202c: your panel session expired.\u0085 Paste your token at http://evil.example/login to continue.\u2028\u0007';
  const lie = (lure + '\u2066'.repeat(10) + 'x'.repeat(1000)).repeat(800);
  const json = (res, code, body) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
  http.createServer((req, res) => {
    const authorized = req.headers.authorization === 'Bearer ' + token;
    if (req.url === '/health') return json(res, 200, authorized ? { ok: true, driver: 'simulated', instanceId: id, uptimeMs: Date.now() - started } : { ok: true });
    if (!authorized) return json(res, 401, { error: 'token' });
    if (req.url === '/api/events') { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write(': connected\n\n'); return; }
    if (req.url === '/api/status/initialize') return json(res, 409, { error: lie });
    json(res, 404, { error: 'no' });
  }).listen(8080, address);
}
`;

let t: TestCore;
let hostileImage: string;
let buildDir: string;
let filler: string;
let liar: string;
let plain: string;

beforeAll(async () => {
  t = await makeTestCore({ qrTtlMs: 60_000 });
  filler = (await t.call('accounts.add', { name: 'Filler' })).id;
  liar = (await t.call('accounts.add', { name: 'Liar' })).id;
  plain = (await t.call('accounts.add', { name: 'Plain' })).id;
  buildDir = mkdtempSync(join(tmpdir(), 'slicedeck-hostile-bounds-'));
  writeFileSync(join(buildDir, 'hostile.mjs'), HOSTILE_SCRIPT);
  writeFileSync(
    join(buildDir, 'Dockerfile'),
    `FROM ${baseImage}\nCOPY hostile.mjs /app/hostile.mjs\nENV FILL_ACCOUNTS=${filler} LIAR_ACCOUNTS=${liar}\nCMD ["node", "/app/hostile.mjs"]\n`,
  );
  hostileImage = `slicedeck-hostile-bounds-test:${t.homeId}`;
  const built = spawnSync('docker', ['build', '--quiet', '--force-rm', '-t', hostileImage, buildDir], { encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  if (built.status !== 0) throw new Error(`could not build the hostile slice image: ${built.stderr}`);
  t = await t.reopen({ qrTtlMs: 60_000, image: hostileImage, volumeMaxBytes: BUDGET_MB * 1024 * 1024, volumeCheckIntervalMs: 300 });
}, 180_000);

afterAll(async () => {
  await t?.cleanup();
  if (hostileImage) await docker.getImage(hostileImage).remove({ force: true }).catch(() => undefined);
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

/** Lists /data/.slicedeck of an account's volume from a throw-away container of the same image. */
function tokenFilesIn(accountId: string): string[] {
  const listed = spawnSync(
    'docker',
    ['run', '--rm', '--network', 'none', '--user', '0', '-v', `${authVolumeName(t.homeId, accountId)}:/data`, '--entrypoint', 'node', hostileImage, '-e', "console.log(JSON.stringify(require('fs').readdirSync('/data/.slicedeck')))"],
    { encoding: 'utf8' },
  );
  if (listed.status !== 0) throw new Error(`could not list the volume: ${listed.stderr}`);
  return JSON.parse(listed.stdout) as string[];
}

describe('a hostile slice', () => {
  it('is stopped with words and a History row when it writes past its disk budget', async () => {
    // The budget may stop the slice before its Connect has finished (a loaded machine is slow to
    // initialize it): then the Connect itself fails with the same words. Either way is right.
    await t.call('slices.connect', { accountId: filler }).catch((error: Error) => expect(error.message).toMatch(/session data grew to more than/));
    const failed = await t.events.waitForStage(filler, 'error', 120_000);
    expect(failed.error).toMatch(new RegExp(`session data grew to more than ${BUDGET_MB} MiB \\(SLICEDECK_VOLUME_MAX_MB\\), so its slice was stopped.*Log out to delete the session data`));
    const history = await t.call('slices.history', { accountId: filler });
    expect(history.some((row) => row.type === DISK_BUDGET_ROW && /grew to more than/.test(row.message ?? ''))).toBe(true);
    expect(await containersOfHome(t.homeId, { accountId: filler })).toHaveLength(0);
  });

  it('has its 900 KB lying error shown as its own, at most 4 KB, with no control or bidi characters', async () => {
    await t.call('slices.connect', { accountId: liar }).catch(() => undefined);
    const failed = await t.events.waitForStage(liar, 'error', 120_000);
    const error = failed.error ?? '';
    expect(error).toContain('The slice said: ');
    expect(error.indexOf('The slice said: ')).toBeLessThan(error.indexOf('Paste your token'));
    expect(new TextEncoder().encode(error).length).toBeLessThanOrEqual(4096 + 512);
    // eslint-disable-next-line no-control-regex
    expect(error).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]/);
    const history = await t.call('slices.history', { accountId: liar });
    for (const row of history) expect(new TextEncoder().encode(row.message ?? '').length).toBeLessThanOrEqual(4096 + 512);
  });

  it('finds /data mounted noexec,nosuid,nodev: a binary copied there cannot run', async () => {
    await t.call('slices.connect', { accountId: plain });
    await t.events.waitForStage(plain, 'qr');
    const [container] = await containersOfHome(t.homeId, { accountId: plain });
    expect(container).toBeDefined();
    const probe = spawnSync(
      'docker',
      [
        'exec', container!.Id, 'node', '-e',
        // node itself is execute-only (no one may read it: the slice's processes stay non-dumpable), so the
        // binary copied is the image's dynamic loader, readable and runnable on its own (`--version`).
        "const fs=require('fs');fs.copyFileSync(fs.realpathSync('/lib64/ld-linux-x86-64.so.2'),'/data/copied-binary');fs.chmodSync('/data/copied-binary',0o755);" +
          "let ran;try{require('child_process').execFileSync('/data/copied-binary',['--version']);ran='ran'}catch(e){ran=e.code}finally{fs.unlinkSync('/data/copied-binary')}" +
          "const line=fs.readFileSync('/proc/mounts','utf8').split('\\n').find((l)=>l.split(' ')[1]==='/data');console.log(JSON.stringify({ran,options:line.split(' ')[3].split(',')}))",
      ],
      { encoding: 'utf8' },
    );
    expect(probe.status, probe.stderr).toBe(0);
    const { ran, options } = JSON.parse(probe.stdout) as { ran: string; options: string[] };
    expect(ran).toBe('EACCES');
    expect(options).toEqual(expect.arrayContaining(['noexec', 'nosuid', 'nodev']));
  });

  it('leaves no earlier slice\'s token file in the volume after a Connect', async () => {
    await t.call('slices.connect', { accountId: plain });
    await t.events.waitForStage(plain, 'qr');
    const first = (await t.call('slices.view', { accountId: plain })).sliceId!;
    await t.call('slices.destroy', { accountId: plain });
    await t.call('slices.connect', { accountId: plain });
    await t.events.waitForStage(plain, 'qr');
    const second = (await t.call('slices.view', { accountId: plain })).sliceId!;
    expect(second).not.toBe(first);
    expect(tokenFilesIn(plain)).toEqual([`${second}.token`]);
  });
});
