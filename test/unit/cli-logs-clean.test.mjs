// `logs` and `sessions clean` from a terminal, on real runs (real git, real processes) in temp homes:
// a finished run's log, its last lines, following a run that is still going until it ends by itself,
// the one-line errors; and which sessions clean moves aside (and which it never touches), what
// --dry-run, --all, --older-than and --force change. Plus the core's file tailing on its own.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { DIST_CLI, ROOT, core, listTree, makeSession, pretty, tempHome } from './helpers/env.mjs';
import { hermeticGit, git } from './helpers/git.mjs';
import { engineEnv } from './helpers/engine.mjs';

hermeticGit({ before, after });

const WORKFLOWS = path.join(ROOT, 'test', 'fixtures', 'workflows');
const GATED = path.join(WORKFLOWS, 'engine', 'gated.yml');
const DAY = 86_400_000;

function cli(args, env = {}) {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI as a child process (tracked: killed if the test ends first), its output collected as it comes. */
function cliChild(e, args, env = {}) {
  const child = spawn(process.execPath, [DIST_CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  e.track(child);
  child.out = '';
  child.errText = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (child.out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (child.errText += d));
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

function noStack(text) {
  for (const l of text.split('\n')) assert.doesNotMatch(l, /^\s+at /, 'no stack trace');
}

/** Polls `check` until it returns something truthy; fails with `what` after `ms`. */
async function waitFor(what, check, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves with the child's exit, or fails after `ms` (a follower that never stops). */
function exitWithin(child, ms, what) {
  return Promise.race([
    child.exited,
    new Promise((_, reject) =>
      setTimeout(
        () => reject(new Error(`${what} did not exit within ${ms} ms; printed:\n${child.out}${child.errText}`)),
        ms,
      ),
    ),
  ]);
}

const re = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A real run of `file` in a worktree of e.repo; returns its session id. */
function run(e, file, { gate = true, yes = false, expect = 'Completed' } = {}) {
  const gateFile = path.join(e.root, 'gate');
  if (gate) fs.writeFileSync(gateFile, '');
  else fs.rmSync(gateFile, { force: true });
  const r = cli(['--home', e.home, 'run', file, '--path', e.repo, '--json', ...(yes ? ['-y'] : [])], {
    GATE: gateFile,
  });
  const json = JSON.parse(r.stdout);
  assert.equal(json.status, expect, r.stderr);
  return json.session_id;
}

/** Rewrites a record's updated_at to `days` ago, as a session last touched then. */
function age(h, id, days) {
  const rec = h.readSessionJson(id);
  fs.writeFileSync(h.sessionFile(id), pretty({ ...rec, updated_at: new Date(Date.now() - days * DAY).toISOString() }));
}

/** A record as Prodigy writes it, with `status`, last updated `days` ago. */
function craft(h, id, status, days) {
  const at = new Date(Date.now() - days * DAY).toISOString();
  const finished = ['Completed', 'Failed', 'Cancelled'].includes(status);
  h.writeSession(makeSession(id, { status, started_at: at, updated_at: at, completed_at: finished ? at : null }));
}

/** The folder deleteSession moved `id` to (H/vscode/deleted/{id}-{time}-…), or undefined. */
function trashed(h, id) {
  const dir = path.join(h.home, 'vscode', 'deleted');
  if (!fs.existsSync(dir)) return undefined;
  const name = fs
    .readdirSync(dir)
    .find((n) => n.startsWith(`${id}-`) && fs.existsSync(path.join(dir, n, `${id}.json`)));
  return name && path.join(dir, name);
}

function gitWorktrees(repo) {
  return git(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length));
}

/**
 * A workflow whose second step waits for the file named by $GATE, then prints and commits; the third
 * step prints once more. The wait also ends when the gate's folder is gone (the test's temp folder
 * is removed after it) and after ~30 s, so a failed test leaves nothing running.
 */
function waitingWorkflow(e) {
  return e.writeWorkflow(`name: waits
commands:
  - shell: 'echo before-gate'
  - shell: 'for i in $(seq 1 600); do [ -f "$GATE" ] || [ ! -d "$GATE_DIR" ] && break; sleep 0.05; done; test -f "$GATE" && echo after-gate && echo g > g.txt && git add g.txt && git commit -qm g'
  - shell: 'echo last-step'
`);
}

/** Starts a run of the waiting workflow in a child process; resolves once it waits at the gate. */
async function startWaitingRun(e) {
  const gate = path.join(e.root, 'gate');
  fs.rmSync(gate, { force: true });
  const runner = cliChild(e, ['--home', e.home, 'run', waitingWorkflow(e), '-p', e.repo], {
    GATE: gate,
    GATE_DIR: e.root,
  });
  const id = await waitFor('the run to print its session id', () => /^Session: (\S+)$/m.exec(runner.out)?.[1]);
  const log = path.join(e.home, 'vscode', 'logs', `${id}.log`);
  await waitFor(
    'step 2 to start',
    () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('Executing step 2/3'),
  );
  return { id, runner, gate, log };
}

describe('logs', () => {
  it("prints a finished run's log as stored in H/vscode/logs/<id>.log", (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow("- shell: 'echo out-line && echo err-line >&2'\n- shell: 'echo second-step'\n");
    const id = run(e, wf);
    const file = path.join(e.home, 'vscode', 'logs', `${id}.log`);
    const r = cli(['--home', e.home, 'logs', id]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, fs.readFileSync(file, 'utf8'), 'the file, byte for byte');
    assert.match(r.stdout, /^ {2}\| out-line$/m);
    assert.match(r.stdout, /^ {2}! err-line$/m);
    assert.match(r.stdout, /^ {2}\| second-step$/m);
    assert.equal(r.stderr, '');
  });

  it('--lines N prints only the last N lines; 0 prints nothing; a bad N is a usage error', (t) => {
    const e = engineEnv(t);
    const id = run(e, e.writeWorkflow("- shell: 'for i in 1 2 3 4 5; do echo line-$i; done'\n"));
    const all = fs
      .readFileSync(path.join(e.home, 'vscode', 'logs', `${id}.log`), 'utf8')
      .split('\n')
      .slice(0, -1);
    assert.ok(all.length > 6);
    const three = cli(['--home', e.home, 'logs', id, '--lines', '3']);
    assert.equal(three.code, 0, three.stderr);
    assert.equal(three.stdout, `${all.slice(-3).join('\n')}\n`);
    const many = cli(['--home', e.home, 'logs', id, '--lines', '1000']);
    assert.equal(many.stdout, `${all.join('\n')}\n`, 'more than there are: all of them');
    assert.equal(cli(['--home', e.home, 'logs', id, '--lines', '0']).stdout, '');
    const bad = cli(['--home', e.home, 'logs', id, '--lines', 'ten']);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'prodigy-vscode logs: --lines needs a whole number, 0 or more, not "ten" (see prodigy-vscode logs --help)\n',
    );
  });

  it(
    '--follow on a running session prints the lines as they come and exits by itself with the final status',
    { timeout: 90_000 },
    async (t) => {
      const e = engineEnv(t);
      const { id, runner, gate } = await startWaitingRun(e);

      const follower = cliChild(e, ['--home', e.home, 'logs', id, '--follow']);
      await waitFor('the follower to print the log so far', () => follower.out.includes('  | before-gate\n'));
      // The run is waiting at the gate: the follower must wait with it, not stop.
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(
        follower.exitCode,
        null,
        `the follower is still following; it printed:\n${follower.out}${follower.errText}`,
      );
      assert.doesNotMatch(follower.out, /^ {2}\| after-gate$/m);

      fs.writeFileSync(gate, '');
      const { code } = await exitWithin(follower, 30_000, 'the follower');
      assert.equal(code, 0, follower.errText);
      const lines = follower.out.trimEnd().split('\n');
      assert.equal(lines.at(-1), `Session ${id}: Completed`, 'the last line is the final status');
      const at = (l) => lines.indexOf(l);
      assert.ok(at('  | before-gate') >= 0 && at('  | before-gate') < at('  | after-gate'), follower.out);
      assert.ok(at('  | after-gate') < at('  | last-step'), follower.out);
      assert.ok(
        lines.some((l) => l.includes(`Session ${id} completed`)),
        "the run's own last lines came through",
      );
      assert.equal((await runner.exited).code, 0, runner.errText);
      // Everything the run wrote, once: the follower printed the whole log, then the status line.
      assert.equal(
        follower.out,
        `${fs.readFileSync(path.join(e.home, 'vscode', 'logs', `${id}.log`), 'utf8')}Session ${id}: Completed\n`,
      );
    },
  );

  it(
    '--follow --lines 1 starts at the last line; Ctrl-C stops following (exit 0) and the run goes on',
    { timeout: 90_000 },
    async (t) => {
      const e = engineEnv(t);
      const { id, runner, gate, log } = await startWaitingRun(e);
      const follower = cliChild(e, ['--home', e.home, 'logs', id, '-F', '--lines', '1']);
      const last = fs.readFileSync(log, 'utf8').trimEnd().split('\n').at(-1);
      await waitFor('the last line', () => follower.out.includes(`${last}\n`));
      assert.doesNotMatch(follower.out, /^ {2}\| before-gate$/m, 'only the last line');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(
        follower.exitCode,
        null,
        `still following the waiting run; it printed:\n${follower.out}${follower.errText}`,
      );
      follower.kill('SIGINT');
      const { code, signal } = await exitWithin(follower, 10_000, 'the follower after Ctrl-C');
      assert.equal(signal, null);
      assert.equal(code, 0, follower.errText);
      assert.equal(follower.errText, '');
      assert.doesNotMatch(follower.out, /^Session /m, 'no final status: the session is still running');
      assert.equal(runner.exitCode, null, 'the run was not stopped');
      fs.writeFileSync(gate, '');
      assert.equal((await runner.exited).code, 0, runner.errText);
      assert.equal(e.record(id).status, 'Completed');
    },
  );

  it(
    '--follow on a run whose process died stops at once and says it was interrupted',
    { timeout: 90_000 },
    async (t) => {
      const e = engineEnv(t);
      const { id, runner } = await startWaitingRun(e);
      runner.kill('SIGKILL');
      await runner.exited;
      const r = cli(['--home', e.home, 'logs', id, '--follow']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^ {2}\| before-gate$/m);
      assert.equal(
        r.stdout.trimEnd().split('\n').at(-1),
        `Session ${id}: Running, but no process is running it (interrupted; resume with: prodigy-vscode resume ${id})`,
      );
    },
  );

  it('an unknown id is one line naming it, exit 1', (t) => {
    const h = tempHome(t);
    for (const args of [
      ['logs', 'workflow-404'],
      ['logs', 'workflow-404', '--follow'],
    ]) {
      const r = cli(['--home', h.home, ...args]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr,
        `prodigy-vscode: No session workflow-404 in ${path.join(h.home, 'sessions')} (\`prodigy-vscode sessions list\` shows the sessions there)\n`,
      );
    }
    const missing = cli(['--home', h.home, 'logs']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'prodigy-vscode logs: missing <session-id> (see prodigy-vscode logs --help)\n');
  });

  it('a session with no log (written by the prodigy CLI) says so and where the log would be, exit 1', (t) => {
    const h = tempHome(t);
    craft(h, 'session-from-rust', 'Completed', 1);
    const file = path.join(h.home, 'vscode', 'logs', 'session-from-rust.log');
    for (const extra of [[], ['--follow']]) {
      const r = cli(['--home', h.home, 'logs', 'session-from-rust', ...extra]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
      assert.match(
        r.stderr,
        new RegExp(`^prodigy-vscode: Session session-from-rust has no log yet \\(it would be ${re(file)}\\)`),
      );
      noStack(r.stderr);
    }
  });
});

describe('sessions clean', () => {
  /** Crafted records: finished ones 10 days old, one Completed from yesterday, and active ones. */
  function crafted(t) {
    const h = tempHome(t);
    craft(h, 'old-completed', 'Completed', 10);
    craft(h, 'old-cancelled', 'Cancelled', 10);
    craft(h, 'old-failed', 'Failed', 10);
    craft(h, 'old-paused', 'Paused', 10);
    craft(h, 'old-running', 'Running', 10);
    craft(h, 'old-initializing', 'Initializing', 10);
    craft(h, 'new-completed', 'Completed', 1);
    return h;
  }
  const present = (h) =>
    fs
      .readdirSync(path.join(h.home, 'sessions'))
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -5))
      .sort();

  it('by default moves Completed and Cancelled sessions older than 7 days to H/vscode/deleted, nothing else', (t) => {
    const h = crafted(t);
    const before = h.readSessionText('old-completed');
    const r = cli(['--home', h.home, 'sessions', 'clean']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(present(h), ['new-completed', 'old-failed', 'old-initializing', 'old-paused', 'old-running']);
    const moved = trashed(h, 'old-completed');
    assert.ok(moved, 'the record is in H/vscode/deleted');
    assert.equal(
      fs.readFileSync(path.join(moved, 'old-completed.json'), 'utf8'),
      before,
      'unchanged: moving it back undoes the clean',
    );
    assert.ok(trashed(h, 'old-cancelled'));
    assert.match(r.stdout, /^Removed old-completed \(Completed, updated 10 d ago\)$/m);
    assert.match(r.stdout, /^Removed old-cancelled \(Cancelled, updated 10 d ago\)$/m);
    assert.equal(
      r.stdout.trimEnd().split('\n').at(-1),
      `Removed 2 sessions (records moved to ${path.join(h.home, 'vscode', 'deleted')}; move one back to undo); kept 5 (3 not finished, 1 updated within 7 days, 1 Failed: --all removes it).`,
    );
    const again = cli(['--home', h.home, 'sessions', 'clean']);
    assert.equal(again.code, 0);
    assert.match(
      again.stdout,
      /^Nothing to clean: no Completed or Cancelled sessions last updated more than 7 days ago; kept 5 /,
    );
  });

  it('--all also removes Failed ones; Running, Paused and Initializing are never touched, whatever the flags', (t) => {
    const h = crafted(t);
    const active = ['old-initializing', 'old-paused', 'old-running'];
    const texts = active.map((id) => h.readSessionText(id));
    const r = cli(['--home', h.home, 'sessions', 'clean', '--all', '--older-than', '0', '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(present(h), active);
    assert.ok(trashed(h, 'old-failed'));
    assert.ok(trashed(h, 'new-completed'), '--older-than 0: any age');
    assert.deepEqual(
      active.map((id) => h.readSessionText(id)),
      texts,
      'not even rewritten',
    );
    assert.match(r.stdout, /kept 3 \(3 not finished\)\.$/m);
  });

  it('--older-than DAYS chooses the age', (t) => {
    const h = tempHome(t);
    craft(h, 'three-days', 'Completed', 3);
    craft(h, 'ten-days', 'Completed', 10);
    craft(h, 'thirty-days', 'Cancelled', 30);
    let r = cli(['--home', h.home, 'sessions', 'clean', '--older-than', '14']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(present(h), ['ten-days', 'three-days']);
    r = cli(['--home', h.home, 'sessions', 'clean', '--older-than', '2']);
    assert.deepEqual(present(h), []);
    assert.match(r.stdout, /^Removed 2 sessions /m);
    const bad = cli(['--home', h.home, 'sessions', 'clean', '--older-than', 'soon']);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'prodigy-vscode sessions clean: --older-than needs a number of days, 0 or more, not "soon" (see prodigy-vscode sessions clean --help)\n',
    );
  });

  it('--dry-run lists what would go and changes nothing; --json names the ids removed and kept', (t) => {
    const h = crafted(t);
    const tree = listTree(h.root);
    const dry = cli(['--home', h.home, 'sessions', 'clean', '--dry-run', '--all']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^Would remove old-completed \(Completed, updated 10 d ago\)$/m);
    assert.match(dry.stdout, /^Would remove old-failed \(Failed, /m);
    assert.match(
      dry.stdout,
      /^Would remove 3 sessions; would keep 4 \(3 not finished, 1 updated within 7 days\)\. Dry run: nothing was changed\.$/m,
    );
    // The listing may refresh its cache files (the index, the folder's timestamp measurement); the sessions and
    // everything else stay as they were.
    const caches = new Set(['home/vscode/', 'home/vscode/session-index.json', 'home/vscode/timestamps.json']);
    const ignoreIndex = (l) => l.filter((p) => !caches.has(p));
    assert.deepEqual(ignoreIndex(listTree(h.root)), ignoreIndex(tree));

    const dryJson = JSON.parse(cli(['--home', h.home, 'sessions', 'clean', '--dry-run', '--json']).stdout);
    assert.equal(dryJson.dry_run, true);
    assert.deepEqual(dryJson.removed.map((x) => x.session_id).sort(), ['old-cancelled', 'old-completed']);
    assert.ok(dryJson.removed.every((x) => x.moved_to === null));
    assert.deepEqual(present(h).length, 7);

    const r = cli(['--home', h.home, 'sessions', 'clean', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.dry_run, false);
    assert.equal(json.older_than_days, 7);
    assert.deepEqual(json.removed.map((x) => x.session_id).sort(), ['old-cancelled', 'old-completed']);
    assert.equal(json.removed.find((x) => x.session_id === 'old-completed').moved_to, trashed(h, 'old-completed'));
    assert.deepEqual(Object.fromEntries(json.kept.map((k) => [k.session_id, k.reason])), {
      'old-failed': 'failed',
      'old-paused': 'active',
      'old-running': 'active',
      'old-initializing': 'active',
      'new-completed': 'recent',
    });
  });

  it("without --force a session's worktree stays, and the summary says how to remove it", (t) => {
    const e = engineEnv(t);
    const id = run(e, GATED);
    age(e, id, 8);
    const r = cli(['--home', e.home, 'sessions', 'clean']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(trashed(e, id));
    assert.ok(fs.existsSync(e.worktreePath(id)), 'the worktree is still there');
    assert.ok(gitWorktrees(e.repo).includes(e.worktreePath(id)));
    assert.match(
      r.stdout,
      new RegExp(
        `^Removed ${id} \\(Completed, updated 8 d ago\\); its worktree stays: ${re(e.worktreePath(id))}$`,
        'm',
      ),
    );
    assert.match(r.stdout, /^1 worktree stays \(shown above\): `prodigy-vscode worktree clean <id>` removes it/m);
    // The way the summary gives works on a session whose record is gone.
    assert.equal(cli(['--home', e.home, 'worktree', 'clean', id]).code, 0);
    assert.equal(fs.existsSync(e.worktreePath(id)), false);
  });

  it("--force also removes the worktrees (a merged branch too; an unmerged one stays); a Paused session's stays", (t) => {
    const e = engineEnv(t);
    const merged = run(e, GATED, { yes: true });
    const unmerged = run(e, GATED);
    const paused = run(e, GATED, { gate: false, expect: 'Failed' });
    const cps = JSON.parse(cli(['--home', e.home, 'checkpoints', 'list', paused, '--json']).stdout).checkpoints;
    assert.equal(
      cli(['--home', e.home, 'restore', paused, cps.find((c) => c.kind === 'session' && c.step_index === 0).id]).code,
      0,
    );
    assert.equal(e.record(paused).status, 'Paused');
    for (const id of [merged, unmerged, paused]) age(e, id, 30);

    const dry = cli(['--home', e.home, 'sessions', 'clean', '--force', '--dry-run']);
    assert.match(
      dry.stdout,
      new RegExp(`^Would remove ${merged} .*; would remove its worktree ${re(e.worktreePath(merged))}$`, 'm'),
    );
    assert.ok(fs.existsSync(e.worktreePath(merged)), 'dry run');

    const r = cli(['--home', e.home, 'sessions', 'clean', '--force', '--all']);
    assert.equal(r.code, 0, r.stderr);
    for (const id of [merged, unmerged]) {
      assert.ok(trashed(e, id), `${id}'s record moved aside`);
      assert.equal(fs.existsSync(e.worktreePath(id)), false, `${id}'s worktree is gone`);
      assert.equal(gitWorktrees(e.repo).includes(e.worktreePath(id)), false, 'git no longer lists it');
    }
    assert.equal(git(e.repo, 'branch', '--list', `prodigy-${merged}`), '', 'the merged branch goes');
    assert.notEqual(
      git(e.repo, 'branch', '--list', `prodigy-${unmerged}`),
      '',
      'the unmerged branch keeps its commits',
    );
    assert.match(
      r.stdout,
      new RegExp(`removed its worktree ${re(e.worktreePath(merged))} and branch prodigy-${merged}$`, 'm'),
    );
    assert.match(r.stdout, new RegExp(`kept branch prodigy-${unmerged}: not merged`));
    assert.doesNotMatch(r.stdout, /worktree clean/, 'no worktree was left behind');

    assert.equal(e.record(paused).status, 'Paused', 'the Paused session is untouched');
    assert.ok(fs.existsSync(e.worktreePath(paused)), 'and so is its worktree');
  });

  it('--force keeps a session whose worktree has uncommitted changes, naming them; exit 1', (t) => {
    const e = engineEnv(t);
    const id = run(e, GATED);
    age(e, id, 30);
    fs.appendFileSync(path.join(e.worktreePath(id), 'README.md'), 'edited\n');
    const r = cli(['--home', e.home, 'sessions', 'clean', '--force']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `^prodigy-vscode: kept session ${id}: the worktree ${re(e.worktreePath(id))} of session ${id} has 1 uncommitted file: README.md; \`prodigy-vscode worktree clean ${id} -f\` removes it anyway$`,
        'm',
      ),
    );
    noStack(r.stderr);
    assert.equal(e.record(id).status, 'Completed', 'the record stays');
    assert.equal(fs.readFileSync(path.join(e.worktreePath(id), 'README.md'), 'utf8'), 'hello\nedited\n');
    assert.match(r.stdout, /kept 1 \(1 refused\)\.$/m);
  });
});

describe('file tailing (core)', () => {
  it('readLastLines reads backwards across chunks, whole UTF-8 characters, with or without a last newline', (t) => {
    const h = tempHome(t);
    const file = path.join(h.root, 'big.log');
    const lines = Array.from({ length: 5000 }, (_, i) => `línea ${i} ${'é'.repeat(i % 50)}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    assert.deepEqual(core.readLastLines(file, 3).lines, lines.slice(-3));
    assert.deepEqual(core.readLastLines(file, 2500).lines, lines.slice(-2500), 'more than one 64 KB chunk back');
    assert.deepEqual(core.readLastLines(file, 9999).lines, lines);
    assert.equal(core.readLastLines(file, 1).offset, fs.statSync(file).size);
    fs.writeFileSync(file, 'a\nb\nno newline');
    assert.deepEqual(core.readLastLines(file, 2).lines, ['b', 'no newline']);
    assert.deepEqual(core.readLastLines(file, 0).lines, []);
  });

  it('followFile passes on appended lines whole, holds a partial line, starts over on truncation, stops on abort or when finished', async (t) => {
    const h = tempHome(t);
    const file = path.join(h.root, 'grow.log');
    fs.writeFileSync(file, 'old\n');
    const got = [];
    const controller = new AbortController();
    const following = core.followFile(file, {
      from: 4,
      intervalMs: 10,
      signal: controller.signal,
      onLines: (l) => got.push(...l),
      finished: () => false,
    });
    fs.appendFileSync(file, 'one\ntw');
    await waitFor('one', () => got.includes('one'));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, ['one'], 'the partial line waits for its newline');
    fs.appendFileSync(file, 'o\n');
    await waitFor('two', () => got.includes('two'));
    fs.writeFileSync(file, 'new\n');
    await waitFor('the truncated file read from its start', () => got.includes('new'));
    controller.abort();
    assert.equal((await following).reason, 'aborted');
    assert.deepEqual(got, ['one', 'two', 'new']);

    let done = false;
    const rest = [];
    const ending = core.followFile(file, {
      from: 0,
      intervalMs: 10,
      onLines: (l) => rest.push(...l),
      finished: () => done,
    });
    await waitFor('new', () => rest.includes('new'));
    fs.appendFileSync(file, 'last\nno newline');
    done = true;
    const result = await ending;
    assert.equal(result.reason, 'finished');
    assert.deepEqual(
      rest,
      ['new', 'last', 'no newline'],
      'the last read happens after finished(), and the partial line is passed on',
    );
  });
});
