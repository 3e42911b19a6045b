// Fault injection: the built CLI runs in a child process with helpers/faults.mjs, which makes one write
// under the Prodigy home fail (ENOSPC), come out short, or kill the process (SIGKILL) at a chosen
// moment of a run, a resume, a restore or a MapReduce job. Then, with faults off, the session is
// resumed (after a restore: restored again, then resumed) and what the product promises is checked:
// every session file still parses (and state files are whole, the journal has no torn line but its
// tail), the run finishes, no step recorded done runs again (the others run once, and none of the
// killed process's steps is still at work while the resume runs), and every commit is on the session
// branch. A counting run of each operation lists its writes and `plan` picks the points: every write
// site, and every moment that means something different. Kills are seeded: the seed is printed, and
// PRODIGY_FAULT_SEED=<seed> repeats a run's choices; PRODIGY_FAULT_KEEP=1 keeps every point's folder.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DIST_CLI, core } from './helpers/env.mjs';
import { commitFile, git, hermeticGit } from './helpers/git.mjs';
import { allFiles } from './helpers/engine.mjs';
import { seeded } from './helpers/seeded.mjs';

hermeticGit({ before, after });

const FAULTS = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'faults.mjs')).href;
const SEED = process.env.PRODIGY_FAULT_SEED ? Number(process.env.PRODIGY_FAULT_SEED) : Date.now() % 1_000_000;
/** Independent fault points run side by side: each is a few short processes, much of it waiting (git, sleeps). */
const PARALLEL = 3;
/** A child that has not exited by then is hung (a finding), not slow: every run here takes about a second. */
const HANG_MS = 120_000;
const KILLS = { run: 6, mapreduce: 4, restore: 4 };

const random = seeded(SEED);
const pick = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

/** What the whole file injected and checked, for the summary line. */
const tally = { enospc: 0, short: 0, kill: 0, checks: 0, planned: new Set(), faulted: new Set() };

// ---- A world: a repo, a home, a marks file outside both, a workflow -------------------------------

const STEPS = 3;
/**
 * Each step appends `begin-step-N <pid>` and, once its work is done, `step-N <pid>` to the marks file
 * (pid: the CLI process that ran it, the step's parent), and commits its own file.
 */
function stepShell(w, n, { gate = false, sleep = 0 } = {}) {
  return [
    gate ? `test -f ${w.gate}` : null,
    `echo "begin-step-${n} $PPID" >> ${w.marks}`,
    sleep ? `sleep ${sleep}` : null,
    `echo "step-${n} $PPID" >> ${w.marks}`,
    `echo "${n} $(date +%s%N)" >> f${n}.txt`,
    `git add f${n}.txt`,
    `git commit -qm s${n}`,
  ]
    .filter(Boolean)
    .join(' && ');
}

const ITEMS = ['a', 'b', 'c'];

/** A repo on main with one commit, made once per root and copied for each world (cheaper than git init). */
function templateRepo(root) {
  const repo = path.join(root, 'template');
  if (fs.existsSync(repo)) return repo;
  git(root, 'init', '-q', '-b', 'main', repo);
  git(repo, 'config', 'user.name', 'Test User');
  git(repo, 'config', 'user.email', 'test@example.com');
  git(repo, 'config', 'maintenance.auto', 'false'); // no `git maintenance` process after every commit
  commitFile(repo, 'README.md', 'hello\n', 'initial');
  return repo;
}

