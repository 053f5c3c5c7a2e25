import { describe, expect, it } from 'vitest';
import { addCounts, runSucceeded, summarizePlaywright, summarizeVitest, summaryLine } from '../../scripts/lib/test-summary.mjs';

describe('counting a test run', () => {
  it('reads vitest’s counts; skipped and todo are skipped, not passed', () => {
    const report = { numPassedTests: 40, numFailedTests: 1, numPendingTests: 2, numTodoTests: 1, testResults: [] };
    expect(summarizeVitest(report, 1)).toEqual({ passed: 40, failed: 1, skipped: 3, notes: [] });
  });

  it('counts a test file that could not load as a failure', () => {
    const report = {
      numPassedTests: 3,
      numFailedTests: 0,
      testResults: [{ name: '/x/broken.test.ts', status: 'failed', message: 'Cannot find module', assertionResults: [] }],
    };
    const counts = summarizeVitest(report, 1);
    expect(counts.failed).toBe(1);
    expect(counts.notes[0]).toContain('broken.test.ts could not run: Cannot find module');
  });

  it('counts a suite without a report, or a non-zero exit with no failing test, as a failure', () => {
    expect(summarizeVitest(null, 1)).toMatchObject({ passed: 0, failed: 1 });
    expect(summarizePlaywright(null, 1)).toMatchObject({ passed: 0, failed: 1 });
    expect(summarizeVitest({ numPassedTests: 5, numFailedTests: 0, testResults: [] }, 1)).toMatchObject({ passed: 5, failed: 1 });
  });

  it('reads Playwright’s stats; flaky passed on retry, global errors fail', () => {
    const report = { stats: { expected: 7, unexpected: 1, flaky: 1, skipped: 2 }, errors: [{ message: 'config broke\nat …' }] };
    const counts = summarizePlaywright(report, 1);
    expect(counts).toMatchObject({ passed: 8, failed: 2, skipped: 2 });
    expect(counts.notes).toContain('playwright: config broke');
  });

  it('prints the sum, with skipped only when some were skipped', () => {
    const total = addCounts({ passed: 3, failed: 0, skipped: 0, notes: [] }, { passed: 2, failed: 1, skipped: 4, notes: ['n'] });
    expect(total).toEqual({ passed: 5, failed: 1, skipped: 4, notes: ['n'] });
    expect(summaryLine(total)).toBe('5 passed, 1 failed, 4 skipped');
    expect(summaryLine({ passed: 5, failed: 0, skipped: 0 })).toBe('5 passed, 0 failed');
  });

  it('fails a run with a failure, and a run where nothing ran', () => {
    expect(runSucceeded({ passed: 5, failed: 0 })).toBe(true);
    expect(runSucceeded({ passed: 5, failed: 1 })).toBe(false);
    expect(runSucceeded({ passed: 0, failed: 0 })).toBe(false);
  });
});
