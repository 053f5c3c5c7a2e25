// Types for test-summary.mjs.
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  notes: string[];
}
export function summarizeVitest(report: unknown, exitCode: number): Counts;
export function summarizePlaywright(report: unknown, exitCode: number): Counts;
export function addCounts(...all: Counts[]): Counts;
export function summaryLine(counts: Pick<Counts, 'passed' | 'failed' | 'skipped'>): string;
export function runSucceeded(counts: Pick<Counts, 'passed' | 'failed'>): boolean;
