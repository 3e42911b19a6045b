// A step's `when:`, `on_exit_code:` and `allow_failure:` (issue 15): the condition language (both documented
// spellings, undefined variables, malformed conditions as positioned load errors), a skipped step recorded in
// the checkpoint and staying skipped on resume, `when` in a MapReduce setup, agent and reduce, and in custom
// merge steps, the step chosen by exit code, and a failure allowed to go on.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core } from './helpers/env.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv, mapReduceJob, readIn } from './helpers/engine.mjs';

hermeticGit({ before, after });

const { compileCondition, loadWorkflowText, WorkflowLoadError } = core;

/** Evaluates `text` with `vars` (a plain map: a missing key is an undefined variable). */
function holds(text, vars = {}) {
  return compileCondition(text).test((p) => (p in vars ? { found: true, value: vars[p] } : { found: false }));
}

function loadError(text) {
  try {
    loadWorkflowText(text, 'wf.yml');
  } catch (err) {
    assert.ok(err instanceof WorkflowLoadError, String(err));
    return err;
  }
  assert.fail('expected the load to fail');
}

describe('when: the condition language', () => {
  it('accepts both documented spellings, "${x} == 0" and "${x == 0}", with the same meaning', () => {
    for (const [text, vars, expected] of [
      ['${x} == 0', { x: 0 }, true],
      ['${x == 0}', { x: '0' }, true],
      ['${x} == 0', { x: '1' }, false],
      ['${x == 0}', { x: 1 }, false],
      ["${env} == 'production'", { env: 'production\n' }, true],
      ["${env == 'production' && tests_passed}", { env: 'production', tests_passed: true }, true],
      ["${env == 'production' && tests_passed}", { env: 'production', tests_passed: 'false' }, false],
      ['${(is_pr || is_main) && tests_passed}', { is_main: true, tests_passed: 'true' }, true],
      ['${test-step.exit_code != 0}', { 'test-step.exit_code': 2 }, true],
      ["variable == 'value'", { variable: 'value' }, true],
    ])
      assert.equal(holds(text, vars), expected, `${text} with ${JSON.stringify(vars)}`);
  });

  it('compares numbers as numbers and text as text, with &&, ||, !, parentheses and literals', () => {
    assert.equal(holds('${score} >= 80', { score: '85' }), true);
    assert.equal(holds('${score} >= 80', { score: '9' }), false, 'numbers, not text: 9 < 80');
    assert.equal(holds('${score} < 100 && ${score} > 10', { score: 50 }), true);
    assert.equal(holds("${name} < 'b'", { name: 'apple' }), true);
    assert.equal(holds("${name} >= 'b'", { name: 'apple' }), false);
    assert.equal(holds('${name} > 5', { name: 'apple' }), false, 'text against a number does not order');
    assert.equal(holds('${flag} == true', { flag: 'true' }), true);
    assert.equal(holds('!${flag}', { flag: false }), true);
    assert.equal(holds('!(${a} || ${b})', { a: '', b: '0' }), true, 'empty and "0" are false');
    assert.equal(holds('true'), true);
    assert.equal(holds('false || (true && !false)'), true);
    assert.equal(holds("${out} contains 'OK'", { out: 'all OK\n' }), true);
    assert.equal(holds("${a} contains 'x' and ${b} contains 'y'", { a: 'x', b: 'z' }), false);
    assert.equal(holds("${url} =~ 'local(host)?'", { url: 'http://localhost:5432' }), true);
    assert.equal(holds("'${branch}' == 'main'", { branch: 'main' }), true, 'a variable inside quotes is its text');
  });

  it('an undefined variable is false, and so is every comparison with it (existence test)', () => {
    assert.equal(holds('${might_not_exist}'), false);
    assert.equal(holds('${x} == 0'), false);
    assert.equal(holds("${x} != ''"), false);
    assert.equal(holds('!${x}'), true);
    assert.equal(holds("${rust_changed} != ''", { rust_changed: '' }), false);
    assert.equal(holds("${rust_changed} != ''", { rust_changed: 'src/a.rs' }), true);
    assert.equal(holds("${x:-none} == 'none'"), true, 'a default stands in for an undefined variable');
  });

  it('a value from a variable is one operand: quotes or && in it never change the condition', () => {
    assert.equal(holds("${msg} == 'a'", { msg: "a' || 'b" }), false);
    assert.equal(holds('${msg}', { msg: 'x && false' }), true);
  });

  it('a malformed condition is a load error at its column inside the expression', () => {
    const cases = [
      ['- shell: echo\n  when: "${x} == "\n', 2, 10 + 8, /at column 9: expected a value/],
      ['- shell: echo\n  when: "${x == 1 && }"\n', 2, 10 + 12, /at column 13: expected a value .* found "}"/],
      ['- shell: echo\n  when: "(${a} || ${b}"\n', 2, 10 + 13, /expected "\)" to close the "\(" at column 1/],
      ['- shell: echo\n  when: "${a} ~= 1"\n', 2, 10 + 5, /at column 6: expected a comparison/],
      ["- shell: echo\n  when: ${a} =~ '('\n", 2, 9 + 8, /invalid regular expression/],
      ['- shell: echo\n  when: "${}"\n', 2, 10 + 2, /empty \$\{\}/],
      ['- shell: echo\n  when: [1]\n', 2, 9, /when must be a condition/],
    ];
    for (const [text, line, col, reason] of cases) {
      const err = loadError(text);
      assert.equal(err.line, line, err.message);
      assert.equal(err.col, col, err.message);
      assert.match(err.message, reason);
      assert.match(err.message, /^wf\.yml:\d+:\d+: step 1: /);
    }
  });

  it('the editor gets every malformed condition at once', () => {
    const r = core.analyzeWorkflowText(
      '- shell: echo\n  when: "${a} =="\n- shell: echo\n  when: "${b} &&"\n  allow_failure: maybe\n',
      'wf.yml',
    );
    const messages = r.errors.map((e) => `${e.line}:${e.col} ${e.reason ?? e.message}`);
    assert.equal(messages.length, 3, messages.join('\n'));
    assert.match(messages[0], /^2:17 .*Invalid when/);
    assert.match(messages[1], /^4:17 .*Invalid when/);
    assert.match(messages[2], /^5:18 .*allow_failure must be/);
  });

  it('the Prodigy-shipped forms load without a "not evaluated" or "not supported" warning', () => {
    const wf = loadWorkflowText(
      [
        '- shell: "cargo test"',
        '  capture: tests_passed',
        '  capture_format: boolean',
        '  allow_failure: true',
        '- shell: "cargo bench"',
        '  when: "${tests_passed}"',
        '  on_exit_code:',
        '    0:',
        '      shell: "echo done"',
        '    101:',
        '      claude: "/fix \'${benchmark_results}\'"',
        '',
      ].join('\n'),
      'wf.yml',
    );
    assert.deepEqual(wf.warnings, []);
    assert.equal(wf.steps[0].allow_failure, true);
    assert.equal(wf.steps[1].when, '${tests_passed}');
    assert.deepEqual(Object.keys(wf.steps[1].on_exit_code), ['0', '101']);
    assert.equal(wf.steps[1].on_exit_code[101].kind, 'claude');
    const bad = loadError('- shell: x\n  on_exit_code:\n    oops: {shell: y}\n');
    assert.equal(bad.line, 3);
    assert.equal(bad.col, 5);
    assert.match(bad.message, /on_exit_code keys must be exit codes/);
  });
});

