/** The slice's side of SLICEDECK_CHROMIUM_ARGS: CHROMIUM_EXTRA_ARGS, parsed at boot. */
import { describe, expect, it } from 'vitest';
import { loadSliceConfig, SliceConfigError } from '../../../src/slice/config';
import { FAST_ENV } from './harness';

describe('CHROMIUM_EXTRA_ARGS', () => {
  it('is no extra flags when unset', () => {
    expect(loadSliceConfig(FAST_ENV).chromiumExtraArgs).toEqual([]);
  });

  it('reads the JSON array the host passes', () => {
    const flags = ['--host-resolver-rules=MAP web.whatsapp.com 172.17.0.1:8443, MAP * ~NOTFOUND', '--ignore-certificate-errors'];
    expect(loadSliceConfig({ ...FAST_ENV, CHROMIUM_EXTRA_ARGS: JSON.stringify(flags) }).chromiumExtraArgs).toEqual(flags);
  });

  it.each([
    ['not json', /not JSON/],
    ['{}', /not a JSON array/],
    ['[1]', /item 1 is not a string/],
    ['["proxy"]', /does not start with "--"/],
  ])('refuses %s with words naming the variable and where it comes from', (raw, words) => {
    const load = () => loadSliceConfig({ ...FAST_ENV, CHROMIUM_EXTRA_ARGS: raw });
    expect(load).toThrow(SliceConfigError);
    expect(load).toThrow(/CHROMIUM_EXTRA_ARGS=.* is not valid: .*The host sets it from SLICEDECK_CHROMIUM_ARGS/);
    expect(load).toThrow(words);
  });
});
