#!/usr/bin/env node
// `npm test`: every test layer, in order, with streamed output and a summary at the end.
//   1. setup        node scripts/setup-test-host.mjs   (Chromium + code-server; idempotent)
//   2. build        npm run build
//   2b. check       npm run check                     (tsc --noEmit, ESLint, Prettier --check)
//   3. unit         npm run test:unit
//   3b. demo        node scripts/demo.mjs             (the README's main job, checking its own outcomes)
//   4. integration  npm run test:integration          (extension host: desktop VS Code or code-server)
//   5. e2e          npm run test:e2e                  (real workbench UI in headless Chromium)
// A failing test layer does not stop the later ones; a failing setup skips integration and e2e, a failing
// build skips all tests. Exit code 0 only if every layer passed.
// Each layer has a backstop timeout (the integration and e2e runners also have their own).
// The unit and e2e layers also keep their failures in brief (test/host/failureDigest.mjs), printed after the
// summary, so that the end of the log says which tests failed and what they threw.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const MIN = 60_000;
/** The most lines of one layer's failures printed after the summary. */
const DIGEST_LINES = 80;

const digestOf = (layer) => path.join(REPO_ROOT, 'test-results', `${layer.name}-failures.txt`);

const layers = [
  { name: 'setup', cmd: process.execPath, args: ['scripts/setup-test-host.mjs'], timeout: 30 * MIN },
  { name: 'build', cmd: npm, args: ['run', 'build'], timeout: 5 * MIN },
  { name: 'check', cmd: npm, args: ['run', 'check'], timeout: 5 * MIN },
  { name: 'unit', cmd: npm, args: ['run', 'test:unit'], timeout: 15 * MIN, needs: ['build'] },
  { name: 'demo', cmd: process.execPath, args: ['scripts/demo.mjs'], timeout: 5 * MIN, needs: ['build'] },
  { name: 'integration', cmd: npm, args: ['run', 'test:integration'], timeout: 10 * MIN, needs: ['setup', 'build'] },
  { name: 'e2e', cmd: npm, args: ['run', 'test:e2e'], timeout: 20 * MIN, needs: ['setup', 'build'] },
];

let current = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (current)
      try {
        process.kill(-current.pid, sig);
      } catch {
        /* gone */
      }
    setTimeout(() => process.exit(130), 2000).unref();
  });
}

function runLayer(layer) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    console.log(
      `\n${'='.repeat(100)}\n[test-all] ${layer.name}: ${[path.basename(layer.cmd), ...layer.args].join(' ')}\n${'='.repeat(100)}`,
    );
    // Own process group, so a timeout stops the layer and everything it started.
    fs.rmSync(digestOf(layer), { force: true });
    const child = spawn(layer.cmd, layer.args, {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      detached: true,
      env: { ...process.env, PRODIGY_TEST_DIGEST: digestOf(layer) },
    });
    current = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\n[test-all] ${layer.name} TIMED OUT after ${layer.timeout / MIN} min; stopping it.`);
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 15_000).unref();
    }, layer.timeout);
    const finish = (status, detail) => {
      clearTimeout(timer);
      current = null;
      resolve({ status, detail, secs: (Date.now() - t0) / 1000 });
    };
    child.on('error', (err) => finish('FAIL', `could not start: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (timedOut) finish('FAIL', `timed out after ${layer.timeout / MIN} min`);
      else if (code === 0) finish('PASS', '');
      else finish('FAIL', `exit ${code ?? signal}`);
    });
  });
}

const results = new Map();
const tAll = Date.now();
for (const layer of layers) {
  const failedNeed = (layer.needs ?? []).find((n) => results.get(n)?.status !== 'PASS');
  if (failedNeed) {
    results.set(layer.name, { status: 'SKIP', detail: `${failedNeed} did not pass`, secs: 0 });
    console.log(`\n[test-all] ${layer.name}: skipped (${failedNeed} did not pass)`);
    continue;
  }
  results.set(layer.name, await runLayer(layer));
}

const ok = [...results.values()].every((r) => r.status === 'PASS');
console.log(`\n${'='.repeat(100)}\n[test-all] summary`);
for (const [name, r] of results) {
  console.log(
    `  ${r.status.padEnd(4)}  ${name.padEnd(12)} ${r.secs.toFixed(1).padStart(7)} s${r.detail ? `  (${r.detail})` : ''}`,
  );
}
console.log(`  total ${((Date.now() - tAll) / 1000).toFixed(1)} s: ${ok ? 'ALL PASSED' : 'FAILED'}`);
for (const layer of layers) {
  if (results.get(layer.name)?.status !== 'FAIL') continue;
  let lines;
  try {
    lines = fs.readFileSync(digestOf(layer), 'utf8').trimEnd().split('\n');
  } catch {
    continue; // a layer that keeps none, or failed before any test
  }
  console.log(`  ${layer.name} failures (${path.relative(REPO_ROOT, digestOf(layer))}):`);
  for (const line of lines.slice(0, DIGEST_LINES)) console.log(`    ${line}`);
  if (lines.length > DIGEST_LINES) console.log(`    … ${lines.length - DIGEST_LINES} more lines`);
}
console.log('='.repeat(100));
process.exit(ok ? 0 : 1);
