/**
 * Wires one slice together from its config: the driver (simulated or the real
 * whatsapp-web.js), the InstanceManager and the HTTP server. Used by `main.ts`
 * and by tests, which run the very same slice in-process.
 */
import { join } from 'node:path';
import { proxyAddress } from '@shared/proxy';
import type { SliceConfig } from './config';
import { createSimulatedBackend, SimulatedSessionDir, type SimulatorControls } from './drivers/simulated';
import { createWwebjsFactory, sanitizeClientId } from './drivers/wwebjs';
import { InstanceManager, type Logger } from './instance-manager';
import { createSliceServer, type SliceServer } from './server';

export interface SliceApp {
  manager: InstanceManager;
  server: SliceServer;
  close(): Promise<void>;
}

export async function createSliceApp(config: SliceConfig, options: { log?: Logger; heartbeatMs?: number } = {}): Promise<SliceApp> {
  // One driver over either client: the stand-in (simulated) or the real whatsapp-web.js,
  // which the driver imports only when it builds a real client (the node-only image has none).
  let simulator: SimulatorControls | undefined;
  let factory;
  if (config.driver === 'simulated') {
    // The stand-in keeps its link where LocalAuth would: AUTH_BASE_DIR/<clientId>/session-<clientId>.
    const clientId = sanitizeClientId(config.instanceId);
    const backend = createSimulatedBackend(config.simulated, config.qr, config.instanceId, new SimulatedSessionDir(join(config.authBaseDir, clientId), clientId));
    simulator = backend.controls;
    factory = createWwebjsFactory(config, options.log, backend.createClient);
  } else {
    factory = createWwebjsFactory(config, options.log);
  }
  // The address only, never the login. The simulated phone makes no browser traffic: nothing
  // of it goes through the proxy — each start only probes that the proxy would open a tunnel
  // to WhatsApp Web (proxy-probe.ts). Said once, plainly, rather than pretended.
  if (config.proxy) {
    options.log?.({
      event: 'proxy',
      proxy: proxyAddress(config.proxy),
      login: config.proxy.username !== undefined,
      carries: config.driver === 'simulated' ? 'a probe only (the simulated driver makes no browser traffic)' : "Chromium's traffic",
    });
  }
  const manager = new InstanceManager({ driverName: config.driver, factory, config: config.manager, ...(options.log ? { log: options.log } : {}) });
  const server = createSliceServer({
    token: config.token,
    manager,
    driverName: config.driver,
    instanceId: config.instanceId,
    ...(simulator ? { simulator } : {}),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    manager,
    server,
    async close() {
      await server.close();
      await manager.close();
    },
  };
}
