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

/** Words when `user`'s uid is a host account's or in a subordinate range; null when it is no one's. */
export function sliceUidWarning(user: SliceUser, image: string, files = { subuid: '/etc/subuid', subgid: '/etc/subgid' }): string | null {
  const account = accountOfUid(user.uid);
  if (account) {
    return (
      `The slices run as uid ${user.uid} (image ${image}), and the host account "${account}" has that uid: it can read every linked ` +
      `account's WhatsApp session and slice token through /proc, and stop any slice. ${REBUILD}; or give "${account}" another uid. ` +
      `Until then, treat "${account}" as able to read your accounts.`
    );
  }
  for (const file of [files.subuid, files.subgid]) {
    const range = subordinateRanges(file).find((r) => user.uid >= r.from && user.uid < r.from + r.count);
    if (range) {
      return (
        `The slices run as uid ${user.uid} (image ${image}), which lies in the subordinate id range of "${range.owner}" in ${file} ` +
        `(${range.from}–${range.from + range.count - 1}): "${range.owner}" can become that uid in a user namespace and read the slices' sessions. ${REBUILD}.`
      );
    }
  }
  return null;
}
