/**
 * An account's proxy with the simulated driver (issue 21), through the real core and a real
 * node-only slice: the simulated phone makes no browser traffic, so it must not pretend to go
 * through the proxy — what it does is probe it at each start (CONNECT web.whatsapp.com:443,
 * with the login): a proxy that opens the tunnel lets the codes come, one that answers 403,
 * 407 or refuses the connection ends the attempt in `error` with its words. The password
 * stays out of the slice's log and `docker inspect`.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxySettings } from '@shared/proxy';
import type { SliceView } from '@shared/types';
import { ConnectProxy, refusingPort } from '../helpers/connect-proxy';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker } from '../helpers/docker';
import { bridgeGatewayAddress, SLICE_NETWORK } from '../standin-whatsapp/gateway';

const WHATSAPP = 'web.whatsapp.com:443';
const PASSWORD = 'sim-pr0xy-pw-77';

let t: TestCore;
let host = '';
/** What the tunnel reaches: a socket on the gateway that accepts and says nothing (no traffic leaves the machine). */
let sink: Server;
let open: ConnectProxy;
let guarded: ConnectProxy;
let closed: ConnectProxy;

beforeAll(async () => {
  host = await bridgeGatewayAddress(SLICE_NETWORK);
  sink = createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => sink.listen(0, host, resolve));
  const sinkPort = (sink.address() as { port: number }).port;
  const route = (target: string) => (target === WHATSAPP ? { host, port: sinkPort } : null);
  open = await ConnectProxy.start({ host, route });
  guarded = await ConnectProxy.start({ host, route, credentials: { username: 'sim', password: PASSWORD } });
  closed = await ConnectProxy.start({ host, route: () => null });
  t = await makeTestCore();
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
  for (const proxy of [open, guarded, closed]) await proxy?.close();
  await new Promise((resolve) => sink?.close(resolve));
}, 60_000);

async function connectWith(name: string, proxy: ProxySettings): Promise<{ accountId: string; view: SliceView }> {
  const { id: accountId } = await t.call('accounts.add', { name });
  await t.call('accounts.setProxy', { accountId, proxy });
  void t.call('slices.connect', { accountId }).catch(() => undefined);
  const view = await t.events.waitFor('slice', (v) => v.accountId === accountId && (v.stage === 'qr' || v.phase === 'error'), 90_000, `${name}: a code or the error`);
  return { accountId, view };
}

describe('the simulated driver with a proxy', () => {
  it('probes a proxy that opens the tunnel (with its login), then shows the codes; the password in no log and no inspect', async () => {
    const since = Date.now();
    const { accountId, view } = await connectWith('Sim through proxy', { scheme: 'http', host, port: guarded.port, username: 'sim', password: PASSWORD });
    expect(view.error ?? null).toBeNull();
    expect(view.stage).toBe('qr');
    expect(guarded.seen(WHATSAPP, since).some((r) => r.outcome === 'tunnel' && r.login === `sim:${PASSWORD}`)).toBe(true);
    const [container] = await containersOfHome(t.homeId, { accountId, all: false });
    const logs = (await docker.getContainer(container!.Id).logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toContain('a probe only (the simulated driver makes no browser traffic)');
    expect(logs).not.toContain(PASSWORD);
    expect(JSON.stringify(await docker.getContainer(container!.Id).inspect())).not.toContain(PASSWORD);
    await t.call('slices.destroy', { accountId });
  }, 120_000);

  it.each([
    ['answers 407 to a missing login', () => ({ scheme: 'http' as const, host, port: guarded.port }), /asks for a login \(HTTP 407\)\. Give its username and password/],
    ['answers 403', () => ({ scheme: 'http' as const, host, port: closed.port }), /would not open a tunnel to WhatsApp Web \(HTTP 403\)/],
  ])('ends in error with words when the proxy %s', async (what, proxy, words) => {
    const { view } = await connectWith(`Sim ${what.slice(0, 30)}`, proxy());
    expect(view.phase).toBe('error');
    expect(view.error).toMatch(words);
    expect(view.error).toMatch(/click Connect again/);
  }, 120_000);

  it('ends in error with words when the proxy refuses the connection', async () => {
    const port = await refusingPort(host);
    const { view } = await connectWith('Sim refusing proxy', { scheme: 'http', host, port });
    expect(view.phase).toBe('error');
    expect(view.error).toContain(`proxy http://${host}:${port} refused the connection or could not be reached (ECONNREFUSED)`);
  }, 120_000);
});
