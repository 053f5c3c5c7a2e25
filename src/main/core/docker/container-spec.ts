/**
 * A slice's Docker create options, built from a SliceSpec as pure data and read in
 * one place: locked down (no capabilities, no new privileges, read-only root with
 * tmpfs where the slice and Chromium write, memory/pids/CPU limits, rotated logs),
 * on the data dir's own network with inter-container traffic off, published on
 * loopback only. The token is not here: it goes in as a file (tokenArchive).
 */
import type { ContainerCreateOptions } from 'dockerode';
import { SLICE_ENV, SLICE_INTERNAL_PORT, SLICE_TOKEN_DIR, sliceTokenFile } from '@shared/slice-protocol';
import { LABELS, containerName } from './labels';
import { proxyFileBeside, proxyFileText, type ProxySettings } from '@shared/proxy';
import type { SliceSpec } from './runtime';
import { LEGACY_SLICE_USER, type SliceUser } from './slice-user';
/** Where the account's volume is mounted; the token file lives in it (the root filesystem is read-only). */
export const DATA_MOUNT = '/data';
/** The slice user's HOME in the images: Chromium keeps its profile caches and crash reports there. */
export const SLICE_HOME = '/home/slice';
/** whatsapp-web.js writes its web-version cache relative to the working directory (/app). */
export const WWEBJS_CACHE_DIR = '/app/.wwebjs_cache';

/** One slice must not be able to fill the engine's disk with its output. */
export const SLICE_LOG_CONFIG = { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } } as const;

const userTmpfs = (sizeMb: number, uid: number) => `rw,nosuid,nodev,size=${sizeMb}m,uid=${uid},gid=${uid},mode=0700`;

/** Writable scratch space on a read-only root, the slice user's where private; tmpfs counts against the memory limit. */
export function sliceTmpfs(uid: number): Record<string, string> {
  return {
    '/tmp': 'rw,nosuid,nodev,size=256m,mode=1777',
    [SLICE_HOME]: userTmpfs(128, uid),
    [WWEBJS_CACHE_DIR]: userTmpfs(32, uid),
  };
}
export const SLICE_TMPFS: Record<string, string> = sliceTmpfs(LEGACY_SLICE_USER.uid);

/** `user`: the image's slice user (slice-user.ts), read from its labels by the runtime. */
export function containerCreateOptions(spec: SliceSpec, user: SliceUser = LEGACY_SLICE_USER): ContainerCreateOptions {
  const exposed = `${SLICE_INTERNAL_PORT}/tcp`;
  const env: Record<string, string> = { ...spec.env, [SLICE_ENV.tokenFile]: sliceTokenFile(spec.sliceId) };
  return {
    name: containerName(spec.homeId, spec.sliceId),
    Image: spec.image,
    // The uid the image was built for, stated rather than left to the image's USER.
    User: `${user.uid}:${user.uid}`,
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: {
      [LABELS.managed]: 'true',
      [LABELS.home]: spec.homeId,
      [LABELS.sliceId]: spec.sliceId,
      [LABELS.accountId]: spec.accountId,
    },
    ExposedPorts: { [exposed]: {} },
    HostConfig: {
      NetworkMode: spec.network,
      PortBindings: { [exposed]: [{ HostIp: '127.0.0.1', HostPort: String(spec.port) }] },
      Memory: spec.memoryBytes,
      // Same as Memory: no swap on top of the limit.
      MemorySwap: spec.memoryBytes,
      PidsLimit: spec.pidsLimit,
      NanoCpus: Math.round(spec.cpus * 1e9),
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: sliceTmpfs(user.uid),
      RestartPolicy: { Name: 'no' },
      // An init as PID 1: it reaps the processes Chromium leaves behind (Node as PID 1 does
      // not — three <defunct> per browser start) and passes signals on. slicedeck's images
      // bring their own (execute-only, hence non-dumpable: a host account with the slice's
      // uid cannot open its /proc/<pid>/root); Docker's is a readable host binary.
      Init: !user.ownInit,
      LogConfig: { Type: SLICE_LOG_CONFIG.Type, Config: { ...SLICE_LOG_CONFIG.Config } },
      Mounts: [{ Type: 'volume', Source: spec.volume, Target: DATA_MOUNT }],
      // Chromium needs more than Docker's 64 MB default /dev/shm.
      ShmSize: 256 * 1024 * 1024,
    },
  };
}

/**
 * The tar that `putArchive` extracts at DATA_MOUNT: `.slicedeck/` (0700),
 * `.slicedeck/<slice id>.proxy` (0400, only with a proxy) and
 * `.slicedeck/<slice id>.token` (0400), all owned by the slice user. Written into
 * the volume because Docker refuses archives on a read-only root.
 */
export function tokenArchive(sliceId: string, token: string, uid: number = LEGACY_SLICE_USER.uid, at = new Date(), proxy?: ProxySettings): Buffer {
  const dir = SLICE_TOKEN_DIR.slice(DATA_MOUNT.length + 1);
  const file = sliceTokenFile(sliceId).slice(DATA_MOUNT.length + 1);
  const entry = (name: string, text: string) => {
    const body = Buffer.from(text, 'utf8');
    const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
    body.copy(padded);
    return [tarHeader(name, body.length, 0o400, '0', uid, at), padded];
  };
  return Buffer.concat([
    tarHeader(`${dir}/`, 0, 0o700, '5', uid, at),
    // The proxy file first: extraction is in order, so once the token file is there, so is this.
    ...(proxy ? entry(proxyFileBeside(file), proxyFileText(proxy)) : []),
    // The newline tells the slice the file is complete (it waits for it: src/slice/config.ts).
    ...entry(file, `${token}\n`),
    // Two empty blocks end the archive.
    Buffer.alloc(1024),
  ]);
}

/** One ustar header block (POSIX.1-1988): enough for a directory and a small file. */
function tarHeader(name: string, size: number, mode: number, type: '0' | '5', uid: number, at: Date): Buffer {
  const header = Buffer.alloc(512);
  const octal = (value: number, width: number) => `${value.toString(8).padStart(width - 1, '0')}\0`;
  header.write(name, 0, 100, 'utf8');
  header.write(octal(mode, 8), 100);
  header.write(octal(uid, 8), 108);
  header.write(octal(uid, 8), 116);
  header.write(octal(size, 12), 124);
  header.write(octal(Math.floor(at.getTime() / 1000), 12), 136);
  header.write('        ', 148);
  header.write(type, 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}
