#!/usr/bin/env node
/**
 * The test run behind `npm test` (after `scripts/setup.mjs test` prepared the machine):
 *
 * 1. `npm run typecheck` — fails fast, with its output: nothing else is worth running on code that does not type.
 * 2. vitest (unit + integration) → test-results/vitest.json (copied there at the end)
 * 3. Playwright (web e2e in Chromium; the desktop spec in a real Electron — its own binary, else the
 *    npm-registry stand-in the set-up makes, README "Testing the desktop app") → test-results/playwright.json
 * 4. The main Docker engine and the host's routes as they were before 2 (scripts/lib/main-engine.mjs):
 *    the swarm tests run second engines on this machine, and must never change the first.
 *
 * Both suites always run, even when the first fails. The last line is the sum,
 * alone: `N passed, N failed[, N skipped]`. Exit code 1 when anything failed, a
 * suite could not run, or no test ran at all.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/proc.mjs';
import { mainEngineChanges, snapshotMainEngine } from './lib/main-engine.mjs';
import { addCounts, runSucceeded, summarizePlaywright, summarizeVitest, summaryLine } from './lib/test-summary.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'test-results');
const VITEST_JSON = join(RESULTS, 'vitest.json');
const PLAYWRIGHT_JSON = join(RESULTS, 'playwright.json');

function readReport(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function banner(text) {
  console.log(`\n── ${text} ${'─'.repeat(Math.max(0, 70 - text.length))}`);
}

/** One check, counted with the tests: the main engine and the host's routes are as the suite found them. */
async function checkMainEngine(before) {
  const after = before instanceof Error ? before : await snapshotMainEngine().catch((error) => error);
  const failed = (words) => {
    console.log(words);
    return { passed: 0, failed: 1, skipped: 0, notes: [words] };
  };
  if (after instanceof Error) return failed(`Could not read the main Docker engine and the host's routes to compare them (${after.message}).`);
  const changes = mainEngineChanges(before, after);
  if (changes.length > 0) {
    return failed(`The suite changed the main Docker engine or the host's routes — every container of the main engine may be cut off: ${changes.join('; ')}. Run npm run swarm:down, then look for a stray docker_gwbridge or route.`);
  }
  console.log('unchanged: swarm state, bridge subnet, no swarm network, no docker_gwbridge, host routes');
  return { passed: 1, failed: 0, skipped: 0, notes: [] };
}

async function main() {
  mkdirSync(RESULTS, { recursive: true });

  banner('typecheck');
  const typecheck = await run('npm', ['run', '--silent', 'typecheck'], { cwd: ROOT, capture: true });
  if (typecheck.code !== 0) {
    console.log(typecheck.output.trimEnd());
    console.log('\nThe type check failed (above); the test suites were not run. Fix the type errors, then run npm test again.');
    console.log(summaryLine({ passed: 0, failed: 1, skipped: 0 }));
    return 1;
  }
  console.log('types are sound');

  // A report left over from an earlier run must never be read as this run's.
  rmSync(VITEST_JSON, { force: true });
  rmSync(PLAYWRIGHT_JSON, { force: true });

  // Playwright empties its outputDir (test-results/) when it starts, so vitest reports
  // elsewhere first and its report is copied into test-results/ at the end.
  const VITEST_JSON_WHILE_RUNNING = join(mkdtempSync(join(tmpdir(), 'slicedeck-vitest-')), 'vitest.json');

  const engineBefore = await snapshotMainEngine().catch((error) => error);

  banner('vitest (unit + integration)');
  const vitest = await run('npx', ['--no-install', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_JSON_WHILE_RUNNING}`], { cwd: ROOT });
  const vitestCounts = summarizeVitest(readReport(VITEST_JSON_WHILE_RUNNING), vitest.code);

  banner('playwright (web e2e + electron)');
  const playwright = await run('npx', ['--no-install', 'playwright', 'test', '--reporter=list,json'], {
    cwd: ROOT,
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: PLAYWRIGHT_JSON },
  });
  const playwrightCounts = summarizePlaywright(existsSync(PLAYWRIGHT_JSON) ? readReport(PLAYWRIGHT_JSON) : null, playwright.code);

  mkdirSync(RESULTS, { recursive: true });
  if (existsSync(VITEST_JSON_WHILE_RUNNING)) copyFileSync(VITEST_JSON_WHILE_RUNNING, VITEST_JSON);
  rmSync(dirname(VITEST_JSON_WHILE_RUNNING), { recursive: true, force: true });

  banner('the main engine after the suite');
  const engineCounts = await checkMainEngine(engineBefore);

  const total = addCounts(vitestCounts, playwrightCounts, engineCounts);
  banner('summary');
  console.log(`vitest:     ${summaryLine(vitestCounts)}`);
  console.log(`playwright: ${summaryLine(playwrightCounts)}`);
  for (const note of total.notes) console.log(`note: ${note}`);
  if (total.passed === 0 && total.failed === 0) console.log('No test ran at all; that is a failure, not a pass.');
  console.log(summaryLine(total));
  return runSucceeded(total) ? 0 : 1;
}

process.exitCode = await main();
