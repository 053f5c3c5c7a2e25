/**
 * A proxy per account (issue 21), end to end with the real whatsapp-web.js in the Chromium
 * slice image, the real core and real HTTP CONNECT proxies on this machine's Docker bridge
 * gateway (test/helpers/connect-proxy.ts) that tunnel `web.whatsapp.com:443` to the stand-in
 * WhatsApp Web and nothing else:
 *  - the proxied account's WhatsApp Web traffic goes through its proxy; another account's does not;
 *  - a proxy that needs a login answers 407 without it and opens the tunnel with it; the password
 *    is in neither `docker inspect` nor the slice's log nor the host's log;
 *  - a proxy that asks for a login the account lacks, one that refuses the login, and one that
 *    refuses the connection end the attempt in `error` with words naming the proxy and what to do.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalStage } from '@shared/stages';
import type { ProxySettings } from '@shared/proxy';
import type { SliceView } from '@shared/types';
import { ConnectProxy, refusingPort } from '../helpers/connect-proxy';
import { containersOfHome, docker } from '../helpers/docker';
import { bridgeGatewayAddress, SLICE_NETWORK } from '../standin-whatsapp/gateway';
import { startRealLibraryRig, stopRealLibraryRig, type RealLibraryRig } from '../helpers/real-library';

const WHATSAPP = 'web.whatsapp.com:443';
const PASSWORD = 'pr0xy-s3cret-Zq9';

let rig: RealLibraryRig | undefined;
let open: ConnectProxy;
let guarded: ConnectProxy;
/** Printed, never asserted (the machine is shared): Connect → first code through the proxy and direct. */
const figures: Record<string, number> = {};

beforeAll(async () => {
  // The proxies listen on the gateway, beside the stand-in: Chromium may reach that address (as a proxy).
  const gateway = await bridgeGatewayAddress(SLICE_NETWORK);
  rig = await startRealLibraryRig({ codes: 3, firstCodeMs: 1_500, nextCodeMs: 20_000, syncMs: 500, contacts: 3 }, {}, { alsoReachable: [gateway] });
  const { standin } = rig;
  const route = (target: string) => (target === WHATSAPP ? { host: standin.host, port: standin.port } : null);
  open = await ConnectProxy.start({ host: standin.host, route });
  guarded = await ConnectProxy.start({ host: standin.host, route, credentials: { username: 'agency', password: PASSWORD } });
}, 600_000);

afterAll(async () => {
  await stopRealLibraryRig(rig);
  await open?.close();
  await guarded?.close();
  if (Object.keys(figures).length > 0) process.stderr.write(`[real-wwebjs-proxy] ${JSON.stringify(figures)}\n`);
}, 120_000);

async function addWithProxy(name: string, proxy: ProxySettings | null): Promise<string> {
  const t = rig!.t;
  const { id } = await t.call('accounts.add', { name });
  if (proxy) await t.call('accounts.setProxy', { accountId: id, proxy });
  return id;
}

/** The account's first code, or the attempt's end (with its words) — whichever comes first. */
async function firstOutcome(accountId: string): Promise<SliceView> {
  const t = rig!.t;
  void t.call('slices.connect', { accountId }).catch(() => undefined);
  return t.events.waitFor('slice', (v) => v.accountId === accountId && (v.stage === 'qr' || isTerminalStage(v.stage) || v.phase === 'error'), 120_000, `the first code or the end of ${accountId}'s attempt`);
}

async function destroy(accountId: string): Promise<void> {
  await rig!.t.call('slices.destroy', { accountId });
}

