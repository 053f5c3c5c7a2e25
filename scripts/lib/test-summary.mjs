/**
 * Turns the vitest and Playwright JSON reports into one honest count.
 * Skipped tests are never passed; a suite that did not report, or that exited
 * non-zero without naming a failing test, counts as a failure.
 */

/** @returns {{ passed: number, failed: number, skipped: number, notes: string[] }} */
export function summarizeVitest(report, exitCode) {
  if (!report) return couldNotRun('vitest', exitCode);
  // A test file that fails to load has no assertions, only a failed status: one failure each.
  const brokenFiles = (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && (file.assertionResults ?? []).every((test) => test.status !== 'failed'),
  );
  const counts = {
    passed: report.numPassedTests ?? 0,
    failed: (report.numFailedTests ?? 0) + brokenFiles.length,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    notes: brokenFiles.map((file) => `vitest: ${file.name} could not run: ${firstLine(file.message)}`),
  };
  return withExitCode('vitest', counts, exitCode);
}

/** @returns {{ passed: number, failed: number, skipped: number, notes: string[] }} */
export function summarizePlaywright(report, exitCode) {
  if (!report?.stats) return couldNotRun('playwright', exitCode);
  const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = report.stats;
  const errors = report.errors ?? [];
  const counts = {
    // A flaky test failed, then passed on retry: it passed, and the note says so.
    passed: expected + flaky,
    failed: unexpected + errors.length,
    skipped,
    notes: [
      ...(flaky ? [`playwright: ${flaky} test(s) passed only on retry`] : []),
      ...errors.map((error) => `playwright: ${firstLine(error.message)}`),
    ],
  };
  return withExitCode('playwright', counts, exitCode);
}

function couldNotRun(suite, exitCode) {
  return { passed: 0, failed: 1, skipped: 0, notes: [`${suite} did not produce a report (exit code ${exitCode}); it could not run, see its output above`] };
}

function withExitCode(suite, counts, exitCode) {
  if (exitCode !== 0 && counts.failed === 0) {
    return { ...counts, failed: 1, notes: [...counts.notes, `${suite} exited with code ${exitCode} without naming a failing test (an error outside the tests, see above)`] };
  }
  return counts;
}

function firstLine(text) {
  // Reporters colour their messages; the escape character is the point of this pattern.
  // eslint-disable-next-line no-control-regex
  return String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '').trim().split('\n')[0] || '(no message)';
}

export function addCounts(...all) {
  return all.reduce(
    (sum, counts) => ({
      passed: sum.passed + counts.passed,
      failed: sum.failed + counts.failed,
      skipped: sum.skipped + counts.skipped,
      notes: [...sum.notes, ...counts.notes],
    }),
    { passed: 0, failed: 0, skipped: 0, notes: [] },
  );
}

/** The last line of `npm test`: `N passed, N failed` (`, N skipped` when any were). */
export function summaryLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

/** The run fails on any failure, and when nothing ran at all. */
export function runSucceeded({ passed, failed }) {
  return failed === 0 && passed > 0;
}
