// Shared helpers for the unit tests: the built core, fixtures, throwaway Prodigy homes.
// Not a test file (node --test only runs *.test.mjs here).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

export const ROOT = path.resolve(here, '..', '..', '..');
export const DIST_CORE = path.join(ROOT, 'dist', 'core.js');
/** The core's public surface plus the internals unit tests check (test/support/coreInternals.ts). */
export const DIST_CORE_INTERNALS = path.join(ROOT, 'dist', 'test', 'core-internals.js');
export const DIST_CLI = path.join(ROOT, 'dist', 'cli.js');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'prodigy');
export const WORKER = path.join(here, 'worker.mjs');

/** The built session core with its internals (CommonJS). */
export const core = require(DIST_CORE_INTERNALS);

/** Session id used by the unified-session workflow fixtures. */
export const FIXTURE_WORKFLOW_ID = 'workflow-1736937000123';
export const FIXTURE_MAPREDUCE_ID = 'session-0d3f7e21-44b9-4a8e-8c61-93b7f0a2c5d4';

export function fixtureText(name) {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function fixture(name) {
  return JSON.parse(fixtureText(name));
}

/** serde_json::to_string_pretty: 2-space indent, no trailing newline. */
export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

export function settle() {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A fresh Prodigy home for one test: `<tmp>/prodigy-unit-XXXX/home`. The outer folder lets a
 * test check that nothing was created beside the home. Cleaned up after the test, after
 * closing every manager made through it and killing every child process it tracked.
 */
export function tempHome(t) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-unit-'));
  const home = path.join(root, 'home');
  fs.mkdirSync(home);
  const managers = [];
  const children = [];
  const ctx = {
    root,
    home,
    sessionsDir: path.join(home, 'sessions'),
    stateDir: path.join(home, 'state'),
    locksDir: path.join(home, 'vscode', 'locks'),
    manager(options = {}) {
      const m = new core.SessionManager({ home, ...options });
      managers.push(m);
      return m;
    },
    track(child) {
      children.push(child);
      return child;
    },
    sessionFile(id) {
      return path.join(home, 'sessions', `${id}.json`);
    },
    /** Writes a session file as Prodigy would (pretty JSON, no trailing newline). */
    writeSession(value, name = `${value.id}.json`) {
      fs.mkdirSync(path.join(home, 'sessions'), { recursive: true });
      const file = path.join(home, 'sessions', name);
      fs.writeFileSync(file, typeof value === 'string' ? value : pretty(value));
      return file;
    },
    readSessionText(id) {
      return fs.readFileSync(path.join(home, 'sessions', `${id}.json`), 'utf8');
    },
    readSessionJson(id) {
      return JSON.parse(fs.readFileSync(path.join(home, 'sessions', `${id}.json`), 'utf8'));
    },
  };
  t.after(async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
    for (const m of managers) m.close();
    await settle();
    fs.rmSync(root, { recursive: true, force: true });
  });
  return ctx;
}

/** A minimal valid UnifiedSession as Prodigy writes it for a standard workflow run. */
export function makeSession(id, overrides = {}) {
  const base = fixture('unified-session.workflow.running.json');
  return {
    ...base,
    id,
    workflow_data: { ...base.workflow_data, workflow_id: id },
    ...overrides,
  };
}

/** Recursively lists files (relative paths) under dir. */
export function listTree(dir) {
  const out = [];
  const walk = (d, rel) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(`${r}/`);
        walk(path.join(d, e.name), r);
      } else out.push(r);
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return out.sort();
}

/** Starts the worker (helpers/worker.mjs) with `args`; tracked so the test kills it on exit. */
export function spawnWorker(h, args) {
  const child = spawn(process.execPath, [WORKER, JSON.stringify({ home: h.home, ...args })], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  h.track(child);
  child.stdoutText = '';
  child.stderrText = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => (child.stdoutText += d));
  child.stderr.on('data', (d) => (child.stderrText += d));
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

/** Resolves once the child has printed `line` on stdout (rejects if it exits first). */
export function waitForLine(child, line) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (child.stdoutText.split('\n').includes(line)) {
        child.stdout.off('data', check);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.exited.then(({ code, signal }) =>
      reject(new Error(`worker exited (${code ?? signal}) before "${line}": ${child.stderrText}`)),
    );
    check();
  });
}

/** Runs one worker to completion; rejects with its stderr if it fails. */
export async function runWorker(h, args) {
  const child = spawnWorker(h, args);
  child.stdin.end();
  const { code, signal } = await child.exited;
  if (code !== 0) throw new Error(`worker ${args.mode} failed (${code ?? signal}): ${child.stderrText}`);
  return child.stdoutText;
}

/**
 * Runs `fn` with the global clock stopped at the current instant (`new Date()` and `Date.now()`
 * return it), to make "two things within one clock tick" deterministic. The core bundle reads
 * the global `Date` at call time, so it sees the frozen clock too.
 */
export async function withFrozenClock(fn) {
  const RealDate = globalThis.Date;
  const frozen = RealDate.now();
  class FrozenDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(frozen);
      else super(...args);
    }
    static now() {
      return frozen;
    }
  }
  globalThis.Date = FrozenDate;
  try {
    return await fn(frozen);
  } finally {
    globalThis.Date = RealDate;
  }
}
