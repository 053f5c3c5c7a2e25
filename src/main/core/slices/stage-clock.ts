/**
 * Stages and the host's own clocks: a stage is persisted and shown before its work
 * starts, and each one re-arms the account's single timer — a safety timeout for
 * provisioning stages and `linking`, the QR deadline while codes are shown. A timer
 * that fires for a slice that is no longer current, or has left the stage, does
 * nothing.
 */
import { SlicedeckError } from '@shared/errors';
import { isProvisioningStage, type Stage } from '@shared/stages';
import type { QrInfo } from '@shared/types';
import type { Account, Held } from './account';
import type { SliceContext, SliceHandle } from './slice-state';
import type { Teardown } from './teardown';
import { linkStalledWords } from './words';

/**
 * Allowance after an intermediate code's expiry before the host assumes the slice
 * stopped rotating (WhatsApp's rotation is its own; the driver allows 3 s too).
 */
export const QR_ROTATION_GRACE_MS = 3_000;
/**
 * After the codes' end, the slice asks WhatsApp whether a phone is logging in and
 * says so (`pairing`); the host's timer is only a backstop, this much later.
 */
export const QR_DECISION_MARGIN_MS = 3_000;

/** History's words for who ended the codes: the slice's own judgement, or the host's backstop. */
export const CODES_OVER_WORDS = {
  slice: 'The slice said its codes are over (no phone is logging in); slice removed at once',
  backstop: 'The slice said nothing by the host’s QR deadline; slice removed by the backstop',
} as const;

export class StageClock {
  constructor(
    private readonly state: SliceContext,
    /** What the clock does when it runs out: fail the slice, or clear it away. */
    private readonly actions: Teardown,
  ) {}

  /** Persists (and audits) the stage, emits the view, re-arms the stage's safety timer. */
  enterStage(held: Held, slice: SliceHandle, stage: Stage, error: string | null = null, arm = true): void {
    const row = this.state.store.setStage(slice.accountId, slice.sliceId, stage, error);
    if (!row) throw new SlicedeckError('conflict', 'This connect attempt was replaced by a newer one.');
    slice.publish(row);
    if (arm) this.afterStageChange(held, slice, stage);
  }

  /** Arms the stage's safety timeout (provisioning stages and `linking`); other stages have none. */
  afterStageChange(held: Held, slice: SliceHandle, stage: Stage): void {
    const { config } = this.state.deps;
    held.clearTimer();
    const timeout = isProvisioningStage(stage) ? config.stageTimeoutsMs[stage] : stage === 'linking' ? config.linkingTimeoutMs : 0;
    if (!timeout) return;
    held.setTimer(timeout, (fired) => {
      if (slice.current()?.stage !== stage) return;
      // A start or link that stalled names what the slice was waiting for, with what to do about that.
      const waitingFor = stage === 'initializing' || stage === 'linking' ? fired.linkOf(slice.sliceId)?.waitingFor : undefined;
      const words = waitingFor
        ? linkStalledWords(waitingFor, timeout)
        : `The slice took longer than ${Math.round(timeout / 1000)} s at “${stage.replace(/_/g, ' ')}” and was stopped. Check that Docker has enough memory and CPU free, then click Connect to retry.`;
      this.state.log.warn({ ...slice.ids, stage, timeout, waitingFor }, 'stage safety timeout');
      this.actions.failSlice(fired, slice, new SlicedeckError('timeout', words));
    });
  }

  /**
   * When the host gives up on the codes: the shown code's own expiry, plus the
   * lifetimes of the codes still to come (every code after the first lives
   * `qrTtlMs`), plus margins for the slice to rotate and to decide. While a phone
   * is logging in (`pairingUntil`), shortly after that instead.
   */
  qrDeadline(qr: QrInfo, pairingUntil: number | null): number {
    const { config } = this.state.deps;
    if (pairingUntil !== null) return pairingUntil + QR_DECISION_MARGIN_MS;
    const remaining = Math.max(0, qr.total - qr.index);
    let later = 0;
    for (let index = qr.index + 1; index <= qr.total; index++) later += index === 1 ? config.qrFirstTtlMs : config.qrTtlMs;
    return qr.expiresAt + later + (remaining > 0 ? QR_ROTATION_GRACE_MS : 0) + QR_DECISION_MARGIN_MS;
  }

  /**
   * The host's own QR clock (authoritative, needs no window): when the codes are
   * over unscanned (or a phone that scanned never finished logging in) the slice
   * is destroyed. The slice normally says so first (codesOver, acted on at once);
   * this is the backstop for a slice that says nothing.
   */
  armQr(held: Held, slice: SliceHandle, fireAt: number): void {
    held.setTimer(Math.max(0, fireAt - Date.now()), (fired) => void this.endCodes(fired.account, slice, 'backstop'));
  }

  /**
   * The slice says its codes are over: the last one expired and WhatsApp says no phone is
   * logging in (or the one that scanned ran out of its grace). The slice has judged; the
   * host ends the attempt now instead of waiting for its backstop.
   */
  codesOver(account: Account, slice: SliceHandle): Promise<void> {
    return this.endCodes(account, slice, 'slice');
  }

  /** The attempt ends in `qr_timeout` (a run of the account); History says who decided. */
  private endCodes(account: Account, slice: SliceHandle, decidedBy: 'slice' | 'backstop'): Promise<void> {
    const { state } = this;
    return account
      .run(async (owned) => {
        const row = slice.current();
        if (row?.stage !== 'qr') return;
        const pairing = row.pairingUntil !== null;
        state.log.info({ ...slice.ids, pairing, decidedBy }, pairing ? 'the phone that scanned did not finish logging in; destroying the slice' : 'the last QR code expired unscanned; destroying the slice');
        slice.record('qr.expired', 'qr', CODES_OVER_WORDS[decidedBy]);
        await this.actions.teardown(owned, slice, 'qr_timeout', pairing ? 'The phone scanned the code but did not finish logging in in time. Keep the phone online with WhatsApp open, then click Try again.' : null);
      })
      .catch((err: unknown) => state.log.error({ accountId: slice.accountId, err }, 'QR expiry teardown failed'));
  }

  /** Re-arms the account's timer from the persisted row (a slice adopted at start-up or resumed). */
  rearm(held: Held, slice: SliceHandle, row: { stage: Stage; qr: QrInfo | null; pairingUntil: number | null }): void {
    if (row.stage === 'qr' && row.qr) this.armQr(held, slice, this.qrDeadline(row.qr, row.pairingUntil));
    else this.afterStageChange(held, slice, row.stage);
  }
}
