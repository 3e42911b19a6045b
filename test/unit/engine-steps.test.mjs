// Step-level behaviour of the workflow engine through core.runWorkflow: every step kind and
// option, with real processes, real git repositories and real files (the only stand-in is the
// fake Claude CLI, test/fixtures/bin/claude). Each test asserts what a run leaves behind: files in
// the worktree or project, variables rendered into later steps, the session record, the Prodigy
// checkpoint file and the session log.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core } from './helpers/env.mjs';
import { caught, commitFile, git, hermeticGit } from './helpers/git.mjs';
import {
  ENGINE_FIXTURES,
  FAKE_CLAUDE,
  allFiles,
  engineEnv,
  eventText,
  existsIn,
  filesContaining,
  readIn,
  sha256,
} from './helpers/engine.mjs';

hermeticGit({ before, after });

const fixture = (name) => path.join(ENGINE_FIXTURES, name);
const lines = (dir, rel) => readIn(dir, rel).split('\n').filter(Boolean);
const HEX40 = /^[0-9a-f]{40}$/;

describe('shell steps', () => {
  it('a failing step ends the run Failed: the error names the step, the exit code and stderr; later steps do not run', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'echo before > before.txt'
- shell: 'echo something on stdout; echo "disk on fire" >&2; exit 3'
- shell: 'echo after > after.txt'
`);
    assert.equal(o.status, 'Failed');
    assert.equal(
      o.error,
      `Step 'shell: echo something on stdout; echo "disk on fire" >&2; exit 3' failed with exit code 3: disk on fire`,
    );
    assert.equal(readIn(o.worktree, 'before.txt'), 'before\n');
    assert.ok(!existsIn(o.worktree, 'after.txt'), 'the step after the failure must not run');

    const rec = e.record(o.sessionId);
    assert.equal(rec.status, 'Failed');
    assert.equal(rec.error, o.error);
    assert.notEqual(rec.completed_at, null);
    assert.deepEqual(rec.workflow_data.completed_steps, [0]);
    assert.equal(rec.workflow_data.current_step, 1);
    const cp = e.checkpointFile(o.sessionId);
    assert.equal(cp.execution_state.status, 'Failed');
    assert.equal(cp.execution_state.current_step_index, 1);
    assert.equal(cp.variable_state.__error_message, o.error);
    assert.equal(cp.variable_state.__failed_step_index, 1);
    const log = e.log(o);
    assert.match(log, /^ {2}! disk on fire$/m, 'stderr is in the log');
    assert.match(log, /^ {2}\| something on stdout$/m, 'stdout is in the log');
    assert.match(log, /Session failed: Step 'shell: echo something/);
  });

  it('by default runs in a session worktree at <home>/worktrees/<repo>/<id>; the repo is untouched until merged', async (t) => {
    const e = engineEnv(t);
    const repoHead = e.head();
    const o = await e.runText(`
- shell: 'echo made in worktree > made.txt && git add made.txt && git commit -qm made'
- shell: 'echo uncommitted > scratch.txt'
`);
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(o.worktree, e.worktreePath(o.sessionId));
    assert.equal(readIn(o.worktree, 'made.txt'), 'made in worktree\n');
    assert.equal(readIn(o.worktree, 'scratch.txt'), 'uncommitted\n');
    assert.ok(!existsIn(e.repo, 'made.txt') && !existsIn(e.repo, 'scratch.txt'), 'nothing lands in the repo');
    assert.equal(e.head(), repoHead, 'the repo HEAD did not move');
    assert.equal(git(o.worktree, 'rev-parse', '--abbrev-ref', 'HEAD'), `prodigy-${o.sessionId}`);
    assert.equal(git(e.repo, 'log', '-1', '--format=%s', `prodigy-${o.sessionId}`), 'made');
    assert.deepEqual(o.merge, { status: 'kept', branch: `prodigy-${o.sessionId}`, target: 'main', commits: 1 });
    const rec = e.record(o.sessionId);
    assert.equal(rec.status, 'Completed');
    assert.equal(rec.metadata.worktree, true);
    assert.equal(rec.metadata.worktree_path, o.worktree);
    assert.equal(rec.metadata.original_branch, 'main');
    assert.equal(rec.workflow_data.worktree_name, o.sessionId);
  });

  it("with merge 'always' the worktree's commits land in the repo after the run", async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(
      `- shell: 'echo merged content > merged.txt && git add merged.txt && git commit -qm "add merged"'\n`,
      { merge: 'always' },
    );
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(o.merge.status, 'merged');
    assert.equal(o.merge.commits, 1);
    assert.equal(readIn(e.repo, 'merged.txt'), 'merged content\n');
    assert.equal(git(e.repo, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    assert.match(git(e.repo, 'log', '--format=%s', 'main'), /^add merged$/m);
    assert.equal(e.record(o.sessionId).metadata.merge.status, 'merged');
  });

  it('worktree: false runs in place: files land in the project folder, no worktree is made', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(
      `
- shell: 'echo in place > inplace.txt && git add inplace.txt && git commit -qm inplace'
- shell: 'pwd > where.txt'
`,
      { worktree: false },
    );
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(o.worktree, null);
    assert.equal(o.merge, undefined);
    assert.equal(readIn(e.repo, 'inplace.txt'), 'in place\n');
    assert.equal(fs.realpathSync(readIn(e.repo, 'where.txt').trim()), fs.realpathSync(e.repo));
    assert.equal(git(e.repo, 'log', '-1', '--format=%s'), 'inplace', 'the commit is on the project branch itself');
    assert.ok(!fs.existsSync(path.join(e.home, 'worktrees')), 'no worktrees folder');
    assert.equal(git(e.repo, 'branch', '--list', 'prodigy-*'), '');
    const rec = e.record(o.sessionId);
    assert.equal(rec.metadata.worktree, false);
    assert.equal(rec.workflow_data.worktree_name, null);
  });
});

describe('claude steps (fake CLI)', () => {
  it('the interpolated prompt is one argv element; the child sees PRODIGY_AUTOMATION=true and runs in the worktree', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(
      `
- claude: '/echo \${ARG_2} and $ARG'
  capture_output: true
- shell: 'echo "said: \${claude.output}" > said.txt; printenv PRODIGY_AUTOMATION > auto.txt'
`,
      { args: ['first', 'two words'], env: { PRODIGY_AUTOMATION: 'false' } },
    );
    assert.equal(o.status, 'Completed', o.error);
    const calls = e.claudeCalls();
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].argv, ['--print', '/echo two words and first']);
    assert.equal(calls[0].automation, 'true', 'PRODIGY_AUTOMATION=true overrides the parent env for claude');
    assert.equal(fs.realpathSync(calls[0].cwd), fs.realpathSync(o.worktree));
    assert.equal(readIn(o.worktree, 'said.txt'), 'said: two words and first\n');
    assert.equal(readIn(o.worktree, 'auto.txt'), 'true\n', 'and for shell steps');
  });

  it('a failing claude command fails the run with a message naming the command and its stderr', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- claude: '/fail model overloaded'
- shell: 'echo after > after.txt'
`);
    assert.equal(o.status, 'Failed');
    const [message, logLine] = o.error.split('\n');
    assert.equal(message, "Claude command '/fail model overloaded' failed with exit code 1: model overloaded");
    // The kept stream is named (Prodigy's "Full log: …"), and it is there.
    const kept = /^Full log: (.+\.jsonl)$/.exec(logLine)?.[1];
    assert.ok(kept && fs.existsSync(kept), logLine);
    assert.equal(e.record(o.sessionId).error, o.error);
    assert.ok(!existsIn(o.worktree, 'after.txt'));
    assert.equal(e.claudeCalls().length, 1);
  });

  it("a Claude command that does not exist ends the run Failed with ClaudeNotFoundError's message (naming prodigy.claude.command)", async (t) => {
    const e = engineEnv(t);
    const missing = path.join(e.root, 'no-such-dir', 'claude');
    const o = await e.runText(
      `
- shell: 'echo ran > first.txt'
- claude: '/echo hi'
- shell: 'echo after > after.txt'
`,
      { claude: { command: missing, args: ['{prompt}'] } },
    );
    const expected = new core.ClaudeNotFoundError(missing).message;
    assert.match(expected, /`prodigy\.claude\.command` setting/);
    assert.ok(expected.includes(missing));
    assert.equal(o.status, 'Failed');
    assert.equal(o.error, `Step 'claude: /echo hi': ${expected}`);
    const rec = e.record(o.sessionId);
    assert.equal(rec.status, 'Failed', 'the record must not be left Running');
    assert.equal(rec.error, o.error);
    assert.deepEqual(rec.workflow_data.completed_steps, [0]);
    assert.ok(existsIn(o.worktree, 'first.txt') && !existsIn(o.worktree, 'after.txt'));
    assert.ok(e.log(o).includes('prodigy.claude.command'));
  });
});

