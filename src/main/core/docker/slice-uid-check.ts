/**
 * The start-up check of issue 19: the slices' uid (their image's label) must be no
 * host account's. An account with that uid can open /proc/<slice pid>/root of any
 * dumpable slice process and read the session and token, and can signal every slice;
 * a subordinate range (/etc/subuid) that holds it lets its owner become that uid.
 * The words go to system.status (the panel's banner) and the log.
 */
import { accountOfUid, subordinateRanges } from '../secrets/host-accounts';
import type { SliceUser } from './slice-user';

const REBUILD = 'Build the slice image again (the panel\'s Build image, or `npm run slice:image`): the build picks a uid no account has';

/** Docker's own account for `userns-remap: default`; its range in /etc/subuid is where container uids land. */
const REMAP_USER = 'dockremap';

/**
 * The host uid the slices' processes have: the image's uid, or — where the engine remaps
 * user namespaces (`remapped`) — that uid moved into dockremap's subordinate range.
 * Null when remapped to a range this machine's /etc/subuid does not show (another remap user).
 */
export function hostUidOfSlices(user: SliceUser, remapped: boolean, subuid = '/etc/subuid'): number | null {
  if (!remapped) return user.uid;
  const range = subordinateRanges(subuid).find((r) => r.owner === REMAP_USER);
  return range && user.uid < range.count ? range.from + user.uid : null;
}

/**
 * Words when the slices' host uid is a host account's or in someone's subordinate range;
 * null when it is no one's. With user-namespace remapping the check is made on the
 * remapped uid (the remapping stays: it is one more wall).
 */
export function sliceUidWarning(user: SliceUser, image: string, files = { subuid: '/etc/subuid', subgid: '/etc/subgid' }, remapped = false): string | null {
  const hostUid = hostUidOfSlices(user, remapped, files.subuid);
  if (hostUid === null) return null;
  if (hostUid !== user.uid) return sliceUidWarning({ ...user, uid: hostUid }, image, files);
  const account = accountOfUid(user.uid);
  if (account) {
    return (
      `The slices run as uid ${user.uid} (image ${image}), and the host account "${account}" has that uid: it can read every linked ` +
      `account's WhatsApp session and slice token through /proc, and stop any slice. ${REBUILD}; or give "${account}" another uid. ` +
      `Until then, treat "${account}" as able to read your accounts.`
    );
  }
  for (const file of [files.subuid, files.subgid]) {
    const range = subordinateRanges(file).find((r) => r.owner !== REMAP_USER && user.uid >= r.from && user.uid < r.from + r.count);
    if (range) {
      return (
        `The slices run as uid ${user.uid} (image ${image}), which lies in the subordinate id range of "${range.owner}" in ${file} ` +
        `(${range.from}–${range.from + range.count - 1}): "${range.owner}" can become that uid in a user namespace and read the slices' sessions. ${REBUILD}.`
      );
    }
  }
  return null;
}
