// `worktree merge [<id>] [--all]` from a terminal, on real runs (real git, real processes) in a temp home:
// --all merges every completed session whose branch was kept, oldest first, one line each, going on past a
// conflict (exit 3); a named session is `merge <id>`; bad input is one line, exit 2.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DIST_CLI, ROOT } from './helpers/env.mjs';
import { hermeticGit, git } from './helpers/git.mjs';
import { engineEnv } from './helpers/engine.mjs';

hermeticGit({ before, after });

const GATED = path.join(ROOT, 'test', 'fixtures', 'workflows', 'engine', 'gated.yml');

function cli(args, env = {}) {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A completed run whose branch is kept (no -y, --json: nobody to ask). */
function keptRun(e, file) {
  const gate = path.join(e.root, 'gate');
  fs.writeFileSync(gate, '');
  const r = cli(['--home', e.home, 'run', file, '--path', e.repo, '--json'], { GATE: gate });
  const json = JSON.parse(r.stdout);
  assert.equal(json.status, 'Completed', r.stderr);
  assert.equal(json.merge.status, 'kept');
  return json.session_id;
}

describe('worktree merge', () => {
  it('--all merges each kept branch oldest first, goes on past a conflict, exit 3; again: only the conflict is left', (t) => {
    const e = engineEnv(t);
    // a and b both add one.txt with different text: merging b after a conflicts. c adds its own file.
    const a = keptRun(e, GATED);
    const b = keptRun(e, GATED);
    const c = keptRun(
      e,
      e.writeWorkflow('name: own-file\ncommands:\n  - shell: "echo c > c.txt && git add c.txt && git commit -qm c"\n'),
    );

    const r = cli(['--home', e.home, 'worktree', 'merge', '--all']);
    assert.equal(r.code, 3, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 4, r.stdout);
    assert.match(lines[0], new RegExp(`^${a}: Merged 2 commits into main$`));
    assert.match(lines[1], new RegExp(`^${b}: not merged: .*one\\.txt`));
    assert.match(lines[2], new RegExp(`^${c}: Merged 1 commit into main$`));
    assert.equal(lines[3], 'Merged 2 of 3 sessions; 1 did not merge (exit 3).');
    const files = git(e.repo, 'ls-tree', '--name-only', 'main').split('\n');
    assert.ok(files.includes('c.txt') && files.includes('two.txt'), files.join(','));
    assert.equal(git(e.repo, 'status', '--porcelain'), '', 'the conflict was undone in the repository');

    const again = cli(['--home', e.home, 'worktree', 'merge', '--all', '--json']);
    assert.equal(again.code, 3);
    const json = JSON.parse(again.stdout);
    assert.deepEqual(
      json.sessions.map((s) => [s.session_id, s.status]),
      [[b, 'not-merged']],
    );
    assert.equal(json.sessions[0].merge.status, 'conflict');
  });

  it('<id> is merge <id>; with every branch merged --all says so, exit 0', (t) => {
    const e = engineEnv(t);
    const a = keptRun(e, GATED);
    const r = cli(['--home', e.home, 'worktree', 'merge', a]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Merged 2 commit/);
    const all = cli(['--home', e.home, 'worktree', 'merge', '--all']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, 'No completed session has work left to merge.\n');
  });

  it('bad input: neither an id nor --all, both, an unsafe id, an unknown session: one line', (t) => {
    const e = engineEnv(t);
    const none = cli(['--home', e.home, 'worktree', 'merge']);
    assert.equal(none.code, 2);
    assert.equal(
      none.stderr,
      'prodigy-vscode worktree merge: missing <session-id> (or --all: every completed session not merged yet) (see prodigy-vscode worktree merge --help)\n',
    );
    const both = cli(['--home', e.home, 'worktree', 'merge', 'x', '--all']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^prodigy-vscode worktree merge: give a session id or --all, not both \(see .*\)\n$/);
    const unsafe = cli(['--home', e.home, 'worktree', 'merge', '../x']);
    assert.equal(unsafe.code, 2);
    assert.equal(unsafe.stderr.split('\n').length, 2);
    const unknown = cli(['--home', e.home, 'worktree', 'merge', 'workflow-404']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim().split('\n').length, 1, unknown.stderr);
    assert.match(unknown.stderr, /workflow-404/);
  });
});
