import { afterEach, describe, expect, it, vi } from 'vitest';
import { Accounts, RevokedHoldError, type Held, type Owned } from '../../../src/main/core/slices/account';

/** A promise and the function that settles it: lets a test hold a run at an await. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('Account: one owner per account', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('two runs of one account never interleave (in arrival order, even after a failure); another account runs meanwhile', async () => {
    const accounts = new Accounts();
    const log: string[] = [];
    const held = gate();
    const first = accounts.of('a').run(async () => {
      log.push('a1:start');
      await held.opened;
      log.push('a1:end');
      throw new Error('boom');
    });
    const second = accounts.of('a').run(async () => {
      log.push('a2');
    });
    const other = accounts.of('b').run(async () => {
      log.push('b');
    });
    await other;
    // a2 waits for a1 however long a1 awaits; b did not wait for either.
    expect(log).toEqual(['a1:start', 'b']);
    held.open();
    await expect(first).rejects.toThrow('boom');
    await second;
    expect(log).toEqual(['a1:start', 'b', 'a1:end', 'a2']);
    await accounts.of('a').idle();
  });

  it('idle() waits for every run queued on the account, including one queued while waiting', async () => {
    const account = new Accounts().of('a');
    const log: string[] = [];
    const held = gate();
    void account.run(async () => {
      await held.opened;
      log.push('first');
      void account.run(async () => {
        log.push('queued while idle() waited');
      });
    });
    const idle = account.idle().then(() => log.push('idle'));
    held.open();
    await idle;
    expect(log).toEqual(['first', 'queued while idle() waited', 'idle']);
  });

  it('a handler cannot keep the account: its Owned (or Held) is revoked when its run (or step) ends', async () => {
    const account = new Accounts().of('a');
    let kept: Owned | undefined;
    await account.run(async (owned) => {
      owned.setLink({ sliceId: 's1', loadingPercent: 40 });
      kept = owned;
    });
    // Used later (a callback, a late timer) it throws instead of racing the next owner.
    expect(() => kept!.linkOf('s1')).toThrow(RevokedHoldError);
    expect(() => kept!.clearLink()).toThrow(/enter through the account again/);
    let keptStep: Held | undefined;
    account.step((held) => {
      keptStep = held;
    });
    expect(() => keptStep!.attempt).toThrow(RevokedHoldError);
    // What the run wrote is the account's, reached again through its owner.
    expect(account.step((held) => held.linkOf('s1'))).toEqual({ sliceId: 's1', loadingPercent: 40 });
  });

  it("a handler reaches only its own account's state: link facts, attempt, followed slice and budget are per owner", async () => {
    const accounts = new Accounts();
    const controller = new AbortController();
    await accounts.of('a').run(async (owned) => {
      owned.setLink({ sliceId: 's1', pairingCode: { code: 'ABCD-EFGH', expiresAt: 1 } });
      owned.startAttempt({ sliceId: 's1', controller, cancelled: false, done: new Promise(() => undefined) });
      owned.markSick('s1', 'it broke the protocol');
      expect(owned.takeRestart(1, 60_000)).toBe(true);
    });
    await accounts.of('b').run(async (owned) => {
      expect(owned.id).toBe('b');
      expect(owned.linkOf('s1')).toBeUndefined();
      expect(owned.attempt).toBeNull();
      expect(owned.takeSick('s1')).toBeNull();
      // b's restart budget is b's own: a's spent one does not count here.
      expect(owned.takeRestart(1, 60_000)).toBe(true);
    });
    await accounts.of('a').run(async (owned) => {
      expect(owned.linkOf('s1')?.pairingCode?.code).toBe('ABCD-EFGH');
      expect(owned.attempt?.sliceId).toBe('s1');
      expect(owned.takeSick('s1')).toBe('it broke the protocol');
      expect(owned.takeRestart(1, 60_000)).toBe(false);
    });
    expect(accounts.of('a')).toBe(accounts.of('a'));
  });

  it('one timer per account: re-arming replaces it, and it fires as a step of its own account', () => {
    vi.useFakeTimers();
    const accounts = new Accounts();
    const fired: string[] = [];
    accounts.of('a').step((held) => held.setTimer(1_000, () => fired.push('a: replaced')));
    accounts.of('a').step((held) => held.setTimer(2_000, (now) => fired.push(`a: ${now.id}`)));
    accounts.of('b').step((held) => held.setTimer(500, (now) => fired.push(`b: ${now.id}`)));
    vi.advanceTimersByTime(1_500);
    expect(fired).toEqual(['b: b']);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual(['b: b', 'a: a']);
    accounts.of('b').step((held) => held.setTimer(100, () => fired.push('b: cleared')));
    accounts.of('b').step((held) => held.clearTimer());
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual(['b: b', 'a: a']);
  });

  it('the steps that need the account to themselves take an Owned, which a step cannot give (checked by npm run typecheck)', async () => {
    const account = new Accounts().of('a');
    const exclusiveWork = (owned: Owned): string => owned.id;
    account.step((held) => {
      // @ts-expect-error a step's Held is not an Owned: exclusive work needs a run
      exclusiveWork(held);
    });
    await expect(account.run(async (owned) => exclusiveWork(owned))).resolves.toBe('a');
  });
});
