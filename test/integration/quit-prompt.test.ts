/**
 * The quit question against a real core (real SQLite, real slices, simulated
 * WhatsApp): it counts the slices whose container exists, and stays true while it
 * is open — the finding was a dialog saying "1 slice is running." next to an
 * account that already showed "Code expired", because the words were fixed when
 * the dialog opened and the last code expired while it was up.
 * Only the native dialog is stood in for (it needs a window); it answers like one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideQuit, type QuitQuestion } from '../../src/main/quit-prompt';
import { makeTestCore, type TestCore } from '../helpers/core';

let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({ qrCodes: 1, qrTtlMs: 2_500 });
});
afterAll(async () => {
  await t?.cleanup();
});

/** A dialog that answers in turn: a button index, or 'wait' (open until the prompt closes it). */
function dialogThatWaits(answers: (number | 'wait')[]) {
  const asked: string[] = [];
  const ask = (question: QuitQuestion, signal: AbortSignal) =>
    new Promise<number>((resolve) => {
      asked.push(question.message);
      const answer = answers[asked.length - 1] ?? 'wait';
      if (answer !== 'wait') return resolve(answer);
      const bound = setTimeout(() => resolve(question.cancelId), 20_000); // an operator who gave up waiting cancels
      signal.addEventListener('abort', () => {
        clearTimeout(bound);
        resolve(question.cancelId);
      });
    });
  return { asked, ask };
}

const deps = (ask: (question: QuitQuestion, signal: AbortSignal) => Promise<number>) => ({
  listViews: () => t.call('slices.list'),
  onSliceChange: (listener: () => void) =>
    t.core.events.subscribe((event) => {
      if (event.type === 'slice') listener();
    }),
  ask,
});

describe('quitting with slices', () => {
  it('asks again with the true count when a slice ends while the question is open', async () => {
    const linked = await t.call('accounts.add', { name: 'Lina' });
    await t.call('slices.connect', { accountId: linked.id });
    await t.events.waitForStage(linked.id, 'qr');
    await t.call('sim.scan', { accountId: linked.id });
    await t.events.waitForStage(linked.id, 'ready');

    const waiting = await t.call('accounts.add', { name: 'Wes' });
    await t.call('slices.connect', { accountId: waiting.id });
    await t.events.waitForStage(waiting.id, 'qr');

    // Open while two run; Wes's only code expires during it; the answer to the fresh question is "Destroy".
    const dialog = dialogThatWaits(['wait', 1]);
    const decision = await decideQuit(deps(dialog.ask));
    expect((await t.call('slices.view', { accountId: waiting.id })).phase).toBe('expired');
    expect(dialog.asked).toEqual(['2 slices are running.', '1 slice is running.']);
    expect(decision).toEqual({ quit: true, destroySlices: true });
  });

  it('quits without a question once no slice is left, and does not count expired ones', async () => {
    const [lina] = await t.call('accounts.list');
    await t.call('slices.destroy', { accountId: lina!.id });
    const dialog = dialogThatWaits([]);
    expect(await decideQuit(deps(dialog.ask))).toEqual({ quit: true, destroySlices: false });
    expect(dialog.asked).toEqual([]);
  });

  it('closes the question and quits when the last slice ends while it is open', async () => {
    const account = await t.call('accounts.add', { name: 'Xia' });
    await t.call('slices.connect', { accountId: account.id });
    await t.events.waitForStage(account.id, 'qr');
    const dialog = dialogThatWaits(['wait']);
    expect(await decideQuit(deps(dialog.ask))).toEqual({ quit: true, destroySlices: false });
    expect(dialog.asked).toEqual(['1 slice is running.']);
  });
});
