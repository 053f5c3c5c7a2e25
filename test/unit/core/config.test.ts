import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { defaultDataDir, defaultSliceCpus, loadConfig, parsePortRange } from '../../../src/main/core/config';

describe('loadConfig', () => {
  it('gives the documented defaults when nothing is set', () => {
    const config = loadConfig({ HOME: '/home/op' });
    expect(config.driver).toBe('whatsapp-web.js');
    expect(config.qrCodes).toBe(3);
    expect(config.qrTtlMs).toBe(20_000);
    // WhatsApp's first code lives ~60 s; a phone that scanned gets 60 s to finish logging in.
    expect(config.qrFirstTtlMs).toBe(60_000);
    expect(config.qrScanGraceMs).toBe(60_000);
    expect(config.simContacts).toBe(25);
    expect(config.portRange).toEqual({ from: 47100, to: 47299 });
    // The real driver needs the image that carries Chromium.
    expect(config.image).toBe('slicedeck-slice:chromium');
    expect(config.dataDir).toBe(defaultDataDir({ HOME: '/home/op' }));
    expect(config.runtime).toBe('docker');
    // A fraction of this host, not a whole core whatever its size (issue 19).
    expect(config.sliceCpus).toBe(defaultSliceCpus(availableParallelism()));
  });

  it("limits a slice to a quarter of the host's cores by default, at most 1 (half a core on a 2-core machine)", () => {
    expect([1, 2, 3, 4, 8, 64].map((cores) => defaultSliceCpus(cores))).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    expect(loadConfig({ HOME: '/home/op', SLICEDECK_SLICE_CPUS: '1.5' }).sliceCpus).toBe(1.5);
  });

  it('chooses the runtime with SLICEDECK_RUNTIME', () => {
    expect(loadConfig({ HOME: '/home/op', SLICEDECK_RUNTIME: 'swarm' }).runtime).toBe('swarm');
    expect(loadConfig({ HOME: '/home/op', SLICEDECK_RUNTIME: ' docker ' }).runtime).toBe('docker');
  });

  it('picks the node-only image for the simulated driver', () => {
    expect(loadConfig({ HOME: '/home/op', SLICEDECK_DRIVER: 'simulated' }).image).toBe('slicedeck-slice:latest');
  });

  it('reads every SLICEDECK_* setting it documents', () => {
    const config = loadConfig({
      SLICEDECK_DATA_DIR: '/tmp/sd',
      SLICEDECK_DRIVER: 'simulated',
      SLICEDECK_QR_CODES: '5',
      SLICEDECK_QR_TTL_MS: '400',
      SLICEDECK_QR_FIRST_TTL_MS: '900',
      SLICEDECK_QR_SCAN_GRACE_MS: '0',
      SLICEDECK_SIM_CONTACTS: '7',
      SLICEDECK_SIM_CONTACT_INTERVAL_MS: '15',
      SLICEDECK_PORT_RANGE: '50000-50009',
      SLICEDECK_IMAGE: 'my/slice:dev',
      SLICEDECK_STAGE_TIMEOUT_MS: '5000',
      SLICEDECK_SLICE_MEMORY_MB: '300',
      SLICEDECK_SLICE_PIDS_LIMIT: '100',
    });
    expect(config).toMatchObject({
      dataDir: '/tmp/sd',
      driver: 'simulated',
      qrCodes: 5,
      qrTtlMs: 400,
      qrFirstTtlMs: 900,
      qrScanGraceMs: 0,
      simContacts: 7,
      simContactIntervalMs: 15,
      portRange: { from: 50000, to: 50009 },
      image: 'my/slice:dev',
      sliceMemoryBytes: 300 * 1024 * 1024,
      slicePidsLimit: 100,
    });
    expect(config.stageTimeoutsMs.waiting_for_health).toBe(5000);
  });

  it('samples Docker stats every 2 s for 30 s after a request, keeping 60 points, unless told otherwise', () => {
    expect(loadConfig({ HOME: '/home/op' })).toMatchObject({ statsIntervalMs: 2_000, statsInterestMs: 30_000, statsHistory: 60 });
    expect(
      loadConfig({ HOME: '/home/op', SLICEDECK_STATS_INTERVAL_MS: '5000', SLICEDECK_STATS_INTEREST_MS: '60000', SLICEDECK_STATS_HISTORY: '120' }),
    ).toMatchObject({ statsIntervalMs: 5_000, statsInterestMs: 60_000, statsHistory: 120 });
  });

  it('lets explicit overrides win over the environment', () => {
    expect(loadConfig({ SLICEDECK_QR_CODES: '4' }, { qrCodes: 2 }).qrCodes).toBe(2);
  });

  it.each([
    ['SLICEDECK_DRIVER', 'puppeteer', /SLICEDECK_DRIVER.*simulated, whatsapp-web\.js/],
    ['SLICEDECK_RUNTIME', 'kubernetes', /SLICEDECK_RUNTIME="kubernetes" is not valid: use one of docker, swarm/],
    ['SLICEDECK_QR_CODES', 'three', /SLICEDECK_QR_CODES.*whole number from 1 to 20/],
    ['SLICEDECK_QR_CODES', '0', /SLICEDECK_QR_CODES/],
    ['SLICEDECK_QR_TTL_MS', '-5', /SLICEDECK_QR_TTL_MS/],
    ['SLICEDECK_QR_TTL_MS', '1.5', /SLICEDECK_QR_TTL_MS/],
    ['SLICEDECK_QR_FIRST_TTL_MS', '50', /SLICEDECK_QR_FIRST_TTL_MS/],
    ['SLICEDECK_QR_SCAN_GRACE_MS', 'a minute', /SLICEDECK_QR_SCAN_GRACE_MS/],
    ['SLICEDECK_PORT_RANGE', '47299-47100', /SLICEDECK_PORT_RANGE.*FROM-TO/],
    ['SLICEDECK_PORT_RANGE', '80-90', /SLICEDECK_PORT_RANGE/],
    ['SLICEDECK_PORT_RANGE', '47100-70000', /SLICEDECK_PORT_RANGE/],
    ['SLICEDECK_PORT_RANGE', 'lots', /SLICEDECK_PORT_RANGE/],
    ['SLICEDECK_IMAGE', '--privileged', /SLICEDECK_IMAGE/],
    ['SLICEDECK_SLICE_MEMORY_MB', '1', /SLICEDECK_SLICE_MEMORY_MB.*64/],
    // Faster than this would hammer the engine (each stats call already spans ~1 s of Docker's sampling).
    ['SLICEDECK_STATS_INTERVAL_MS', '10', /SLICEDECK_STATS_INTERVAL_MS.*250/],
    ['SLICEDECK_STATS_INTERVAL_MS', 'often', /SLICEDECK_STATS_INTERVAL_MS/],
    ['SLICEDECK_STATS_HISTORY', '1', /SLICEDECK_STATS_HISTORY.*2 to 10000/],
  ])('refuses %s=%s with words naming the variable', (variable, value, words) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(words);
  });
});

describe('parsePortRange', () => {
  it('accepts a range or a single port', () => {
    expect(parsePortRange('47100-47299')).toEqual({ from: 47100, to: 47299 });
    expect(parsePortRange(' 50000 - 50001 ')).toEqual({ from: 50000, to: 50001 });
    expect(parsePortRange('50000')).toEqual({ from: 50000, to: 50000 });
  });
});

describe('defaultDataDir', () => {
  it('is the platform app-data folder', () => {
    expect(defaultDataDir({ HOME: '/home/op' }, 'linux')).toBe('/home/op/.config/slicedeck');
    expect(defaultDataDir({ HOME: '/home/op', XDG_CONFIG_HOME: '/xdg' }, 'linux')).toBe('/xdg/slicedeck');
    expect(defaultDataDir({ HOME: '/Users/op' }, 'darwin')).toBe('/Users/op/Library/Application Support/slicedeck');
    expect(defaultDataDir({ HOME: 'C:\\Users\\op', APPDATA: 'C:\\Users\\op\\AppData\\Roaming' }, 'win32')).toMatch(/Roaming.slicedeck$/);
  });
});
