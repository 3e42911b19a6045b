// Fuzz: the workflow loader (core.loadWorkflowFile/loadWorkflowText) and the session-file reader
// (SessionManager.getSession/listSessions on H/sessions/*.json) on random and mutated input: the
// fixtures with bytes flipped, cut short, keys duplicated, values nested thousands deep, huge numbers,
// NUL, invalid UTF-8, control characters, pieces of other files. Each input must load, or fail with
// one of the project's own errors (ProdigyError) as one line naming the file: no other exception, no
// hang, and the listing and getSession agree on it. The cases run in a worker thread so that a hang
// can be stopped and named. Seeded: the seed is printed, PRODIGY_FUZZ_SEED=<seed> repeats the cases.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { seeded } from './helpers/seeded.mjs';

const LOADER_CASES = 1500;
const SESSION_CASES = 1200;
/** No case has reported for this long: it hangs (every case takes well under a millisecond or a few). */
const HANG_MS = 60_000;

// ---- The worker: inputs, mutations, and the contract each case is held to ------------------------

async function runWorker({ target, cases, seed }) {
  const { createRequire } = await import('node:module');
  const { fileURLToPath } = await import('node:url');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '..', '..');
  const core = createRequire(import.meta.url)(path.join(root, 'dist', 'test', 'core-internals.js'));
  const fixtures = (dir, re) =>
    fs
      .readdirSync(dir, { recursive: true })
      .filter((f) => re.test(f))
      .sort()
      .map((f) => ({ name: path.basename(f), bytes: fs.readFileSync(path.join(dir, f)) }));
  const workflows = fixtures(path.join(root, 'test', 'fixtures', 'workflows'), /\.(ya?ml|json)$/);
  const prodigy = fixtures(path.join(root, 'test', 'fixtures', 'prodigy'), /\.json$/);
  const records = prodigy.filter((f) => f.name.startsWith('unified-session'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-fuzz-'));
  const failures = [];
  const slowest = [];
  const outcomes = {};
  const count = (k) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  try {
    for (let i = 0; i < cases; i++) {
      const rnd = seeded(seed * 7919 + i * 104729 + (target === 'loader' ? 0 : 1));
      const sources = target === 'loader' ? workflows : rnd() < 0.9 ? records : prodigy;
      const base = sources[Math.floor(rnd() * sources.length)];
      const { bytes, applied } = mutate(base.bytes, rnd, [...workflows, ...prodigy]);
      const what = `${base.name} + ${applied.join(', ')}`;
      parentPort.postMessage({ type: 'case', index: i, what });
      const started = performance.now();
      const problems =
        target === 'loader'
          ? loaderCase(core, tmp, i, base.name, bytes)
          : await sessionCase(core, path.join(tmp, 'home'), i, bytes);
      slowest.push({ ms: Math.round(performance.now() - started), i, what, size: bytes.length });
      slowest.sort((a, b) => b.ms - a.ms).splice(3);
      count(problems.outcome);
      for (const p of problems.list) failures.push({ ...p, i, what, size: bytes.length });
    }
  } finally {
    sessionManager?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  parentPort.postMessage({ type: 'done', cases, failures, outcomes, slowest });
}

/** A problem: `kind` groups cases in the report (no case data in it), `detail` shows one. */
const problem = (kind, detail) => ({ kind, detail });
const show = (text) => JSON.stringify(String(text).slice(0, 300));

/** One clear line: no line break, no other control character, and it names the file. */
function messageProblems(msg, file, who) {
  const list = [];
  const lineBreak = /[\n\r\v\f\u0085]/.exec(msg);
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f]/.exec(msg);
  const code = (m) => `U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')}`;
  if (lineBreak) list.push(problem(`${who}: the message is not one line`, `${code(lineBreak)} in ${show(msg)}`));
  if (control) list.push(problem(`${who}: a control character in the message`, `${code(control)} in ${show(msg)}`));
  if (!msg.includes(file)) list.push(problem(`${who}: the message does not name the file`, show(msg)));
  return list;
}

function errorProblems(core, err, file, who) {
  if (!(err instanceof core.ProdigyError))
    return [problem(`${who}: threw ${err?.name ?? typeof err}, not a ProdigyError`, show(err?.message ?? err))];
  return messageProblems(String(err.message), file, who);
}

/** The loader: by file (bytes: NUL, invalid UTF-8 reach the decoder) and by text (what the editor hands over). */
function loaderCase(core, tmp, i, name, bytes) {
  const file = path.join(tmp, `case-${i}-${name}`);
  fs.writeFileSync(file, bytes);
  const list = [];
  let outcome = 'loaded';
  try {
    core.loadWorkflowFile(file);
  } catch (err) {
    outcome = err?.name ?? 'thrown';
    list.push(...errorProblems(core, err, file, 'loadWorkflowFile'));
  }
  try {
    core.loadWorkflowText(bytes.toString('utf8'), file);
  } catch (err) {
    list.push(...errorProblems(core, err, file, 'loadWorkflowText'));
  }
  fs.rmSync(file, { force: true });
  return { outcome, list };
}

/**
 * The session reader: getSession and listSessions on one record file, and their verdicts agree. One
 * home for every case (each its own id, its file removed after it); a fresh manager every 100 cases,
 * so both a cold and a warm one (cache, index) read them.
 */
async function sessionCase(core, home, i, bytes) {
  const id = `workflow-fuzz${String(i).padStart(8, '0')}`;
  const file = path.join(home, 'sessions', `${id}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // The fixture's id becomes the file's, so that an unmutated record is readable.
  fs.writeFileSync(file, retarget(bytes, id));
  if (i % 100 === 0) {
    sessionManager?.close();
    sessionManager = new core.SessionManager({ home });
  }
  const manager = sessionManager;
  const list = [];
  let outcome = 'read';
  let readable = false;
  try {
    const s = await manager.getSession(id);
    readable = true;
    if (s.id !== id) list.push(problem('getSession: returned another id', show(s.id)));
  } catch (err) {
    outcome = err?.name ?? 'thrown';
    list.push(...errorProblems(core, err, file, 'getSession'));
  }
  try {
    const listing = await manager.listSessions();
    const listed = listing.sessions.some((s) => s.id === id);
    const bad = listing.unreadable.find((u) => u.file === file || u.name === `${id}.json`);
    if (readable && !listed) list.push(problem('getSession reads it, listSessions does not list it', ''));
    if (!readable && !bad) list.push(problem('getSession rejects it, listSessions does not report it unreadable', ''));
    if (bad) list.push(...messageProblems(`${bad.file}: ${bad.reason}`, file, 'listSessions (unreadable)'));
  } catch (err) {
    list.push(problem(`listSessions: threw ${err?.name}`, show(err?.message ?? err)));
  }
  fs.rmSync(file, { force: true });
  return { outcome, list };
}
let sessionManager;

/** Replaces the fixture's session id (the `"id"` value) everywhere with `id`. */
function retarget(bytes, id) {
  const text = bytes.toString('latin1');
  const m = /"id"\s*:\s*"([^"]+)"/.exec(text);
  return Buffer.from(m ? text.split(m[1]).join(id) : text, 'latin1');
}

// ---- Mutations ------------------------------------------------------------------------------------

const NASTY = [
  '\u0000',
  '\u001b[31m',
  '\r',
  '\u2028',
  '\ufeff',
  '\u0007',
  '\t',
  '${',
  '"',
  "'",
  ':',
  '- ',
  '{',
  '[',
  '&a',
  '*a',
  '<<: *a',
  '!!binary',
  '!!js/function',
  '%YAML 1.1\n',
  '---\n',
  '...\n',
  '#',
  '\\u0000',
  '\\ud800',
];
const HUGE = [
  '1e400',
  '-1e400',
  '99999999999999999999999999',
  '1e-400',
  '-0',
  '0x7fffffffffffffff',
  '9'.repeat(5000),
  '.inf',
  'NaN',
];
const BAD_UTF8 = [
  [0xff],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
  [0xfe, 0xfe],
];

/** Applies one to three mutations; returns the bytes and what was done. */
function mutate(input, rnd, all) {
  const int = (n) => Math.floor(rnd() * n);
  const pickOf = (xs) => xs[int(xs.length)];
  let b = Buffer.from(input);
  const applied = [];
  const at = () => int(b.length + 1);
  const splice = (pos, del, ins) => {
    b = Buffer.concat([b.subarray(0, pos), Buffer.from(ins), b.subarray(pos + del)]);
  };
  const ops = {
    flip: () => {
      const n = 1 + int(8);
      for (let k = 0; k < n && b.length; k++) b[int(b.length)] ^= 1 << int(8);
      return `flip ${n} bits`;
    },
    truncate: () => {
      const n = int(b.length);
      b = b.subarray(0, n);
      return `truncate at ${n}`;
    },
    duplicateKey: () => {
      const lines = b.toString('latin1').split('\n');
      const keyed = lines.map((l, k) => (/^\s*"?[A-Za-z_][\w-]*"?\s*:/.test(l) ? k : -1)).filter((k) => k >= 0);
      if (!keyed.length) return 'duplicate key (none)';
      const k = pickOf(keyed);
      lines.splice(k + 1, 0, lines[k]);
      b = Buffer.from(lines.join('\n'), 'latin1');
      return `duplicate line ${k + 1}`;
    },
    nest: () => {
      const depth = pickOf([100, 1500]); // 1500: past what a 1 MB stack parses
      const open = rnd() < 0.5 ? '[' : '{"a":';
      const close = open === '[' ? ']' : '}';
      const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
      const text = b.toString('latin1');
      const m = /(:\s*)("[^"\n]*"|[0-9]+|true|false|null)/.exec(text.slice(int(text.length)));
      if (m) {
        const pos = text.indexOf(m[0]) + m[1].length;
        splice(pos, m[2].length, deep);
      } else splice(at(), 0, deep);
      return `nest ${depth} deep`;
    },
    huge: () => {
      const h = pickOf(HUGE);
      const text = b.toString('latin1');
      const nums = [...text.matchAll(/\b\d+\b/g)];
      if (nums.length) {
        const m = pickOf(nums);
        splice(m.index, m[0].length, h);
      } else splice(at(), 0, h);
      return `huge number ${h.length > 20 ? `${h.length} digits` : h}`;
    },
    nul: () => {
      splice(at(), 0, '\u0000');
      return 'insert NUL';
    },
    badUtf8: () => {
      const seq = pickOf(BAD_UTF8);
      splice(at(), 0, seq);
      return `insert bytes ${seq.map((x) => x.toString(16)).join(' ')}`;
    },
    nasty: () => {
      const s = pickOf(NASTY);
      splice(at(), 0, s);
      return `insert ${JSON.stringify(s)}`;
    },
    deleteChunk: () => {
      const pos = int(b.length);
      const n = 1 + int(40);
      splice(pos, n, '');
      return `delete ${n} bytes at ${pos}`;
    },
    repeatChunk: () => {
      const pos = int(b.length);
      const chunk = b.subarray(pos, pos + 1 + int(60));
      const times = 1 + int(50);
      splice(pos, 0, Buffer.concat(Array(times).fill(chunk)));
      return `repeat ${chunk.length} bytes ${times} times`;
    },
    graft: () => {
      const other = pickOf(all).bytes;
      const from = int(other.length);
      const chunk = other.subarray(from, from + 1 + int(200));
      splice(at(), 0, chunk);
      return `graft ${chunk.length} bytes`;
    },
    random: () => {
      b = Buffer.from(Array.from({ length: int(200) }, () => int(256)));
      return `random ${b.length} bytes`;
    },
  };
  // Deep nesting is the one slow input (the YAML parser takes ~0.2 s to reach the stack's end): rarer.
  const names = Object.keys(ops).filter((name) => name !== 'nest' || rnd() < 0.3);
  const n = 1 + int(3);
  for (let k = 0; k < n; k++) applied.push(ops[pickOf(names)]());
  return { bytes: b, applied };
}

// ---- The tests (main thread) or the cases (worker); last, so the constants above exist ---------------

if (isMainThread) {
  const seed = process.env.PRODIGY_FUZZ_SEED ? Number(process.env.PRODIGY_FUZZ_SEED) : Date.now() % 1_000_000;

  /** Runs one fuzz target in a worker; resolves with its report, or with the case that stopped reporting. */
  const fuzz = (target, cases) =>
    new Promise((resolve, reject) => {
      // The stack of the CLI's main thread (V8's default), not a worker's larger one: nesting that
      // overflows there must be an error here too.
      const worker = new Worker(new URL(import.meta.url), {
        workerData: { target, cases, seed },
        resourceLimits: { stackSizeMb: 1 },
      });
      let last = { index: -1, what: 'starting' };
      let timer;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          void worker.terminate();
          resolve({ hung: last });
        }, HANG_MS);
      };
      arm();
      worker.on('message', (m) => {
        if (m.type === 'case') {
          last = m;
          arm();
        } else if (m.type === 'done') {
          clearTimeout(timer);
          resolve(m);
        }
      });
      worker.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });

  const check = (t, name, report) => {
    t.diagnostic(`${name}: seed ${seed}, ${report.cases ?? 0} cases, ${JSON.stringify(report.outcomes ?? {})}`);
    for (const s of report.slowest ?? []) t.diagnostic(`slowest: case ${s.i} (${s.what}, ${s.size} bytes) ${s.ms} ms`);
    assert.equal(
      report.hung,
      undefined,
      `case ${report.hung?.index} hung (seed ${seed}): ${report.hung?.what}; repeat with PRODIGY_FUZZ_SEED=${seed}`,
    );
    const kinds = new Map();
    for (const f of report.failures) kinds.set(f.kind, [...(kinds.get(f.kind) ?? []), f]);
    const summary = [...kinds].map(
      ([kind, fs]) =>
        `  ${kind}: ${new Set(fs.map((f) => f.i)).size} cases, e.g. case ${fs[0].i} (${fs[0].what}, ${fs[0].size} bytes): ${fs[0].detail}`,
    );
    const cases = new Set(report.failures.map((f) => f.i)).size;
    assert.equal(
      cases,
      0,
      `${cases} of ${report.cases} cases broke the contract (PRODIGY_FUZZ_SEED=${seed}):\n${summary.join('\n')}`,
    );
  };

  describe('fuzz (seeded; PRODIGY_FUZZ_SEED repeats)', () => {
    it(`the workflow loader: ${LOADER_CASES} mutated files load or fail with one line naming the file`, async (t) => {
      check(t, 'loader', await fuzz('loader', LOADER_CASES));
    });

    it(`the session-file reader: ${SESSION_CASES} mutated records read, or fail and are listed unreadable, with one line naming the file`, async (t) => {
      check(t, 'session reader', await fuzz('sessions', SESSION_CASES));
    });
  });
} else {
  await runWorker(workerData);
}
