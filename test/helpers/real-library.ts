/**
 * The rig of every test of the real whatsapp-web.js: the Chromium slice image driven by a
 * real core, its Chromium sent to a stand-in WhatsApp Web on the slices' bridge gateway
 * (test/standin-whatsapp/README.md) through the setting an operator would use
 * (SLICEDECK_CHROMIUM_ARGS, parsed as the host parses it). Taking it down leaves nothing of
 * its home behind, or says what it left.
 */
import { loadConfig, type CoreConfig } from '../../src/main/core/config';
import { makeTestCore, type TestCore } from './core';
import { containersOfHome } from './docker';
import { ensureChromiumImage } from './images';
import { bridgeGatewayAddress, SLICE_NETWORK } from '../standin-whatsapp/gateway';
import { StandinWhatsApp, type StandinOptions } from '../standin-whatsapp/server';

export interface RealLibraryRig {
  standin: StandinWhatsApp;
  t: TestCore;
  homeId: string;
}

/** `rig.alsoReachable`: addresses the slices' Chromium may reach besides the stand-in (an account's proxy on the gateway). */
export async function startRealLibraryRig(standinOptions: Omit<StandinOptions, 'host'>, core: Partial<CoreConfig> = {}, rig: { alsoReachable?: string[] } = {}): Promise<RealLibraryRig> {
  const image = await ensureChromiumImage();
  const standin = await StandinWhatsApp.start({ host: await bridgeGatewayAddress(SLICE_NETWORK), ...standinOptions });
  const { chromiumExtraArgs } = loadConfig({ HOME: '/nowhere', SLICEDECK_CHROMIUM_ARGS: JSON.stringify(standin.chromiumArgs(rig.alsoReachable)) });
  // The stand-in holds its last code; the host's clock must not end the attempt first. Chromium wants room.
  const t = await makeTestCore({ driver: 'whatsapp-web.js', image, chromiumExtraArgs, qrTtlMs: 30_000, sliceMemoryBytes: 1024 * 1024 * 1024, ...core });
  return { standin, t, homeId: t.homeId };
}

export async function stopRealLibraryRig(rig: Partial<RealLibraryRig> | undefined): Promise<void> {
  await rig?.t?.cleanup();
  await rig?.standin?.close();
  if (rig?.homeId) {
    const left = await containersOfHome(rig.homeId);
    if (left.length > 0) throw new Error(`cleanup left ${left.length} container(s) of home ${rig.homeId}`);
  }
}
