// Shared helpers for the code-server test hosts: temp dirs, a code-server process on a free port,
// headless Debian Chromium via playwright-core, and cleanup that also runs on timeouts and signals.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  CODE_SERVER_DIR,
  CODE_SERVER_ENTRY,
  CODE_SERVER_MARKER,
  CODE_SERVER_REQUIRED_FILES,
} from './config.mjs';

export const verbose = /^(1|true|yes)$/i.test(process.env.PRODIGY_TEST_VERBOSE ?? '');

export function logger(tag) {
  return (msg) => console.log(`[${tag}] ${msg}`);
}

// ------------------------------------------------------------------------------------------------ cleanup
const cleanups = [];
let cleaning = null;

/** Register a cleanup step; they run in reverse order of registration. */
export function onCleanup(fn) {
  cleanups.push(fn);
}

/** Run all registered cleanup steps once (best effort; errors are printed, not thrown). */
export function cleanup() {
  if (!cleaning) {
    cleaning = (async () => {
      while (cleanups.length) {
        const fn = cleanups.pop();
        try {
          await fn();
        } catch (err) {
          console.error(`[cleanup] ${err?.message ?? err}`);
        }
      }
    })();
  }
  return cleaning;
}

// Last resort on abrupt exits: synchronously kill process groups we started and remove temp dirs.
const syncKills = new Set();
const syncDirs = new Set();
process.on('exit', () => {
  for (const pid of syncKills) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const dir of syncDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`\n[host] received ${sig}, cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

/**
 * Fail the whole run after `ms`: print `message`, clean up, exit 1.
 * Returns a function that cancels the timer.
 */
export function globalTimeout(ms, message) {
  const t = setTimeout(() => {
    console.error(`\n[host] TIMEOUT after ${Math.round(ms / 1000)} s: ${message}`);
    cleanup().finally(() => process.exit(1));
  }, ms);
  t.unref();
  return () => clearTimeout(t);
}

// ------------------------------------------------------------------------------------------------ temp dirs
/** Create a temp dir that is removed at cleanup (and on process exit). */
export function makeTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  syncDirs.add(dir);
  onCleanup(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    syncDirs.delete(dir);
  });
  return dir;
}

// ------------------------------------------------------------------------------------------------ prerequisites
export function assertHostInstalled() {
  const missing = [];
  if (!fs.existsSync(CODE_SERVER_MARKER) || CODE_SERVER_REQUIRED_FILES.some((f) => !fs.existsSync(f))) {
    missing.push(`code-server (expected in ${CODE_SERVER_DIR})`);
  }
  if (!fs.existsSync(CHROMIUM_PATH)) missing.push(`Chromium (expected at ${CHROMIUM_PATH})`);
  if (missing.length) {
    throw new Error(`Test host not installed: ${missing.join('; ')}.\n` + `Run: node scripts/setup-test-host.mjs`);
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ------------------------------------------------------------------------------------------------ code-server
/**
 * Start code-server on a free port with isolated user-data, extensions and XDG dirs.
 * @param {object} opts
 * @param {string} opts.folder        workspace folder to open
 * @param {Record<string,string>} [opts.env]  extra environment (the extension host inherits it)
 * @param {string} [opts.extensionsDir]  defaults to a fresh temp dir
 * @param {boolean} [opts.workspaceTrust=false]  true = do not pass --disable-workspace-trust
 * @param {Record<string, unknown>} [opts.settings]  written to <user-data-dir>/User/settings.json
 * @returns {Promise<{ url: string, port: number, userDataDir: string, extensionsDir: string, output: () => string,
 *   stop: () => Promise<void>, exited: Promise<{ code: number|null, signal: string|null }> }>}
 */
export async function startCodeServer({ folder, env = {}, extensionsDir, workspaceTrust = false, settings }) {
  const log = logger('code-server');
  const root = makeTempDir('prodigy-cs-');
  const userDataDir = path.join(root, 'user');
  extensionsDir ??= path.join(root, 'exts');
  const xdg = {
    XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
    XDG_DATA_HOME: path.join(root, 'xdg-data'),
    XDG_CACHE_HOME: path.join(root, 'xdg-cache'),
  };
  for (const d of [userDataDir, extensionsDir, ...Object.values(xdg)]) fs.mkdirSync(d, { recursive: true });
  if (settings) {
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  }

  const port = await freePort();
  const args = [
    CODE_SERVER_ENTRY,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    folder,
  ];
  // Do not leak an outer VS Code's IPC variables into the server.
  const baseEnv = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !k.startsWith('VSCODE_') && !k.startsWith('npm_') && !['ELECTRON_RUN_AS_NODE', 'NODE_TEST_CONTEXT'].includes(k),
    ),
  );
  const childEnv = { ...baseEnv, ...xdg, EXTENSIONS_GALLERY: '{"serviceUrl":""}', ...env };

  const lines = [];
  const child = spawn(process.execPath, args, { env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  syncKills.add(child.pid);
  let exited = null;
  const exitPromise = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  const onData = (buf) => {
    for (const line of buf.toString().split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 500) lines.shift();
      if (verbose) log(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  const stop = async () => {
    if (exited) {
      syncKills.delete(child.pid);
      return;
    }
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const killed = await Promise.race([exitPromise.then(() => true), sleep(3000).then(() => false)]);
    // Kill the whole group anyway: the extension host / pty host can outlive the server process.
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (!killed) await Promise.race([exitPromise, sleep(2000)]);
    syncKills.delete(child.pid);
  };
  onCleanup(stop);

  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (exited) {
      throw new Error(
        `code-server exited during start (${exited.code ?? exited.signal}). Output:\n${lines.join('\n')}`,
      );
    }
    if (Date.now() - t0 > 60_000)
      throw new Error(`code-server did not answer ${url}/healthz within 60 s. Output:\n${lines.join('\n')}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    await sleep(200);
  }
  log(`listening on ${url} (pid ${child.pid}, ready in ${Date.now() - t0} ms)`);
  return {
    url,
    port,
    userDataDir,
    extensionsDir,
    stop,
    output: () => lines.join('\n'),
    /** Resolves with { code, signal } when the server process exits (for whatever reason). */
    exited: exitPromise.then(() => exited),
  };
}

