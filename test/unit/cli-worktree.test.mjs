// `worktree ls|clean`, `dlq inspect`, `run -p` and `run --resume` from a terminal, on real runs
// (real git, real processes) in a temp home: what is listed, what clean removes and what it never
// touches (a Paused session's worktree, uncommitted work), and the one-line errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DIST_CLI, ROOT } from './helpers/env.mjs';
import { hermeticGit, git } from './helpers/git.mjs';
import { engineEnv } from './helpers/engine.mjs';

hermeticGit({ before, after });

const WORKFLOWS = path.join(ROOT, 'test', 'fixtures', 'workflows');
const GATED = path.join(WORKFLOWS, 'engine', 'gated.yml');
const ONE_FAILS = path.join(WORKFLOWS, 'engine', 'mapreduce-one-fails.yml');

function cli(args, env = {}) {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function noStack(text) {
  for (const l of text.split('\n')) assert.doesNotMatch(l, /^\s+at /, 'no stack trace');
}

/** A real run of `file` in a worktree of e.repo; returns its session id and the CLI result. */
function run(e, file, { gate = true, yes = false, expect = 'Completed', extra = [] } = {}) {
  const gateFile = path.join(e.root, 'gate');
  if (gate) fs.writeFileSync(gateFile, '');
  else fs.rmSync(gateFile, { force: true });
  const r = cli(['--home', e.home, 'run', file, '--path', e.repo, '--json', ...(yes ? ['-y'] : []), ...extra], {
    GATE: gateFile,
  });
  const json = JSON.parse(r.stdout);
  assert.equal(json.status, expect, r.stderr);
  return { id: json.session_id, result: r, gateFile };
}

/** Paths of the worktrees git knows about in `repo`. */
function gitWorktrees(repo) {
  return git(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length));
}

