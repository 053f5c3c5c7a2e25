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