let worlds = 0;
function makeWorld(root, kind) {
  const dir = path.join(root, `w${++worlds}`);
  const repo = path.join(dir, 'repo');
  fs.cpSync(templateRepo(root), repo, { recursive: true });
  const w = {
    dir,
    repo,
    home: path.join(dir, 'home'),
    marks: path.join(dir, 'marks'),
    gate: path.join(dir, 'gate'),
    faultLog: path.join(dir, 'faults.jsonl'),
    wf: path.join(dir, 'wf.yml'),
  };
  let text;
  if (kind === 'mapreduce') {
    const items = JSON.stringify({ items: ITEMS.map((name) => ({ name })) });
    text = `name: faults-mr
mode: mapreduce
setup:
  - shell: 'echo "setup $PPID" >> ${w.marks} && printf ''%s'' ''${items}'' > items.json && date +%s%N > setup.txt && git add items.json setup.txt && git commit -qm items'
map:
  input: items.json
  json_path: "$.items[*]"
  max_parallel: 2
  agent_template:
    - shell: 'echo "begin-item-\${item.name} $PPID" >> ${w.marks} && sleep 0.1 && echo "item-\${item.name} $PPID" >> ${w.marks} && echo "\${item.name} $(date +%s%N)" >> \${item.name}.txt'
reduce:
  - shell: 'echo "reduce $PPID" >> ${w.marks} && echo done >> reduce.txt && git add reduce.txt && git commit -qm reduce'
`;
  } else {
    const steps = Array.from({ length: STEPS }, (_, i) =>
      stepShell(w, i + 1, { gate: kind === 'gated' && i === 1, sleep: kind === 'slow' && i === 1 ? 0.3 : 0 }),
    );
    text = `name: faults\ncommands:\n${steps.map((s) => `  - shell: '${s}'\n`).join('')}`;
  }
  fs.writeFileSync(w.wf, text);
  return w;
}

// ---- The CLI in a child process, with or without a fault -----------------------------------------

/**
 * Runs `prodigy-vscode --home H …args`. `fault`: {mode, at} for faults.mjs, or {afterMs} for a SIGKILL
 * from here. Resolves with the exit, the output, the child's pid and the fault faults.mjs reported.
 */
function cli(w, args, fault = null) {
  return new Promise((resolve) => {
    const env = { ...process.env, PRODIGY_HOME: '', PRODIGY_DEBUG: '' };
    const pre = [];
    if (fault?.mode) {
      pre.push('--enable-source-maps', '--import', FAULTS);
      Object.assign(env, {
        PRODIGY_FAULT_ROOT: w.home,
        PRODIGY_FAULT_MODE: fault.mode,
        PRODIGY_FAULT_AT: String(fault.at ?? 0),
        PRODIGY_FAULT_LOG: w.faultLog,
        ...(fault.site
          ? { PRODIGY_FAULT_OP: fault.op, PRODIGY_FAULT_SITE: fault.site, PRODIGY_FAULT_FILE: fault.file }
          : {}),
      });
    }
    const child = spawn(process.execPath, [...pre, DIST_CLI, '--home', w.home, ...args], {
      cwd: w.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    const started = performance.now();
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const hang = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, HANG_MS);
    const killer = fault?.afterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), fault.afterMs) : null;
    child.on('close', (code, signal) => {
      clearTimeout(hang);
      if (killer) clearTimeout(killer);
      const entries = readJsonLines(w.faultLog).filter((e) => e.pid === child.pid);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        hung,
        pid: child.pid,
        ms: performance.now() - started,
        fault: entries.find((e) => e.mode !== 'count' && e.n !== undefined) ?? null,
        writes: entries.filter((e) => e.mode === 'count' && e.n !== undefined),
      });
    });
  });
}

function readJsonLines(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const lastLine = (text) => text.trim().split('\n').pop() ?? '';
const exitOf = (r) => (r.hung ? 'hung' : (r.signal ?? r.code));

// ---- What is on disk, read independently of the core's own bookkeeping --------------------------

function sessionIds(w) {
  const dir = path.join(w.home, 'sessions');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .map((n) => n.slice(0, -'.json'.length));
}

function tryJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Marks as [{what, pid}]: `what` is step-N, setup, item-X or reduce; pid the CLI process that ran it. */
function readMarks(w) {
  if (!fs.existsSync(w.marks)) return [];
  return fs
    .readFileSync(w.marks, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [what, pid] = l.split(' ');
      return { what, pid: Number(pid) };
    });
}
const ranBy = (marks, what, pid) => marks.filter((m) => m.what === what && m.pid === pid).length;

