import { describe, expect, it } from 'vitest';
import type { SliceView } from '@shared/types';
import { decideQuit, quitQuestion, runningSlices, type QuitQuestion } from '../../src/main/quit-prompt';

const view = (phase: SliceView['phase']): SliceView => ({ accountId: `acc_${phase}`, phase, stage: 'idle', stageStartedAt: null, startedAt: null });

describe('the quit question', () => {
  it('counts only slices whose container exists (not expired, failed or never connected)', () => {
    expect(runningSlices(['setup', 'expired', 'error'].map((phase) => view(phase as SliceView['phase'])))).toBe(0);
    expect(runningSlices(['provisioning', 'qr', 'linking', 'ready', 'expired'].map((phase) => view(phase as SliceView['phase'])))).toBe(4);
  });

  it('says how many run and offers keep, destroy and cancel', () => {
    expect(quitQuestion(1).message).toBe('1 slice is running.');
    expect(quitQuestion(3).message).toBe('3 slices are running.');
    const { buttons, defaultId, cancelId } = quitQuestion(2);
    expect([buttons[defaultId], buttons[cancelId]]).toEqual(['Keep running and quit', 'Cancel']);
  });

  it('maps the answers: keep, destroy, cancel', async () => {
    const decide = (answer: number) =>
      decideQuit({ listViews: async () => [view('ready')], onSliceChange: () => () => undefined, ask: async (_q: QuitQuestion) => answer });
    expect(await decide(0)).toEqual({ quit: true, destroySlices: false });
    expect(await decide(1)).toEqual({ quit: true, destroySlices: true });
    expect(await decide(2)).toEqual({ quit: false });
  });
});
