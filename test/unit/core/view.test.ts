import { describe, expect, it } from 'vitest';
import { projectView } from '../../../src/main/core/slices/view';
import type { SliceRow } from '../../../src/main/core/db/store';

const base: SliceRow = {
  accountId: 'acc_test1',
  sliceId: 'slc_1',
  port: 47100,
  sliceRef: 'abc',
  token: 'secret',
  stage: 'pending',
  stageStartedAt: 1_000,
  startedAt: 900,
  error: null,
  note: null,
  qr: null,
  pairingUntil: null,
  contacts: null,
  restarts: 0,
  address: null,
  node: null,
  nodeName: null,
};
const qr = { payload: 'code', index: 2, total: 3, issuedAt: 1, expiresAt: 2 };

describe('projectView', () => {
  it('is setup/idle for an account that never connected', () => {
    expect(projectView('acc_test1', undefined)).toEqual({ accountId: 'acc_test1', phase: 'setup', stage: 'idle', stageStartedAt: null, startedAt: null });
  });

  it('maps every provisioning stage to the provisioning phase with its timestamps', () => {
    for (const stage of ['pending', 'allocating_port', 'creating_container', 'starting', 'waiting_for_health', 'initializing'] as const) {
      expect(projectView('acc_test1', { ...base, stage })).toMatchObject({ phase: 'provisioning', stage, stageStartedAt: 1_000, startedAt: 900, sliceId: 'slc_1', port: 47100 });
    }
  });

  it('shows the code only while in the qr stage', () => {
    expect(projectView('acc_test1', { ...base, stage: 'qr', qr }).qr).toEqual(qr);
    expect(projectView('acc_test1', { ...base, stage: 'linking', qr }).qr).toBeUndefined();
  });

  it('says a phone is logging in (pairingUntil) only while in the qr stage', () => {
    expect(projectView('acc_test1', { ...base, stage: 'qr', qr, pairingUntil: 5_000 })).toMatchObject({ qr, pairingUntil: 5_000 });
    expect(projectView('acc_test1', { ...base, stage: 'qr', qr }).pairingUntil).toBeUndefined();
    expect(projectView('acc_test1', { ...base, stage: 'linking', qr, pairingUntil: 5_000 }).pairingUntil).toBeUndefined();
  });

  it('shows contacts while linking and ready', () => {
    expect(projectView('acc_test1', { ...base, stage: 'linking', contacts: 4 })).toMatchObject({ phase: 'linking', contacts: 4 });
    expect(projectView('acc_test1', { ...base, stage: 'ready', contacts: 9 })).toMatchObject({ phase: 'ready', contacts: 9 });
  });

  it('projects qr_timeout as expired and error with its words', () => {
    expect(projectView('acc_test1', { ...base, sliceId: null, port: null, stage: 'qr_timeout' })).toMatchObject({ phase: 'expired', stage: 'qr_timeout' });
    const view = projectView('acc_test1', { ...base, sliceId: null, port: null, stage: 'error', error: 'It broke — retry' });
    expect(view).toMatchObject({ phase: 'error', error: 'It broke — retry' });
    expect(view.port).toBeUndefined();
    expect(view.sliceId).toBeUndefined();
  });

  it('gives an expired attempt its words as the error the expired screen shows, not as a note', () => {
    const words = 'The phone scanned the code but did not finish logging in in time.';
    const expired = projectView('acc_test1', { ...base, sliceId: null, port: null, stage: 'qr_timeout', error: words });
    expect(expired).toMatchObject({ phase: 'expired', error: words });
    expect(expired.note).toBeUndefined();
    // Unscanned codes carry no words: the screen says the code expired.
    expect(projectView('acc_test1', { ...base, sliceId: null, port: null, stage: 'qr_timeout' }).error).toBeUndefined();
  });

  it('shows the note column as the note and the error column as the error, whatever the stage (issue 20)', () => {
    const reconnecting = projectView('acc_test1', { ...base, stage: 'ready', note: 'reconnecting…' });
    expect(reconnecting).toMatchObject({ phase: 'ready', note: 'reconnecting…' });
    expect(reconnecting.error).toBeUndefined();
    const loggedOut = projectView('acc_test1', { ...base, sliceId: null, port: null, stage: 'idle', note: 'WhatsApp logged this account out' });
    expect(loggedOut).toMatchObject({ phase: 'setup', note: 'WhatsApp logged this account out' });
    expect(loggedOut.error).toBeUndefined();
    expect(projectView('acc_test1', { ...base, stage: 'error', error: 'It broke' }).note).toBeUndefined();
    // An expired attempt with its words and a late note: each where it means it (the view no
    // longer guesses which the one column held from the stage).
    const words = 'The phone scanned the code but did not finish logging in in time.';
    const both = projectView('acc_test1', { ...base, sliceId: null, port: null, stage: 'qr_timeout', error: words, note: 'Code scanned — the phone is logging in…' });
    expect(both).toMatchObject({ phase: 'expired', error: words, note: 'Code scanned — the phone is logging in…' });
  });

  it('names the node of a slice on a swarm, and none on one engine', () => {
    expect(projectView('acc_test1', { ...base, stage: 'qr', node: 'node0id', nodeName: 'n2', address: '10.213.0.12' }).node).toBe('n2');
    expect(projectView('acc_test1', { ...base, stage: 'qr', node: 'local', nodeName: null, address: '127.0.0.1' })).not.toHaveProperty('node');
  });

  it('never leaks the slice token', () => {
    expect(JSON.stringify(projectView('acc_test1', base))).not.toContain('secret');
  });
});