/**
 * Steps whose checkpoint is on disk, by any of the three places that say a step is done: a whole
 * journal line, the record's completed_steps, Prodigy's checkpoint file. Such a step must not run
 * again; a step in flight (none of these) may.
 */
function recordedSteps(w, id) {
  const done = new Set();
  const journal = path.join(w.home, 'state', id, 'snapshots', 'journal.jsonl');
  if (fs.existsSync(journal)) {
    for (const line of fs.readFileSync(journal, 'utf8').split('\n')) {
      try {
        const l = JSON.parse(line);
        if (l.type === 'step' && Number.isInteger(l.step?.step_index)) done.add(l.step.step_index);
      } catch {
        // a torn line records nothing
      }
    }
  }
  const record = tryJson(path.join(w.home, 'sessions', `${id}.json`));
  for (const i of record?.workflow_data?.completed_steps ?? []) done.add(i);
  for (const f of allFiles(path.join(w.home, 'state', id, 'checkpoints'))) {
    if (!f.endsWith('.checkpoint.json')) continue;
    for (const s of tryJson(f)?.completed_steps ?? []) if (Number.isInteger(s.step_index)) done.add(s.step_index);
  }
  return done;
}

/** A MapReduce job's finished parts, from its newest readable job state: setup, item-X, reduce. */
function recordedJobParts(w) {
  const done = new Set();
  const jobDirs = new Set(
    allFiles(path.join(w.home, 'state'))
      .filter((f) => /mapreduce\/jobs\/[^/]+\/checkpoint-v\d+\.json$/.test(f))
      .map((f) => path.dirname(f)),
  );
  for (const dir of jobDirs) {
    const versions = fs
      .readdirSync(dir)
      .map((n) => /^checkpoint-v(\d+)\.json$/.exec(n)?.[1])
      .filter(Boolean)
      .map(Number)
      .sort((a, b) => b - a);
    const state = versions.map((v) => tryJson(path.join(dir, `checkpoint-v${v}.json`))).find(Boolean);
    if (!state) continue;
    if (state.setup_completed) done.add('setup');
    for (const [itemId, r] of Object.entries(state.agent_results ?? {})) {
      const name = state.work_items?.[Number(itemId.replace(/^item_/, ''))]?.name;
      if (r.status === 'Success' && name) done.add(`item-${name}`);
    }
    if ((state.reduce_phase_state?.executed_commands ?? 0) >= 1) done.add('reduce');
  }
  return done;
}

/** Every session file parses with the core's reader; state files are whole; no torn journal line mid-file. */
async function homeProblems(w, when) {
  const problems = [];
  const m = new core.SessionManager({ home: w.home });
  try {
    const listing = await m.listSessions();
    for (const u of listing.unreadable) problems.push(`${when}: unreadable session file ${u.name}: ${u.reason}`);
    for (const s of listing.sessions) {
      try {
        await m.getSession(s.id);
      } catch (err) {
        problems.push(`${when}: getSession(${s.id}) threw ${err.name}: ${err.message}`);
      }
    }
  } catch (err) {
    problems.push(`${when}: listSessions threw ${err.name}: ${err.message}`);
  } finally {
    m.close();
  }
  for (const f of allFiles(path.join(w.home, 'state'))) {
    const rel = path.relative(w.home, f);
    if (f.endsWith('.json') && !path.basename(f).startsWith('.') && tryJson(f) === null)
      problems.push(`${when}: ${rel} is not whole JSON`);
    if (f.endsWith('journal.jsonl')) {
      const lines = fs.readFileSync(f, 'utf8').split('\n');
      lines.pop(); // after the last newline: empty, or the torn tail of a line in flight
      lines.forEach((l, i) => {
        try {
          JSON.parse(l);
        } catch {
          problems.push(
            `${when}: ${rel} line ${i + 1} of ${lines.length} is not whole JSON (torn, or glued to the next)`,
          );
        }
      });
    }
  }
  tally.checks += 1;
  return problems;
}