describe('write_file steps', () => {
  it('writes text, pretty JSON and re-emitted YAML, creates folders, applies mode; ${write_file.output}', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(
      `
- write_file:
    path: 'notes/deep/\${ARG}.txt'
    content: "hello \${ARG}\\nline two"
    create_dirs: true
- write_file:
    path: data.json
    content: '{"name": "\${ARG}", "list": [1, 2]}'
    format: json
- write_file:
    path: conf.yaml
    content: '{name: \${ARG}, list: [a, b]}'
    format: yaml
- write_file:
    path: private.txt
    content: 'keep out'
    mode: '0600'
  capture_output: true
- shell: 'echo "\${write_file.output}" > wrote.txt'
`,
      { args: ['alpha'] },
    );
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(readIn(o.worktree, 'notes/deep/alpha.txt'), 'hello alpha\nline two');
    assert.equal(readIn(o.worktree, 'data.json'), '{\n  "name": "alpha",\n  "list": [\n    1,\n    2\n  ]\n}\n');
    assert.equal(readIn(o.worktree, 'conf.yaml'), 'name: alpha\nlist:\n  - a\n  - b\n');
    assert.equal(fs.statSync(path.join(o.worktree, 'private.txt')).mode & 0o777, 0o600);
    assert.equal(readIn(o.worktree, 'wrote.txt'), 'Wrote 8 bytes to private.txt\n');
    assert.ok(!existsIn(e.repo, 'data.json'), 'written in the worktree, not the repo');
  });

  it('create_dirs: false into a missing folder fails the step and writes nothing', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- write_file:
    path: missing/dir/x.txt
    content: 'x'
`);
    assert.equal(o.status, 'Failed');
    assert.equal(
      o.error,
      "Step 'write_file: missing/dir/x.txt' failed: folder missing/dir does not exist (set create_dirs: true)",
    );
    assert.ok(!existsIn(o.worktree, 'missing'));
  });

  it('content that is not valid JSON for format: json fails the step', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- write_file:
    path: bad.json
    content: '{not json'
    format: json
`);
    assert.equal(o.status, 'Failed');
    assert.match(o.error, /^Step 'write_file: bad\.json' failed: content is not valid json: /);
    assert.ok(!existsIn(o.worktree, 'bad.json'));
  });

  it('a ".." path is refused: literally by the loader (no session), after interpolation by the step', async (t) => {
    const e = engineEnv(t);
    const literal = e.writeWorkflow(`
- write_file:
    path: '../escape.txt'
    content: 'x'
`);
    const err = await caught(e.run(literal));
    assert.ok(err instanceof core.WorkflowLoadError, `expected a WorkflowLoadError, got ${err}`);
    assert.match(err.message, /\.\./);
    assert.ok(
      !fs.existsSync(e.sessionsDir) || fs.readdirSync(e.sessionsDir).length === 0,
      'no session for a file that does not load',
    );

    const o = await e.runText(
      `
- write_file:
    path: '\${ARG}/escape.txt'
    content: 'x'
`,
      { args: ['..'] },
    );
    assert.equal(o.status, 'Failed');
    assert.equal(o.error, "Step 'write_file: ${ARG}/escape.txt' failed: path ../escape.txt contains '..'");
    assert.ok(
      !fs.existsSync(path.join(path.dirname(o.worktree), 'escape.txt')),
      'nothing written outside the worktree',
    );
  });
});

