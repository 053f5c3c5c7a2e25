import { describe, expect, it } from 'vitest';
import { COMMANDS, COMMAND_NAMES, EVENT_NAMES, type CommandHandlers } from '@shared/contract';
import { dispatch } from '@shared/dispatch';
import { PROVISIONING_STAGES, STAGES, STAGE_INFO, phaseOfStage } from '@shared/stages';

function handlersReturning(value: unknown): CommandHandlers {
  return Object.fromEntries(COMMAND_NAMES.map((name) => [name, async () => value])) as unknown as CommandHandlers;
}

describe('the contract', () => {
  it('keeps every command name PRODUCT.md promises', () => {
    for (const name of [
      'accounts.list', 'accounts.add', 'accounts.remove', 'slices.connect', 'slices.destroy', 'slices.view',
      'slices.list', 'chats.list', 'chats.messages', 'messages.send', 'system.status', 'sim.scan', 'slices.stats',
    ]) {
      expect(COMMANDS).toHaveProperty([name]);
    }
  });

  it('announces the Dashboard stats as an event, and slices.stats takes no input', async () => {
    expect(EVENT_NAMES).toContain('stats');
    expect(new Set(EVENT_NAMES).size).toBe(EVENT_NAMES.length);
    expect(await dispatch(handlersReturning([]), 'slices.stats', undefined)).toEqual({ ok: true, result: [] });
    expect(await dispatch(handlersReturning([]), 'slices.stats', { accountId: 'acc_abcdef' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('has a message and a progress for every stage, rising through provisioning', () => {
    for (const stage of STAGES) expect(STAGE_INFO[stage].message.length).toBeGreaterThan(0);
    const progress = PROVISIONING_STAGES.map((stage) => STAGE_INFO[stage].progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(new Set(PROVISIONING_STAGES.map(phaseOfStage))).toEqual(new Set(['provisioning']));
    expect(phaseOfStage('qr_timeout')).toBe('expired');
  });
});

describe('sim.fault', () => {
  const accountId = 'acc_abcdef';
  it('takes the faults a phone or the network can play, with an optional count', async () => {
    for (const kind of ['phone_logout', 'drop_link', 'fail_initialize']) {
      expect(await dispatch(handlersReturning(undefined), 'sim.fault', { accountId, kind })).toMatchObject({ ok: true });
    }
    expect(await dispatch(handlersReturning(undefined), 'sim.fault', { accountId, kind: 'fail_initialize', count: 1000 })).toMatchObject({ ok: true });
  });

  it('refuses an unknown kind, a bad count and extra fields with words', async () => {
    const refused = async (input: unknown, words: RegExp) =>
      expect(await dispatch(handlersReturning(undefined), 'sim.fault', input)).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(words) } });
    await refused({ accountId, kind: 'explode' }, /kind must be one of phone_logout, drop_link, fail_initialize/);
    await refused({ accountId }, /kind must be one of/);
    await refused({ accountId, kind: 'fail_initialize', count: 0 }, /count must be at least 1/);
    await refused({ accountId, kind: 'fail_initialize', count: 1001 }, /count must be at most 1000/);
    await refused({ accountId, kind: 'fail_initialize', count: 1.5 }, /whole number/);
    await refused({ accountId, kind: 'drop_link', extra: true }, /extra/);
  });
});

describe('dispatch', () => {
  it('refuses an unknown command with a typed error', async () => {
    const answer = await dispatch(handlersReturning(null), 'rm -rf', {});
    expect(answer).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
  });

  it('refuses bad input with the field that is wrong, and never calls the handler', async () => {
    let called = false;
    const handlers = { ...handlersReturning(null), 'accounts.add': async () => { called = true; return null; } } as unknown as CommandHandlers;
    const answer = await dispatch(handlers, 'accounts.add', { name: '   ' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'name' }] } });
    expect(called).toBe(false);
  });

  it('refuses unexpected fields', async () => {
    const answer = await dispatch(handlersReturning(null), 'slices.view', { accountId: 'acc_abcdef', extra: 1 });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('passes trimmed input to the handler and wraps its result', async () => {
    let seen: unknown;
    const handlers = { ...handlersReturning(null), 'accounts.add': async (input: unknown) => { seen = input; return { id: 'acc_x', name: 'Alice', createdAt: 1 }; } } as unknown as CommandHandlers;
    const answer = await dispatch(handlers, 'accounts.add', { name: '  Alice ' });
    expect(seen).toEqual({ name: 'Alice' });
    expect(answer).toEqual({ ok: true, result: { id: 'acc_x', name: 'Alice', createdAt: 1 } });
  });

  it('hides an unexpected crash behind an internal error with words', async () => {
    const handlers = { ...handlersReturning(null), 'accounts.list': async () => { throw new Error('secret stack'); } } as unknown as CommandHandlers;
    const answer = await dispatch(handlers, 'accounts.list', undefined);
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.error.code).toBe('internal');
      expect(answer.error.message).not.toContain('secret');
    }
  });
});
