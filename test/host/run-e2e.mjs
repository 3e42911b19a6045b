#!/usr/bin/env node
// Runs the real-UI end-to-end tests: every test/e2e/*.e2e.mjs file, with node's test runner, one file at a
// time. Each file opens its own code-server + headless Chromium through test/host/workbench.mjs
// (extension copied into a fresh extensions dir, PRODIGY_HOME = a seeded temp dir).
// Screenshots and failure logs go to test-results/.
//
// Usage: node test/host/run-e2e.mjs [file-or-name-filter...]
// Environment: PRODIGY_TEST_TIMEOUT_MS (whole run, default 600000), PRODIGY_TEST_VERBOSE=1.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, TEST_RESULTS_DIR } from './config.mjs';
import { assertHostInstalled } from './codeServer.mjs';

const log = (msg) => console.log(`[e2e] ${msg}`);
const TIMEOUT_MS = Number(process.env.PRODIGY_TEST_TIMEOUT_MS || 10 * 60_000);
const E2E_DIR = path.join(REPO_ROOT, 'test', 'e2e');

function main() {
  try {
    assertHostInstalled();
  } catch (err) {
    console.error(`[e2e] ${err.message}`);
    process.exit(1);
  }
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'extension.js'))) {
    console.error('[e2e] dist/extension.js is missing; run `npm run build` first.');
    process.exit(1);
  }
  const filters = process.argv.slice(2);
  const files = fs
    .readdirSync(E2E_DIR)
    .filter((f) => f.endsWith('.e2e.mjs'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(path.basename(x))))
    .sort()
    .map((f) => path.join(E2E_DIR, f));
  if (files.length === 0) {
    console.error(`[e2e] no test/e2e/*.e2e.mjs files${filters.length ? ` match ${filters.join(' ')}` : ''}`);
    process.exit(1);
  }
  fs.mkdirSync(TEST_RESULTS_DIR, { recursive: true });
  log(`running ${files.map((f) => path.relative(REPO_ROOT, f)).join(', ')}`);

  // Everything the tests create in the temp dir (homes, workspaces, code-server and Chromium profiles) goes
  // into one folder per run, removed at the end even if a test process was killed before its own cleanup.
  const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-e2e-run-'));
  const t0 = Date.now();
  // Own process group, so a timeout can signal the runner and every test file process at once.
  const child = spawn(
    process.execPath,
    [
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      // The failures, in brief, for `npm test` to print at the end (PRODIGY_TEST_DIGEST).
      '--test-reporter=./test/host/failureDigest.mjs',
      '--test-reporter-destination=stdout',
      '--test-concurrency=1',
      ...files,
    ],
    {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      detached: true,
      env: { ...process.env, TMPDIR: runTmp },
    },
  );

  let timedOut = false;
  let stopping = null;
  const childExited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  // Stop the tests and everything they started: SIGTERM lets each test process run its own cleanup
  // (code-server, Chromium, temp dirs); whatever is still alive after 10 s gets SIGKILL.
  const stop = (sig) => {
    stopping ??= (async () => {
      const tree = descendants(child.pid);
      try {
        process.kill(-child.pid, sig);
      } catch {
        /* gone */
      }
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && tree.some(alive)) await new Promise((r) => setTimeout(r, 200));
      for (const pid of tree.filter(alive)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* not a group leader */
        }
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    })();
    return stopping;
  };

  const timer = setTimeout(() => {
    timedOut = true;
    console.error(
      `\n[e2e] TIMEOUT after ${Math.round(TIMEOUT_MS / 1000)} s; stopping the tests ` +
        `(set PRODIGY_TEST_TIMEOUT_MS to change the limit).`,
    );
    stop('SIGTERM');
  }, TIMEOUT_MS);
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  childExited.then(async ({ code, signal }) => {
    clearTimeout(timer);
    if (stopping) await stopping;
    fs.rmSync(runTmp, { recursive: true, force: true });
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    const ok = code === 0 && !timedOut;
    log(
      `${ok ? 'PASSED' : 'FAILED'} in ${secs} s${ok ? '' : ` (exit ${code ?? signal}${timedOut ? ', timed out' : ''})`}; ` +
        `screenshots in ${path.relative(REPO_ROOT, TEST_RESULTS_DIR)}/`,
    );
    process.exit(ok ? 0 : 1);
  });
}

/** `pid` and all its descendants (code-server runs in its own process group, so a group kill misses it). */
function descendants(pid) {
  let rows;
  try {
    rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number));
  } catch {
    return [pid];
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    for (const [p, pp] of rows) if (pp === out[i] && !out.includes(p)) out.push(p);
  }
  return out;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

main();