function statusOf(w, id) {
  return tryJson(path.join(w.home, 'sessions', `${id}.json`))?.status ?? null;
}

/** Every commit and file the steps made is on the session branch. */
function lostWork(w, id, messages, files) {
  const branch = `prodigy-${id}`;
  let log;
  let tree;
  try {
    log = git(w.repo, 'log', '--format=%s', branch).split('\n');
    tree = git(w.repo, 'ls-tree', '-r', '--name-only', branch).split('\n');
  } catch (err) {
    return [`branch ${branch} unreadable: ${lastLine(String(err.stderr ?? err.message))}`];
  }
  return [
    ...messages.filter((m) => !log.includes(m)).map((m) => `commit "${m}" is not on ${branch}`),
    ...files.filter((f) => !tree.includes(f)).map((f) => `${f} is not on ${branch}`),
  ];
}

const STEP_MARKS = Array.from({ length: STEPS }, (_, i) => `step-${i + 1}`);
const STEP_COMMITS = Array.from({ length: STEPS }, (_, i) => `s${i + 1}`);
const STEP_FILES = Array.from({ length: STEPS }, (_, i) => `f${i + 1}.txt`);

/**
 * After the recovery run (pid `by`): each part recorded done before it did not run in it, each other
 * part ran in it exactly once.
 */
function rerunProblems(marks, parts, done, by, label) {
  const problems = [];
  for (const part of parts) {
    const n = ranBy(marks, part, by);
    if (done.has(part) && n > 0) problems.push(`${part} ran again in the ${label} although it was recorded done`);
    if (!done.has(part) && n !== 1) problems.push(`${part} ran ${n} times in the ${label} (not recorded done: once)`);
  }
  return problems;
}

// ---- One fault point per scenario -------------------------------------------------------------
// The operation under fault runs in a CLI process; the setup before it and the recovery after it run
// in this process through the core (the same engine, without a process start each), faults off.

const STEP_PARTS = { parts: STEP_MARKS, commits: STEP_COMMITS, files: STEP_FILES };

/** Runs `fn(manager)` with a fresh SessionManager on the world's home. */
async function withManager(w, fn) {
  const manager = new core.SessionManager({ home: w.home });
  try {
    return await fn(manager);
  } finally {
    manager.close();
  }
}

const engineRun = (w) =>
  withManager(w, (manager) => core.runWorkflow({ manager, workflowFile: w.wf, projectDir: w.repo, merge: 'never' }));
const engineResume = (w, id) =>
  withManager(w, (manager) => core.resumeWorkflow({ manager, sessionId: id, merge: 'never' }));
const engineRestore = (w, id, cp) => withManager(w, (manager) => core.restoreCheckpoint(manager, id, cp));

/**
 * Resumes (faults off) unless the session is Completed, then checks it: it parses and is Completed,
 * every part ran, the parts recorded done (`done`) did not run in the resume and the others ran in
 * it once, and every commit and file is on the session branch.
 */
async function finishAndCheck(w, id, done, { parts, commits, files }) {
  const problems = [];
  const from = readMarks(w).length;
  let resumed = false;
  if (statusOf(w, id) !== 'Completed') {
    resumed = true;
    try {
      const out = await engineResume(w, id);
      if (out.status !== 'Completed') problems.push(`the resume after the fault ended ${out.status}: ${out.error}`);
    } catch (err) {
      problems.push(`the resume after the fault threw ${err.name}: ${err.message}`);
    }
  }
  const status = statusOf(w, id);
  if (status !== 'Completed') problems.push(`the session is ${status} after the resume, not Completed`);
  problems.push(...(await homeProblems(w, 'after the resume')));
  // When the run did not finish, which steps did not run and which commits are missing follow from that.
  if (status !== 'Completed') return problems;
  const marks = readMarks(w);
  if (resumed) problems.push(...rerunProblems(marks.slice(from), parts, done, process.pid, 'resume'));
  // A step of the faulted process still at work after the resume began one of its own: an orphan the
  // resume neither stopped nor waited for (its in-flight step may run again, but not at the same time).
  const first = marks.findIndex((m, i) => i >= from && m.pid === process.pid);
  if (first >= 0)
    for (const m of marks.slice(first))
      if (m.pid !== process.pid) problems.push(`${m.what} of the faulted process (pid ${m.pid}) ran during the resume`);
  for (const part of parts) if (!marks.some((m) => m.what === part)) problems.push(`${part} never ran`);
  problems.push(...lostWork(w, id, commits, files));
  return problems;
}

