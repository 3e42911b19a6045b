#!/usr/bin/env node
// Runs the extension-host integration tests (dist/test/integration.js, built from test/integration/index.ts).
//
// Host selection:
//   - desktop VS Code via @vscode/test-electron when VSCODE_EXECUTABLE is set or its download works
//     (developer laptops, public CI runners);
//   - otherwise code-server (installed by scripts/setup-test-host.mjs) with the workbench opened in headless
//     Chromium and the development payload (extensionDevelopmentPath + extensionTestsPath) passed in the URL.
//   PRODIGY_TEST_HOST=electron|code-server forces one.
//
// Both hosts get a fresh workspace folder and PRODIGY_HOME = PRODIGY_TEST_HOME = a temp dir seeded with the
// fixtures (test/host/seedHome.mjs).
//
// Other environment: PRODIGY_TEST_TIMEOUT_MS (default 300000), PRODIGY_TEST_VERBOSE=1 (print code-server and
// browser console output), MOCHA_GREP (passed to the extension host; filters tests), VSCODE_VERSION (download).
//
// Restricted Mode pass (code-server only): after the main run passes, a second window opens a fresh folder with
// workspace trust enabled (so the folder is not trusted) and runs only the "Restricted Mode" suite, which is
// registered when PRODIGY_TEST_UNTRUSTED=1. PRODIGY_TEST_UNTRUSTED_PASS=0 skips it; it also runs when MOCHA_GREP
// is unset or mentions "Restricted Mode".
import fs from 'node:fs';
import path from 'node:path';
import { EXTENSION_ID, REPO_ROOT, TEST_RESULTS_DIR } from './config.mjs';
import {
  assertHostInstalled,
  cleanup,
  formatAutomationLog,
  isWorkbenchNoise,
  globalTimeout,
  launchBrowser,
  logger,
  makeTempDir,
  startCodeServer,
  verbose,
} from './codeServer.mjs';
import { seedHome } from './seedHome.mjs';

const log = logger('integration');
const TIMEOUT_MS = Number(process.env.PRODIGY_TEST_TIMEOUT_MS || 5 * 60_000);
const TESTS_PATH = path.join(REPO_ROOT, 'dist', 'test', 'integration.js');
const EXTENSION_MAIN = path.join(REPO_ROOT, 'dist', 'extension.js');

function prepare({ untrusted = false } = {}) {
  for (const f of [EXTENSION_MAIN, TESTS_PATH]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(REPO_ROOT, f)} is missing; run \`npm run build\` first.`);
  }
  const home = makeTempDir('prodigy-home-');
  const ids = seedHome(home);
  const workspace = makeTempDir('prodigy-ws-');
  log(`PRODIGY_HOME=${home} (seeded: ${ids.join(', ')}), workspace=${workspace}${untrusted ? ' (untrusted)' : ''}`);
  const env = { PRODIGY_HOME: home, PRODIGY_TEST_HOME: home };
  if (process.env.MOCHA_GREP) env.MOCHA_GREP = process.env.MOCHA_GREP;
  if (untrusted) Object.assign(env, { PRODIGY_TEST_UNTRUSTED: '1', MOCHA_GREP: UNTRUSTED_SUITE });
  return { home, workspace, env, workspaceTrust: untrusted };
}

const UNTRUSTED_SUITE = 'Restricted Mode';

function wantUntrustedPass() {
  if (process.env.PRODIGY_TEST_UNTRUSTED_PASS === '0') return false;
  return !process.env.MOCHA_GREP || process.env.MOCHA_GREP.toLowerCase().includes(UNTRUSTED_SUITE.toLowerCase());
}

/** Path of a desktop VS Code, or null when none can be had (this machine: download fails with ENOTFOUND). */
async function findDesktopVSCode() {
  if (process.env.VSCODE_EXECUTABLE) return process.env.VSCODE_EXECUTABLE;
  if (process.env.PRODIGY_TEST_HOST === 'code-server') return null;
  if (
    process.platform === 'linux' &&
    !process.env.DISPLAY &&
    !process.env.WAYLAND_DISPLAY &&
    process.env.PRODIGY_TEST_HOST !== 'electron'
  ) {
    // Desktop VS Code cannot open a window here; run under xvfb-run (or set PRODIGY_TEST_HOST=electron) for it.
    log('no DISPLAY: skipping desktop VS Code; using code-server.');
    return null;
  }
  const { downloadAndUnzipVSCode } = await import('@vscode/test-electron');
  const version = process.env.VSCODE_VERSION || 'stable';
  try {
    // `timeout` is an idle timeout: a failing network fails fast, a slow but working download goes on.
    return await downloadAndUnzipVSCode({ version, timeout: 15_000, cachePath: path.join(REPO_ROOT, '.vscode-test') });
  } catch (err) {
    log(`desktop VS Code not available (${err?.message ?? err}); using code-server.`);
    return null;
  }
}