describe('capture', () => {
  it('capture_output true / named, capture with json, lines, number and boolean formats, and ${name.exit_code}', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'echo plain-output'
  capture_output: true
- shell: 'echo 3.2.1'
  capture_output: version
- shell: |
    echo '{"name": "demo", "deps": ["a", "b"], "nested": {"n": 5}}'
  capture: info
  capture_format: json
- shell: printf 'a.txt\\nb.txt\\n\\nc.txt\\n'
  capture: files
  capture_format: lines
- shell: 'echo 42; echo note >&2'
  capture: count
  capture_format: number
- shell: 'echo TRUE'
  capture: flag
  capture_format: boolean
- shell: |
    cat > report.txt <<EOF
    shell.output=\${shell.output}
    version=\${version}
    name=\${info.name}
    dep1=\${info.deps[1]}
    n=\${info.nested.n}
    info=\${info}
    files=\${files}
    file2=\${files[2]}
    count=\${count}
    count.stderr=\${count.stderr}
    flag=\${flag}
    exit=\${info.exit_code}
    success=\${info.success}
    EOF
`);
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(
      readIn(o.worktree, 'report.txt'),
      [
        'shell.output=plain-output',
        'version=3.2.1',
        'name=demo',
        'dep1=b',
        'n=5',
        'info={"name":"demo","deps":["a","b"],"nested":{"n":5}}',
        'files=a.txt, b.txt, c.txt',
        'file2=c.txt',
        'count=42',
        'count.stderr=note',
        'flag=true',
        'exit=0',
        'success=true',
        '',
      ].join('\n'),
    );
    const vars = e.checkpointFile(o.sessionId).variable_state;
    assert.deepEqual(
      vars.info,
      { name: 'demo', deps: ['a', 'b'], nested: { n: 5 } },
      'json captures are kept as JSON values',
    );
    assert.deepEqual(vars.files, ['a.txt', 'b.txt', 'c.txt']);
    assert.equal(vars.count, 42);
    assert.equal(vars.flag, true);
    assert.equal(e.record(o.sessionId).workflow_data.variables.version, '3.2.1');
  });

  it('${name.exit_code}, ${name.success} and ${name.stderr} tell a later step how a failed (continued) step ended', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'echo partial; echo "went wrong" >&2; exit 3'
  capture: res
  on_failure: true
- shell: 'echo "code=\${res.exit_code} success=\${res.success} stderr=\${res.stderr}" > code.txt'
`);
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(readIn(o.worktree, 'code.txt'), 'code=3 success=false stderr=went wrong\n');
  });

  it('capture_format json on output that is not JSON fails the step', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'echo not-json'
  capture: data
  capture_format: json
`);
    assert.equal(o.status, 'Failed');
    assert.match(o.error, /^Step 'shell: echo not-json': output is not JSON \(capture_format: json\)/);
  });

  it("output_file writes the step's stdout to a file, creating its folders", async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(
      `
- shell: 'echo saved-output; echo line2'
  output_file: 'out/\${ARG}/saved.txt'
`,
      { args: ['deep'] },
    );
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(readIn(o.worktree, 'out/deep/saved.txt'), 'saved-output\nline2\n');
  });
});

describe('environment, working_dir, timeout, args', () => {
  it('workflow env and step env reach the shell (step env wins); $VAR and ${VAR} render in commands', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(
      `
env:
  GREETING: "hello-\${ARG}"
  SHARED: "from-workflow"
commands:
  - shell: 'printenv GREETING > env.txt; printenv SHARED >> env.txt; printenv STEP_ONLY >> env.txt; echo "$GREETING \${GREETING}" >> env.txt'
    env:
      SHARED: "from-step"
      STEP_ONLY: "step-\${ARG_2}"
  - shell: 'printenv SHARED > env2.txt; echo "\${STEP_ONLY:-unset}" >> env2.txt'
`,
      { args: ['first', 'second'] },
    );
    assert.equal(o.status, 'Completed', o.error);
    assert.deepEqual(lines(o.worktree, 'env.txt'), [
      'hello-first',
      'from-step',
      'step-second',
      'hello-first hello-first',
    ]);
    assert.deepEqual(lines(o.worktree, 'env2.txt'), ['from-workflow', 'unset'], 'step env is for its step only');
  });

  it("a step env value overrides a workflow env value for $VAR in that step's command too", async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
env:
  SHARED: "from-workflow"
commands:
  - shell: 'echo "$SHARED \${SHARED}" > shared.txt'
    env:
      SHARED: "from-step"
`);
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(readIn(o.worktree, 'shared.txt'), 'from-step from-step\n');
  });

  it('working_dir runs shell and write_file steps in a subfolder of the worktree', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'mkdir -p sub/inner'
- shell: 'pwd > where.txt'
  working_dir: sub/inner
- write_file:
    path: wd-file.txt
    content: 'in sub'
  working_dir: sub
`);
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(
      fs.realpathSync(readIn(o.worktree, 'sub/inner/where.txt').trim()),
      fs.realpathSync(path.join(o.worktree, 'sub/inner')),
    );
    assert.equal(readIn(o.worktree, 'sub/wd-file.txt'), 'in sub');
    assert.ok(!existsIn(o.worktree, 'where.txt') && !existsIn(o.worktree, 'wd-file.txt'));
  });

  it('timeout stops a long step fast and fails it with "timed out"; PRODIGY_COMMAND_TIMEOUT is set', async (t) => {
    const e = engineEnv(t);
    const ok = await e.runText(`
- shell: 'printenv PRODIGY_COMMAND_TIMEOUT > timeout.txt'
  timeout: 30
`);
    assert.equal(ok.status, 'Completed', ok.error);
    assert.equal(readIn(ok.worktree, 'timeout.txt'), '30\n');

    const started = Date.now();
    const o = await e.runText(`
- shell: 'sleep 5; echo late > late.txt'
  timeout: 1
`);
    const elapsed = Date.now() - started;
    assert.equal(o.status, 'Failed');
    assert.match(
      o.error,
      /^Step 'shell: sleep 5; echo late > late\.txt' failed with exit code -1: Command timed out after 1 seconds$/,
    );
    assert.ok(elapsed < 4000, `took ${elapsed} ms`);
    assert.ok(!existsIn(o.worktree, 'late.txt'));
  });

  it('--args become $ARG, ${ARG_1}, ${ARG_2} in shell steps', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`- shell: 'echo "$ARG|\${ARG_1}|\${ARG_2}|\${ARG_3:-none}" > args.txt'\n`, {
      args: ['first', 'second word'],
    });
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(readIn(o.worktree, 'args.txt'), 'first|first|second word|none\n');
    assert.deepEqual(e.record(o.sessionId).metadata.args, ['first', 'second word']);
  });
});

describe('commit_required', () => {
  it('passes when the step commits; fails with "no commits were created" when it does not', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- claude: '/commit feature.txt new feature'
  commit_required: true
- shell: 'echo no commit > loose.txt'
  commit_required: true
- shell: 'echo never > never.txt'
`);
    assert.equal(o.status, 'Failed');
    assert.equal(
      o.error,
      "Step 'shell: echo no commit > loose.txt' has commit_required=true but no commits were created",
    );
    assert.equal(git(o.worktree, 'log', '-1', '--format=%s'), 'claude: feature.txt');
    assert.equal(git(o.worktree, 'show', 'HEAD:feature.txt'), 'new feature');
    assert.ok(!existsIn(o.worktree, 'never.txt'));
    const rec = e.record(o.sessionId);
    assert.deepEqual(rec.workflow_data.completed_steps, [0]);
    assert.equal(rec.checkpoints.length, 1);
  });
});