/** A run with a fault, then a resume. */
async function runPoint(root, fault, kind = 'plain') {
  const w = makeWorld(root, kind);
  const r = await cli(w, ['run', w.wf, '-p', w.repo], fault);
  const problems = r.hung ? ['the faulted run hung'] : [];
  problems.push(...(await homeProblems(w, 'after the fault')));
  const ids = sessionIds(w);
  if (ids.length === 0) {
    if (readMarks(w).length) problems.push('steps ran, but there is no session record to resume');
    return { w, r, problems };
  }
  if (ids.length > 1) problems.push(`one run made ${ids.length} sessions`);
  const done = new Set([...recordedSteps(w, ids[0])].map((i) => `step-${i + 1}`));
  problems.push(...(await finishAndCheck(w, ids[0], done, STEP_PARTS)));
  return { w, r, problems };
}

/** A session Failed at step 2; its resume with a fault; then a resume without. */
async function resumePoint(root, fault) {
  const w = makeWorld(root, 'gated');
  const first = await engineRun(w);
  assert.equal(first.status, 'Failed', 'setup: the gated run fails at step 2');
  const id = first.sessionId;
  const before = new Set([...recordedSteps(w, id)].map((i) => `step-${i + 1}`));
  fs.writeFileSync(w.gate, '');
  const r = await cli(w, ['resume', id], fault);
  const problems = r.hung ? ['the faulted resume hung'] : [];
  problems.push(...(await homeProblems(w, 'after the fault')));
  for (const part of before)
    if (ranBy(readMarks(w), part, r.pid))
      problems.push(`${part} ran again in the faulted resume, recorded done before it`);
  const done = new Set([...recordedSteps(w, id)].map((i) => `step-${i + 1}`));
  problems.push(...(await finishAndCheck(w, id, done, STEP_PARTS)));
  return { w, r, problems };
}

/** A completed session restored to after step 1 with a fault; then restored again and resumed. */
async function restorePoint(root, fault) {
  const w = makeWorld(root, 'plain');
  const first = await engineRun(w);
  assert.equal(first.status, 'Completed', 'setup: the run completes');
  const id = first.sessionId;
  const cp = await withManager(w, async (m) =>
    (await m.listCheckpoints(id)).checkpoints.find((c) => c.kind === 'session' && c.step_index === 0),
  );
  assert.ok(cp, 'setup: a checkpoint after step 1');
  const r = await cli(w, ['restore', id, cp.id], fault);
  const problems = r.hung ? ['the faulted restore hung'] : [];
  problems.push(...(await homeProblems(w, 'after the fault')));
  if (readMarks(w).some((x) => x.pid === r.pid)) problems.push('the restore ran a step');
  try {
    await engineRestore(w, id, cp.id);
  } catch (err) {
    problems.push(`restoring again after the fault threw ${err.name}: ${err.message}`);
  }
  // Restored to after step 1: step 1 stays done, steps 2 and 3 run again, once.
  problems.push(...(await finishAndCheck(w, id, new Set(['step-1']), STEP_PARTS)));
  return { w, r, problems };
}

