// Regression tests for issue 12's lock and process bugs: a stale resume lock taken over by two processes at
// once (b02), a step left running by a CLI that got SIGHUP or kill -9 and run again by the resume (b07),
// session ids and home folders claimed racily by concurrent runs (b12), and a resume lock whose pid was
// reused or that comes from another host (b19). Real processes, real signals; the timing-dependent ones
// loop as many times as the old code needed to fail. Each one failed before its fix.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { DIST_CLI, core, pretty, sleep, tempHome, withFrozenClock } from './helpers/env.mjs';
import { spawnCli } from './helpers/cli.mjs';

/** node:fs's CommonJS module object: what the core bundle calls, so a test can step in between its calls. */
const moduleFs = createRequire(import.meta.url)('node:fs');
const LOCK_WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'lockWorker.mjs');
/** Above Linux's largest pid_max (2^22): no process can have it, so its lock is stale. */
const DEAD_PID = 2 ** 22 + 1;

/** A lock worker (helpers/lockWorker.mjs), ready for commands; killed after the test. */
async function lockWorker(h, id = 'workflow-locks') {
  const child = h.track(
    spawn(process.execPath, [LOCK_WORKER, JSON.stringify({ home: h.home, id })], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const queue = [];
  const waiting = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const next = waiting.shift();
    if (next) next.resolve(line);
    else queue.push(line);
  });
  // One listener for the worker's end, not one per awaited line.
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`lock worker exited (${code}): ${stderr}`));
  });
  const worker = {
    send: (line) => child.stdin.write(`${line}\n`),
    next: () =>
      queue.length
        ? Promise.resolve(queue.shift())
        : new Promise((resolve, reject) => {
            if (child.exitCode !== null) reject(new Error(`lock worker exited (${child.exitCode}): ${stderr}`));
            else waiting.push({ resolve, reject });
          }),
  };
  assert.equal(await worker.next(), 'ready');
  return worker;
}

function writeLock(file, holder) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, pretty(holder));
}

/** The ids of the session records in the home (not the temp files of a record being written). */
function sessionIds(h) {
  return fs
    .readdirSync(path.join(h.home, 'sessions'))
    .filter((f) => /^[^.].*\.json$/.test(f))
    .map((f) => f.slice(0, -'.json'.length));
}