describe('on_failure', () => {
  it('true: the failure is noted and the workflow goes on', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'echo broken >&2; exit 9'
  on_failure: true
- shell: 'echo next > next.txt'
`);
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(readIn(o.worktree, 'next.txt'), 'next\n');
    const cp = e.checkpointFile(o.sessionId);
    assert.deepEqual(
      cp.completed_steps.map((s) => [s.step_index, s.success]),
      [
        [0, false],
        [1, true],
      ],
    );
    assert.match(e.log(o), /failed with exit code 9: broken \(on_failure: true, going on\)/);
  });

  it('a shell string handler runs with ${shell.exit_code}; the workflow continues', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'exit 5'
  on_failure: 'echo "handled exit \${shell.exit_code}" > handled.txt'
- shell: 'echo next > next.txt'
`);
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(readIn(o.worktree, 'handled.txt'), 'handled exit 5\n');
    assert.ok(existsIn(o.worktree, 'next.txt'));
    assert.equal(e.claudeCalls().length, 0, 'a string without a leading / is a shell command');
  });

  it('a "/claude" string handler goes to Claude, with ${shell.output} (stdout and stderr) in its prompt', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'echo out-text; echo err-text >&2; exit 1'
  on_failure: '/echo \${shell.output}'
- shell: 'echo next > next.txt'
`);
    assert.equal(o.status, 'Completed', o.error);
    const calls = e.claudeCalls();
    assert.equal(calls.length, 1);
    assert.equal(calls[0].argv.length, 2, 'the multi-line prompt is one argument');
    assert.equal(calls[0].prompt, '/echo STDOUT:\nout-text\n\n\nSTDERR:\nerr-text\n');
    assert.ok(existsIn(o.worktree, 'next.txt'));
  });

  it('a list of handlers runs them all, in order (shell and Claude mixed)', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'exit 1'
  on_failure:
    - 'echo first >> order.txt'
    - '/write second.txt from-claude'
    - 'cat second.txt >> order.txt'
- shell: 'echo next > next.txt'
`);
    assert.equal(o.status, 'Completed', o.error);
    assert.deepEqual(lines(o.worktree, 'order.txt'), ['first', 'from-claude']);
    assert.deepEqual(
      e.claudeCalls().map((c) => c.prompt),
      ['/write second.txt from-claude'],
    );
    assert.ok(existsIn(o.worktree, 'next.txt'));
  });

  it('a map with claude: and max_attempts: 3 is a retry loop: fix, re-run, until the step passes', async (t) => {
    const e = engineEnv(t);
    const o = await e.run(fixture('on-failure-retry.yml'));
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(lines(o.worktree, 'attempts.txt').length, 3, 'failed twice, passed on the third attempt');
    assert.deepEqual(
      e.claudeCalls().map((c) => c.prompt),
      ['/write marker-1 fixed after attempt 1', '/write marker-2 fixed after attempt 2'],
    );
    assert.equal(readIn(o.worktree, 'after.txt'), 'fixed after attempt 2\n');
    assert.match(e.log(o), /Retrying 'shell: echo attempt >> attempts\.txt; test -f marker-2' \(attempt 3\/3\)/);
    const cp = e.checkpointFile(o.sessionId);
    assert.equal(cp.completed_steps[0].success, true);
  });

  it('fail_workflow: true fails the run once the attempts are used up', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'echo attempt >> attempts.txt; test -f never-there'
  on_failure:
    claude: '/echo fixing attempt \${shell.attempt}'
    max_attempts: 3
    fail_workflow: true
- shell: 'echo next > next.txt'
`);
    assert.equal(o.status, 'Failed');
    assert.equal(
      o.error,
      "Step 'shell: echo attempt >> attempts.txt; test -f never-there' failed with exit code 1 after 3 attempts",
    );
    assert.equal(lines(o.worktree, 'attempts.txt').length, 3);
    // The engine runs the handlers after every failed attempt, the last one included.
    assert.deepEqual(
      e.claudeCalls().map((c) => c.prompt),
      ['/echo fixing attempt 1', '/echo fixing attempt 2', '/echo fixing attempt 3'],
    );
    assert.ok(!existsIn(o.worktree, 'next.txt'));
    assert.equal(e.record(o.sessionId).status, 'Failed');
  });

  it('fail_workflow: false lets the workflow go on after the attempts; later steps run', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'echo try >> tries.txt; exit 4'
  on_failure:
    shell: 'echo "handled exit \${shell.exit_code} attempt \${shell.attempt}" >> handled.txt'
    max_attempts: 2
    fail_workflow: false
- shell: 'echo later > later.txt'
`);
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(lines(o.worktree, 'tries.txt').length, 2);
    assert.deepEqual(lines(o.worktree, 'handled.txt'), ['handled exit 4 attempt 1', 'handled exit 4 attempt 2']);
    assert.equal(readIn(o.worktree, 'later.txt'), 'later\n');
    const cp = e.checkpointFile(o.sessionId);
    assert.deepEqual(
      cp.completed_steps.map((s) => s.success),
      [false, true],
    );
    assert.match(e.log(o), /failed after 2 attempts; going on \(fail_workflow: false\)/);
  });
});