// ------------------------------------------------------------------------------------------------ browser
/**
 * Launch Debian's Chromium headless (playwright-core) with a fresh user-data dir.
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page }>}
 */
export async function launchBrowser({ viewport = { width: 1400, height: 900 } } = {}) {
  const { chromium } = await import('playwright-core');
  const userDataDir = makeTempDir('prodigy-chromium-');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    timeout: 60_000,
  });
  onCleanup(async () => {
    await Promise.race([context.close().catch(() => {}), sleep(5000)]);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Format what VS Code passes to window.codeAutomationLog(type, args): `args` is the console call's argument
 * list (printf-style, e.g. ['%s%s', ...]) or a plain string.
 */
export function formatAutomationLog(args) {
  if (Array.isArray(args)) return util.format(...args);
  return typeof args === 'string' ? args : JSON.stringify(args);
}

// Workbench (renderer) chatter that codeAutomationLog forwards along with the extension host's console.
const WORKBENCH_NOISE = [
  /^Resolving connection token /,
  /^Resolved connection token /,
  /^Creating a socket /,
  /^\[Service Worker\]/,
  /^Ignoring fetching additional builtin extensions from gallery/,
  /^Updating additional builtin extensions cache/,
  /^ChatSessionStore: /,
];

/** True for known workbench noise lines (hidden unless PRODIGY_TEST_VERBOSE=1). */
export function isWorkbenchNoise(line) {
  return !verbose && WORKBENCH_NOISE.some((re) => re.test(line));
}
