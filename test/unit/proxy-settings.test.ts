/**
 * An account's proxy (issue 21): the contract refuses every bad input with words, the slice
 * reads the same rules from its proxy file, the archive puts the proxy file before the token,
 * and Chromium gets the address — never the login — on its command line.
 */
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, type CommandHandlers } from '@shared/contract';
import { dispatch } from '@shared/dispatch';
import { proxyFailureWords, proxyFileBeside, proxyView } from '@shared/proxy';
import { tokenArchive } from '../../src/main/core/docker/container-spec';
import { chromiumArgsWithProxy, proxyAuthentication, readSliceProxy } from '../../src/slice/proxy';
import { clientOptions, explainStartFailure } from '../../src/slice/drivers/wwebjs';
import { removeStaleTokenFiles } from '../../src/slice/stale-tokens';
import { SWARM_PROXY_WORDS, SwarmRuntime } from '../../src/main/core/docker/swarm-runtime';
import type { SliceSpec } from '../../src/main/core/docker/runtime';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const handlers = Object.fromEntries(COMMAND_NAMES.map((name) => [name, async (input: unknown) => input])) as unknown as CommandHandlers;
const accountId = 'acc_proxytest1';

async function setProxy(proxy: unknown) {
  return dispatch(handlers, 'accounts.setProxy', { accountId, proxy });
}

describe('accounts.setProxy input', () => {
  it.each([
    [{ scheme: 'http', host: 'proxy.example.com', port: 3128 }],
    [{ scheme: 'https', host: '10.0.0.5', port: 443, username: 'agency', password: 'p@ss word:with colon' }],
    [{ scheme: 'socks5', host: '[2001:db8::1]', port: 1080 }],
    [{ scheme: 'http', host: '  proxy.example.com  ', port: 8080, username: 'u' }],
  ])('takes %j', async (proxy) => {
    const result = await setProxy(proxy);
    expect(result).toMatchObject({ ok: true });
  });

  it.each([
    ['ftp scheme', { scheme: 'ftp', host: 'p.example.com', port: 21 }, /scheme must be one of http, https, socks5/],
    ['empty host', { scheme: 'http', host: ' ', port: 3128 }, /Give the proxy host/],
    ['host with a scheme', { scheme: 'http', host: 'http://p.example.com', port: 3128 }, /without a scheme/],
    ['host with a port', { scheme: 'http', host: 'p.example.com:3128', port: 3128 }, /without a port/],
    ['host with credentials', { scheme: 'http', host: 'u:p@p.example.com', port: 3128 }, /without credentials/],
    ['host with a path', { scheme: 'http', host: 'p.example.com/x', port: 3128 }, /without a path/],
    ['host that injects a rule', { scheme: 'http', host: 'a.com;https=b.com', port: 3128 }, /is not a host name/],
    ['bad IPv4', { scheme: 'http', host: '10.0.0.300', port: 3128 }, /is not an IPv4 address/],
    ['bare IPv6', { scheme: 'http', host: '2001:db8::1', port: 3128 }, /in brackets/],
    ['port 0', { scheme: 'http', host: 'p.example.com', port: 0 }, /port must be a whole number from 1 to 65535/],
    ['port 70000', { scheme: 'http', host: 'p.example.com', port: 70000 }, /from 1 to 65535/],
    ['port as text', { scheme: 'http', host: 'p.example.com', port: '3128' }, /port must be a number/],
    ['password without username', { scheme: 'http', host: 'p.example.com', port: 3128, password: 'x' }, /needs its username/],
    ['username with a colon', { scheme: 'http', host: 'p.example.com', port: 3128, username: 'a:b', password: 'x' }, /no colon/],
    ['password with a line break', { scheme: 'http', host: 'p.example.com', port: 3128, username: 'a', password: 'x\ny' }, /control characters/],
    ['socks5 with a login', { scheme: 'socks5', host: 'p.example.com', port: 1080, username: 'a', password: 'b' }, /Chromium cannot log in to a SOCKS5 proxy/],
    ['an unknown field', { scheme: 'http', host: 'p.example.com', port: 3128, pass: 'x' }, /has no field pass/],
    ['not an object', 'http://p.example.com:3128', /must be an object/],
  ])('refuses %s with words', async (_what, proxy, words) => {
    const result = await setProxy(proxy);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_input');
      expect(result.error.message).toMatch(words);
    }
  });

  it('shows a proxy without its password', () => {
    const view = proxyView({ scheme: 'http', host: 'p.example.com', port: 3128, username: 'agency', password: 'secret' });
    expect(view).toEqual({ scheme: 'http', host: 'p.example.com', port: 3128, username: 'agency', hasPassword: true });
    expect(JSON.stringify(view)).not.toContain('secret');
  });
});

