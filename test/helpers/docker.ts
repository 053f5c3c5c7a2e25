/** Asks the real engine what exists, by this test home's labels. */
import Docker from 'dockerode';
import { VOLUME_PARTS, volumePartName } from '../../src/main/core/docker/noexec-volume';

export const docker = new Docker();

export async function containersOfHome(homeId: string, opts: { accountId?: string; all?: boolean } = {}) {
  const label = ['slicedeck.managed=true', `slicedeck.home=${homeId}`];
  if (opts.accountId) label.push(`slicedeck.account-id=${opts.accountId}`);
  return docker.listContainers({ all: opts.all ?? true, filters: { label } });
}

export async function volumesOfHome(homeId: string): Promise<string[]> {
  const answer = await docker.listVolumes({ filters: { label: ['slicedeck.managed=true', `slicedeck.home=${homeId}`] } });
  return (answer.Volumes ?? []).map((v) => v.Name);
}

/**
 * An account's session volume with the plain volumes under it where it is a noexec overlay
 * (docker/noexec-volume.ts): what a home holds for that account, and must hold no more of.
 */
export function sessionVolumeSet(volume: string, noexec = true): string[] {
  return noexec ? [volume, ...VOLUME_PARTS.map((part) => volumePartName(volume, part))].sort() : [volume];
}

export async function networksOfHome(homeId: string) {
  return docker.listNetworks({ filters: { label: ['slicedeck.managed=true', `slicedeck.home=${homeId}`] } });
}

/** Removes everything labelled with this home: containers first, then volumes and the slice network. */
export async function removeHome(homeId: string): Promise<void> {
  for (const container of await containersOfHome(homeId)) {
    await docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined);
  }
  for (const name of await volumesOfHome(homeId)) {
    await docker.getVolume(name).remove().catch(() => undefined);
  }
  // Docker's address pool holds a few dozen networks: never leave one behind.
  for (const network of await networksOfHome(homeId)) {
    await docker.getNetwork(network.Id).remove().catch(() => undefined);
  }
}

export async function imagePresent(image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a command in a container (`docker exec`) and returns its stdout (and its stderr
 * with `stderr: true`); `engine`: another engine than the main one (a swarm node's).
 */
export async function execIn(containerId: string, cmd: string[], opts: { engine?: Docker; stderr?: boolean } = {}): Promise<string> {
  const run = await (opts.engine ?? docker).getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await run.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  // Multiplexed stream: 8-byte frame headers (type 1 stdout, 2 stderr, then the size).
  const kept = opts.stderr ? [1, 2] : [1];
  let pending = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      if (kept.includes(pending[0]!)) out.push(pending.subarray(8, 8 + size));
      pending = pending.subarray(8 + size);
    }
  });
  await done;
  return Buffer.concat(out).toString('utf8');
}

/** A `node -e` script that tries one URL and prints REACHED <status> <body> or BLOCKED <code> (bounded by a 3 s timeout). */
export function fetchScript(url: string): string {
  return `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(3000) }).then(async (r) => console.log('REACHED', r.status, await r.text()), (e) => console.log('BLOCKED', e.cause?.code ?? e.name))`;
}

/** Docker's multiplexed log or exec output (frames of an 8-byte header: stream, 0, 0, 0, size BE; then the payload) as text. */
export function demuxDockerStream(buffer: Buffer): string {
  let text = '';
  for (let at = 0; at + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(at + 4);
    text += buffer.subarray(at + 8, at + 8 + size).toString('utf8');
    at += 8 + size;
  }
  return text;
}
