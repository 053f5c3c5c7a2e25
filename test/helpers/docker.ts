/** Asks the real engine what exists, by this test home's labels. */
import Docker from 'dockerode';

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

/** Runs a command in a container (`docker exec`) and returns its stdout. */
export async function execIn(containerId: string, cmd: string[]): Promise<string> {
  const run = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await run.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  // Multiplexed stream: 8-byte frame headers; keep stdout (type 1).
  let pending = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      if (pending[0] === 1) out.push(pending.subarray(8, 8 + size));
      pending = pending.subarray(8 + size);
    }
  });
  await done;
  return Buffer.concat(out).toString('utf8');
}
