#!/usr/bin/env node
// `npm test`: installs the Debian packages the test servers need (on Debian or Ubuntu as root;
// elsewhere it says what to run and stops), type-checks, lints, builds the app, then runs unit and
// integration tests (vitest, against the real servers the harness starts) and end-to-end
// tests (Playwright in Debian's Chromium), and ends with one line counting every test:
// `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureDebianPackages } from './system-packages.mjs';

if (!ensureDebianPackages()) process.exit(1);

const results = 'test-results';
mkdirSync(results, { recursive: true });
const env = process.env;

function step(title, command, args) {
  process.stdout.write(`\n=== ${title} ===\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  process.stdout.write(`=== ${title}: exit ${result.status ?? result.signal} in ${((Date.now() - started) / 1000).toFixed(1)} s ===\n`);
  return result.status ?? 1;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

if (step('type-check', 'npm', ['run', 'typecheck']) !== 0) {
  failures.push('type-check');
  totals.failed += 1;
}
if (step('lint (ESLint, Prettier)', 'npm', ['run', 'lint']) !== 0) {
  failures.push('lint');
  totals.failed += 1;
}
if (step('build', 'npx', ['electron-vite', 'build']) !== 0) {
  failures.push('build');
  totals.failed += 1;
} else {
  const vitestJson = `${results}/vitest.json`;
  rmSync(vitestJson, { force: true });
  const vitestCode = step('unit + integration (vitest)', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
  const vitest = readJson(vitestJson);
  if (vitest) {
    totals.passed += vitest.numPassedTests;
    totals.failed += vitest.numFailedTests;
    totals.skipped += vitest.numPendingTests + (vitest.numTodoTests ?? 0);
  }
  if (vitestCode !== 0 && (!vitest || vitest.numFailedTests === 0)) {
    failures.push('vitest (the run failed outside any test: see above)');
    totals.failed += 1;
  }

  const playwrightJson = `${results}/playwright-report.json`;
  rmSync(playwrightJson, { force: true });
  const playwrightCode = step('end-to-end (Playwright, Chromium)', 'npx', ['playwright', 'test']);
  const playwright = existsSync(playwrightJson) ? readJson(playwrightJson) : null;
  if (playwright?.stats) {
    totals.passed += playwright.stats.expected + playwright.stats.flaky;
    totals.failed += playwright.stats.unexpected;
    totals.skipped += playwright.stats.skipped;
  }
  if (playwrightCode !== 0 && (!playwright?.stats || playwright.stats.unexpected === 0)) {
    failures.push('playwright (the run failed outside any test: see above)');
    totals.failed += 1;
  }
}

if (failures.length > 0) process.stdout.write(`\nFailed outside tests: ${failures.join('; ')}\n`);
process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`);
process.exit(totals.failed > 0 ? 1 : 0);
