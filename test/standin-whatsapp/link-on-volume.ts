/**
 * Whether the stand-in's link has reached the account's volume. The page writes half of it
 * to localStorage (as WhatsApp Web does), which Chromium commits to the profile seconds
 * after the write, or at a clean exit; a slice killed before that (a SIGKILL teardown)
 * loses the link. A test that pins a restore, not the teardown, waits for it first.
 */
import { AUTH_MOUNT_DIR } from '../../src/main/core/slices/slice-spec';
import { containersOfHome, execIn } from '../helpers/docker';

/** Bounded: 120 looks, 500 ms apart, at the running slice of `accountId`. */
export async function waitForLinkOnVolume(homeId: string, accountId: string): Promise<void> {
  const [container] = await containersOfHome(homeId, { accountId, all: false });
  if (!container) throw new Error(`no running slice for account ${accountId}`);
  const script = `grep -rlF WAWebEncKeySalt ${AUTH_MOUNT_DIR}/*/session-*/Default/"Local Storage" >/dev/null 2>&1 && echo ON_VOLUME || echo NOT_YET`;
  for (let attempt = 0; attempt < 120; attempt++) {
    if ((await execIn(container.Id, ['sh', '-c', script])).includes('ON_VOLUME')) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the linked session’s localStorage never reached the volume within 60 s');
}
