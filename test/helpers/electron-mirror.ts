/**
 * A throw-away Electron mirror on 127.0.0.1, for proving `npm start` and `npm run
 * dist` where Electron's host is unreachable: a stand-in Electron zip (an executable
 * `electron` script and the `version` file real zips carry) with its SHASUMS256.txt,
 * and optionally a "prebuilt" better-sqlite3 for the electron runtime in
 * prebuild-install's layout. The stand-in runs as Node under ELECTRON_RUN_AS_NODE
 * (so the set-up's probe really loads the addon) and otherwise records its argv to
 * $SLICEDECK_STANDIN_RECORD and exits. Traffic never leaves loopback.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export const STANDIN_ELECTRON = `#!/bin/sh
# A stand-in for Electron: Node when asked to be one, otherwise it records how it was launched.
if [ -n "$ELECTRON_RUN_AS_NODE" ]; then exec node "$@"; fi
{
  echo "cwd=$(pwd)"
  echo "run_as_node=\${ELECTRON_RUN_AS_NODE:-unset}"
  for arg in "$@"; do echo "arg=$arg"; done
} > "\${SLICEDECK_STANDIN_RECORD:-/dev/null}"
exit 0
`;

/** A zip (stored, no compression) whose entries keep their Unix modes, as Electron's zips do. */
export function zipOf(entries: { name: string; data: Buffer; mode: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data, mode } of entries) {
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(0, 8);
    local.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix: the external attributes carry the mode
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0x00210000, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

export interface ElectronMirror {
  url: string;
  /** What was asked for, in order (path only). */
  requests: string[];
  /** The prebuild-install host for better-sqlite3 (npm_config_better_sqlite3_binary_host). */
  sqliteHost: string;
  close(): Promise<void>;
}

/**
 * `files`: path → bytes. `status`: answer every request with it instead (404: a mirror without this version).
 */
async function serve(files: Map<string, Buffer>, status?: number): Promise<ElectronMirror> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://mirror').pathname;
    requests.push(path);
    const body = files.get(path);
    if (status || !body) {
      res.writeHead(status ?? 404, { 'Content-Type': 'text/plain' }).end('Not Found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    requests,
    sqliteHost: `${url}better-sqlite3`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface MirrorContent {
  electronVersion: string;
  /** Adds a better-sqlite3 "prebuilt" for the electron runtime (the Node build, which the stand-in, being Node, loads). */
  sqlite?: { version: string; abi: string; nodeBuild: string };
  platform?: string;
  arch?: string;
  /** Serves these bytes as the zip (with a matching SHASUMS256.txt): a download that verifies but does not unpack. */
  zipBytes?: Buffer;
  /**
   * Serves "Electron's headers" for node-gyp under /headers/v<version>/ — made from this
   * folder of Node headers (e.g. /usr/include/node), so a build against them loads in the
   * stand-in, which is Node.
   */
  headersFrom?: string;
}

export function mirrorFiles({ electronVersion, sqlite, platform = process.platform, arch = process.arch, zipBytes, headersFrom }: MirrorContent): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const zipName = `electron-v${electronVersion}-${platform}-${arch}.zip`;
  const zip =
    zipBytes ??
    zipOf([
      { name: 'electron', data: Buffer.from(STANDIN_ELECTRON), mode: 0o755 },
      { name: 'version', data: Buffer.from(electronVersion), mode: 0o644 },
    ]);
  files.set(`/v${electronVersion}/${zipName}`, zip);
  files.set(`/v${electronVersion}/SHASUMS256.txt`, Buffer.from(`${createHash('sha256').update(zip).digest('hex')} *${zipName}\n`));
  if (sqlite) {
    const stage = mkdtempSync(join(tmpdir(), 'slicedeck-prebuilt-'));
    try {
      mkdirSync(join(stage, 'build', 'Release'), { recursive: true });
      cpSync(sqlite.nodeBuild, join(stage, 'build', 'Release', 'better_sqlite3.node'));
      const tarball = join(stage, 'prebuilt.tar.gz');
      execFileSync('tar', ['-C', stage, '-czf', tarball, 'build']);
      files.set(`/better-sqlite3/v${sqlite.version}/better-sqlite3-v${sqlite.version}-electron-v${sqlite.abi}-${platform}-${arch}.tar.gz`, readFileSync(tarball));
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  }
  if (headersFrom) {
    const stage = mkdtempSync(join(tmpdir(), 'slicedeck-headers-'));
    try {
      const name = `node-v${electronVersion}-headers.tar.gz`;
      cpSync(headersFrom, join(stage, `node-v${electronVersion}`, 'include', 'node'), { recursive: true, dereference: true });
      execFileSync('tar', ['-C', stage, '-czf', join(stage, name), `node-v${electronVersion}`]);
      const tarball = readFileSync(join(stage, name));
      files.set(`/headers/v${electronVersion}/${name}`, tarball);
      files.set(`/headers/v${electronVersion}/SHASUMS256.txt`, Buffer.from(`${createHash('sha256').update(tarball).digest('hex')}  ${name}\n`));
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  }
  return files;
}

export function startElectronMirror(content: MirrorContent, opts: { status?: number } = {}): Promise<ElectronMirror> {
  return serve(mirrorFiles(content), opts.status);
}

/** Writes the mirror's files to a folder (for electron-builder's `electronDist`-free runs that read a zip from disk). */
export function writeMirrorFiles(dir: string, files: Map<string, Buffer>): void {
  for (const [path, body] of files) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
}
