/** Figures for issue 9 (not a test: run with vitest.measure.config.ts). */
import { afterAll, beforeAll, it } from 'vitest';
import { makeTestCore, type TestCore } from '../helpers/core';

let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({ qrTtlMs: 20_000, simContacts: 25, simReplyDelayMs: 0, simAckDelayMs: 0, livenessProbeMs: 1_000 });
});
afterAll(async () => t?.cleanup());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

it('measures', { timeout: 600_000 }, async () => {
  const account = await t.call('accounts.add', { name: 'Measure' });
  const accountId = account.id;
  let start = Date.now();
  await t.call('slices.connect', { accountId });
  await t.events.waitForStage(accountId, 'qr');
  const toQr = Date.now() - start;
  await t.call('sim.scan', { accountId, syncMs: 0 });
  await t.events.waitForStage(accountId, 'ready');
  console.log(`first link: Connect → first code ${toQr} ms`);

  const relinks: number[] = [];
  for (let i = 0; i < 5; i++) {
    await t.call('slices.destroy', { accountId });
    t.events.clear();
    start = Date.now();
    await t.call('slices.connect', { accountId });
    await t.events.waitForStage(accountId, 'ready', 60_000);
    relinks.push(Date.now() - start);
  }
  console.log(`relink without a code (Disconnect → Connect → Ready), 5 runs: ${relinks.join(', ')} ms; median ${median(relinks)} ms`);

  const chatId = '15550000003@c.us';
  await t.call('slices.destroy', { accountId });
  start = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < 200; i++) ids.push((await t.call('messages.send', { accountId, chatId, text: `queued ${i}` })).queueId!);
  const acceptMs = Date.now() - start;
  const last = ids.at(-1)!;
  t.events.clear();
  start = Date.now();
  await t.call('slices.connect', { accountId });
  const ready = await t.events.waitForStage(accountId, 'ready', 60_000).then(() => Date.now());
  await t.events.waitFor('message.status', (s) => s.queueId === last && s.status === 'sent', 300_000, 'the 200th sent');
  const done = Date.now();
  const thread = await t.call('chats.messages', { accountId, chatId });
  const mine = thread.filter((m) => m.fromMe && m.body.startsWith('queued '));
  console.log(`200 messages accepted while disconnected in ${acceptMs} ms (${(acceptMs / 200).toFixed(2)} ms each, SQLite before answering); after Connect: Ready in ${ready - start} ms, all 200 sent ${done - ready} ms after Ready (${((done - ready) / 200).toFixed(1)} ms each); in the chat: ${mine.length} (50 most recent listed), distinct ${new Set(mine.map((m) => m.body)).size}`);

  const sendMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = Date.now();
    await t.call('messages.send', { accountId, chatId, text: `ready ${i}` });
    sendMs.push(Date.now() - s);
  }
  console.log(`send while Ready (stored, handed over, answered sent), 20 runs: median ${median(sendMs)} ms, max ${Math.max(...sendMs)} ms`);

  t.events.clear();
  const deafAt = Date.now();
  await t.call('sim.fault', { accountId, kind: 'go_deaf' });
  await t.events.waitFor('slice', (v) => v.accountId === accountId && !!v.note, 30_000);
  const detected = Date.now() - deafAt;
  await t.events.waitFor('slice', (v) => v.accountId === accountId && v.stage === 'ready' && !v.note, 60_000);
  console.log(`go_deaf with LIVENESS_PROBE_MS=1000: detected after ${detected} ms, Ready again after ${Date.now() - deafAt} ms`);
});