describe('an account with a proxy (real whatsapp-web.js, real CONNECT proxies)', () => {
  it("sends that account's WhatsApp Web through its proxy, and another account's not", async () => {
    const proxied = await addWithProxy('Through the proxy', { scheme: 'http', host: open.host, port: open.port });
    const since = Date.now();
    const view = await firstOutcome(proxied);
    figures.proxiedConnectToFirstCodeMs = Date.now() - since;
    expect(view.error ?? null).toBeNull();
    expect(view.stage).toBe('qr');
    // Chromium's TLS to WhatsApp Web went through a tunnel (the slice's own probe sends no byte through its).
    const carried = open.seen(WHATSAPP, since).filter((r) => r.outcome === 'tunnel' && r.bytesUp > 0);
    expect(carried.length).toBeGreaterThan(0);
    // The probe asked first (a tunnel that carried nothing), so a proxy's refusal has words before Chromium starts.
    expect(open.seen(WHATSAPP, since).some((r) => r.outcome === 'tunnel' && r.bytesUp === 0)).toBe(true);
    await destroy(proxied);

    const direct = await addWithProxy('Direct', null);
    const before = open.records.length;
    const directSince = Date.now();
    const directView = await firstOutcome(direct);
    figures.directConnectToFirstCodeMs = Date.now() - directSince;
    expect(directView.stage).toBe('qr');
    expect(open.records.length).toBe(before);
    await destroy(direct);
  }, 300_000);

  it('a proxy that needs a login: 407 without it, the tunnel with it; the password in no inspect and no log', async () => {
    const accountId = await addWithProxy('With a login', { scheme: 'http', host: guarded.host, port: guarded.port, username: 'agency', password: PASSWORD });
    const since = Date.now();
    const view = await firstOutcome(accountId);
    figures.loginProxyConnectToFirstCodeMs = Date.now() - since;
    expect(view.error ?? null).toBeNull();
    expect(view.stage).toBe('qr');
    const seen = guarded.seen(WHATSAPP, since);
    // Chromium asks without credentials first; the proxy's 407 makes puppeteer answer with them.
    expect(seen.some((r) => r.outcome === 'auth_required' && r.login === null)).toBe(true);
    expect(seen.some((r) => r.outcome === 'tunnel' && r.login === `agency:${PASSWORD}` && r.bytesUp > 0)).toBe(true);

    const [container] = await containersOfHome(rig!.homeId, { accountId, all: false });
    expect(container).toBeDefined();
    const inspected = JSON.stringify(await docker.getContainer(container!.Id).inspect());
    expect(inspected).not.toContain(PASSWORD);
    const logs = (await docker.getContainer(container!.Id).logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toContain('"event":"proxy"');
    expect(logs).not.toContain(PASSWORD);
    // The account as the panel sees it: the login's name, that there is a password, not the password.
    const shown = (await rig!.t.call('accounts.list')).find((a) => a.id === accountId)!;
    expect(shown.proxy).toEqual({ scheme: 'http', host: guarded.host, port: guarded.port, username: 'agency', hasPassword: true });
    expect(JSON.stringify(shown)).not.toContain(PASSWORD);
    await destroy(accountId);
    expect(readFileSync(join(rig!.t.dataDir, 'test.log'), 'utf8')).not.toContain(PASSWORD);
  }, 300_000);

  it.each([
    ['asks for a login the account does not have', () => ({ scheme: 'http' as const, host: guarded.host, port: guarded.port }), /asks for a login|may need a login/],
    ['refuses the login', () => ({ scheme: 'http' as const, host: guarded.host, port: guarded.port, username: 'agency', password: 'wrong-password' }), /refused its username and password|refused the credentials/],
  ])('a proxy that %s ends in error with words, not a linking timeout', async (_what, proxy, words) => {
    const accountId = await addWithProxy(`Login ${_what.slice(0, 20)}`, proxy());
    const since = Date.now();
    const view = await firstOutcome(accountId);
    expect(view.phase).toBe('error');
    expect(view.error).toMatch(words);
    expect(view.error).toContain(`http://${guarded.host}:${guarded.port}`);
    expect(view.error).toMatch(/click Connect again/);
    expect(view.error).not.toContain('wrong-password');
    // It really was the proxy that said no.
    expect(guarded.seen(WHATSAPP, since).some((r) => r.outcome === 'auth_required')).toBe(true);
    expect(guarded.seen(WHATSAPP, since).some((r) => r.outcome === 'tunnel')).toBe(false);
  }, 180_000);

  it('a proxy that refuses the connection ends in error with words', async () => {
    const port = await refusingPort(open.host);
    const accountId = await addWithProxy('Refusing proxy', { scheme: 'http', host: open.host, port });
    const since = Date.now();
    const view = await firstOutcome(accountId);
    figures.refusingProxyConnectToErrorMs = Date.now() - since;
    expect(view.phase).toBe('error');
    expect(view.error).toMatch(new RegExp(`proxy http://${open.host.replace(/\./g, '\\.')}:${port} refused the connection or could not be reached \\((ECONNREFUSED|net::ERR_PROXY_CONNECTION_FAILED)\\)`));
    expect(view.error).toMatch(/Check the proxy's address and port/);
  }, 180_000);
});
