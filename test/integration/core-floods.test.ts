/**
 * Issue 19, finding 3: another local user floods a slice's published port without the
 * token. The slice closes every untokened answer and keeps room for the host's tokened
 * probe (src/http-kit), and the health ladder probes twice before it counts a running
 * container as dead: the flooded slice is never restarted, while a killed one still is.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkNewAccount, makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker } from '../helpers/docker';

let t: TestCore;
beforeAll(async () => {
  // A health pass every 250 ms and one restart before `error`: a flood that fooled the ladder would show at once.
  t = await makeTestCore({ healthIntervalMs: 250, maxSliceRestarts: 1 });
});
afterAll(async () => {
  await t?.cleanup();
});

/**
 * The attack: `connections` keep-alive connections to 127.0.0.1:`port`, each asking
 * `GET /health` once and then holding the connection (a server that keeps it alive keeps
 * the slot taken), reconnecting whenever one is closed, for `forMs` (and at most
 * `maxRequests` requests in all). Resolves with how many answers it got.
 */
function floodHealth(port: number, opts: { connections: number; forMs: number; maxRequests: number }): Promise<{ answers: number; requests: number }> {
  const request = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';
  let answers = 0;
  let requests = 0;
  let stopped = false;
  const sockets = new Set<net.Socket>();
  const ask = (socket: net.Socket) => {
    if (stopped || requests >= opts.maxRequests || !socket.writable) return;
    requests++;
    socket.write(request);
  };
  const open = () => {
    if (stopped || requests >= opts.maxRequests) return;
    const socket = net.connect(port, '127.0.0.1');
    sockets.add(socket);
    socket.setEncoding('latin1');
    socket.on('connect', () => ask(socket));
    socket.on('data', (chunk: string) => {
      answers += chunk.split('HTTP/1.1 ').length - 1;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      // Bounded: at most one reconnect per close, and none after the end.
      setTimeout(open, 1);
    });
  };
  for (let i = 0; i < opts.connections; i++) open();
  return new Promise((resolve) => {
    setTimeout(() => {
      stopped = true;
      for (const socket of sockets) socket.destroy();
      resolve({ answers, requests });
    }, opts.forMs);
  });
}

describe('a flood of untokened connections on a slice’s published port', () => {
  it('does not send a live slice through the restart ladder; a killed one still goes', async () => {
    const { accountId, view } = await linkNewAccount(t, 'Flooded');
    const port = view.port!;

    // 320 keep-alive connections of GET /health (more than the slice's 256-connection cap), held for 8 s: ~30 health passes.
    const flood = await floodHealth(port, { connections: 320, forMs: 8_000, maxRequests: 500_000 });
    // The flood reached the slice (and was answered), so the check below means something.
    expect(flood.answers).toBeGreaterThan(256);

    const after = await t.call('slices.view', { accountId });
    expect(after.phase).toBe('ready');
    expect(after.restarts ?? 0).toBe(0);
    const history = await t.call('slices.history', { accountId });
    expect(history.filter((row) => row.type === 'restart' || row.type === 'slice.dead')).toEqual([]);

    // The ladder still tells a dead slice: killed, it is restarted.
    const [container] = await containersOfHome(t.homeId, { accountId });
    await docker.getContainer(container!.Id).kill();
    const restarted = await t.events.waitFor('slice', (v) => v.accountId === accountId && v.restarts === 1, 20_000, 'the killed slice to be restarted');
    expect(restarted.note).toMatch(/stopped unexpectedly/);
  });
});
