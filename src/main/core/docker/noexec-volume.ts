/**
 * A session volume mounted `noexec,nosuid,nodev` (issue 19, finding 7). Docker 20.10's
 * `local` driver drops those flags on a bind (`-o o=bind,noexec` mounts exec: it
 * remounts a bind only to make it read-only), but applies them to any other mount.
 * So the account's volume is an **overlay** whose layers are three plain volumes of
 * the same engine — `<name>-lower` (empty), `<name>-upper` (the files), `<name>-work`
 * (overlay's scratch) — whose directories the engine itself makes: nothing is created
 * on the engine's host by us, and it works the same on a remote engine. Measured:
 * a copied `node` in /data fails with EACCES; Chromium's profile there works.
 */
export const VOLUME_PARTS = ['lower', 'upper', 'work'] as const;
export type VolumePart = (typeof VOLUME_PARTS)[number];

/** Marks a layer volume (its value: which layer), so nothing mistakes it for a session volume. */
export const VOLUME_PART_LABEL = 'slicedeck.volume-part';

export function volumePartName(name: string, part: VolumePart): string {
  return `${name}-${part}`;
}

/** The session volume a listed volume belongs to: itself, or for a layer (its part label) the name without the suffix. */
export function sessionVolumeOf(name: string, partLabel: string | undefined): string {
  const part = VOLUME_PARTS.find((p) => p === partLabel);
  return part && name.endsWith(`-${part}`) ? name.slice(0, -(part.length + 1)) : name;
}

/** The `local` driver's options for the overlay over the three layers' directories on the engine's host. */
export function noexecVolumeOptions(paths: Record<VolumePart, string>): Record<string, string> {
  return {
    type: 'overlay',
    device: 'overlay',
    o: `lowerdir=${paths.lower},upperdir=${paths.upper},workdir=${paths.work},noexec,nosuid,nodev`,
  };
}
