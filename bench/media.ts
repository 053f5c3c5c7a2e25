/**
 * Media rows of `npm run bench` (BENCH_ONLY=media): through a real core and a simulated
 * slice container, `messages.media` for the simulated phone's photo (~5 KB) and its
 * 2.5 MB document (past the 1 MiB cap of every other slice answer): click → the whole file
 * in the host, base64, as the renderer gets it. The real library adds its page's
 * download and base64 on top (not measured here: it needs the Chromium image and the stand-in).
 */
import type { Core } from '../src/main/core/index';
import type { ChatMessage, SliceView } from '@shared/types';
import { summarize, type Summary } from './stats';

type Row = (metric: string, value: string, target?: string, ok?: boolean) => void;
type NextView = (core: Core, accountId: string, predicate: (view: SliceView) => boolean, timeoutMs?: number) => Promise<SliceView>;

export async function mediaFigures(core: Core, nextView: NextView, reps: number, row: Row): Promise<Record<string, Summary>> {
  const { handlers } = core;
  const account = await handlers['accounts.add']({ name: 'bench media' });
  const sawQr = nextView(core, account.id, (v) => v.qr !== undefined);
  await handlers['slices.connect']({ accountId: account.id });
  await sawQr;
  const ready = nextView(core, account.id, (v) => v.stage === 'ready', 60_000);
  await handlers['sim.scan']({ accountId: account.id });
  await ready;
  let thread: ChatMessage[] = [];
  let chatId = '';
  for (const chat of (await handlers['chats.list']({ accountId: account.id })).filter((c) => !c.isGroup)) {
    thread = await handlers['chats.messages']({ accountId: account.id, chatId: chat.id });
    chatId = chat.id;
    if (thread.some((m) => m.media)) break;
  }
  const figures: Record<string, Summary> = {};
  for (const kind of ['image', 'document'] as const) {
    const message = thread.find((m) => m.media?.kind === kind);
    if (!message) throw new Error(`the simulated phone has no ${kind} message`);
    const samples: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const started = performance.now();
      const file = await handlers['messages.media']({ accountId: account.id, chatId, messageId: message.id });
      if (i > 0) samples.push(performance.now() - started); // the first is a warm-up
      if (file.size !== message.media!.size) throw new Error(`${kind}: ${file.size} bytes, expected ${message.media!.size}`);
    }
    figures[kind] = summarize(samples);
    const size = message.media!.size!;
    row(`messages.media, ${kind} (${Math.round(size / 1024)} KiB), simulated slice`, `p50 ${figures[kind].p50} ms, p95 ${figures[kind].p95} ms (n=${reps})`);
  }
  return figures;
}