/** A MapReduce job killed at a random moment, then resumed. */
async function mapReducePoint(root, fault) {
  const w = makeWorld(root, 'mapreduce');
  const r = await cli(w, ['run', w.wf, '-p', w.repo], fault);
  const problems = r.hung ? ['the killed job hung'] : [];
  problems.push(...(await homeProblems(w, 'after the fault')));
  const ids = sessionIds(w);
  if (ids.length === 0) {
    if (readMarks(w).length) problems.push('setup ran, but there is no session record to resume');
    return { w, r, problems };
  }
  problems.push(
    ...(await finishAndCheck(w, ids[0], recordedJobParts(w), {
      parts: ['setup', ...ITEMS.map((i) => `item-${i}`), 'reduce'],
      commits: ['items', 'reduce'],
      files: ['items.json', 'reduce.txt', ...ITEMS.map((i) => `${i}.txt`)],
    })),
  );
  return { w, r, problems };
}

// ---- Choosing the points --------------------------------------------------------------------------

/** What a write is to: the kind of file under H. */
function kindOf(home, file) {
  const rel = path.relative(home, file).split(path.sep);
  const [top, second = ''] = rel;
  const name = rel[rel.length - 1];
  if (top === 'sessions') return name.startsWith('.mtime-probe') ? 'mtime probe' : 'session record';
  if (top === 'resume_locks') return name.includes('.lock.steps') ? 'step groups' : 'resume lock';
  if (top === 'vscode') {
    if (second === 'locks') return 'file lock';
    if (second === 'logs') return 'session log';
    return second.includes('session-index') ? 'session index' : `vscode/${second}`;
  }
  if (top === 'state') {
    if (rel.includes('mapreduce')) return 'job state';
    if (name === 'journal.jsonl') return 'journal';
    if (rel.includes('snapshots')) return 'snapshot';
    if (rel.includes('checkpoints')) return 'checkpoint file';
    return 'state';
  }
  if (top === 'worktrees') return rel.includes('.metadata') ? 'worktree metadata' : 'worktrees';
  return top;
}

const DATA_OPS = new Set(['writeSync', 'writeFileSync', 'appendFileSync']);
/** Files whose failed write means something different before, between or after the steps. */
const TIMED = new Set(['session record', 'journal', 'checkpoint file', 'resume lock']);

/**
 * A regex for the path of a file under H, relative to H, that also matches the same file of another
 * run: ids, pids, versions and random parts (numbers; runs of 6+ hex digits and dashes) become wildcards.
 */
function shapeOf(home, file) {
  return `^${path
    .relative(home, file)
    .split(/[0-9a-f-]{6,}|\d+/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[0-9a-f-]+')}$`;
}

/**
 * The fault points of one operation, from a counting run's writes. For the files in TIMED a failing
 * write means something different at each moment, so their writes are grouped by kind of file, the two
 * calls that asked for it (outside storage/: a record's creation is not its last update) and whether
 * it comes before, between or after the steps' journal lines; each group gets a fault in every
 * operation. Any other kind of file (log, lock, index, metadata…) gets one fault in the whole file.
 * Then the first write of each source line no fault has reached yet gets one: every write site is hit.
 * A short write matters by the file it tears: grouped by kind of file only (the journal's first line
 * apart from its later ones); only the writes that carry bytes can be short. Each point names its write
 * as the k-th by that call, from that line, to a file of that shape (see faults.mjs). `beforeSteps`:
 * only the writes up to the first step's journal line (a resume's later writes are a run's, covered by
 * the run).
 */
