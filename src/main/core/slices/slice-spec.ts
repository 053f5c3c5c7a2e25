/** What a new slice container is made of, from the host's configuration. */
import { DEFAULT_MEDIA_MAX_BYTES, SLICE_ENV, SLICE_INTERNAL_PORT, sliceShutdownMs } from '@shared/slice-protocol';
import type { CoreConfig } from '../config';
import { authVolumeName, sliceNetworkName } from '../docker/labels';
import type { SliceSpec } from '../docker/runtime';

export const AUTH_MOUNT_DIR = '/data/auth';

export function buildSliceSpec(config: CoreConfig, ids: { homeId: string; accountId: string; sliceId: string; port: number; token: string }): SliceSpec {
  return {
    homeId: ids.homeId,
    accountId: ids.accountId,
    sliceId: ids.sliceId,
    image: config.image,
    port: ids.port,
    memoryBytes: config.sliceMemoryBytes,
    pidsLimit: config.slicePidsLimit,
    cpus: config.sliceCpus,
    volume: authVolumeName(ids.homeId, ids.accountId),
    network: sliceNetworkName(ids.homeId),
    token: ids.token,
    env: {
      [SLICE_ENV.port]: String(SLICE_INTERNAL_PORT),
      [SLICE_ENV.driver]: config.driver,
      // The account id, not the slice id: LocalAuth's clientId must survive re-created slices.
      [SLICE_ENV.instanceId]: ids.accountId,
      [SLICE_ENV.qrCodes]: String(config.qrCodes),
      [SLICE_ENV.qrTtlMs]: String(config.qrTtlMs),
      [SLICE_ENV.qrFirstTtlMs]: String(config.qrFirstTtlMs),
      [SLICE_ENV.qrScanGraceMs]: String(config.qrScanGraceMs),
      [SLICE_ENV.simContacts]: String(config.simContacts),
      [SLICE_ENV.simContactIntervalMs]: String(config.simContactIntervalMs),
      [SLICE_ENV.simLinkDelayMs]: String(config.simLinkDelayMs),
      [SLICE_ENV.simReplyDelayMs]: String(config.simReplyDelayMs),
      [SLICE_ENV.simAckDelayMs]: String(config.simAckDelayMs),
      [SLICE_ENV.simCloseMs]: String(config.simCloseMs),
      [SLICE_ENV.livenessProbeMs]: String(config.livenessProbeMs),
      [SLICE_ENV.pairingCodeTtlMs]: String(config.pairingCodeTtlMs),
      [SLICE_ENV.authBaseDir]: AUTH_MOUNT_DIR,
      // Only when not the default (the slice's own), so the spec hash of every other slice stays what it was.
      ...(config.mediaMaxBytes !== DEFAULT_MEDIA_MAX_BYTES ? { [SLICE_ENV.mediaMaxBytes]: String(config.mediaMaxBytes) } : {}),
      // Only when not the default, so the spec hash of every other slice stays what it was.
      ...(config.simRestoreSync !== 'after_listener' ? { [SLICE_ENV.simRestoreSync]: config.simRestoreSync } : {}),
      // The simulated account's size, only when set (the spec hash of every other slice stays what it was).
      ...(config.simChats > 0 ? { [SLICE_ENV.simChats]: String(config.simChats) } : {}),
      ...(config.simLastMessageChars > 0 ? { [SLICE_ENV.simLastMessageChars]: String(config.simLastMessageChars) } : {}),
      ...(config.simHistoryMessages > 0 ? { [SLICE_ENV.simHistoryMessages]: String(config.simHistoryMessages) } : {}),
      // The slice's own bound on closing its browser, below the host's stop grace (then SIGKILL).
      [SLICE_ENV.shutdownMs]: String(sliceShutdownMs(config.stopGraceMs)),
      // Only when set, so the spec hash of every slice without extra flags stays what it was.
      ...(config.chromiumExtraArgs.length > 0 ? { [SLICE_ENV.chromiumExtraArgs]: JSON.stringify(config.chromiumExtraArgs) } : {}),
    },
  };
}