async function runElectron(executable, { workspace, env }) {
  const { runTests } = await import('@vscode/test-electron');
  log(`host: desktop VS Code ${executable}`);
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    log('warning: no DISPLAY; on headless Linux run this under xvfb-run.');
  }
  const userDataDir = makeTempDir('prodigy-vsc-user-');
  const extensionsDir = makeTempDir('prodigy-vsc-exts-');
  try {
    return await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: TESTS_PATH,
      extensionTestsEnv: env,
      launchArgs: [
        workspace,
        '--disable-workspace-trust',
        '--disable-extensions',
        `--user-data-dir=${userDataDir}`,
        `--extensions-dir=${extensionsDir}`,
        // VS Code refuses to start as root without it.
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ],
    });
  } catch (err) {
    log(`VS Code test run failed: ${err?.message ?? err}`);
    return typeof err?.code === 'number' && err.code !== 0 ? err.code : 1;
  }
}

async function runCodeServer({ workspace, env, workspaceTrust = false }) {
  assertHostInstalled();
  log(
    `host: code-server + headless Chromium${workspaceTrust ? ' (workspace trust enabled: Restricted Mode pass)' : ''}`,
  );
  const server = await startCodeServer({ folder: workspace, env, workspaceTrust });
  const { page } = await launchBrowser();

  const browserLines = [];
  page.on('console', (msg) => {
    const line = `${msg.type()}: ${msg.text()}`;
    browserLines.push(line);
    if (verbose) console.log(`[browser] ${line}`);
  });
  page.on('pageerror', (err) => {
    browserLines.push(`pageerror: ${err.message}`);
    if (verbose) console.log(`[browser] pageerror: ${err.message}`);
  });

  let resolveExit;
  let finished = false;
  const exited = new Promise((r) => {
    resolveExit = r;
  });
  const finish = (result, why) => {
    if (finished) return;
    finished = true;
    if (why) log(why);
    resolveExit(result);
  };
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = formatAutomationLog(args);
    if (isWorkbenchNoise(text)) return;
    for (const line of text.split('\n')) console.log(type === 'error' ? `[exthost:error] ${line}` : line);
  });
  await page.exposeFunction('codeAutomationExit', (code, logs) => finish({ code, logs }));
  // Fail fast instead of waiting for the global timeout when the browser or the server dies.
  page.on('crash', () => finish({ code: 1 }, 'the workbench page crashed'));
  page.on('close', () => finish({ code: 1 }, 'the workbench page closed before the tests finished'));
  server.exited.then(({ code, signal }) => finish({ code: 1 }, `code-server exited unexpectedly (${code ?? signal})`));

  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(REPO_ROOT)],
    ['extensionTestsPath', remote(TESTS_PATH)],
  ];
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  log(`opening ${url}`);
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

  const { code, logs } = await exited;
  log(`extension host finished in ${((Date.now() - t0) / 1000).toFixed(1)} s with exit code ${code}`);
  if (code !== 0) {
    saveFailureArtifacts({ logs, browserLines, serverOutput: server.output() });
    if (!verbose) log('(set PRODIGY_TEST_VERBOSE=1 to stream code-server and browser output)');
  }
  return code;
}

function saveFailureArtifacts({ logs, browserLines, serverOutput }) {
  const dir = path.join(TEST_RESULTS_DIR, 'integration-logs');
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const { relativePath, contents } of Array.isArray(logs) ? logs : []) {
      const file = path.join(dir, 'vscode', relativePath.replace(/^(\.\.[/\\])+/, ''));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, contents);
    }
    fs.writeFileSync(path.join(dir, 'browser-console.log'), browserLines.join('\n'));
    fs.writeFileSync(path.join(dir, 'code-server.log'), serverOutput);
    log(`logs saved under ${path.relative(REPO_ROOT, dir)}/`);
  } catch (err) {
    log(`could not save logs: ${err.message}`);
  }
}

async function main() {
  const cancelTimeout = globalTimeout(
    TIMEOUT_MS,
    `integration tests did not finish (set PRODIGY_TEST_TIMEOUT_MS to change the limit). ` +
      `Is ${EXTENSION_ID} failing to activate, or a test hanging? Re-run with PRODIGY_TEST_VERBOSE=1.`,
  );
  let code = 1;
  try {
    const ctx = prepare();
    const executable = process.env.PRODIGY_TEST_HOST === 'code-server' ? null : await findDesktopVSCode();
    if (executable) code = await runElectron(executable, ctx);
    else if (process.env.PRODIGY_TEST_HOST === 'electron')
      throw new Error('PRODIGY_TEST_HOST=electron but no desktop VS Code is available');
    else {
      code = await runCodeServer(ctx);
      if (code === 0 && wantUntrustedPass()) code = await runCodeServer(prepare({ untrusted: true }));
    }
  } catch (err) {
    console.error(`[integration] ERROR: ${err?.stack ?? err}`);
    code = 1;
  } finally {
    cancelTimeout();
    await cleanup();
  }
  log(code === 0 ? 'PASSED' : `FAILED (exit code ${code})`);
  process.exit(code);
}

main();
