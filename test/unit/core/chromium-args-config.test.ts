/**
 * SLICEDECK_CHROMIUM_ARGS: extra Chromium flags (a proxy, a resolver rule) that the host
 * validates at start-up and hands to every slice as CHROMIUM_EXTRA_ARGS.
 */
import { describe, expect, it } from 'vitest';
import { SLICE_ENV } from '@shared/slice-protocol';
import { loadConfig } from '../../../src/main/core/config';
import { buildSliceSpec } from '../../../src/main/core/slices/slice-spec';

const ids = { homeId: 'home1', accountId: 'acc1', sliceId: 'slc1', port: 47100, token: 't'.repeat(43) };

describe('SLICEDECK_CHROMIUM_ARGS', () => {
  it('is no extra flags when unset or blank', () => {
    expect(loadConfig({ HOME: '/home/op' }).chromiumExtraArgs).toEqual([]);
    expect(loadConfig({ HOME: '/home/op', SLICEDECK_CHROMIUM_ARGS: '  ' }).chromiumExtraArgs).toEqual([]);
  });

  it('reads a JSON array of flags, spaces inside a flag kept', () => {
    const flags = ['--proxy-server=http://proxy:3128', '--host-resolver-rules=MAP web.whatsapp.com 172.17.0.1:8443, MAP * ~NOTFOUND', '--ignore-certificate-errors'];
    expect(loadConfig({ HOME: '/home/op', SLICEDECK_CHROMIUM_ARGS: JSON.stringify(flags) }).chromiumExtraArgs).toEqual(flags);
  });

  it.each([
    ['--proxy-server=http://proxy:3128', /not JSON.*JSON array of Chromium flags.*--proxy-server/],
    ['{"proxy":"x"}', /not a JSON array/],
    ['"--proxy-server=x"', /not a JSON array/],
    ['[3128]', /item 1 is not a string/],
    ['["--ok", "proxy:3128"]', /item 2 .*does not start with "--"/],
    ['["-v"]', /item 1 .*does not start with "--"/],
    ['["--a\\nb"]', /control character/],
    [JSON.stringify(Array.from({ length: 33 }, (_, i) => `--flag-${i}`)), /33 flags; at most 32/],
    [JSON.stringify([`--x=${'a'.repeat(1100)}`]), /longer than 1024/],
  ])('refuses %s with words naming the variable and what it accepts', (raw, words) => {
    expect(() => loadConfig({ HOME: '/home/op', SLICEDECK_CHROMIUM_ARGS: raw })).toThrow(/SLICEDECK_CHROMIUM_ARGS=.* is not valid/);
    expect(() => loadConfig({ HOME: '/home/op', SLICEDECK_CHROMIUM_ARGS: raw })).toThrow(words);
  });

  it('reaches every slice as CHROMIUM_EXTRA_ARGS (a JSON array), and is absent when there are none', () => {
    const flags = ['--proxy-server=http://proxy:3128'];
    const withFlags = buildSliceSpec(loadConfig({ HOME: '/home/op', SLICEDECK_CHROMIUM_ARGS: JSON.stringify(flags) }), ids);
    expect(SLICE_ENV.chromiumExtraArgs).toBe('CHROMIUM_EXTRA_ARGS');
    expect(JSON.parse(withFlags.env.CHROMIUM_EXTRA_ARGS!)).toEqual(flags);
    const without = buildSliceSpec(loadConfig({ HOME: '/home/op' }), ids);
    expect(without.env).not.toHaveProperty('CHROMIUM_EXTRA_ARGS');
  });
});
