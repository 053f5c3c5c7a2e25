/**
 * The last step of the connect flow, and the operator's ways out: a slice is torn
 * down (container removed, port, token and timer freed, the final stage recorded),
 * a failing one is failed, and Destroy / Log out / Remove cancel a connect in flight
 * and end in a run of the account's owner. Teardown always frees what was taken; the
 * session volume stays unless the session itself is being thrown away.
 */
import { SlicedeckError } from '@shared/errors';
import type { Stage } from '@shared/stages';
import { authVolumeName } from '../docker/labels';
import { SliceClient } from '../slice-client';
import { endContainer, mayHoldSession } from './graceful-stop';
import { hostOf } from './placement';
import type { Account, Held, Owned } from './account';
import type { SliceContext, SliceHandle } from './slice-state';
import { asSlicedeckError } from './words';

export class Teardown {
  constructor(private readonly state: SliceContext) {}

  /**
   * Removes the slice's container and clears the row: port, token and container
   * freed, `finalStage` recorded and emitted. The volume is kept. A slice that may
   * hold a session the volume does not have yet is stopped gracefully (see
   * endContainer); `graceful` overrides that (false: a session about to be deleted).
   * A graceful stop can take up to the grace, so its row first takes the final stage (not
   * shown yet, no History row): a host killed meanwhile leaves a row the next start's
   * reconciler finishes (a terminal stage naming a container), never one naming a slice
   * the engine is still stopping as if it were live (it would be adopted as running).
   * `words` go where the final stage means them (the store decides: an error or qr_timeout's
   * words are its error, a logout's are a note).
   * Idempotent and guarded by the slice id, so a late timer never clears a newer slice.
   */
  async teardown(owned: Owned, slice: SliceHandle, finalStage: Stage, words: string | null, opts: { sweepLabels?: boolean; graceful?: boolean } = {}): Promise<void> {
    const { store, deps } = this.state;
    owned.unfollow(slice.sliceId);
    const row = slice.current();
    if (!row) return;
    owned.clearTimer();
    const graceful = opts.graceful ?? (finalStage !== 'qr_timeout' && mayHoldSession(row.stage, store.sessionSaved(slice.accountId)));
    if (graceful) store.markEnding(slice.accountId, slice.sliceId, finalStage, words);
    try {
      if (row.sliceRef) await endContainer(this.state, slice.ids, row.sliceRef, graceful);
      if (opts.sweepLabels) {
        // A container Docker created but whose id we never learned (aborted mid-create).
        for (const container of await deps.runtime.listManaged(deps.homeId)) {
          if (container.sliceId === slice.sliceId) await deps.runtime.remove(container.ref);
        }
      }
    } catch (err) {
      // The reconciler removes it later (its slice id no longer matches any row); the port is re-checked before reuse.
      this.state.log.warn({ ...slice.ids, err }, 'could not remove the slice container now; the reconciler will');
    }
    slice.publish(store.clearSlice(slice.accountId, finalStage, words, slice.sliceId));
  }

  /** A slice failed: abort its provisioning if one is running, else tear it down into `error`. */
  failSlice(held: Held, slice: SliceHandle, error: SlicedeckError): void {
    const attempt = held.attempt;
    if (attempt?.sliceId === slice.sliceId && !attempt.controller.signal.aborted) {
      attempt.controller.abort(error);
      return;
    }
    void held.account
      .run((owned) => this.teardown(owned, slice, 'error', error.message))
      .catch((err: unknown) => this.state.log.error({ accountId: slice.accountId, err }, 'teardown after a failure failed'));
  }

  /** Removes the container and frees the port; the session volume stays. Back to `setup`. */
  async destroy(account: Account): Promise<void> {
    this.state.requireAccount(account.id);
    account.step((held) => this.cancelAttempt(held, 'Connect was cancelled because the slice was destroyed.'));
    await account.run((owned) => this.destroyLocked(owned));
  }

  /**
   * Asks WhatsApp to unlink, destroys the slice, and deletes the session volume —
   * all in one run of the account, so a Connect clicked meanwhile waits and then
   * starts clean instead of racing the volume's removal.
   */
  async logout(account: Account): Promise<void> {
    const { store, log } = this.state;
    const accountId = account.id;
    this.state.requireAccount(accountId);
    account.step((held) => this.cancelAttempt(held, 'Connect was cancelled because the account was logged out.'));
    await account.run(async (owned) => {
      const live = owned.live;
      if (live) {
        // Stop following first: the slice answers our logout with `needs_qr`, which is
        // ours to act on here, not the phone logging out (the follower's followState).
        const row = store.getSlice(accountId);
        owned.unfollow(live.sliceId);
        const client = row?.sliceId === live.sliceId && row.port !== null && row.token ? new SliceClient({ host: hostOf(row), port: row.port, token: row.token }) : null;
        try {
          await client?.logout();
        } catch (error) {
          // The slice may be dead already; the session is deleted below either way.
          log.info({ accountId, err: error }, 'the slice could not log out; deleting its session anyway');
        } finally {
          client?.close();
        }
      }
      // The session is deleted next: nothing to save, so the slice goes at once.
      await this.destroyLocked(owned, { graceful: false });
      await this.removeSessionVolume(accountId);
      store.setSessionSaved(accountId, false);
      store.record({ accountId, sliceId: null, type: 'logout', message: 'Logged out; session data deleted' });
    });
  }

  /**
   * accounts.remove: the slice, its session volume, then the account itself, in one
   * run of the account. A Connect in flight is cancelled first; one clicked after
   * waits for its run and then finds no account.
   */
  async removeAccount(account: Account): Promise<void> {
    const accountId = account.id;
    this.state.requireAccount(accountId);
    account.step((held) => this.cancelAttempt(held, 'Connect was cancelled because the account was removed.'));
    await account.run(async (owned) => {
      await this.destroyLocked(owned);
      await this.removeSessionVolume(accountId);
      this.state.store.removeAccount(accountId);
    });
  }

  /** Whatever slice the account has goes, and it is back at `idle`. */
  async destroyLocked(owned: Owned, opts: { graceful?: boolean } = {}): Promise<void> {
    const accountId = owned.id;
    const row = this.state.store.getSlice(accountId);
    if (!row) return;
    if (row.sliceId) await this.teardown(owned, this.state.slice(accountId, row.sliceId), 'idle', null, opts);
    else if (row.stage !== 'idle') this.state.publish(accountId, this.state.store.clearSlice(accountId, 'idle', null));
  }

  /** Deletes the account's session volume (its WhatsApp session): the next slice shows codes. */
  async removeSessionVolume(accountId: string): Promise<void> {
    const { deps } = this.state;
    try {
      await deps.requireDocker();
      await deps.runtime.removeVolume(authVolumeName(deps.homeId, accountId));
    } catch (error) {
      throw asSlicedeckError(error);
    }
  }

  /** Aborts the account's connect in flight; it ends in `idle` (not `error`), its teardown sweeping what it made. */
  cancelAttempt(held: Held, words: string): void {
    const attempt = held.attempt;
    if (!attempt || attempt.controller.signal.aborted) return;
    attempt.cancelled = true;
    attempt.controller.abort(new SlicedeckError('conflict', words));
  }
}
