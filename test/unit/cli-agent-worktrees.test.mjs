// `worktree clean-orphaned` and `worktree clean --mapreduce` from a terminal: agent worktrees a crash left behind
// after a real MapReduce run (real git, real processes), made by hand as a killed run leaves them (slot folders on
// agent branches, Prodigy's orphaned registry). A running job's stay; uncommitted changes refuse without -f; an
// unmerged agent branch stays; registry entries go with their worktrees; bad input is one line.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DIST_CLI, ROOT } from './helpers/env.mjs';
import { hermeticGit, git } from './helpers/git.mjs';
import { engineEnv } from './helpers/engine.mjs';

hermeticGit({ before, after });

const ONE_FAILS = path.join(ROOT, 'test', 'fixtures', 'workflows', 'engine', 'mapreduce-one-fails.yml');

function cli(args) {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], { encoding: 'utf8', env: process.env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A completed MapReduce session and two agent slots left behind as a killed run leaves them: slot0 with a commit
 * of its own (its branch merged nowhere), named in the orphaned registry with an entry whose folder is gone;
 * slot1 with an uncommitted file.
 */
function leftBehind(e) {
  const r = cli(['--home', e.home, 'run', ONE_FAILS, '--path', e.repo, '--json']);
  const id = JSON.parse(r.stdout).session_id;
  const jobId = e.record(id).mapreduce_data.job_id;
  const parent = e.worktreePath(id);
  const slot = (n) => path.join(e.home, 'worktrees', id, `mapreduce-agent-${jobId}_slot${n}`);
  const branch = (n) => `prodigy-mapreduce-agent-${jobId}_agent_${n}`;
  git(parent, 'worktree', 'add', '-q', '-b', branch(0), slot(0));
  git(parent, 'worktree', 'add', '-q', '-b', branch(1), slot(1));
  fs.writeFileSync(path.join(slot(0), 'work.txt'), 'agent work\n');
  git(slot(0), 'add', 'work.txt');
  git(slot(0), 'commit', '-qm', 'agent work');
  fs.writeFileSync(path.join(slot(1), 'dirty.txt'), 'not committed\n');
  const registry = path.join(e.home, 'orphaned_worktrees', id, `${jobId}.json`);
  fs.mkdirSync(path.dirname(registry), { recursive: true });
  const entry = (p, item) => ({
    path: p,
    agent_id: `${jobId}_agent_0`,
    item_id: item,
    failed_at: '2026-12-01T00:00:00Z',
    error: 'disk full',
  });
  fs.writeFileSync(registry, JSON.stringify([entry(slot(0), 'item_0'), entry(path.join(e.root, 'gone'), 'item_9')]));
  return { id, jobId, parent, slot, branch, registry };
}

const branches = (repo) => git(repo, 'branch', '--format=%(refname:short)').split('\n');

describe('worktree clean-orphaned / clean --mapreduce', () => {
  it('dry run, a running job kept, then removal: uncommitted refused, unmerged branch kept, registry pruned; -f goes on', (t) => {
    const e = engineEnv(t);
    const { id, jobId, parent, slot, branch, registry } = leftBehind(e);

    const dry = cli(['--home', e.home, 'worktree', 'clean-orphaned', '--dry-run']);
    assert.equal(dry.code, 1, 'a worktree with uncommitted changes stays against the wish');
    assert.match(
      dry.stdout,
      new RegExp(
        `^Would remove ${slot(0)} \\(job ${jobId}, session ${id}, Completed\\); kept branch ${branch(0)}: its commits are on no other branch`,
        'm',
      ),
    );
    assert.match(
      dry.stdout,
      new RegExp(`^Would drop ${path.join(e.root, 'gone')} .*: its folder was already gone$`, 'm'),
    );
    assert.match(dry.stdout, /Would remove 2 agent worktrees; kept 1\. Dry run: nothing was removed\.\n$/);
    assert.equal(
      dry.stderr,
      `prodigy-vscode: not removing ${slot(1)} (job ${jobId}, session ${id}, Completed): 1 uncommitted file: dirty.txt; pass --force to remove it anyway\n`,
    );
    assert.ok(fs.existsSync(slot(0)) && fs.existsSync(registry));

    // This test's own process stands in for a run holding the session's resume lock: its job is running.
    const lock = path.join(e.home, 'resume_locks', `${id}.lock`);
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(
      lock,
      JSON.stringify({ job_id: id, process_id: process.pid, hostname: 'test', acquired_at: new Date().toISOString() }),
    );
    const running = cli(['--home', e.home, 'worktree', 'clean-orphaned', jobId, '-f', '--json']);
    assert.equal(running.code, 0, running.stderr);
    const held = JSON.parse(running.stdout);
    assert.deepEqual(held.removed, []);
    assert.deepEqual(new Set(held.kept.map((k) => k.reason)), new Set(['running']));
    assert.ok(fs.existsSync(slot(0)) && fs.existsSync(slot(1)));
    fs.rmSync(lock);

    const r = cli(['--home', e.home, 'worktree', 'clean-orphaned', jobId]);
    assert.equal(r.code, 1);
    assert.ok(!fs.existsSync(slot(0)));
    assert.ok(branches(parent).includes(branch(0)), 'an agent branch whose commits are on no other branch stays');
    assert.ok(!fs.existsSync(registry), 'every worktree it named is gone: the registry file goes');
    assert.ok(fs.existsSync(path.join(slot(1), 'dirty.txt')), 'uncommitted work is never removed without -f');
    assert.ok(!git(parent, 'worktree', 'list').includes(slot(0)));

    const newer = cli(['--home', e.home, 'worktree', 'clean', '--mapreduce', '--older-than', '7d', '-f']);
    assert.equal(newer.code, 0, newer.stderr);
    assert.match(newer.stdout, /^No MapReduce agent worktrees left behind under .* \(1 newer than --older-than\)\.\n$/);
    const forced = cli(['--home', e.home, 'worktree', 'clean', '--mapreduce', '--job-id', id, '-f', '--json']);
    assert.equal(forced.code, 0, forced.stderr);
    const json = JSON.parse(forced.stdout);
    assert.deepEqual(
      json.removed.map((x) => [x.path, x.job_id, x.session_id, x.branch, x.branch_deleted]),
      [[slot(1), jobId, id, branch(1), true]],
    );
    assert.ok(!fs.existsSync(slot(1)));
    assert.ok(!branches(parent).includes(branch(1)), 'a branch with no commits of its own goes');
    assert.ok(fs.existsSync(parent), "the session's own worktree is not an agent's");
    const none = cli(['--home', e.home, 'worktree', 'clean-orphaned']);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /^No MapReduce agent worktrees left behind under /);
  });

  it('bad input: an unsafe job id, --older-than without --mapreduce, a session with --mapreduce: one line, exit 2', (t) => {
    const e = engineEnv(t, { git: false });
    for (const [args, message] of [
      [['worktree', 'clean-orphaned', '../x'], /Invalid job id/],
      [['worktree', 'clean', '--older-than', '1d'], /--older-than and --job-id go with --mapreduce/],
      [['worktree', 'clean', 'workflow-1', '--mapreduce'], /--mapreduce cleans agent worktrees/],
      [['worktree', 'clean', '--mapreduce', '--older-than', 'soon'], /--older-than needs a duration/],
    ]) {
      const r = cli(['--home', e.home, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
  });
});