describe('on_success', () => {
  it('runs after a successful step only', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: 'echo ok'
  capture_output: true
  on_success:
    shell: 'echo "success after \${shell.output}" > success.txt'
- shell: 'exit 1'
  on_failure: true
  on_success:
    shell: 'echo wrong > not-run.txt'
`);
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(readIn(o.worktree, 'success.txt'), 'success after ok\n');
    assert.ok(!existsIn(o.worktree, 'not-run.txt'), 'on_success must not run after a failure');
  });
});

/** The validation script the validate fixture runs, committed to the repo so the worktree has it. */
const CHECK_SH = `mkdir -p .prodigy
if [ -f done.flag ]; then
  echo '{"completion_percentage": 100, "status": "complete", "implemented": ["api", "tests"], "missing": [], "gaps": {}}' > .prodigy/validation.json
else
  echo '{"completion_percentage": 40, "status": "incomplete", "implemented": ["api"], "missing": ["tests"], "gaps": {"tests": {"description": "no tests", "severity": "high"}}}' > .prodigy/validation.json
fi
echo validated >> validations.txt
`;

describe('validate and on_incomplete', () => {
  it('below the threshold, on_incomplete runs with ${validation.gaps}/${validation.completion}, then validation passes', async (t) => {
    const e = engineEnv(t);
    commitFile(e.repo, 'check.sh', CHECK_SH, 'add check');
    const o = await e.run(fixture('validate.yml'));
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(readIn(o.worktree, 'gaps.json'), '{"tests":{"description":"no tests","severity":"high"}}');
    assert.equal(readIn(o.worktree, 'completion.txt'), '40\n');
    assert.equal(lines(o.worktree, 'validations.txt').length, 2, 'validated, completed once, validated again');
    assert.equal(readIn(o.worktree, 'final.txt'), 'final 100 complete\n');
    const log = e.log(o);
    assert.match(log, /Validation incomplete: 40% complete \(threshold: 90%\); completing \(attempt 1\/2\)/);
    assert.match(log, /Validation passed: 100% complete \(threshold: 90%\)/);
  });

  it('still incomplete after max_attempts with fail_workflow: true fails the run', async (t) => {
    const e = engineEnv(t);
    commitFile(e.repo, 'check.sh', CHECK_SH, 'add check');
    const o = await e.runText(`
- shell: 'echo implementing'
  validate:
    shell: 'sh check.sh'
    result_file: '.prodigy/validation.json'
    threshold: 90
    on_incomplete:
      shell: 'echo "tried at \${validation.completion}" >> tries.txt'
      max_attempts: 2
      fail_workflow: true
- shell: 'echo next > next.txt'
`);
    assert.equal(o.status, 'Failed');
    assert.equal(o.error, "Validation of 'shell: echo implementing' incomplete: 40% complete (threshold: 90%)");
    assert.deepEqual(lines(o.worktree, 'tries.txt'), ['tried at 40', 'tried at 40']);
    assert.equal(lines(o.worktree, 'validations.txt').length, 3);
    assert.ok(!existsIn(o.worktree, 'next.txt'));
    assert.equal(e.record(o.sessionId).error, o.error);
  });
});

describe('secrets', () => {
  it('steps get the real value; no file under the home, nor the log, events or error, contains it', async (t) => {
    const e = engineEnv(t);
    const secret = 'sEcR3t-value-4d1f9c';
    const o = await e.run(fixture('secrets.yml'), { env: { MY_SECRET_ENV: secret, NODE_BIN: process.execPath } });
    assert.equal(o.status, 'Failed');
    // The steps did receive the real value.
    assert.equal(readIn(o.worktree, 'token.sha256'), sha256(secret));
    assert.equal(readIn(o.worktree, 'token.len').trim(), String(secret.length));
    assert.ok(e.claudeCalls()[0].prompt.includes(secret), 'the capture carried the real value into the prompt');
    // ...and it is masked everywhere we store or report it.
    assert.equal(o.error, `Step 'shell: echo "cannot use $TOKEN" >&2; exit 7' failed with exit code 7: cannot use ***`);
    assert.ok(!e.log(o).includes(secret));
    assert.match(e.log(o), /token is \*\*\*/);
    assert.ok(!JSON.stringify(o.events).includes(secret), 'events are masked');
    assert.ok(!eventText(o).includes(secret));
    const files = allFiles(e.home);
    for (const where of ['sessions', 'state', path.join('vscode', 'logs')]) {
      assert.ok(
        files.some((f) => f.startsWith(path.join(e.home, where) + path.sep)),
        `expected files under ${where}`,
      );
    }
    assert.ok(
      files.some((f) => f.includes(`${path.sep}snapshots${path.sep}`)),
      'snapshots were written',
    );
    assert.deepEqual(filesContaining(e.home, secret), []);
    const cp = e.checkpointFile(o.sessionId);
    assert.equal(cp.completed_steps[0].captured_variables.token_line, 'token is ***', 'the capture is stored, masked');
    assert.equal(e.record(o.sessionId).workflow_data.variables.token_line, 'token is ***');
  });

  it('a secret whose environment variable is not set stops the run before anything starts', async (t) => {
    const e = engineEnv(t);
    const err = await caught(e.run(fixture('secrets.yml'), { env: { MY_SECRET_ENV: undefined } }));
    assert.match(err.message, /secret TOKEN needs the environment variable MY_SECRET_ENV, which is not set/);
    assert.ok(!fs.existsSync(e.sessionsDir) || fs.readdirSync(e.sessionsDir).length === 0);
  });
});

describe('dry run', () => {
  it('previewWorkflow shows interpolated commands and creates no session, worktree or branch', async (t) => {
    const e = engineEnv(t);
    const { workflow, lines: out } = core.previewWorkflow(fixture('dry-run.yml'), ['v1', 'spicy']);
    assert.equal(workflow.steps.length, 3);
    assert.deepEqual(out, [
      '[DRY RUN] Would create a worktree and a session for "dry-run" (3 steps)',
      '[DRY RUN] Would execute step 1/3: shell: make build-v1',
      '[DRY RUN] Would execute step 2/3: claude: /review v1 --flavour spicy',
      '[DRY RUN] Would execute step 3/3: write_file: out/v1.txt',
    ]);
    assert.deepEqual(fs.readdirSync(e.home), [], 'nothing written to the home');
    assert.equal(git(e.repo, 'worktree', 'list').split('\n').length, 1);
    assert.equal(git(e.repo, 'branch', '--list', 'prodigy-*'), '');
    assert.deepEqual(e.claudeCalls(), []);
  });
});

describe('session record and checkpoints', () => {
  it("one checkpoint per step with its index, name and the worktree HEAD; Prodigy's checkpoint file", async (t) => {
    const e = engineEnv(t);
    const heads = path.join(e.root, 'heads.txt');
    const file = fixture('session-record.yml');
    const o = await e.run(file, { env: { HEADS_FILE: heads } });
    assert.equal(o.status, 'Completed', o.error);
    const wf = core.loadWorkflowFile(file);
    const names = wf.steps.map((s) => s.display);
    assert.equal(names.length, 3);

    const rec = e.record(o.sessionId);
    assert.equal(rec.status, 'Completed');
    assert.equal(rec.workflow_data.total_steps, 3);
    assert.deepEqual(rec.workflow_data.completed_steps, [0, 1, 2]);
    assert.equal(rec.workflow_data.current_step, 3);
    assert.deepEqual(Object.keys(rec.timings).sort(), [...names].sort());
    for (const d of Object.values(rec.timings)) assert.ok(Number.isInteger(d.secs) && Number.isInteger(d.nanos));

    const headsAfter = fs.readFileSync(heads, 'utf8').trim().split('\n');
    assert.equal(headsAfter.length, 3);
    assert.equal(headsAfter[0], headsAfter[1], 'step 2 made no commit');
    assert.notEqual(headsAfter[1], headsAfter[2]);
    assert.equal(headsAfter[2], e.head(o.worktree));
    assert.equal(rec.checkpoints.length, 3);
    rec.checkpoints.forEach((c, i) => {
      assert.equal(c.metadata.step_index, i);
      assert.equal(c.metadata.step_name, names[i]);
      assert.match(c.metadata.commit, HEX40);
      assert.equal(c.metadata.commit, headsAfter[i], `checkpoint ${i} commit is the worktree HEAD after step ${i}`);
    });

    const cpPath = e.checkpointFilePath(o.sessionId);
    const cp = core.WorkflowCheckpoint.parse(JSON.parse(fs.readFileSync(cpPath, 'utf8')));
    assert.equal(cp.workflow_id, o.sessionId);
    assert.equal(cp.workflow_path, file);
    assert.equal(cp.workflow_name, 'session-record');
    assert.equal(cp.execution_state.status, 'Completed');
    assert.equal(cp.total_steps, 3);
    assert.deepEqual(
      cp.completed_steps.map((s) => [s.step_index, s.command, s.success]),
      names.map((n, i) => [i, n, true]),
    );
    assert.equal(cp.completed_steps[1].output, 'version-7\n');
    assert.equal(cp.variable_state.version, 'version-7');
    assert.equal(cp.workflow_hash, wf.hash);
    assert.equal(readIn(o.worktree, 'two.txt'), 'version-7\n');
  });
});

describe('fake claude sanity', () => {
  it('is the executable the tests use', () => {
    assert.ok(fs.statSync(FAKE_CLAUDE).mode & 0o111, `${FAKE_CLAUDE} must be executable`);
  });
});