describe('the proxy in the slice', () => {
  const proxy = { scheme: 'http' as const, host: '172.17.0.1', port: 3128, username: 'agency', password: 'secret' };

  it('puts the proxy file before the token file in the archive, both 0400', () => {
    const tar = tokenArchive('slc_0123456789abcdef', 't'.repeat(40), 10001, new Date(0), proxy).toString('latin1');
    const proxyAt = tar.indexOf('.slicedeck/slc_0123456789abcdef.proxy');
    const tokenAt = tar.indexOf('.slicedeck/slc_0123456789abcdef.token');
    expect(proxyAt).toBeGreaterThan(0);
    expect(tokenAt).toBeGreaterThan(proxyAt);
    expect(tar).toContain('"password":"secret"');
    expect(tokenArchive('slc_0123456789abcdef', 't'.repeat(40), 10001, new Date(0)).toString('latin1')).not.toContain('.proxy');
  });

  it('reads the file beside the token; none means direct; a bad one stops the slice with words', () => {
    const files: Record<string, string> = { '/data/.slicedeck/slc_ab12cd34.proxy': JSON.stringify(proxy) + '\n' };
    const read = (path: string) => {
      if (!(path in files)) throw Object.assign(new Error('no'), { code: 'ENOENT' });
      return files[path]!;
    };
    expect(proxyFileBeside('/data/.slicedeck/slc_ab12cd34.token')).toBe('/data/.slicedeck/slc_ab12cd34.proxy');
    expect(readSliceProxy('/data/.slicedeck/slc_ab12cd34.token', read)).toEqual(proxy);
    expect(readSliceProxy('/data/.slicedeck/slc_ffffffff.token', read)).toBeNull();
    files['/data/.slicedeck/slc_ab12cd34.proxy'] = JSON.stringify({ ...proxy, port: 0 });
    expect(() => readSliceProxy('/data/.slicedeck/slc_ab12cd34.token', read)).toThrow(/not a usable proxy: The proxy port/);
  });

  it("gives Chromium the address only (the account's wins over a global proxy flag), and the login to page.authenticate", () => {
    const args = chromiumArgsWithProxy(['--host-resolver-rules=MAP x y', '--proxy-server=http://global:1'], proxy);
    expect(args).toEqual(['--host-resolver-rules=MAP x y', '--proxy-server=http://172.17.0.1:3128']);
    expect(args.join(' ')).not.toContain('secret');
    expect(chromiumArgsWithProxy(['--proxy-server=http://global:1'], null)).toEqual(['--proxy-server=http://global:1']);
    expect(proxyAuthentication(proxy)).toEqual({ username: 'agency', password: 'secret' });
    const options = clientOptions({ chromePath: '/usr/bin/chromium', startTimeoutMs: 60_000, chromiumExtraArgs: [], pairingPhoneNumber: null, proxy });
    expect(options.proxyAuthentication).toEqual({ username: 'agency', password: 'secret' });
    expect(options.puppeteer.args).toContain('--proxy-server=http://172.17.0.1:3128');
    expect(clientOptions({ chromePath: '/c', startTimeoutMs: 1_000, chromiumExtraArgs: [], pairingPhoneNumber: null }).proxyAuthentication).toBeUndefined();
  });

  it('words a proxy failure as the proxy, with what to do', () => {
    expect(explainStartFailure(new Error('net::ERR_PROXY_CONNECTION_FAILED at https://web.whatsapp.com/'), 60_000, proxy)).toMatch(
      /proxy http:\/\/172\.17\.0\.1:3128 refused the connection.*Check the proxy's address and port/,
    );
    expect(proxyFailureWords('net::ERR_TUNNEL_CONNECTION_FAILED', { ...proxy, username: undefined })).toMatch(/may need a login/);
    expect(proxyFailureWords('net::ERR_INVALID_AUTH_CREDENTIALS', proxy)).toMatch(/refused its username and password/);
    // Without a proxy the words stay WhatsApp's.
    expect(explainStartFailure(new Error('net::ERR_PROXY_CONNECTION_FAILED'), 60_000)).toMatch(/^WhatsApp Web could not be reached/);
  });

  it("removes earlier slices' proxy files (they hold a password), keeps its own", () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-stale-'));
    for (const name of ['slc_aaaaaaaa.token', 'slc_aaaaaaaa.proxy', 'slc_bbbbbbbb.token', 'slc_bbbbbbbb.proxy', 'other.proxy']) writeFileSync(join(dir, name), 'x');
    removeStaleTokenFiles(join(dir, 'slc_bbbbbbbb.token'));
    expect(readdirSync(dir).sort()).toEqual(['other.proxy', 'slc_bbbbbbbb.proxy', 'slc_bbbbbbbb.token']);
  });
});

describe('on a swarm', () => {
  it('refuses a slice with a proxy in words before asking the engine, rather than send it direct', async () => {
    // No engine behind this socket: an engine call would fail with the engine's words instead.
    const runtime = new SwarmRuntime({ socketPath: '/nonexistent/slicedeck-test.sock' });
    const spec = { homeId: 'h', accountId: 'acc_x', sliceId: 'slc_00000000', image: 'i', port: 1, env: {}, token: 't', memoryBytes: 1, pidsLimit: 1, cpus: 1, volume: 'v', network: 'n' } satisfies SliceSpec;
    await expect(runtime.create({ ...spec, proxy: { scheme: 'http', host: 'p.example.com', port: 3128 } })).rejects.toThrow(SWARM_PROXY_WORDS);
    await expect(runtime.create(spec)).rejects.not.toThrow(SWARM_PROXY_WORDS);
  });
});
