/**
 * Which uid a slice runs as, and whether its image brings its own init. Both are
 * chosen when the image is built (scripts/slice-image.mjs: a uid no host account has,
 * outside the machine's login and subordinate-id ranges) and stored in the image as
 * labels; the host reads them from the image, so the container's user, its tmpfs
 * owners and its token file's owner are always the uid the image was built with.
 *
 * An image without the labels (a custom one, or one built before issue 19) runs as
 * the old fixed uid 10001 under Docker's init.
 */
import type Docker from 'dockerode';

export const SLICE_UID_LABEL = 'slicedeck.slice-uid';
/** The path of the image's own init, its entrypoint: execute-only, so the init is non-dumpable too. */
export const SLICE_INIT_LABEL = 'slicedeck.slice-init';

export interface SliceUser {
  uid: number;
  /** The image's entrypoint is its own init: Docker's (`HostConfig.Init`, a readable host binary) is not added. */
  ownInit: boolean;
  /** False: the image has no uid label, the old fixed uid is assumed. */
  labelled: boolean;
}

/** slicedeck's images before issue 19, and custom images without the label. */
export const LEGACY_SLICE_USER: SliceUser = { uid: 10001, ownInit: false, labelled: false };

/** ustar's uid field holds 7 octal digits (tokenArchive writes one). */
const MAX_UID = 0o7777777;

export function sliceUserOf(labels: Record<string, string> | null | undefined): SliceUser {
  const raw = labels?.[SLICE_UID_LABEL];
  if (!raw || !/^\d{1,7}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_UID) return LEGACY_SLICE_USER;
  return { uid: Number(raw), ownInit: Boolean(labels?.[SLICE_INIT_LABEL]), labelled: true };
}

/** True when the engine runs containers in a remapped user namespace (`dockerd --userns-remap`: SecurityOptions `name=userns`). */
export async function engineRemapsUsers(engine: Docker): Promise<boolean> {
  try {
    const info = (await engine.info()) as { SecurityOptions?: string[] };
    return (info.SecurityOptions ?? []).some((option) => /(^|,)name=userns(,|$)/.test(option));
  } catch {
    return false;
  }
}

/** The slice user of `image` as the engine has it; a missing image gives the legacy user (create then fails with words). */
export async function readSliceUser(engine: Docker, image: string): Promise<SliceUser> {
  try {
    const info = await engine.getImage(image).inspect();
    return sliceUserOf(info.Config?.Labels);
  } catch {
    return LEGACY_SLICE_USER;
  }
}
