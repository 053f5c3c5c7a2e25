/**
 * Ownership labels on everything slicedeck creates. Docker owns what exists;
 * these labels let the reconciler find this home's containers and volumes
 * (and never another install's, which carry a different `slicedeck.home`).
 */
export const LABELS = {
  managed: 'slicedeck.managed',
  home: 'slicedeck.home',
  sliceId: 'slicedeck.slice-id',
  accountId: 'slicedeck.account-id',
} as const;

export function homeFilter(homeId: string): string[] {
  return [`${LABELS.managed}=true`, `${LABELS.home}=${homeId}`];
}

export function containerName(homeId: string, sliceId: string): string {
  return `slicedeck-${homeId.slice(0, 8)}-${sliceId}`;
}

/** One named volume per account keeps its WhatsApp session (LocalAuth) across slices. */
export function authVolumeName(homeId: string, accountId: string): string {
  return `slicedeck-auth-${homeId}-${accountId}`;
}

/** The labels of an account's session volume: the reconciler finds it by home, and knows whose it is. */
export function volumeLabels(homeId: string, accountId: string): Record<string, string> {
  return { [LABELS.managed]: 'true', [LABELS.home]: homeId, [LABELS.accountId]: accountId };
}

/**
 * The user-defined bridge network of one data dir: its slices sit on it with
 * inter-container traffic off, so one slice cannot reach another.
 */
export function sliceNetworkName(homeId: string): string {
  return `slicedeck-net-${homeId}`;
}

/**
 * Swarm only: the node-local network (config-only) that the home's swarm-scoped slice
 * network takes its settings from on each node: inter-container traffic off.
 */
export function sliceNetworkConfigName(homeId: string): string {
  return `slicedeck-netcfg-${homeId}`;
}

/** Swarm only: the secret holding one slice's bearer token (Swarm caps names at 64 characters). */
export function tokenSecretName(homeId: string, sliceId: string): string {
  return `slicedeck-tok-${homeId}-${sliceId}`;
}
