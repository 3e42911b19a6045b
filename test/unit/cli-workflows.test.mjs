// The workflow commands from a terminal, as a new user meets them: validate, run (dry run, a real
// run in place, --json), restore and resume, and their one-line errors.
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

function cli(args, env = {}) {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function noStack(text) {
  for (const l of text.split('\n')) assert.doesNotMatch(l, /^\s+at /, 'no stack trace');
}

describe('validate', () => {
  it('prints the shape and step count of a valid file, exit 0', () => {
    const r = cli(['validate', path.join(WORKFLOWS, 'valid-shell-only-commands.yml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^✓ .*valid-shell-only-commands\.yml: standard workflow ".*", \d+ steps/);
  });

  it('prints file:line:col and what is wrong for a malformed file, exit 1, no stack', () => {
    const file = path.join(WORKFLOWS, 'malformed-two-commands.yml');
    const r = cli(['validate', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^✗ ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
    noStack(r.stderr);
  });

  it('--json reports ok and warnings with positions', () => {
    const r = cli(['validate', '--json', path.join(WORKFLOWS, 'valid-unknown-keys.yml')]);
    const json = JSON.parse(r.stdout);
    assert.equal(json.ok, true);
    assert.ok(json.warnings.length > 0);
    assert.ok(json.warnings.every((w) => w.line > 0 && w.col > 0 && w.message));
  });
});

describe('run, restore, resume', () => {
  it('--dry-run prints the interpolated steps and creates nothing', (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow('- shell: "echo $ARG"\n- claude: "/fix ${ARG}"\n');
    const r = cli(['--home', e.home, 'run', wf, '--dry-run', '--args', 'thing']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Would execute step 1\/2: shell: echo thing/);
    assert.match(r.stdout, /Would execute step 2\/2: claude: \/fix thing/);
    assert.equal(fs.existsSync(path.join(e.home, 'sessions')), false);
  });

  it('a run prints the session id first; --json ends with the outcome; restore and resume from the terminal', (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow(`- shell: "echo a > a.txt && git add a.txt && git commit -qm a"
- shell: "echo b > b.txt && git add b.txt && git commit -qm b"
`);
    const r = cli(['--home', e.home, 'run', wf, '--path', e.repo, '-y']);
    assert.equal(r.code, 0, r.stderr);
    const first = r.stdout.split('\n')[0];
    assert.match(first, /^Session: workflow-\d+$/);
    const id = first.slice('Session: '.length);
    assert.equal(fs.readFileSync(path.join(e.repo, 'b.txt'), 'utf8'), 'b\n', 'merged with -y');

    const cps = JSON.parse(cli(['--home', e.home, 'checkpoints', 'list', id, '--json']).stdout).checkpoints;
    const afterA = cps.find((c) => c.kind === 'session' && c.step_index === 0);
    const restore = cli(['--home', e.home, 'restore', id, afterA.id]);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /A b\.txt/);
    assert.match(restore.stdout, new RegExp(`Undo this restore with: prodigy-vscode restore ${id} checkpoint-`));
    const wt = path.join(e.home, 'worktrees', 'repo', id);
    assert.equal(fs.existsSync(path.join(wt, 'b.txt')), false);

    const resumed = cli(['--home', e.home, 'resume', id, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const json = JSON.parse(resumed.stdout);
    assert.equal(json.session_id, id);
    assert.equal(json.status, 'Completed');
    assert.equal(fs.readFileSync(path.join(wt, 'b.txt'), 'utf8'), 'b\n');
    assert.equal(git(wt, 'log', '-1', '--format=%s'), 'b');
  });

  it('errors are one line: an unknown session, a missing workflow file, a usage mistake', (t) => {
    const e = engineEnv(t);
    const missing = cli(['--home', e.home, 'resume', 'workflow-404']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Session not found: workflow-404/);
    noStack(missing.stderr);
    const nofile = cli(['--home', e.home, 'run', path.join(e.root, 'nope.yml')]);
    assert.equal(nofile.code, 1);
    assert.match(nofile.stderr, /nope\.yml: workflow file not found/);
    noStack(nofile.stderr);
    const usage = cli(['--home', e.home, 'restore', 'only-one-arg']);
    assert.equal(usage.code, 2);
    assert.match(
      usage.stderr,
      /^prodigy-vscode restore: missing <checkpoint-id> \(see prodigy-vscode restore --help\)\n$/,
    );
  });
});
