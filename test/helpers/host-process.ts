/**
 * A slicedeck host in its own process, for crash tests: opens a core over
 * SLICEDECK_DATA_DIR, adds an account, clicks Connect, and prints every slice
 * event as one JSON line, so the test can `kill -9` it at a chosen stage.
 *
 * HOST_PAUSE_AT=<provisioning stage> (read here, by the test program, never by the
 * product) passes the core a stage hook that holds the host forever at that
 * stage's point inside its work (see StagePoint) and prints `paused`, so the kill
 * lands inside the work, not after a line that may come too late.
 *
 * HOST_SEND_CHAT + HOST_SEND_TEXT: once codes are on screen (the account is linking),
 * sends that message and prints the answer as `queued` (outgoing-queue crash test).
 *
 * HOST_SCAN=1: once a code is on screen, scans it (simulated phone), so the account
 * reaches Ready in this host (a crash test with linked slices running).
 *
 * HOST_DESTROY_WHEN_READY=1: once the account is Ready, prints `destroying` and clicks
 * Disconnect (slices.destroy), so a test can kill the host while it stops the slice.
 *
 * HOST_PRINT_QR=1: `slice` lines carry the code's payload (`qr`), so a test can scan it
 * on a stand-in WhatsApp Web (the real driver).
 *
 * SIGTERM: the host closes as the shells do when they quit — `core.close()`, and with
 * HOST_STOP_DESTROYS=1 `core.close({ destroySlices: true })` (the desktop's "Destroy and
 * quit") — prints `closed`, and exits 0.
 */
import pino from 'pino';
import { dispatch } from '@shared/dispatch';
import { createCore, type StageHook } from '../../src/main/core';
import { loadConfig } from '../../src/main/core/config';

function print(line: unknown): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const pauseAt = process.env.HOST_PAUSE_AT;
  const stageHook: StageHook | undefined = pauseAt
    ? async (point) => {
        if (point.stage !== pauseAt) return;
        print({ type: 'paused', stage: point.stage, accountId: point.accountId, sliceId: point.sliceId });
        await new Promise<never>(() => undefined);
      }
    : undefined;
  const core = await createCore({ config, logger: pino({ level: 'silent' }), ...(stageHook ? { stageHook } : {}) });
  print({ type: 'home', homeId: core.homeId });
  process.once('SIGTERM', () => {
    void core
      .close({ destroySlices: process.env.HOST_STOP_DESTROYS === '1' })
      .then(() => print({ type: 'closed' }))
      .finally(() => process.exit(0));
  });
  let sent = false;
  let scanned = false;
  let destroying = false;
  core.events.subscribe((event) => {
    if (event.type !== 'slice') return;
    const qr = process.env.HOST_PRINT_QR === '1' && event.data.qr ? { qr: event.data.qr.payload } : {};
    print({ type: 'slice', stage: event.data.stage, accountId: event.data.accountId, ...qr });
    if (event.data.stage === 'qr' && !scanned && process.env.HOST_SCAN === '1') {
      scanned = true;
      void dispatch(core.handlers, 'sim.scan', { accountId: event.data.accountId });
    }
    if (event.data.stage === 'ready' && !destroying && process.env.HOST_DESTROY_WHEN_READY === '1') {
      destroying = true;
      print({ type: 'destroying', accountId: event.data.accountId });
      void dispatch(core.handlers, 'slices.destroy', { accountId: event.data.accountId });
    }
    if (event.data.stage === 'qr' && !sent && process.env.HOST_SEND_CHAT && process.env.HOST_SEND_TEXT) {
      sent = true;
      void dispatch(core.handlers, 'messages.send', { accountId: event.data.accountId, chatId: process.env.HOST_SEND_CHAT, text: process.env.HOST_SEND_TEXT }).then((answer) =>
        print({ type: 'queued', accountId: event.data.accountId, message: JSON.stringify(answer) }),
      );
    }
  });
  const added = await dispatch(core.handlers, 'accounts.add', { name: process.env.HOST_ACCOUNT_NAME ?? 'Crash' });
  if (!added.ok) throw new Error(added.error.message);
  const connected = await dispatch(core.handlers, 'slices.connect', { accountId: (added.result as { id: string }).id });
  print({ type: 'connected', result: connected });
}

main().catch((error: unknown) => {
  print({ type: 'failed', message: (error as Error).message });
  process.exitCode = 1;
});