function plan(home, writes, mode, { beforeSteps = false } = {}) {
  const label = mode === 'short' ? 'short' : 'fail';
  const site = (x) => `${label} ${x.op} ${x.site}`;
  const journal = (x) => kindOf(home, x.file) === 'journal' && DATA_OPS.has(x.op);
  const appends = writes.filter(journal).length;
  let seen = 0;
  const groups = new Map();
  for (const x of writes) {
    const phase = seen === 0 ? 'before' : seen === appends ? 'after' : 'between';
    if (journal(x)) seen += 1;
    if ((mode === 'short' && !DATA_OPS.has(x.op)) || (beforeSteps && phase !== 'before')) continue;
    const kind = kindOf(home, x.file);
    const callers = x.chain
      .split(' < ')
      .filter((f) => !f.startsWith('src/core/storage/'))
      .slice(0, 2)
      .join(' < ');
    let key = `${label} ${kind}`;
    if (mode === 'short' && kind === 'journal') key += ` ${phase}`;
    if (mode !== 'short' && TIMED.has(kind)) key += ` ${phase} ${callers}`;
    if (!groups.has(key)) groups.set(key, { timed: key !== `${label} ${kind}`, writes: [] });
    groups.get(key).writes.push(x);
  }
  const points = [];
  const add = (x, key) => {
    covered.sites.add(site(x));
    // The k-th write by this call from this line to a file of this shape: other writes may come in another
    // order in the faulted run (timing decides which record writes are coalesced), this one keeps its place.
    const file = shapeOf(home, x.file);
    const same = (y) => y.op === x.op && y.site === x.site && shapeOf(home, y.file) === file;
    const k = writes.slice(0, writes.indexOf(x) + 1).filter(same).length;
    points.push({ mode, op: x.op, site: x.site, file, at: k, key, order: writes.indexOf(x) });
  };
  for (const [key, group] of groups) {
    for (const x of group.writes) tally.planned.add(site(x));
    if (!group.timed && covered.kinds.has(key)) continue;
    covered.kinds.add(key);
    add(group.writes.find((x) => !covered.sites.has(site(x))) ?? group.writes[0], key);
  }
  for (const [key, group] of groups) for (const x of group.writes) if (!covered.sites.has(site(x))) add(x, key);
  return points.sort((a, b) => a.order - b.order);
}
/** What the plans so far fault: source lines, and kinds of file faulted once for the whole file. */
const covered = { sites: new Set(), kinds: new Set() };

/** Runs `fn` over `items`, PARALLEL at a time. */
async function pool(items, fn) {
  const results = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, lane));
  return results;
}

function describePoint(p, r) {
  const f = r.fault;
  if (p.afterMs !== undefined) return `SIGKILL after ${p.afterMs} ms (exit ${exitOf(r)})`;
  const which = p.site ? `${p.op} #${p.at} from ${p.site} to ${p.file}` : `write ${p.at}`;
  if (!f) return `${p.mode} at ${which}: not reached (exit ${exitOf(r)})`;
  return `${p.mode} at ${which} (${f.op} ${path.basename(f.file)} from ${f.chain || f.site})`;
}

/** Runs the points, counts the faults that fired, and returns the failures as readable lines. */
async function inject(root, points, fn, scenario) {
  const failures = [];
  const results = await pool(points, async (p) => {
    const { r, problems, w } = await fn(root, p);
    if (r.fault || p.afterMs !== undefined) {
      tally[p.afterMs !== undefined ? 'kill' : p.mode] += 1;
      if (r.fault && p.mode !== 'kill')
        tally.faulted.add(`${p.mode === 'short' ? 'short' : 'fail'} ${r.fault.op} ${r.fault.site}`);
    }
    if (problems.length)
      failures.push(`${scenario}, ${describePoint(p, r)} [seed ${SEED}, ${w.dir}]:\n    ${problems.join('\n    ')}`);
    else if (!process.env.PRODIGY_FAULT_KEEP) fs.rmSync(w.dir, { recursive: true, force: true });
    return r;
  });
  return { failures, results };
}

/** A counting run of an operation in a world of its own: its writes (and how long it took). */
async function baseline(root, op) {
  const { w, r } = await op(root, { mode: 'count' });
  assert.ok(r.writes.length > 0, `the counting run saw writes (${exitOf(r)}: ${lastLine(r.stderr)})`);
  return { home: w.home, writes: r.writes, ms: r.ms };
}

