/**
 * The liveness probe's rule (issue 9, part 4), on the InstanceManager with the real
 * driver over the stand-in Client: one probe that fails is forgiven (WhatsApp Web
 * reloads itself now and then, notably minutes after a fresh pairing, and a page
 * mid-reload does not answer); two in a row mean deaf → the restart ladder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SliceEvent } from '@shared/slice-protocol';
import { loadSliceConfig } from '../../../src/slice/config';
import { createSimulatedBackend } from '../../../src/slice/drivers/simulated';
import { createWwebjsFactory } from '../../../src/slice/drivers/wwebjs';
import type { DriverFactory } from '../../../src/slice/drivers/driver';
import { InstanceManager, type LogEntry } from '../../../src/slice/instance-manager';
import { FAST_ENV } from './harness';

const PROBE_MS = 100;
let manager: InstanceManager | null = null;
afterEach(async () => {
  await manager?.close();
  manager = null;
});

/** A linked manager whose probes fail `failures` times in a row (then answer), as a reloading page does. */
async function linked(failures: number) {
  const config = loadSliceConfig({ ...FAST_ENV, SLICE_INSTANCE_ID: 'liveness', QR_FIRST_TTL_MS: '5000', SIM_CONTACTS: '3', SIM_CONTACT_INTERVAL_MS: '5', SIM_LINK_DELAY_MS: '5' });
  const backend = createSimulatedBackend(config.simulated, config.qr, config.instanceId);
  const base = createWwebjsFactory(config, undefined, backend.createClient);
  let left = failures;
  let armed = false;
  const factory: DriverFactory = (sink) => {
    const driver = base(sink);
    const probe = driver.probe!.bind(driver);
    driver.probe = async (ms) => {
      if (armed && left > 0) {
        left--;
        throw new Error('Execution context was destroyed, most likely because of a navigation.');
      }
      return probe(ms);
    };
    return driver;
  };
  const logs: LogEntry[] = [];
  manager = new InstanceManager({
    driverName: 'simulated',
    factory,
    config: { readyTimeoutMs: 2_000, restartBackoffMs: 10, maxRestartsPerWindow: 5, windowMs: 600_000, livenessProbeMs: PROBE_MS },
    log: (entry) => logs.push(entry),
  });
  const events: SliceEvent[] = [];
  manager.subscribe((event) => events.push(event));
  const ready = manager.whenReady(5_000);
  manager.initialize();
  await new Promise<void>((resolve) => {
    const stop = manager!.subscribe((event) => {
      if (event.type === 'qr') {
        stop();
        resolve();
      }
    });
  });
  backend.controls.scan();
  await ready;
  armed = true;
  return { logs, events };
}

const deafTransitions = (logs: LogEntry[]) => logs.filter((e) => e.event === 'transition' && e.transition === 'client_deaf');

describe('liveness probe', () => {
  it('forgives one failed probe (a page reloading): no restart, still ready', async () => {
    const { logs } = await linked(1);
    await new Promise((resolve) => setTimeout(resolve, 8 * PROBE_MS));
    expect(logs.filter((e) => e.event === 'liveness_probe_failed')).toHaveLength(1);
    expect(deafTransitions(logs)).toEqual([]);
    expect(manager!.state).toBe('ready');
  });

  it('two failed probes in a row: deaf, restarted through the ladder, ready again', async () => {
    const { logs, events } = await linked(2);
    await manager!.whenReady(100).catch(() => undefined);
    const deadline = Date.now() + 5_000;
    while (deafTransitions(logs).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(deafTransitions(logs)).toHaveLength(1);
    expect(events.some((e) => e.type === 'disconnected' && /stopped answering/.test(e.data.reason))).toBe(true);
    await manager!.whenReady(5_000);
    expect(logs.some((e) => e.event === 'transition' && e.transition === 'reconnect_soft')).toBe(true);
  });
});
