import { describe, expect, it } from 'vitest';
import type { SliceEventRecord } from '@shared/types';
import { formatEventTime, historyLabel, historyRows } from '../../src/renderer/src/history';

const at = (h: number, m: number, s: number, day = 12) => new Date(2024, 2, day, h, m, s).getTime();
let nextId = 1;
const record = (partial: Partial<SliceEventRecord>): SliceEventRecord => ({
  id: nextId++,
  accountId: 'acc_test',
  sliceId: 'slc_1',
  type: 'stage',
  stage: null,
  message: null,
  at: at(14, 3, 22),
  repeats: 1,
  lastAt: null,
  ...partial,
});

describe('formatEventTime', () => {
  it('shows the local time with seconds, and the date only when it was not today', () => {
    expect(formatEventTime(at(14, 3, 22), at(18, 0, 0), 'en-GB')).toBe('14:03:22');
    expect(formatEventTime(at(9, 5, 7, 11), at(18, 0, 0), 'en-GB')).toBe('11 Mar 2024 09:05:07');
  });
});

describe('historyLabel', () => {
  it('names stages and other entries in words, and still reads a type it does not know', () => {
    expect(historyLabel({ type: 'stage', stage: 'allocating_port' })).toBe('Port reserved');
    expect(historyLabel({ type: 'stage', stage: 'qr_timeout' })).toBe('Codes expired');
    expect(historyLabel({ type: 'qr', stage: 'qr' })).toBe('New code');
    expect(historyLabel({ type: 'slice.dead', stage: 'ready' })).toBe('The slice stopped');
    expect(historyLabel({ type: 'placed', stage: 'starting' })).toBe('Runs on a node');
    expect(historyLabel({ type: 'slice.rebooted_twice', stage: null })).toBe('Slice rebooted twice');
  });
});

describe('historyRows', () => {
  it('puts the newest first by write order (entries can share a millisecond)', () => {
    const rows = historyRows(
      [record({ id: 1, stage: 'pending' }), record({ id: 2, stage: 'allocating_port' }), record({ id: 3, type: 'qr', stage: 'qr', message: 'Code 1 of 3' })],
      at(18, 0, 0),
      'en-GB',
    );
    expect(rows.map((r) => r.label)).toEqual(['New code', 'Port reserved', 'Connect started']);
    expect(rows[0]).toMatchObject({ time: '14:03:22', message: 'Code 1 of 3', tone: 'normal' });
  });

  it('keeps the host’s words, explains stages that came without any, and marks failures', () => {
    const [failed, expired, started] = historyRows(
      [record({ id: 10, stage: 'pending' }), record({ id: 11, stage: 'qr_timeout' }), record({ id: 12, stage: 'error', message: 'Docker is not answering.' })],
      at(18, 0, 0),
    );
    expect(failed).toMatchObject({ label: 'Failed', message: 'Docker is not answering.', tone: 'bad' });
    expect(expired).toMatchObject({ label: 'Codes expired', message: 'None of the codes was scanned in time, so the slice was closed.', tone: 'normal' });
    expect(started!.message).toBe('');
  });

  it('shows how often a coalesced entry came, and names the row that says older ones were dropped', () => {
    const [repeated, trimmed] = historyRows(
      [
        record({ id: 20, type: 'history.trimmed', message: '40 older History rows were dropped to keep the newest 1000 (SLICEDECK_HISTORY_CAP sets how many).', repeats: 40 }),
        record({ id: 21, type: 'disconnected', message: 'NAVIGATION', repeats: 12, lastAt: at(14, 3, 40) }),
      ],
      at(18, 0, 0),
      'en-GB',
    );
    expect(repeated).toMatchObject({ label: 'WhatsApp disconnected', repeated: '×12, last at 14:03:40' });
    expect(trimmed).toMatchObject({ label: 'Older rows dropped', repeated: '', tone: 'normal' });
    const [breach] = historyRows([record({ id: 22, type: 'slice.protocol', message: 'The slice broke the protocol: the event stream: more than 500 events a second…' })], at(18, 0, 0));
    expect(breach).toMatchObject({ label: 'The slice broke the protocol', tone: 'bad' });
  });
});