/** A Paused session: a Failed run taken back to its first step's checkpoint. */
function pausedSession(e) {
  const { id } = run(e, GATED, { gate: false, expect: 'Failed' });
  const cps = JSON.parse(cli(['--home', e.home, 'checkpoints', 'list', id, '--json']).stdout).checkpoints;
  const first = cps.find((c) => c.kind === 'session' && c.step_index === 0);
  const r = cli(['--home', e.home, 'restore', id, first.id]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(e.record(id).status, 'Paused');
  return id;
}

describe('worktree ls', () => {
  it("lists each run's worktree with its session status; a worktree without a record says so", (t) => {
    const e = engineEnv(t);
    const done = run(e, GATED).id;
    const failed = run(e, GATED, { gate: false, expect: 'Failed' }).id;
    const orphan = run(e, GATED).id;
    fs.renameSync(e.sessionFile(orphan), path.join(e.root, 'moved.json'));
    // A run whose process died mid-step (kill -9): its record still says Running, its lock is free.
    const cut = run(e, GATED).id;
    fs.writeFileSync(e.sessionFile(cut), JSON.stringify({ ...e.record(cut), status: 'Running', completed_at: null }));

    const r = cli(['--home', e.home, 'worktree', 'ls']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^SESSION\s+REPO\s+BRANCH\s+STATUS\s+PATH$/);
    const row = (id) => lines.find((l) => l.startsWith(`${id} `));
    assert.match(row(done), new RegExp(`^${done}\\s+repo\\s+prodigy-${done}\\s+Completed\\s+${e.worktreePath(done)}$`));
    assert.match(row(failed), /\sFailed\s/);
    assert.match(row(orphan), /\sno session\s/);
    assert.match(row(cut), /\sInterrupted\s/, 'as sessions list says it');
    assert.equal(lines.length, 5);
    assert.deepEqual(cli(['--home', e.home, 'worktree', 'list']).stdout, r.stdout, '`list` is an alias of `ls`');
  });

  it('--json: one object per worktree with session_id, repo, path, branch, status (null without a record)', (t) => {
    const e = engineEnv(t);
    const empty = cli(['--home', e.home, 'worktree', 'ls', '--json']);
    assert.equal(empty.code, 0, empty.stderr);
    assert.deepEqual(JSON.parse(empty.stdout), []);
    assert.match(
      cli(['--home', e.home, 'worktree', 'ls']).stdout,
      new RegExp(`^No session worktrees under ${path.join(e.home, 'worktrees')}`),
    );

    const id = run(e, GATED).id;
    const orphan = run(e, GATED).id;
    fs.rmSync(e.sessionFile(orphan));
    const list = JSON.parse(cli(['--home', e.home, 'worktree', 'ls', '--json']).stdout);
    assert.ok(Array.isArray(list));
    const mine = list.find((w) => w.session_id === id);
    assert.deepEqual(
      {
        session_id: mine.session_id,
        repo: mine.repo,
        path: mine.path,
        branch: mine.branch,
        original_branch: mine.original_branch,
        status: mine.status,
        worktree_status: mine.worktree_status,
      },
      {
        session_id: id,
        repo: 'repo',
        path: e.worktreePath(id),
        branch: `prodigy-${id}`,
        original_branch: 'main',
        status: 'Completed',
        worktree_status: 'completed',
      },
    );
    assert.equal(list.find((w) => w.session_id === orphan).status, null);
    assert.equal(list.length, 2);
  });
});

describe('worktree clean', () => {
  it('removes the worktree of a Completed session (and its branch once merged), keeps Failed ones without --all, never the records', (t) => {
    const e = engineEnv(t);
    const merged = run(e, GATED, { yes: true }).id;
    const unmerged = run(e, GATED).id;
    const failed = run(e, GATED, { gate: false, expect: 'Failed' }).id;
    const orphan = run(e, GATED).id;
    fs.rmSync(e.sessionFile(orphan));
    assert.ok(gitWorktrees(e.repo).includes(e.worktreePath(merged)));

    const r = cli(['--home', e.home, 'worktree', 'clean']);
    assert.equal(r.code, 0, r.stderr);
    for (const id of [merged, unmerged]) {
      assert.equal(fs.existsSync(e.worktreePath(id)), false, `${id}'s worktree folder is gone`);
      assert.equal(gitWorktrees(e.repo).includes(e.worktreePath(id)), false, 'git no longer lists it');
      assert.ok(fs.existsSync(e.sessionFile(id)), 'the session record stays');
    }
    assert.equal(git(e.repo, 'branch', '--list', `prodigy-${merged}`), '', 'a merged branch goes');
    assert.notEqual(git(e.repo, 'branch', '--list', `prodigy-${unmerged}`), '', 'an unmerged branch stays');
    assert.match(r.stdout, new RegExp(`kept branch prodigy-${unmerged}: not merged into main`));
    assert.ok(fs.existsSync(e.worktreePath(failed)), 'Failed needs --all');
    assert.ok(fs.existsSync(e.worktreePath(orphan)), 'so does a worktree without a record');
    assert.match(
      r.stdout,
      new RegExp(
        `^Removed 2 worktrees; kept 2 \\(Failed, --all removes: ${failed}; no session record, --all removes: ${orphan}\\)\\.$`,
        'm',
      ),
    );

    const all = cli(['--home', e.home, 'worktree', 'clean', '--all']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(fs.existsSync(e.worktreePath(failed)), false);
    assert.equal(fs.existsSync(e.worktreePath(orphan)), false);
    assert.match(all.stdout, /^Removed 2 worktrees\.$/m);
  });

  it("never removes a Paused session's worktree in bulk; named, it refuses without --force and removes with it", (t) => {
    const e = engineEnv(t);
    const paused = pausedSession(e);
    const wt = e.worktreePath(paused);

    const bulk = cli(['--home', e.home, 'worktree', 'clean', '--all', '--force']);
    assert.equal(bulk.code, 0, bulk.stderr);
    assert.ok(fs.existsSync(wt), 'still there for the resume');
    assert.match(bulk.stdout, new RegExp(`Removed 0 worktrees; kept 1 \\(session not finished: ${paused}\\)`));

    const named = cli(['--home', e.home, 'worktree', 'clean', paused]);
    assert.equal(named.code, 1);
    assert.equal(named.stderr.trim().split('\n').length, 1, named.stderr);
    assert.match(named.stderr, new RegExp(`session ${paused} is Paused and resumable; pass --force`));
    noStack(named.stderr);
    assert.ok(fs.existsSync(wt));

    const forced = cli(['--home', e.home, 'worktree', 'clean', paused, '-f']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(fs.existsSync(wt), false);
    assert.equal(e.record(paused).status, 'Paused', 'the record is not touched');
  });

  it('a worktree whose session is held by a live process stays, even named with --force', (t) => {
    const e = engineEnv(t);
    const { id } = run(e, GATED, { yes: true });
    // This test's own process stands in for a run or `dlq retry` holding Prodigy's resume lock.
    fs.mkdirSync(path.join(e.home, 'resume_locks'), { recursive: true });
    fs.writeFileSync(
      path.join(e.home, 'resume_locks', `${id}.lock`),
      JSON.stringify({ job_id: id, process_id: process.pid, hostname: 'test', acquired_at: new Date().toISOString() }),
    );

    const bulk = cli(['--home', e.home, 'worktree', 'clean', '--all', '--force']);
    assert.equal(bulk.code, 0, bulk.stderr);
    assert.match(bulk.stdout, new RegExp(`kept 1 \\(in use: ${id}\\)`));
    const named = cli(['--home', e.home, 'worktree', 'clean', id, '--force']);
    assert.equal(named.code, 1);
    assert.match(named.stderr, new RegExp(`session ${id} is in use by a running process \\(PID ${process.pid}\\)`));
    assert.ok(fs.existsSync(e.worktreePath(id)));
  });

  it('--dry-run says what would go and removes nothing', (t) => {
    const e = engineEnv(t);
    const id = run(e, GATED, { yes: true }).id;
    const r = cli(['--home', e.home, 'worktree', 'clean', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^Would remove ${e.worktreePath(id)} \\(session ${id}, Completed\\); would delete branch prodigy-${id} \\(merged\\)$`,
        'm',
      ),
    );
    assert.match(r.stdout, /Would remove 1 worktree\. Dry run: nothing was removed\./);
    assert.ok(fs.existsSync(e.worktreePath(id)));
    assert.ok(gitWorktrees(e.repo).includes(e.worktreePath(id)));
    assert.notEqual(git(e.repo, 'branch', '--list', `prodigy-${id}`), '');
  });

  it('refuses a worktree with uncommitted changes, naming them, unless --force', (t) => {
    const e = engineEnv(t);
    // This fixture leaves hello.txt uncommitted in the worktree.
    const { id } = run(e, path.join(WORKFLOWS, 'valid-shell-only-list.yml'));
    fs.appendFileSync(path.join(e.worktreePath(id), 'README.md'), 'edited\n');
    const r = cli(['--home', e.home, 'worktree', 'clean']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `not removing ${e.worktreePath(id)}: ${id} has 2 uncommitted files: README.md, hello.txt; pass --force`,
      ),
    );
    assert.match(r.stdout, new RegExp(`Removed 0 worktrees; kept 1 \\(uncommitted changes: ${id}\\)`));
    assert.ok(fs.existsSync(path.join(e.worktreePath(id), 'hello.txt')));

    const forced = cli(['--home', e.home, 'worktree', 'clean', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(fs.existsSync(e.worktreePath(id)), false);
  });

  it('an id without a worktree is one line, exit 1', (t) => {
    const e = engineEnv(t);
    const r = cli(['--home', e.home, 'worktree', 'clean', 'workflow-404']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^prodigy-vscode: No worktree for session workflow-404 under /);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});

describe('dlq inspect', () => {
  it('prints one failed item as pretty JSON; an unknown item names the session and the known ids', (t) => {
    const e = engineEnv(t);
    const { id } = run(e, ONE_FAILS);
    const r = cli(['--home', e.home, 'dlq', 'inspect', id, 'item_1']);
    assert.equal(r.code, 0, r.stderr);
    const item = JSON.parse(r.stdout);
    assert.equal(item.item_id, 'item_1');
    assert.deepEqual(item.item_data, { name: 'bad' });
    assert.equal(item.failure_count, 1);
    assert.match(r.stdout, /^\{\n {2}"item_id": "item_1",\n/, 'pretty, two-space indent');
    assert.deepEqual(JSON.parse(cli(['--home', e.home, 'dlq', 'inspect', id, 'item_1', '--json']).stdout), item);

    const unknown = cli(['--home', e.home, 'dlq', 'inspect', id, 'item_9']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.equal(
      unknown.stderr,
      `prodigy-vscode: session ${id} has no dead-lettered item "item_9"; its failed items: item_1\n`,
    );

    const usage = cli(['--home', e.home, 'dlq', 'inspect', id]);
    assert.equal(usage.code, 2);
    assert.match(
      usage.stderr,
      /^prodigy-vscode dlq inspect: missing <item-id> \(see prodigy-vscode dlq inspect --help\)\n$/,
    );
  });

  it("Prodigy's form: dlq inspect <item-id> [--job-id J] finds the item in every job's queue", (t) => {
    const e = engineEnv(t);
    const { id } = run(e, ONE_FAILS);
    const byItem = cli(['--home', e.home, 'dlq', 'inspect', 'item_1']);
    assert.equal(byItem.code, 0, byItem.stderr);
    assert.equal(JSON.parse(byItem.stdout).item_id, 'item_1');
    const jobId = e.record(id).mapreduce_data.job_id;
    assert.deepEqual(
      JSON.parse(cli(['--home', e.home, 'dlq', 'inspect', 'item_1', '--job-id', jobId]).stdout),
      JSON.parse(byItem.stdout),
    );
    const none = cli(['--home', e.home, 'dlq', 'inspect', 'item_9']);
    assert.equal(none.code, 1);
    assert.equal(
      none.stderr,
      "prodigy-vscode: No failed item item_9 in any job's dead-letter queue (dlq list shows them)\n",
    );

    // A second job with the same item id: which one must be said.
    run(e, ONE_FAILS);
    const both = cli(['--home', e.home, 'dlq', 'inspect', 'item_1']);
    assert.equal(both.code, 2);
    assert.match(
      both.stderr,
      /^prodigy-vscode dlq inspect: 2 jobs have a failed item item_1 \(.*\): name one with --job-id J/,
    );
    assert.equal(cli(['--home', e.home, 'dlq', 'inspect', 'item_1', '--job-id', jobId]).code, 0);
  });

  it('a session that is not MapReduce is one line, exit 1', (t) => {
    const e = engineEnv(t);
    const { id } = run(e, GATED);
    const r = cli(['--home', e.home, 'dlq', 'inspect', id, 'item_0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`Session ${id} is not a MapReduce run`));
    noStack(r.stderr);
  });
});

describe("run: Prodigy's spellings", () => {
  it('-p DIR is --path DIR', (t) => {
    const e = engineEnv(t);
    const gate = path.join(e.root, 'gate');
    fs.writeFileSync(gate, '');
    const r = cli(['--home', e.home, 'run', GATED, '-p', e.repo, '--json'], { GATE: gate });
    assert.equal(r.code, 0, r.stderr);
    const { session_id: id, worktree } = JSON.parse(r.stdout);
    assert.equal(worktree, e.worktreePath(id), 'the worktree is of the repo given with -p');
    assert.equal(git(e.worktreePath(id), 'log', '-1', '--format=%s'), 'two');
  });

  it('run <workflow> --resume <id> resumes that session instead of starting one', (t) => {
    const e = engineEnv(t);
    const { id, gateFile } = run(e, GATED, { gate: false, expect: 'Failed' });
    fs.writeFileSync(gateFile, '');
    const r = cli(['--home', e.home, 'run', GATED, '--resume', id, '--json'], { GATE: gateFile });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.session_id, id);
    assert.equal(json.status, 'Completed');
    assert.deepEqual(fs.readdirSync(e.sessionsDir), [`${id}.json`], 'no new session');
    assert.equal(git(e.worktreePath(id), 'log', '-2', '--format=%s'), 'two\none', 'step 1 did not run again');
  });
});
