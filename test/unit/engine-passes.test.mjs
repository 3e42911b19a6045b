// Iterations (-n) and inputs (--map / several --args), prodigy-workflows.md §6.5–6.6: the step list
// runs once per pass, an iteration that changes nothing ends the iterations, and a resume in a
// later pass continues there with that pass's ${ITERATION} / ${ARG}, never redoing a pass.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_CLI, core } from './helpers/env.mjs';
import { git, hermeticGit } from './helpers/git.mjs';
import { engineEnv } from './helpers/engine.mjs';

hermeticGit({ before, after });

const lines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : []);

/** Records every step it runs (`i<ITERATION>:<step>:<ARG>`) outside the worktree; commits while ITERATION < stopAt. */
function passWorkflow(side, { stopAt = 99, gate = null } = {}) {
  const gateCheck = gate ? ` && { [ \${ITERATION} -ne 2 ] || test -f ${gate}; }` : '';
  return `name: passes
commands:
  - shell: "echo i\${ITERATION}:a:\${ARG} >> ${side}"
  - shell: "echo i\${ITERATION}:b:\${ARG} >> ${side}${gateCheck} && if [ \${ITERATION} -lt ${stopAt} ]; then echo \${ITERATION}-\${ARG} >> work.txt && git add work.txt && git commit -qm \\"pass \${ITERATION} \${ARG}\\"; fi"
`;
}

describe('iterations (-n)', () => {
  it('runs the step list once per iteration with ${ITERATION}, and stops after an iteration that changes nothing', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const run = await e.runText(passWorkflow(side, { stopAt: 3 }), { iterations: 5 });
    assert.equal(run.status, 'Completed', run.error ?? '');
    assert.deepEqual(
      lines(side),
      ['i1:a:', 'i1:b:', 'i2:a:', 'i2:b:', 'i3:a:', 'i3:b:'],
      'iteration 3 made no commit: 4 and 5 never ran',
    );
    const record = e.record(run.sessionId);
    assert.equal(record.workflow_data.total_steps, 10);
    assert.deepEqual(record.workflow_data.completed_steps, [0, 1, 2, 3, 4, 5]);
    assert.equal(record.workflow_data.iterations_completed, 3);
    assert.equal(record.metadata.iterations, 5);
    assert.match(fs.readFileSync(run.logFile, 'utf8'), /Stopping: no changes were made in iteration 3\/5/);
    const names = (await e.manager.listCheckpoints(run.sessionId)).checkpoints
      .filter((c) => c.kind === 'session')
      .map((c) => c.step_name);
    assert.equal(names.length, 6);
    assert.match(names[2], /^iteration 2\/5 · shell: /);
    const file = e.checkpointFile(run.sessionId);
    assert.equal(file.execution_state.total_iterations, 5);
    assert.equal(file.execution_state.current_iteration, 3);
  });

  it('a failure in iteration 2, fixed and resumed, continues in iteration 2 at the failed step and runs the rest', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const gate = path.join(e.root, 'fixed');
    const first = await e.runText(passWorkflow(side, { gate }), { iterations: 3 });
    assert.equal(first.status, 'Failed');
    assert.deepEqual(e.record(first.sessionId).workflow_data.completed_steps, [0, 1, 2]);
    assert.equal(e.checkpointFile(first.sessionId).execution_state.current_iteration, 2);

    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: first.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(
      lines(side),
      ['i1:a:', 'i1:b:', 'i2:a:', 'i2:b:', 'i2:b:', 'i3:a:', 'i3:b:'],
      'only the failed step re-ran, with ITERATION=2',
    );
    assert.deepEqual(e.record(first.sessionId).workflow_data.completed_steps, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(git(e.worktreePath(first.sessionId), 'log', '--format=%s').split('\n').slice(0, 3), [
      'pass 3',
      'pass 2',
      'pass 1',
    ]);
  });

  it('an early stop is remembered: a later failure, resumed, does not run the skipped iterations', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const gate = path.join(e.root, 'fixed');
    // Input "a" stops after its first iteration (no commit); input "b" fails in its iteration 2.
    const wf = `name: stop-then-fail
commands:
  - shell: "echo \${ARG}\${ITERATION} >> ${side} && if [ \${ARG} = b ]; then { [ \${ITERATION} -ne 2 ] || test -f ${gate}; } && echo \${ITERATION} >> b.txt && git add b.txt && git commit -qm b\${ITERATION}; fi"
`;
    const first = await e.runText(wf, { iterations: 2, inputs: ['a', 'b'] });
    assert.equal(first.status, 'Failed');
    assert.deepEqual(lines(side), ['a1', 'b1', 'b2']);
    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: first.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(lines(side), ['a1', 'b1', 'b2', 'b2'], 'a2 stays skipped after the resume');
  });
});

describe('inputs (--map, several --args)', () => {
  it('runs the step list once per input with ${ARG}, in one worktree, in order', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const run = await e.runText(passWorkflow(side), { inputs: ['65', '70'] });
    assert.equal(run.status, 'Completed', run.error ?? '');
    assert.deepEqual(lines(side), ['i1:a:65', 'i1:b:65', 'i1:a:70', 'i1:b:70']);
    assert.deepEqual(
      fs
        .readFileSync(path.join(e.worktreePath(run.sessionId), 'work.txt'), 'utf8')
        .trim()
        .split('\n'),
      ['1-65', '1-70'],
    );
    assert.deepEqual(e.record(run.sessionId).metadata.inputs, ['65', '70']);
    assert.match(fs.readFileSync(run.logFile, 'utf8'), /Processing input 2\/2: 70/);
  });

  it('--map turns file names into inputs (stem up to the first "-", sorted); the CLI runs them', (t) => {
    const e = engineEnv(t);
    fs.mkdirSync(path.join(e.repo, 'specs'));
    for (const f of ['70-add-tests.md', '65-cook-refactor.md', 'notes.txt'])
      fs.writeFileSync(path.join(e.repo, 'specs', f), '');
    assert.deepEqual(core.inputsFromPatterns(['specs/*.md'], e.repo), ['65', '70']);
    assert.throws(() => core.inputsFromPatterns(['nothing/*.md'], e.repo), /--map nothing\/\*\.md: no files match/);

    const side = path.join(e.root, 'side.txt');
    const wf = e.writeWorkflow(`- shell: "echo \${ARG} >> ${side}"\n`);
    const r = spawnSync(
      process.execPath,
      [DIST_CLI, '--home', e.home, 'run', wf, '--path', e.repo, '--map', 'specs/*.md', '--args', 'x', '--no-worktree'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(side), ['65', '70', 'x']);
    const bad = spawnSync(process.execPath, [DIST_CLI, '--home', e.home, 'run', wf, '-n', 'zero'], {
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /-n needs a whole number of at least 1/);
  });

  it('a dry run names the passes and shows the steps once', (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow('- shell: "echo ${ARG} ${ITERATION}"\n');
    const { lines: out } = core.previewWorkflow(wf, [], { iterations: 3, inputs: ['a', 'b'] });
    assert.match(out.join('\n'), /Would process 2 inputs, one after another: a, b/);
    assert.match(out.join('\n'), /Would run up to 3 iterations/);
    assert.match(out.join('\n'), /step 1\/1: shell: echo a 1/);
  });
});
