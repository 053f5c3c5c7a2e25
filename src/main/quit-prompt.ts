/**
 * What quitting asks about running slices, kept true while it is asked. The native
 * dialog is modal and its words are fixed when it opens, so a slice that ends while
 * it is open (the last QR code expiring, say) used to leave it saying "1 slice is
 * running." next to an account that showed "Code expired". Here the question is
 * re-asked with the new count when the number of slices changes while it is open,
 * and quitting goes ahead when none is left (there is nothing left to decide).
 * No 'electron' import: the shell passes `dialog.showMessageBox` in; tested under Node.
 */
import { phaseHasSlice } from '@shared/stages';
import type { SliceView } from '@shared/types';

export interface QuitQuestion {
  message: string;
  detail: string;
  buttons: string[];
  defaultId: number;
  cancelId: number;
}

export type QuitDecision = { quit: false } | { quit: true; destroySlices: boolean };

const KEEP = 0;
const DESTROY = 1;
const CANCEL = 2;

/** Slices whose container exists: the ones quitting must decide about (the tray counts the same). */
export function runningSlices(views: SliceView[]): number {
  return views.filter((view) => phaseHasSlice(view.phase)).length;
}

export function quitQuestion(running: number): QuitQuestion {
  return {
    message: `${running} slice${running === 1 ? ' is' : 's are'} running.`,
    detail: 'Destroy them now, or keep them running? Kept slices go on working without the panel, and slicedeck picks them up again the next time it starts.',
    buttons: ['Keep running and quit', 'Destroy and quit', 'Cancel'],
    defaultId: KEEP,
    cancelId: CANCEL,
  };
}

export interface QuitPromptDeps {
  /** The host's current views (`slices.list`). */
  listViews(): Promise<SliceView[]>;
  /** Calls `listener` on every slice event; returns the unsubscribe. */
  onSliceChange(listener: () => void): () => void;
  /** Shows the question; resolves with the index of the button (the cancel id when `signal` closed it). */
  ask(question: QuitQuestion, signal: AbortSignal): Promise<number>;
}

/** Asks (only when slices run) and answers whether to quit and whether to destroy the slices first. */
export async function decideQuit(deps: QuitPromptDeps): Promise<QuitDecision> {
  // Each round is started by a real change of the count, so this ends when the dialog is answered.
  for (;;) {
    const running = runningSlices(await deps.listViews());
    if (running === 0) return { quit: true, destroySlices: false };
    const closed = new AbortController();
    let recount: Promise<void> = Promise.resolve();
    const unsubscribe = deps.onSliceChange(() => {
      recount = recount.then(async () => {
        if (!closed.signal.aborted && runningSlices(await deps.listViews()) !== running) closed.abort();
      });
    });
    let response: number;
    try {
      response = await deps.ask(quitQuestion(running), closed.signal);
    } finally {
      unsubscribe();
    }
    if (closed.signal.aborted) continue; // closed by us: the count changed, ask again with the true one
    if (response === DESTROY) return { quit: true, destroySlices: true };
    if (response === KEEP) return { quit: true, destroySlices: false };
    return { quit: false };
  }
}
