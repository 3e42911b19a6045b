// Prodigy's one-command runs and job ids from a terminal: exec (a one-step session that lists and resumes), batch
// (a MapReduce job over files, a failing file in the dead letter queue), resume-job and job ids wherever a session
// id goes, resume --from-checkpoint, and init's slash-command files. Real CLI processes, real git repositories.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { DIST_CLI } from './helpers/env.mjs';
import { hermeticGit, git } from './helpers/git.mjs';
import { engineEnv, FAKE_CLAUDE } from './helpers/engine.mjs';

hermeticGit({ before, after });

function cli(e, args, env = {}) {
  const r = spawnSync(process.execPath, [DIST_CLI, '--home', e.home, ...args], {
    encoding: 'utf8',
    cwd: e.repo,
    env: { ...process.env, PRODIGY_DEBUG: '', FAKE_CLAUDE_LOG: e.claudeLog, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = (r) => JSON.parse(r.stdout);

/** Exit code, nothing on stdout, one line on stderr matching `what`. */
function assertOneLine(r, code, what) {
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, what);
}

function commitFiles(e, files) {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(e.repo, name)), { recursive: true });
    fs.writeFileSync(path.join(e.repo, name), text);
  }
  git(e.repo, 'add', '-A');
  git(e.repo, 'commit', '-qm', 'files');
}