describe('when: in runs', () => {
  it('a false condition skips the step: logged, reported, and recorded as skipped in the checkpoint', async (t) => {
    const e = engineEnv(t);
    const out = await e.runText(
      [
        '- shell: "echo main"',
        '  capture_output: branch',
        '- shell: "touch deployed.txt"',
        '  when: "${branch} == \'release\'"',
        '- shell: "touch built.txt"',
        '  when: "${branch == \'main\'}"',
        '',
      ].join('\n'),
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    const wt = out.worktree;
    assert.equal(fs.existsSync(path.join(wt, 'deployed.txt')), false, 'the skipped step did not run');
    assert.equal(fs.existsSync(path.join(wt, 'built.txt')), true, 'the true condition ran its step');
    assert.match(
      e.log(out),
      /Skipping 'shell: touch deployed.txt': when: \$\{branch\} == 'release' is false \(branch = "main"\)/,
    );
    const finished = out.events.filter((ev) => ev.type === 'step-finished');
    assert.deepEqual(
      finished.map((ev) => [ev.index, ev.success, ev.skipped === true]),
      [
        [0, true, false],
        [1, true, true],
        [2, true, false],
      ],
    );
    const file = e.checkpointFile(out.sessionId);
    assert.deepEqual(
      file.completed_steps.map((s) => [s.step_index, s.skipped === true]),
      [
        [0, false],
        [1, true],
        [2, false],
      ],
    );
    assert.ok(core.WorkflowCheckpoint.safeParse(file).success, 'Prodigy still reads the checkpoint');
    const { checkpoints } = await e.manager.listCheckpoints(out.sessionId);
    const skippedRows = checkpoints.filter((c) => c.skipped).map((c) => c.step_index);
    assert.deepEqual(skippedRows, [1], 'the tree can show which checkpoint is a skip');
  });

  it('a skipped step stays skipped on resume, even when its condition would now hold', async (t) => {
    const e = engineEnv(t);
    const controller = new AbortController();
    const gate = path.join(e.root, 'gate');
    const wf = e.writeWorkflow(
      [
        '- shell: "echo first >> order.txt"',
        '- shell: "echo conditional >> order.txt"',
        '  when: "${MODE} == \'go\'"',
        `- shell: "[ -f ${gate} ] || sleep 30; echo slow >> order.txt"`,
        '',
      ].join('\n'),
    );
    const first = await e.run(wf, {
      signal: controller.signal,
      env: { MODE: 'stop' },
      listener: (ev) => {
        if (ev.type === 'step-finished' && ev.index === 1) setTimeout(() => controller.abort(), 200);
      },
    });
    assert.equal(first.status, 'Paused', first.error ?? '');
    const paused = e.checkpointFile(first.sessionId);
    assert.deepEqual(
      paused.completed_steps.map((s) => [s.step_index, s.skipped === true]),
      [
        [0, false],
        [1, true],
      ],
    );
    // Now MODE=go would make the condition true: a resume does not evaluate it again.
    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({
      manager: e.manager,
      sessionId: first.sessionId,
      merge: 'never',
      env: { ...process.env, MODE: 'go' },
      signal: AbortSignal.timeout(60_000),
    });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    const order = readIn(first.worktree, 'order.txt').trim().split('\n');
    assert.deepEqual(order, ['first', 'slow'], 'the skipped step never ran, the interrupted one ran on resume');
    const done = e.checkpointFile(first.sessionId).completed_steps;
    assert.deepEqual(
      done.map((s) => [s.step_index, s.skipped === true]),
      [
        [0, false],
        [1, true],
        [2, false],
      ],
    );
  });

  it('a condition that reads the environment and a failing `when` evaluation', async (t) => {
    const e = engineEnv(t);
    const out = await e.runText(
      [
        '- shell: "touch ci.txt"',
        '  when: "${CI} == \'true\'"',
        '- shell: "touch local.txt"',
        '  when: "!${CI}"',
        '',
      ].join('\n'),
      { env: { CI: 'true' } },
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    assert.equal(fs.existsSync(path.join(out.worktree, 'ci.txt')), true);
    assert.equal(fs.existsSync(path.join(out.worktree, 'local.txt')), false);
    const bad = await e.runText(
      ['- shell: "echo \'(\'"', '  capture_output: re', '- shell: "true"', '  when: "x =~ ${re}"', ''].join('\n'),
      {
        env: { x: 'a' },
      },
    );
    assert.equal(bad.status, 'Failed');
    assert.match(bad.error, /when: .* could not be evaluated: .*not a valid regular expression/);
  });
});

describe('when: in every phase', () => {
  it('MapReduce setup, agent_template and reduce steps honour when', async (t) => {
    const e = engineEnv(t);
    const out = await e.runText(
      mapReduceJob({
        items: [
          { name: 'a', fix: true },
          { name: 'b', fix: false },
        ],
        agent: [
          '    - shell: "echo ${item.name} > ${item.name}.seen"',
          '    - shell: "echo fixed > ${item.name}.fixed"',
          '      when: "${item.fix}"',
        ].join('\n'),
        reduce: [
          '  - shell: "echo all > reduce-all.txt"',
          '    when: "${map.failed} == 0 && ${map.successful} == 2"',
          '  - shell: "echo none > reduce-none.txt"',
          '    when: "${map.successful} < 1"',
        ].join('\n'),
      }).replace('setup:\n', 'setup:\n  - shell: "touch setup-skipped.txt"\n    when: "${NO_SUCH_VAR}"\n'),
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    const wt = path.join(e.home, 'worktrees', 'repo', out.sessionId);
    assert.equal(fs.existsSync(path.join(wt, 'setup-skipped.txt')), false, 'setup step skipped');
    assert.equal(readIn(wt, 'a.seen'), 'a\n');
    assert.equal(readIn(wt, 'b.seen'), 'b\n');
    assert.equal(fs.existsSync(path.join(wt, 'a.fixed')), true, 'item a: condition true');
    assert.equal(fs.existsSync(path.join(wt, 'b.fixed')), false, 'item b: condition false, skipped');
    assert.equal(readIn(wt, 'reduce-all.txt'), 'all\n');
    assert.equal(fs.existsSync(path.join(wt, 'reduce-none.txt')), false, 'reduce step skipped');
    const log = e.log(out);
    assert.match(log, /Skipping 'shell: touch setup-skipped.txt'/);
    assert.match(log, /Skipping 'shell: echo none > reduce-none.txt'/);
    assert.equal(e.record(out.sessionId).mapreduce_data.successful_count ?? 2, 2);
  });

  it('custom merge steps honour when', async (t) => {
    const e = engineEnv(t);
    const skipped = path.join(e.root, 'merge-skipped');
    const ran = path.join(e.root, 'merge-ran');
    const out = await e.runText(
      [
        'commands:',
        '  - shell: "echo work > work.txt && git add work.txt && git commit -qm work"',
        'merge:',
        `  - shell: "touch ${skipped}"`,
        '    when: "${merge.target_branch} == \'nope\'"',
        `  - shell: "echo \${merge.source_branch} > ${ran}"`,
        '    when: "${merge.target_branch} == \'main\'"',
        '',
      ].join('\n'),
      { merge: 'always' },
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    assert.equal(fs.existsSync(skipped), false, 'the merge step whose condition is false did not run');
    assert.equal(fs.readFileSync(ran, 'utf8'), `prodigy-${out.sessionId}\n`);
    assert.match(
      e.log(out),
      /Skipping 'shell: touch .*merge-skipped': when: \$\{merge.target_branch\} == 'nope' is false/,
    );
  });
});

describe('on_exit_code and allow_failure', () => {
  it('on_exit_code runs the step for the exit code; a mapped failure code is handled and the run goes on', async (t) => {
    const e = engineEnv(t);
    const out = await e.runText(
      [
        '- shell: "exit 3"',
        '  on_exit_code:',
        '    1: {shell: "touch one.txt"}',
        '    3: {shell: "echo ${shell.exit_code} > three.txt"}',
        '  on_failure:',
        '    shell: "touch on-failure.txt"',
        '- shell: "true"',
        '  on_exit_code:',
        '    0: "touch zero.txt"',
        '- shell: "touch after.txt"',
        '',
      ].join('\n'),
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    const wt = out.worktree;
    assert.equal(readIn(wt, 'three.txt'), '3\n', 'the step for exit code 3 ran, with the failure variables');
    assert.equal(fs.existsSync(path.join(wt, 'one.txt')), false, 'not the step for another code');
    assert.equal(fs.existsSync(path.join(wt, 'on-failure.txt')), false, 'a mapped code replaces on_failure');
    assert.equal(fs.existsSync(path.join(wt, 'zero.txt')), true, '0: runs after a success');
    assert.equal(fs.existsSync(path.join(wt, 'after.txt')), true);
    const steps = e.checkpointFile(out.sessionId).completed_steps;
    assert.equal(steps[0].success, false, 'the failure stays on record');
    assert.match(e.log(out), /handled by on_exit_code 3, going on/);
  });

  it('an unmapped exit code fails as before; a failing mapped step fails the step', async (t) => {
    const e = engineEnv(t);
    const unmapped = await e.runText('- shell: "exit 2"\n  on_exit_code:\n    3: {shell: "true"}\n');
    assert.equal(unmapped.status, 'Failed');
    assert.match(unmapped.error, /exit code 2/);
    const failing = await e.runText('- shell: "exit 3"\n  on_exit_code:\n    3: {shell: "exit 9"}\n');
    assert.equal(failing.status, 'Failed');
    assert.match(failing.error, /on_exit_code 3 step failed too/);
  });

  it('on_exit_code works in a MapReduce agent', async (t) => {
    const e = engineEnv(t);
    const out = await e.runText(
      mapReduceJob({
        items: [
          { name: 'a', code: 0 },
          { name: 'b', code: 4 },
        ],
        agent: [
          '    - shell: "exit ${item.code}"',
          '      on_exit_code:',
          '        4: {shell: "echo handled > ${item.name}.handled"}',
        ].join('\n'),
      }),
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    const wt = path.join(e.home, 'worktrees', 'repo', out.sessionId);
    assert.equal(readIn(wt, 'b.handled'), 'handled\n');
    assert.equal(fs.existsSync(path.join(wt, 'a.handled')), false);
    assert.equal(e.record(out.sessionId).mapreduce_data.failed_count ?? 0, 0, 'no item failed');
  });

  it('allow_failure: true records the failure and the workflow goes on, after on_failure ran', async (t) => {
    const e = engineEnv(t);
    const out = await e.runText(
      [
        '- shell: "exit 1"',
        '  allow_failure: true',
        '- shell: "exit 5"',
        '  allow_failure: true',
        '  on_failure:',
        '    shell: "touch handler-ran.txt"',
        '    fail_workflow: true',
        '- shell: "touch after.txt"',
        '',
      ].join('\n'),
    );
    assert.equal(out.status, 'Completed', out.error ?? '');
    assert.equal(fs.existsSync(path.join(out.worktree, 'handler-ran.txt')), true);
    assert.equal(fs.existsSync(path.join(out.worktree, 'after.txt')), true);
    const steps = e.checkpointFile(out.sessionId).completed_steps;
    assert.deepEqual(
      steps.map((s) => s.success),
      [false, false, true],
    );
    assert.match(e.log(out), /exit code 1.*allow_failure: true, going on/);
    const without = await e.runText('- shell: "exit 1"\n  allow_failure: false\n- shell: "touch never.txt"\n');
    assert.equal(without.status, 'Failed');
  });
});
