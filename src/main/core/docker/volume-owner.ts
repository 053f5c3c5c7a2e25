/**
 * Session volumes made before the slice's uid was chosen per image (issue 19) belong
 * to the old uid 10001 — or, after a rebuild that had to pick another uid, to that one:
 * the new slice user could not read its own session. Before a slice starts on a volume
 * that existed before this host process saw it, a one-shot container of the same image,
 * as root with only the capabilities chown needs, no network and a read-only root,
 * gives everything in the volume to the slice's uid. Volumes this process created are
 * skipped (Docker fills an empty volume from the image's /data, already the right
 * owner), and each volume is adopted once per host process and uid.
 */
import type Docker from 'dockerode';
import { SlicedeckError } from '@shared/errors';
import type { SliceUser } from './slice-user';

/** Marks the one-shot container (removed right after it exits); a host that dies meanwhile leaves it stopped, harmless. */
export const ADOPT_LABEL = 'slicedeck.volume-adopt';
const ADOPT_TIMEOUT_MS = 60_000;

/** Walks /data without following links and lchowns what is not the slice's yet; prints how many it changed. */
const CHOWN_SCRIPT = `
const fs = require('fs'); const path = require('path');
const uid = Number(process.argv[1]); let changed = 0;
const walk = (p) => { const s = fs.lstatSync(p); if (s.uid !== uid || s.gid !== uid) { fs.lchownSync(p, uid, uid); changed++; }
  if (s.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name)); };
walk('/data'); console.log(JSON.stringify({ changed }));`;

export class VolumeOwners {
  private readonly done = new Set<string>();

  constructor(private readonly engine: () => Docker) {}

  /** Volumes this process made: Docker fills them from the image's /data, already the slice user's. */
  private readonly freshVolumes = new Set<string>();

  fresh(volume: string): void {
    this.freshVolumes.add(volume);
  }

  async adopt(volume: string, image: string, user: SliceUser, homeId: string): Promise<void> {
    const key = `${volume}\0${user.uid}`;
    if (!user.labelled || this.done.has(key) || this.freshVolumes.has(volume)) return;
    const engine = this.engine();
    let container: Docker.Container | null = null;
    try {
      container = await engine.createContainer({
        Image: image,
        User: '0:0',
        Entrypoint: ['/usr/local/bin/node'],
        Cmd: ['-e', CHOWN_SCRIPT, String(user.uid)],
        // The home label too, so that whatever cleans a home's containers (the tests' removeHome) finds a leftover.
        Labels: { [ADOPT_LABEL]: homeId, 'slicedeck.home': homeId },
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: 'none',
          CapDrop: ['ALL'],
          // Root without DAC_OVERRIDE/DAC_READ_SEARCH could not walk the old user's 0700 folders.
          CapAdd: ['CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER'],
          SecurityOpt: ['no-new-privileges'],
          ReadonlyRootfs: true,
          Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }],
        },
      });
      await container.start();
      const waited = (await Promise.race([
        container.wait(),
        new Promise((resolve) => setTimeout(() => resolve(null), ADOPT_TIMEOUT_MS).unref()),
      ])) as { StatusCode?: number } | null;
      if (!waited || waited.StatusCode !== 0) {
        throw new SlicedeckError(
          'slice_failed',
          `The session volume ${volume} belongs to an older slice user and could not be given to the current one (uid ${user.uid}): ${waited ? `exit ${waited.StatusCode}` : 'no answer in time'}. Try Connect again; if it keeps failing, Log out and link the account again.`,
        );
      }
      this.done.add(key);
    } finally {
      await container?.remove({ force: true }).catch(() => undefined);
    }
  }
}