function report(t, scenario, points, failures) {
  t.diagnostic(`${scenario}: ${points.length} fault points, ${failures.length} failed; seed ${SEED}`);
  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${points.length} fault points broke an invariant:\n${failures.join('\n')}`,
  );
}

function tempRoot(t) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-faults-')));
  t.after(() => {
    if (!process.env.PRODIGY_FAULT_KEEP) fs.rmSync(root, { recursive: true, force: true });
  });
  return root;
}

// The counting runs wrap the operation under test in the same world setup as its fault points.
const countRun = (root, fault) => runPoint(root, fault);
const countResume = (root, fault) => resumePoint(root, fault);
const countRestore = (root, fault) => restorePoint(root, fault);

describe('fault injection (seeded; PRODIGY_FAULT_SEED repeats)', () => {
  it('a write that fails (ENOSPC) or comes out short at each write site of a run; a resume finishes it', async (t) => {
    t.diagnostic(`seed ${SEED}`);
    const root = tempRoot(t);
    const base = await baseline(root, countRun);
    const points = [...plan(base.home, base.writes, 'enospc'), ...plan(base.home, base.writes, 'short')];
    const { failures } = await inject(root, points, (r, p) => runPoint(r, p), 'run');
    report(t, 'run', points, failures);
  });

  it('a write that fails or comes out short at each write site of a resume, up to its first step (then it writes what a run does); a second resume finishes it', async (t) => {
    const root = tempRoot(t);
    const base = await baseline(root, countResume);
    const own = { beforeSteps: true };
    const points = [...plan(base.home, base.writes, 'enospc', own), ...plan(base.home, base.writes, 'short', own)];
    const { failures } = await inject(root, points, (r, p) => resumePoint(r, p), 'resume');
    report(t, 'resume', points, failures);
  });

  it('a write that fails or comes out short at each write site of a restore; restore again and resume', async (t) => {
    const root = tempRoot(t);
    const base = await baseline(root, countRestore);
    const points = [...plan(base.home, base.writes, 'enospc'), ...plan(base.home, base.writes, 'short')];
    const { failures } = await inject(root, points, (r, p) => restorePoint(r, p), 'restore');
    report(t, 'restore', points, failures);
  });

  it('kill -9 at random moments of a run, a MapReduce job and a restore; a resume finishes each', async (t) => {
    t.diagnostic(`seed ${SEED}`);
    const root = tempRoot(t);
    // Half the kills at a random write (deterministic for a seed), half at a random time (lands
    // mid-step too: step 2 of the run sleeps, so its shell is orphaned by the kill).
    const kills = async (op, n, scenario) => {
      const base = await baseline(root, op);
      const points = Array.from({ length: n }, (_, i) =>
        i % 2 === 0 ? { mode: 'kill', at: pick(1, base.writes.length) } : { afterMs: pick(0, Math.round(base.ms)) },
      );
      return { points, ...(await inject(root, points, op, scenario)) };
    };
    const runs = await kills((r, p) => runPoint(r, p, 'slow'), KILLS.run, 'run (kill -9)');
    const jobs = await kills(mapReducePoint, KILLS.mapreduce, 'MapReduce (kill -9)');
    const restores = await kills(restorePoint, KILLS.restore, 'restore (kill -9)');
    const failures = [...runs.failures, ...jobs.failures, ...restores.failures];
    report(t, 'kill -9', [...runs.points, ...jobs.points, ...restores.points], failures);
  });

  it('every write site seen by a counting run had a fault injected; summary', (t) => {
    const missed = [...tally.planned].filter((k) => !tally.faulted.has(k));
    const total = tally.enospc + tally.short + tally.kill;
    const line = `faults injected: ${total} (write failures ${tally.enospc}, short writes ${tally.short}, kill -9 ${tally.kill}); checked ${tally.checks} times: every session file parses with the core's reader, state files are whole, no torn journal line, the run finishes on resume, no step or item recorded done runs again, the rest run once, no step of a killed process at work during the resume, every commit is on the session branch; write sites covered: ${tally.faulted.size}/${tally.planned.size}; seed ${SEED}`;
    t.diagnostic(line);
    console.log(`# ${line}`);
    assert.ok(total > 0, 'faults were injected');
    assert.deepEqual(missed, [], 'write sites that no fault reached');
  });
});