async function until(what, check, ms = 15_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// ---- b02

describe('b02: a stale resume lock is taken over by exactly one process', () => {
  // The old takeover (read, delete, create) let two of six processes hold the lock, or refused one
  // with "unreadable" on the half-written file of another, within the first few dozen trials.
  const TRIALS = 150;
  // The old session lock lost an update once in about 50 trials (between the 1st and the 104th).
  const SESSION_LOCK_TRIALS = 300;

  it(`six processes taking over the same stale lock at once: one holds it, the others are refused (${TRIALS} trials)`, async (t) => {
    const h = tempHome(t);
    const id = 'workflow-locks';
    const lockFile = path.join(h.home, 'resume_locks', `${id}.lock`);
    const workers = await Promise.all(Array.from({ length: 6 }, () => lockWorker(h, id)));
    for (let trial = 1; trial <= TRIALS; trial++) {
      // What a killed run leaves behind: its holder is gone.
      writeLock(lockFile, { job_id: id, process_id: DEAD_PID, hostname: os.hostname(), acquired_at: 'x' });
      for (const w of workers) w.send('try');
      const replies = await Promise.all(workers.map((w) => w.next()));
      const holders = replies.filter((r) => r === 'got').length;
      assert.equal(holders, 1, `trial ${trial}: ${holders} processes hold the lock: ${replies.join(' | ')}`);
      for (const r of replies.filter((r) => r !== 'got'))
        assert.match(r, /already running/, `trial ${trial}: refused for the wrong reason: ${r}`);
      for (const w of workers) w.send('release');
      await Promise.all(workers.map((w) => w.next()));
    }
  });

  // The session lock (a proper-lockfile folder) had the same read-delete-create takeover.
  it(`six processes taking over the same stale session lock at once lose no update (${SESSION_LOCK_TRIALS} trials)`, async (t) => {
    const h = tempHome(t);
    const id = 'workflow-bumps';
    await h.manager().createSession({ id, type: 'Workflow' });
    const lockDir = path.join(h.home, 'vscode', 'locks', `${id}.lock`);
    const workers = await Promise.all(Array.from({ length: 6 }, () => lockWorker(h, id)));
    for (let trial = 1; trial <= SESSION_LOCK_TRIALS; trial++) {
      await until('the last holder to let go', () => !fs.existsSync(lockDir));
      // Left by a process killed while it held the lock: not refreshed for a minute.
      fs.mkdirSync(lockDir, { recursive: true });
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(lockDir, old, old);
      for (const w of workers) w.send(`bump ${id}`);
      const replies = await Promise.all(workers.map((w) => w.next()));
      assert.deepEqual(
        replies.filter((r) => r !== 'bumped'),
        [],
        `trial ${trial}`,
      );
      assert.equal(h.readSessionJson(id).metadata.counter, 6 * trial, `trial ${trial}: an update was lost`);
    }
  });
});

// ---- b07

/**
 * Whether a process of the process group `pgid` still runs. Zombies do not count: a killed orphan waits there
 * until PID 1 reaps it, which some PID 1s (in containers) do late or never.
 */
function groupAlive(pgid) {
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

function linesOf(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** The CLI as a real process (not waited for), with `home` as its Prodigy home. */
function startCli(h, args, cwd) {
  const child = h.track(
    spawn(process.execPath, [DIST_CLI, ...args], {
      cwd,
      env: { ...process.env, PRODIGY_HOME: h.home, PRODIGY_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  child.output = '';
  child.stdout.on('data', (d) => (child.output += d));
  child.stderr.on('data', (d) => (child.output += d));
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

describe('b07: a step whose CLI went away never runs twice at once', () => {
  /** A folder (not a git repo: the run is in place) with a two-step workflow; step 2 runs for a while. */
  function project(h) {
    const dir = path.join(h.root, 'project');
    fs.mkdirSync(dir);
    const side = path.join(h.root, 'side.txt');
    const wf = path.join(h.root, 'wf.yml');
    fs.writeFileSync(
      wf,
      [
        'name: orphan',
        'commands:',
        `  - shell: "echo one >> '${side}'"`,
        `  - shell: "echo start-$$ >> '${side}'; sleep 4; echo end-$$ >> '${side}'"`,
        '',
      ].join('\n'),
    );
    return { dir, side, wf };
  }

  /** Starts the run and waits until step 2 is running; returns the CLI and the step's process group. */
  async function runUntilStep2(h, p) {
    const cli = startCli(h, ['run', p.wf, '-y'], p.dir);
    await until('step 2 to start', () => linesOf(p.side).some((l) => l.startsWith('start-')));
    const pgid = Number(
      linesOf(p.side)
        .find((l) => l.startsWith('start-'))
        .slice('start-'.length),
    );
    return { cli, pgid, id: sessionIds(h)[0] };
  }

  it('SIGHUP (the terminal closed) stops the step with the CLI and leaves the session Paused; the resume runs it once', async (t) => {
    const h = tempHome(t);
    const p = project(h);
    const { cli, pgid, id } = await runUntilStep2(h, p);
    cli.kill('SIGHUP');
    const exit = await cli.exited;
    assert.equal(exit.signal, null, `the CLI handles SIGHUP instead of dying of it: ${cli.output}`);
    assert.equal(exit.code, 129, cli.output);
    assert.ok(!groupAlive(pgid), 'the step did not outlive the CLI');
    assert.equal(h.readSessionJson(id).status, 'Paused');
    const resumed = spawnCli(['resume', id, '-y'], { PRODIGY_HOME: h.home });
    assert.equal(resumed.code, 0, resumed.stderr);
    const second = linesOf(p.side)[2];
    assert.deepEqual(linesOf(p.side), ['one', `start-${pgid}`, second, `end-${second.slice('start-'.length)}`]);
  });

  it('after kill -9 of the CLI, the resume stops the orphaned step before it runs the step again', async (t) => {
    const h = tempHome(t);
    const p = project(h);
    const { cli, pgid, id } = await runUntilStep2(h, p);
    cli.kill('SIGKILL');
    await cli.exited;
    // Nothing can stop a step when its CLI is killed: the orphan works on, the session says Running.
    assert.ok(groupAlive(pgid), 'the orphan is still running');
    assert.equal(h.readSessionJson(id).status, 'Running');
    const resumed = spawnCli(['resume', id, '-y'], { PRODIGY_HOME: h.home });
    assert.equal(resumed.code, 0, resumed.stderr);
    // The orphan's step (4 s) would have ended during the resume's run of it (4 s) had it been left alone.
    const lines = linesOf(p.side);
    const again = lines[2]?.slice('start-'.length);
    assert.deepEqual(lines, ['one', `start-${pgid}`, `start-${again}`, `end-${again}`]);
    assert.match(`${resumed.stdout}${resumed.stderr}`, new RegExp(`left running \\(process group ${pgid}\\)`));
  });
});

// ---- b12

describe('b12: concurrent runs each claim a session id and the home folders', () => {
  it('two managers creating sessions in the same millisecond get two sessions', async (t) => {
    const h = tempHome(t);
    const [a, b] = [h.manager(), h.manager()];
    const created = await withFrozenClock(() =>
      Promise.all([a.createSession({ type: 'Workflow' }), b.createSession({ type: 'Workflow' })]),
    );
    assert.notEqual(created[0].id, created[1].id);
    for (const s of created) assert.equal(h.readSessionJson(s.id).id, s.id);
  });

  it('a folder of a new home that another process makes just after our write found it missing is used', async (t) => {
    const h = tempHome(t);
    const home = path.join(h.root, 'new-home');
    const sessions = path.join(home, 'sessions');
    // The core bundle calls node:fs through its module object: this is the interleaving that made a run
    // fail with ENOENT (our open fails, another run creates the folder, we find it there and gave up).
    const realOpen = moduleFs.openSync;
    let raced = 0;
    moduleFs.openSync = function (file, ...rest) {
      try {
        return realOpen.call(this, file, ...rest);
      } catch (err) {
        if (err.code === 'ENOENT' && path.dirname(String(file)) === sessions && !raced++)
          moduleFs.mkdirSync(sessions, { recursive: true });
        throw err;
      }
    };
    t.after(() => (moduleFs.openSync = realOpen));
    const manager = new core.SessionManager({ home });
    t.after(() => manager.close());
    const session = await manager.createSession({ type: 'Workflow' });
    assert.equal(raced, 1);
    assert.equal(JSON.parse(fs.readFileSync(path.join(sessions, `${session.id}.json`), 'utf8')).id, session.id);
  });

  // The old code failed in the first trial or two: "already exists" for an id another process had just taken,
  // or (less often) ENOENT writing the record of a home another process was creating at that moment.
  const TRIALS = 40;

  it(`six processes creating sessions at once in a home that does not exist yet all succeed (${TRIALS} trials)`, async (t) => {
    const h = tempHome(t);
    const workers = await Promise.all(Array.from({ length: 6 }, () => lockWorker(h)));
    for (let trial = 1; trial <= TRIALS; trial++) {
      const home = path.join(h.root, `new-home-${trial}`);
      for (const w of workers) w.send(`create ${home} 3`);
      const replies = await Promise.all(workers.map((w) => w.next()));
      const failed = replies.filter((r) => !r.startsWith('ids '));
      assert.deepEqual(failed, [], `trial ${trial}`);
      const ids = replies.flatMap((r) => JSON.parse(r.slice('ids '.length)));
      assert.equal(new Set(ids).size, 18, `trial ${trial}: ${ids.length} sessions, ${new Set(ids).size} ids`);
      assert.equal(fs.readdirSync(path.join(home, 'sessions')).filter((f) => f.endsWith('.json')).length, 18);
    }
  });
});

// ---- b19

describe('b19: a resume lock is stale when its process is not the one that took it', () => {
  it('a lock whose pid now belongs to a process started after it (pid reused) is taken over', async (t) => {
    const h = tempHome(t);
    const locks = path.join(h.home, 'resume_locks');
    const file = path.join(locks, 'workflow-reused.lock');
    // An unrelated process that happens to have the recorded pid; and, as after a container restart, our own.
    const unrelated = h.track(spawn('sleep', ['30']));
    for (const pid of [unrelated.pid, process.pid]) {
      const taken = '2020-01-01T00:00:00.123456789Z';
      writeLock(file, { job_id: 'workflow-reused', process_id: pid, hostname: os.hostname(), acquired_at: taken });
      const lock = await core.acquireResumeLock(locks, 'workflow-reused');
      assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).process_id, process.pid);
      assert.notEqual(JSON.parse(fs.readFileSync(file, 'utf8')).acquired_at, taken);
      lock.release();
      assert.ok(!fs.existsSync(file));
    }
  });

  it('a lock whose holder was killed but not yet reaped (a zombie) is taken over', async (t) => {
    const h = tempHome(t);
    const locks = path.join(h.home, 'resume_locks');
    const file = path.join(locks, 'workflow-zombie.lock');
    // `sleep 0` ends at once, but its parent execs `sleep 30`, which never waits for it: a zombie for 30 s.
    const parent = h.track(
      spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    const zombie = Number((await new Promise((resolve) => parent.stdout.once('data', resolve))).toString().trim());
    const state = () => {
      const stat = fs.readFileSync(`/proc/${zombie}/stat`, 'utf8');
      return stat.charAt(stat.lastIndexOf(')') + 2);
    };
    for (let i = 0; i < 100 && state() !== 'Z'; i++) await sleep(20);
    assert.equal(state(), 'Z', 'the holder is a zombie');
    process.kill(zombie, 0); // which kill -0 alone takes for a live process
    writeLock(file, {
      job_id: 'workflow-zombie',
      process_id: zombie,
      hostname: os.hostname(),
      acquired_at: new Date(Date.now() - 1_000).toISOString(),
    });
    const lock = await core.acquireResumeLock(locks, 'workflow-zombie');
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).process_id, process.pid);
    lock.release();
  });

  it('a lock held by a live process is refused, naming the holder and the lock file', async (t) => {
    const h = tempHome(t);
    const holder = await lockWorker(h, 'workflow-held');
    holder.send('try');
    assert.equal(await holder.next(), 'got');
    const file = path.join(h.home, 'resume_locks', 'workflow-held.lock');
    const pid = JSON.parse(fs.readFileSync(file, 'utf8')).process_id;
    await assert.rejects(
      async () => core.acquireResumeLock(path.join(h.home, 'resume_locks'), 'workflow-held'),
      (err) => err instanceof core.ResumeLockedError && err.message.includes(file) && err.message.includes(`${pid}`),
    );
  });

  it('a lock from another host is refused with its host, pid, file and what to do; doing that lets the resume run', async (t) => {
    const h = tempHome(t);
    const dir = path.join(h.root, 'project');
    fs.mkdirSync(dir);
    const gate = path.join(h.root, 'gate');
    const wf = path.join(h.root, 'wf.yml');
    fs.writeFileSync(wf, `name: g\ncommands:\n  - shell: "test -f '${gate}'"\n`);
    const env = { PRODIGY_HOME: h.home };
    assert.equal(spawnCli(['run', wf, '--no-worktree'], env).code, 1);
    const id = sessionIds(h)[0];
    fs.writeFileSync(gate, '');
    const file = path.join(h.home, 'resume_locks', `${id}.lock`);
    // Its pid is alive here, by chance: that says nothing about a process on another machine.
    const alive = h.track(spawn('sleep', ['30']));
    const holder = {
      job_id: id,
      process_id: alive.pid,
      hostname: 'some-other-host',
      acquired_at: '2020-01-01T00:00:00Z',
    };
    writeLock(file, holder);
    const refused = spawnCli(['resume', id], env);
    assert.equal(refused.code, 1);
    const message = refused.stderr.trim();
    assert.equal(message.split('\n').length, 1, message);
    for (const part of ['some-other-host', `PID ${alive.pid}`, file, 'delete'])
      assert.ok(message.includes(part), `"${part}" in: ${message}`);
    fs.rmSync(file);
    const resumed = spawnCli(['resume', id], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(h.readSessionJson(id).status, 'Completed');
  });
});
