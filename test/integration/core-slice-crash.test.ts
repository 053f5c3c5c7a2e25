/**
 * A real slice process meets a rejection nobody handles (what whatsapp-web.js's
 * `framenavigated` handler does while the browser closes): it logs a crash line,
 * exits non-zero, and the host's restart ladder takes over — reported, restarted,
 * codes again. The rejection is injected from outside the product, through Node's own
 * inspector (SIGUSR1, then Runtime.evaluate), so the slice carries no test-only hook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker, execIn } from '../helpers/docker';
import { CRASH_EXIT_CODE } from '../../src/slice/crash-guard';

let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({ healthIntervalMs: 500, maxSliceRestarts: 2, qrTtlMs: 20_000 });
});
afterAll(async () => {
  await t?.cleanup();
});

/** Opens the slice process's inspector (SIGUSR1 to the `node …/slice.mjs` process, not docker-init, not us). */
const OPEN_INSPECTOR = `const fs = require('fs');
for (const pid of fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name) && Number(name) !== process.pid)) {
  try {
    const argv = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0');
    if (/(^|\\/)node$/.test(argv[0]) && /slice\\.mjs$/.test(argv[1] || '')) { process.kill(Number(pid), 'SIGUSR1'); console.log(pid); }
  } catch {}
}`;

/** Through the inspector: a rejected promise nobody awaits, in the slice's own event loop. */
const REJECT_IN_SLICE = `for (let tries = 0; tries < 50; tries++) {
  try {
    const [target] = await (await fetch('http://127.0.0.1:9229/json/list')).json();
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: "setTimeout(() => Promise.reject(new Error('Protocol error (Runtime.callFunctionOn): Target closed')), 50); 'armed'" } }));
      ws.onmessage = (message) => { console.log(String(message.data)); ws.close(); resolve(); };
      ws.onerror = reject;
    });
    break;
  } catch { await new Promise((resolve) => setTimeout(resolve, 100)); }
}`;

describe('a slice that crashes on an unhandled rejection', () => {
  it('logs it, exits non-zero, and the host restarts it within the budget', async () => {
    const account = await t.call('accounts.add', { name: 'Rui' });
    const { sliceId } = await t.call('slices.connect', { accountId: account.id });
    await t.events.waitForStage(account.id, 'qr');
    const [container] = await containersOfHome(t.homeId, { accountId: account.id });
    const id = container!.Id;

    expect((await execIn(id, ['node', '-e', OPEN_INSPECTOR])).trim()).toMatch(/^\d+$/);
    const crashedAt = Date.now();
    expect(await execIn(id, ['node', '--experimental-websocket', '--no-warnings', '--input-type=module', '-e', REJECT_IN_SLICE])).toMatch(/"value":"armed"/);

    const reported = await t.events.waitFor('slice', (v) => v.accountId === account.id && v.restarts === 1, 30_000, 'the crash to be reported');
    expect(reported.note).toMatch(new RegExp(`stopped unexpectedly \\(it stopped \\(exit code ${CRASH_EXIT_CODE}\\)\\)`));
    const back = await t.events.waitFor('slice', (v) => v.accountId === account.id && !!v.qr && v.qr.issuedAt > crashedAt && !v.note, 30_000, 'a fresh code after the restart');
    expect(back).toMatchObject({ sliceId, stage: 'qr', restarts: 1 });

    // The slice's log (kept across the restart) says what happened.
    const logs = (await docker.getContainer(id).logs({ stdout: true, stderr: false })).toString('utf8');
    const crash = logs
      .split('\n')
      .map((line) => line.slice(line.indexOf('{')))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.event === 'crash');
    expect(crash).toMatchObject({ kind: 'unhandledRejection', error: 'Protocol error (Runtime.callFunctionOn): Target closed', exitCode: CRASH_EXIT_CODE });
  }, 90_000);
});