describe('exec', () => {
  it('runs one shell step as a session in its own worktree, which lists under its name', (t) => {
    const e = engineEnv(t);
    const r = cli(e, ['exec', 'shell: echo made > made.txt && git add made.txt && git commit -qm made', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = json(r);
    assert.equal(out.status, 'Completed');
    assert.equal(fs.readFileSync(path.join(out.worktree, 'made.txt'), 'utf8'), 'made\n');
    assert.match(
      r.stderr,
      /Branch prodigy-.* kept/,
      'the merge question is not asked under --json: the branch is kept',
    );
    const list = json(cli(e, ['sessions', 'list', '--json']));
    const row = list.sessions.find((s) => s.id === out.session_id);
    assert.match(row.workflow_name, /^exec: echo made > made\.txt && git add .*…$/, 'named after its first words');
    assert.equal(row.status, 'Completed');
    assert.match(row.workflow_path, /[/\\]vscode[/\\]workflows[/\\]exec-.*\.yml$/, 'the workflow is kept in the home');
  });

  it('a failed exec resumes like any session, from the workflow it kept; --retry and --timeout reach the step', (t) => {
    const e = engineEnv(t);
    const marker = path.join(e.root, 'ready');
    const r = cli(e, ['exec', `shell: test -f ${marker}`, '--retry', '2', '--timeout', '30']);
    assert.equal(r.code, 1, r.stderr);
    const id = /^Session: (\S+)$/m.exec(r.stdout)[1];
    assert.match(r.stdout, /attempt 2\/2/);
    assert.match(r.stdout, new RegExp(`Resume with: prodigy-vscode resume ${id}`));
    const workflow = fs.readFileSync(e.record(id).metadata.workflow_path, 'utf8');
    assert.match(workflow, /timeout: 30/);
    assert.match(workflow, /attempts: 2/);
    fs.writeFileSync(marker, '');
    const again = cli(e, ['resume', id]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`Session ${id}: Completed`));
  });

  it('a command without claude: or shell:, or with nothing after it, is a usage error (exit 2), nothing run', (t) => {
    const e = engineEnv(t);
    assertOneLine(cli(e, ['exec', 'echo hi']), 2, /^prodigy-vscode exec: "echo hi" needs a claude: or shell: prefix/);
    assertOneLine(cli(e, ['exec', 'shell:  ']), 2, /^prodigy-vscode exec: "shell: {2}" has nothing after shell:/);
    assertOneLine(cli(e, ['exec', 'shell: true', '--retry', '0']), 2, /--retry needs a whole number of at least 1/);
    assert.equal(fs.existsSync(path.join(e.home, 'sessions')), false);
  });
});

describe('batch', () => {
  it('runs the command once per matching file as a MapReduce job; a failing file goes to the DLQ', (t) => {
    const e = engineEnv(t);
    commitFiles(e, { 'a.txt': 'a', 'src/b.txt': 'b', 'src/bad.txt': 'x', 'c.md': 'c' });
    const r = cli(e, [
      'batch',
      '*.txt',
      '--command',
      'shell: case ${item} in *bad*) exit 3;; esac; echo "did ${item}"',
      '--parallel',
      '2',
      '--path',
      e.repo,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Batch: 3 files matching \*\.txt, 2 at a time$/m);
    assert.match(r.stdout, /did a\.txt/);
    assert.match(r.stdout, /did src\/b\.txt/, 'a name glob matches in every folder, as find -name does');
    assert.match(r.stdout, /batch: 2 of 3 files done, 1 failed/);
    const id = /^Session: (\S+)$/m.exec(r.stdout)[1];
    const rec = e.record(id);
    assert.equal(rec.mapreduce_data.total_items, 3);
    assert.equal(rec.mapreduce_data.failed_items, 1);
    // The job id works where the session id does.
    const dlq = json(cli(e, ['dlq', 'list', rec.mapreduce_data.job_id, '--json']));
    assert.equal(dlq.session_id, id);
    assert.deepEqual(
      dlq.items.map((i) => i.item_data),
      ['src/bad.txt'],
    );
  });

  it('a command without ${item} gets the path appended (the docs\' --command "claude: /add-types")', (t) => {
    const e = engineEnv(t);
    commitFiles(e, { 'one.py': '1', 'two.py': '2' });
    const r = cli(e, ['batch', '*.py', '--command', 'claude: /echo typed', '--claude-command', FAKE_CLAUDE]);
    assert.equal(r.code, 0, r.stderr);
    const prompts = e
      .claudeCalls()
      .map((c) => c.prompt)
      .sort();
    assert.deepEqual(prompts, ['/echo typed one.py', '/echo typed two.py']);
  });

  it('bad input: no --command, a bad command, no file matching: one line each', (t) => {
    const e = engineEnv(t);
    assertOneLine(cli(e, ['batch', '*.py']), 2, /^prodigy-vscode batch: --command is required/);
    assertOneLine(
      cli(e, ['batch', '*.py', '--command', 'ls']),
      2,
      /^prodigy-vscode batch: --command "ls" needs a claude: or shell: prefix/,
    );
    assertOneLine(
      cli(e, ['batch', '*.nothing', '--command', 'shell: true']),
      1,
      /^prodigy-vscode: batch: no files match \*\.nothing$/m,
    );
    assertOneLine(
      cli(e, ['batch', '*.py', '--command', 'shell: true', '--parallel', 'lots']),
      2,
      /--parallel needs a whole number/,
    );
  });
});

describe('job ids and resume-job', () => {
  it('a job id is accepted by sessions show and logs; resume-job refuses a completed job unless --force', (t) => {
    const e = engineEnv(t);
    const marker = path.join(e.root, 'fixed');
    commitFiles(e, { 'a.txt': 'a', 'b.txt': 'b' });
    const r = cli(e, ['batch', '*.txt', '--command', `shell: test \${item} = a.txt || test -f ${marker}`]);
    assert.equal(r.code, 0, r.stderr);
    const id = /^Session: (\S+)$/m.exec(r.stdout)[1];
    const job = e.record(id).mapreduce_data.job_id;

    const shown = cli(e, ['sessions', 'show', job, '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(json(shown).id, id);
    const log = cli(e, ['logs', job, '--lines', '50']);
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, new RegExp(`Session ${id} completed`));

    assertOneLine(
      cli(e, ['resume-job', job]),
      1,
      new RegExp(
        `^prodigy-vscode: Job ${job} \\(session ${id}\\) has completed, with 1 failed item: --force runs it again`,
      ),
    );
    assertOneLine(
      cli(e, ['resume-job', job, '--force', '--max-retries', '0']),
      2,
      /^prodigy-vscode resume-job: --force on a completed job runs its failed items again: --max-retries 0 runs none/,
    );
    fs.writeFileSync(marker, '');
    const forced = cli(e, ['resume-job', job, '--force', '--json']);
    assert.equal(forced.code, 0, forced.stderr);
    const out = json(forced);
    assert.equal(out.job_id, job);
    assert.equal(out.session_id, id);
    assert.equal(out.resume, null, 'a completed job is not resumed, only its failed items run');
    assert.deepEqual(
      out.retries.map((x) => x.still_failing),
      [[]],
    );
    assert.deepEqual(json(cli(e, ['dlq', 'list', job, '--json'])).items, []);
    assertOneLine(cli(e, ['resume-job', job, '--force']), 1, /has completed, every item done: nothing to resume$/m);
  });

  it('resume-job <job-id> continues a job stopped with Ctrl-C', { timeout: 60_000 }, async (t) => {
    const e = engineEnv(t);
    const go = path.join(e.root, 'go');
    commitFiles(e, { 'a.txt': 'a' });
    const child = spawn(
      process.execPath,
      [DIST_CLI, '--home', e.home, 'batch', '*.txt', '--command', `shell: test -f ${go} || sleep 30; echo \${item}`],
      { cwd: e.repo, env: { ...process.env, PRODIGY_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    e.track(child);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 300 && !/Executing step 1\/1/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, /Executing step 1\/1/);
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    const id = /^Session: (\S+)$/m.exec(out)[1];
    const rec = e.record(id);
    assert.equal(rec.status, 'Paused');

    fs.writeFileSync(go, '');
    const r = cli(e, ['resume-job', rec.mapreduce_data.job_id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Resuming Job ${rec.mapreduce_data.job_id} \\(session ${id}\\)$`, 'm'));
    assert.equal(e.record(id).status, 'Completed');
    assert.equal(e.record(id).mapreduce_data.failed_items, 0);
  });

  it('an unknown id, a workflow session and a malformed id: one line each', (t) => {
    const e = engineEnv(t);
    assertOneLine(
      cli(e, ['resume-job', 'mapreduce-nope']),
      1,
      /^prodigy-vscode: No MapReduce job or session mapreduce-nope in /,
    );
    const run = cli(e, ['exec', 'shell: true', '--json']);
    const id = json(run).session_id;
    assertOneLine(
      cli(e, ['resume-job', id]),
      1,
      new RegExp(`^prodigy-vscode: ${id} is a workflow session, not a MapReduce job`),
    );
    assertOneLine(cli(e, ['resume-job', '../x']), 2, /^prodigy-vscode resume-job: Invalid job id "\.\.\/x"/);
    assertOneLine(cli(e, ['sessions', 'show', 'mapreduce-nope']), 1, /mapreduce-nope/);
    assertOneLine(
      cli(e, ['resume-job', 'x', '--max-retries', '-1']),
      2,
      /--max-retries needs a whole number, 0 or more/,
    );
  });
});

describe('resume --from-checkpoint', () => {
  it('restores the checkpoint as restore does, then resumes from the step after it', (t) => {
    const e = engineEnv(t);
    const runs = path.join(e.root, 'runs.txt');
    const wf = e.writeWorkflow(['one', 'two', 'three'].map((w) => `- shell: "echo ${w} >> ${runs}"`).join('\n') + '\n');
    const first = cli(e, ['run', wf, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const { session_id: id, checkpoints } = json(first);
    const r = cli(e, ['resume', id, '--from-checkpoint', checkpoints[0].id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Restored session ${id} to step 1 `, 'm'));
    assert.match(r.stdout, /1 of 3 steps already done/);
    assert.match(r.stdout, new RegExp(`Session ${id}: Completed`));
    assert.doesNotMatch(r.stdout, /Resume with/);
    assert.deepEqual(fs.readFileSync(runs, 'utf8').split('\n').filter(Boolean), [
      'one',
      'two',
      'three',
      'two',
      'three',
    ]);

    const asJson = cli(e, ['resume', id, '--from-checkpoint', checkpoints[1].id, '--json']);
    assert.equal(asJson.code, 0, asJson.stderr);
    assert.equal(json(asJson).status, 'Completed', "stdout is the resume's JSON alone");

    assertOneLine(
      cli(e, ['resume', id, '--from-checkpoint', 'checkpoint-nope']),
      1,
      /Checkpoint checkpoint-nope not found in session/,
    );
    assertOneLine(cli(e, ['resume', id, '--force']), 2, /^prodigy-vscode resume: --force goes with --from-checkpoint/);
    assertOneLine(cli(e, ['resume', id, '--from-checkpoint', '../x']), 2, /Invalid checkpoint id/);
  });
});

describe('init', () => {
  it('writes the slash commands, keeps a file that exists, replaces it with --force; -c chooses', (t) => {
    const e = engineEnv(t);
    const dir = path.join(e.repo, '.claude', 'commands');
    const first = cli(e, ['init']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Wrote \.claude\/commands\/prodigy-resolve-conflicts\.md: /m);
    assert.match(first.stdout, /^Wrote \.claude\/commands\/prodigy-merge-worktree\.md: /m);
    assert.match(fs.readFileSync(path.join(dir, 'prodigy-resolve-conflicts.md'), 'utf8'), /\$ARGUMENTS/);

    fs.writeFileSync(path.join(dir, 'prodigy-merge-worktree.md'), 'my own\n');
    const again = cli(e, ['init']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      /^Kept {2}\.claude\/commands\/prodigy-merge-worktree\.md: it exists \(--force replaces it\)$/m,
    );
    assert.equal(fs.readFileSync(path.join(dir, 'prodigy-merge-worktree.md'), 'utf8'), 'my own\n');

    const forced = json(cli(e, ['init', '--force', '-c', 'prodigy-merge-worktree', '--json']));
    assert.deepEqual(forced.written, [path.join(dir, 'prodigy-merge-worktree.md')]);
    assert.deepEqual(forced.kept, []);
    assert.notEqual(fs.readFileSync(path.join(dir, 'prodigy-merge-worktree.md'), 'utf8'), 'my own\n');

    assertOneLine(cli(e, ['init', '-c', 'nope']), 2, /^prodigy-vscode init: --commands: no command nope; there are /);
    assertOneLine(cli(e, ['init', '--path', path.join(e.root, 'missing')]), 2, /is not a folder/);
  });

  it("--merge-conflicts claude calls the project's /prodigy-resolve-conflicts once init wrote it", (t) => {
    const e = engineEnv(t);
    assert.equal(cli(e, ['init', '-c', 'prodigy-resolve-conflicts']).code, 0);
    commitFiles(e, { 'shared.txt': 'base\n', 'x.item': 'x', 'y.item': 'y' });
    const r = cli(e, [
      'batch',
      '*.item',
      '--command',
      'shell: cat ${item} > shared.txt && git add shared.txt && git commit -qm ${item}',
      '--merge-conflicts',
      'claude',
      '--claude-command',
      FAKE_CLAUDE,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const prompts = e.claudeCalls().map((c) => c.prompt);
    assert.equal(prompts.length, 1, prompts.join('\n'));
    assert.match(prompts[0], /^\/prodigy-resolve-conflicts prodigy-mapreduce-agent-\S+ \S+ shared\.txt$/);
  });
});
