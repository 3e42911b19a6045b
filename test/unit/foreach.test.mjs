// foreach: steps and validate: with only result_file (issue 15, Build 2), through core.runWorkflow with real
// processes in a real worktree: every documented spelling of the items, parallel, continue_on_error,
// max_items, ${item}/${index}/${total}, a Stop at item 3 of 10 resumed with only items 3..10, a kill -9 the
// same, malformed foreach with its positioned error; and a spec.yml-like validate run with the fake claude.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_CLI, core } from './helpers/env.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv, eventText, existsIn, mapReduceJob, readIn } from './helpers/engine.mjs';

hermeticGit({ before, after });

const lines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const until = async (cond, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const loadText = (text, name = 'wf.yml') => core.loadWorkflowText(text, `/x/${name}`);

describe('foreach: the documented spellings', () => {
  it('nested foreach:, items: and input: (list, command, {command}, {list}) and the flat form load to the same items', () => {
    const forms = {
      nested: `- foreach:\n    foreach: [a, b]\n    do:\n      - shell: "echo \${item}"\n`,
      items: `- foreach:\n    items: [a, b]\n    do:\n      - shell: "echo \${item}"\n`,
      input: `- foreach:\n    input: [a, b]\n    do:\n      - shell: "echo \${item}"\n`,
      inputList: `- foreach:\n    input:\n      list: [a, b]\n    commands:\n      - shell: "echo \${item}"\n`,
      flat: `- foreach: [a, b]\n  do:\n    - shell: "echo \${item}"\n`,
    };
    for (const [form, text] of Object.entries(forms)) {
      const w = loadText(text);
      assert.deepEqual(w.warnings, [], form);
      const step = w.steps[0];
      assert.equal(step.kind, 'foreach', form);
      assert.deepEqual(step.foreach.list, ['a', 'b'], form);
      assert.equal(step.foreach.do[0].command, 'echo ${item}', form);
      assert.equal(step.foreach.parallel, 1, form);
      assert.equal(step.foreach.continue_on_error, false, form);
    }
    const cmd = loadText(
      `- foreach:\n    input:\n      command: "ls"\n    parallel: true\n    do: ["echo \${item}"]\n`,
    );
    assert.equal(cmd.steps[0].foreach.command, 'ls');
    assert.equal(cmd.steps[0].foreach.parallel, 10, 'parallel: true is 10 at once');
    assert.equal(cmd.steps[0].display, 'foreach: ls');
  });

  it('runs a list in the worktree with ${item}, ${index} (0-based), ${total} and the other documented names', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- foreach:
    items: ["x", "y", "z"]
    do:
      - shell: "echo \${item} \${index} \${total} \${foreach.item} \${item_index}/\${item_total} >> out.txt"
- shell: "echo after >> out.txt"
`);
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.ok(o.worktree, 'runs in a worktree');
    assert.deepEqual(lines(path.join(o.worktree, 'out.txt')), ['x 0 3 x 0/3', 'y 1 3 y 1/3', 'z 2 3 z 2/3', 'after']);
    const text = eventText(o);
    for (const n of [1, 2, 3]) assert.match(text, new RegExp(`foreach ${n}/3: ${['x', 'y', 'z'][n - 1]}`));
    assert.match(text, /Foreach completed: 3 total, 3 successful, 0 failed/);
    const file = e.checkpointFile(o.sessionId);
    assert.equal(file.completed_steps[0].output, 'Foreach completed: 3 total, 3 successful, 0 failed');
    // Nothing is left of the per-item progress once the step is through.
    const snapshots = path.join(e.home, 'state', o.sessionId, 'snapshots');
    assert.deepEqual(
      fs.readdirSync(snapshots).filter((f) => f.startsWith('foreach-')),
      [],
    );
  });

  it("items from a command's output, one per non-blank line, run in the worktree; max_items takes the first N", async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: "mkdir -p src && touch src/a.rs src/b.rs src/c.rs src/d.rs"
- foreach:
    input: "ls src; echo; echo '   '"
    max_items: 3
    do:
      - shell: "echo \${item}:\${total} >> seen.txt"
`);
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.deepEqual(lines(path.join(o.worktree, 'seen.txt')), ['a.rs:3', 'b.rs:3', 'c.rs:3']);
  });

  it('map items: ${item.field} and ${foreach.item.field}', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- foreach:
    - v: "1.70"
      profile: debug
    - v: stable
      profile: release
  do:
    - shell: "echo \${foreach.item.v} \${item.profile} >> out.txt"
`);
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.deepEqual(lines(path.join(o.worktree, 'out.txt')), ['1.70 debug', 'stable release']);
  });

  it('parallel: N runs N items at once (all four wait for each other at a barrier)', async (t) => {
    const e = engineEnv(t);
    const dir = path.join(e.root, 'barrier');
    fs.mkdirSync(dir);
    // Each item marks itself and waits until all four are marked: only possible when they run together.
    const o = await e.runText(`
- foreach:
    foreach: [1, 2, 3, 4]
    parallel: 4
    do:
      - shell: "touch ${dir}/\${item}; n=0; while [ $(ls ${dir} | wc -l) -lt 4 ]; do sleep 0.05; n=$((n+1)); if [ $n -gt 200 ]; then exit 9; fi; done"
`);
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.match(eventText(o), /4 items, 4 at a time/);
  });

  it('without continue_on_error the first failing item fails the step and no later item starts', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const o = await e.runText(`
- foreach: [a, b, c]
  do:
    - shell: "echo \${item} >> ${side}; test \${item} != b"
- shell: "echo never >> ${side}"
`);
    assert.equal(o.status, 'Failed');
    assert.match(o.error, /foreach item 2\/3 \(b\) failed: .*exit code 1/);
    assert.deepEqual(lines(side), ['a', 'b']);
  });

  it('continue_on_error: true runs every item, reports the failures and goes on', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const o = await e.runText(`
- foreach:
    items: [a, b, c]
    continue_on_error: true
    do:
      - shell: "echo \${item} >> ${side}; test \${item} != b"
- shell: "echo next >> ${side}"
`);
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.deepEqual(lines(side), ['a', 'b', 'c', 'next']);
    assert.match(eventText(o), /foreach 2\/3 failed/);
    assert.match(eventText(o), /Foreach completed: 3 total, 2 successful, 1 failed/);
  });

  it('claude: steps in do: run with the item, in the worktree', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- foreach: [one, two]
  do:
    - claude: "/write notes/\${item}.txt hello \${item}"
`);
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.equal(readIn(o.worktree, 'notes/two.txt'), 'hello two\n');
    const calls = e.claudeCalls();
    assert.deepEqual(
      calls.map((c) => c.prompt),
      ['/write notes/one.txt hello one', '/write notes/two.txt hello two'],
    );
    assert.ok(calls.every((c) => c.cwd === fs.realpathSync(o.worktree)));
  });
});

describe("foreach: each item's progress is an event", () => {
  const progress = (o) =>
    o.events
      .filter((ev) => ev.type === 'foreach-progress')
      .map((ev) => `${ev.done}/${ev.total}${ev.current === undefined ? '' : ` ${ev.current}`}`);

  it('as each item starts (done so far, with its label) and finishes (done + 1), in order, beside the log lines', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: "true"
- foreach: [x, y, z]
  do:
    - shell: "echo \${item}"
`);
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.deepEqual(progress(o), ['0/3 x', '1/3', '1/3 y', '2/3', '2/3 z', '3/3']);
    const first = o.events.find((ev) => ev.type === 'foreach-progress');
    assert.equal(first.sessionId, o.sessionId);
    assert.equal(first.step, o.events.filter((ev) => ev.type === 'step-started')[1].display);
    assert.equal(first.itemId, null);
    // They come between the foreach's step-started and step-finished, after each item's log line.
    const types = o.events
      .filter((ev) => ['step-started', 'step-finished', 'foreach-progress'].includes(ev.type))
      .map((ev) => ev.type);
    assert.deepEqual(types.slice(2), ['step-started', ...Array(6).fill('foreach-progress'), 'step-finished']);
    const at = (pred) => o.events.findIndex(pred);
    assert.ok(
      at((ev) => ev.type === 'message' && ev.text === 'foreach 2/3: y') <
        at((ev) => ev.type === 'foreach-progress' && ev.current === 'y'),
    );
  });

  it('a failed item under continue_on_error counts as finished; a resume starts from the items done before', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- foreach: [a, b, c]
  continue_on_error: true
  do:
    - shell: "test \${item} != b"
`);
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.deepEqual(progress(o), ['0/3 a', '1/3', '1/3 b', '2/3', '2/3 c', '3/3']);

    const side = path.join(e.root, 'side.txt');
    const fixed = path.join(e.root, 'fixed');
    const failed = await e.runText(`
- foreach: [a, b, c]
  do:
    - shell: "echo \${item} >> ${side}; test \${item} != b || test -f ${fixed}"
`);
    assert.equal(failed.status, 'Failed');
    assert.deepEqual(progress(failed), ['0/3 a', '1/3', '1/3 b', '2/3']);
    fs.writeFileSync(fixed, '');
    const events = [];
    const resumed = await core.resumeWorkflow({
      manager: e.manager,
      sessionId: failed.sessionId,
      merge: 'never',
      listener: (ev) => events.push(ev),
    });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(progress({ events }), ['1/3 b', '2/3', '2/3 c', '3/3']);
  });
});

describe('foreach: in every phase', () => {
  it('in a MapReduce agent_template and reduce: ${item} inside do: is the foreach item, each agent in its worktree', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const o = await e.runText(
      mapReduceJob({
        items: [{ name: 'a' }, { name: 'b' }],
        parallel: 1,
        agent: `    - shell: "echo \${item.name} > agent-\${item.name}.txt"
    - foreach: [x, y]
      do:
        - shell: "echo \${item}-\${index} >> ${side}"`,
        reduce: `  - foreach:
      items: "echo r1; echo r2"
      do:
        - shell: "echo reduce-\${item} >> ${side}"`,
      }),
    );
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.deepEqual(lines(side), ['x-0', 'y-1', 'x-0', 'y-1', 'reduce-r1', 'reduce-r2']);
  });
});

describe('foreach: stopped or killed midway resumes with only its unfinished items', () => {
  /** Ten items; the third waits for the gate. Each item notes that it started and that it ended. */
  const tenItems = (side, gate) => `name: ten
commands:
  - shell: "echo first >> ${side}"
  - foreach:
      items: [i1, i2, i3, i4, i5, i6, i7, i8, i9, i10]
      do:
        - shell: "echo start \${item} >> ${side}; if [ \${item} = i3 ]; then while [ ! -f ${gate} ]; do sleep 0.05; done; fi"
        - shell: "echo end \${item} >> ${side}"
  - shell: "echo last >> ${side}"
`;
  const expectedAfterResume = (side) => {
    const all = lines(side);
    // Items 1 and 2 ran once; item 3 started, was stopped, and ran again in full; 4..10 once.
    assert.deepEqual(
      all.filter((l) => l.endsWith(' i1')),
      ['start i1', 'end i1'],
    );
    assert.deepEqual(
      all.filter((l) => l.endsWith(' i2')),
      ['start i2', 'end i2'],
    );
    assert.deepEqual(
      all.filter((l) => l.endsWith(' i3')),
      ['start i3', 'start i3', 'end i3'],
    );
    for (let i = 4; i <= 10; i++)
      assert.deepEqual(
        all.filter((l) => l.endsWith(` i${i}`)),
        [`start i${i}`, `end i${i}`],
      );
    assert.deepEqual(
      all.filter((l) => l === 'first' || l === 'last'),
      ['first', 'last'],
    );
  };

  /** A run of the ten items stopped (Stop) while item 3 runs: Paused, its gate still closed. */
  const stoppedAtItem3 = async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const gate = path.join(e.root, 'gate');
    const stop = new AbortController();
    const running = e.run(e.writeWorkflow(tenItems(side, gate)), { signal: stop.signal });
    await until(() => lines(side).includes('start i3'));
    stop.abort();
    const paused = await running;
    assert.equal(paused.status, 'Paused', paused.error ?? '');
    return { e, side, gate, paused };
  };

  it('Stop at item 3 of 10: Paused; resume runs items 3..10 only, then the rest of the workflow', async (t) => {
    const { e, side, gate, paused } = await stoppedAtItem3(t);
    assert.deepEqual(e.record(paused.sessionId).workflow_data.completed_steps, [0]);
    assert.match(eventText(paused), /foreach 3\/10: i3/);

    fs.writeFileSync(gate, '');
    const events = [];
    const resumed = await core.resumeWorkflow({
      manager: e.manager,
      sessionId: paused.sessionId,
      merge: 'never',
      listener: (ev) => events.push(ev),
    });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    expectedAfterResume(side);
    assert.match(eventText({ events }), /2 of 10 items were done before; running the other 8/);
    assert.ok(!eventText({ events }).includes('foreach 1/10'), 'item 1 is not run again');
  });

  it('kill -9 of the runner at item 3 of 10: resume runs items 3..10 only', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const gate = path.join(e.root, 'gate');
    const wf = e.writeWorkflow(tenItems(side, gate));
    const child = spawn(process.execPath, [DIST_CLI, '--home', e.home, 'run', wf, '--path', e.repo], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    const exited = new Promise((r) => child.on('exit', r));
    t.after(() => child.kill('SIGKILL'));
    await until(() => lines(side).includes('start i3'));
    child.kill('SIGKILL');
    await exited;
    const id = /^Session: (\S+)$/m.exec(out)[1];

    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: id, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    expectedAfterResume(side);
  });

  it("a restore forgets a stopped foreach's progress: the resume runs every item again", async (t) => {
    const { e, side, gate, paused } = await stoppedAtItem3(t);
    const [afterFirst] = e.record(paused.sessionId).checkpoints;
    await core.restoreCheckpoint(e.manager, paused.sessionId, afterFirst.id);

    fs.writeFileSync(gate, '');
    const events = [];
    const resumed = await core.resumeWorkflow({
      manager: e.manager,
      sessionId: paused.sessionId,
      merge: 'never',
      listener: (ev) => events.push(ev),
    });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(
      lines(side).filter((l) => l.endsWith(' i1')),
      ['start i1', 'end i1', 'start i1', 'end i1'],
      'item 1 ran again: its work before the restore was undone',
    );
    assert.doesNotMatch(eventText({ events }), /items were done before/);
  });

  it('a foreach that failed at an item resumes (after the fix) with that item and the ones after it', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const fixed = path.join(e.root, 'fixed');
    const failed = await e.runText(`
- foreach: [a, b, c]
  do:
    - shell: "echo \${item} >> ${side}; test \${item} != b || test -f ${fixed}"
`);
    assert.equal(failed.status, 'Failed');
    fs.writeFileSync(fixed, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: failed.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(lines(side), ['a', 'b', 'b', 'c']);
  });
});

describe('foreach: malformed', () => {
  const refusal = (text) => {
    try {
      loadText(text);
    } catch (err) {
      return err.message;
    }
    assert.fail('loaded');
  };

  it('each mistake is one positioned error', () => {
    assert.equal(
      refusal(`- foreach:\n    items: [a]\n`),
      '/x/wf.yml:1:3: step 1: foreach needs do: (the steps to run for each item, with ${item})',
    );
    assert.equal(
      refusal(`- foreach:\n    items: [a]\n    input: [b]\n    do: ["echo"]\n`),
      '/x/wf.yml:3:5: step 1: foreach has both items: and input: (the same items); keep one',
    );
    assert.equal(
      refusal(`- foreach:\n    items: 42\n    do: ["echo"]\n`),
      '/x/wf.yml:2:12: step 1: foreach.items must be a list of items or a shell command printing one item per line, got 42',
    );
    assert.equal(
      refusal(`- foreach: [a]\n  parallel: lots\n  do: ["echo"]\n`),
      '/x/wf.yml:2:13: step 1: parallel must be true, false or a number (1 or more), got "lots"',
    );
    assert.equal(
      refusal(`- foreach: [a]\n  shell: "echo"\n  do: ["echo"]\n`),
      '/x/wf.yml:1:3: step 1 has both shell: and foreach:; a step runs one command, so make them two steps',
    );
    assert.equal(
      refusal(`- foreach:\n    do: ["echo"]\n`),
      '/x/wf.yml:2:5: step 1: foreach needs its items: items: [a, b] (a list) or items: "command" (one per line)',
    );
  });

  it('an unknown key inside foreach and foreach options on another step are positioned warnings', () => {
    const w = loadText(`- foreach:\n    items: [a]\n    paralel: 2\n    do: ["echo"]\n- shell: "x"\n  max_items: 3\n`);
    assert.deepEqual(
      w.warnings.map((x) => `${x.line}:${x.col}: ${x.message}`),
      [
        '3:5: Unknown key `paralel` in step 1 foreach: did you mean `parallel`?',
        '6:3: step 2: max_items: is only read in a foreach: step, ignored',
      ],
    );
  });
});

describe('validate: with only result_file and threshold (spec.yml)', () => {
  const specLike = `# Like spec.yml: the step's own Claude command writes the result file the validation reads.
- claude: "/write specs/new.md the spec"
- claude: "/write .prodigy/check.json {\\"complete\\": false, \\"score\\": 60, \\"gaps\\": [\\"no tests\\"], \\"incomplete_specs\\": [\\"specs/new.md\\"]}"
  validate:
    result_file: ".prodigy/check.json"
    threshold: 100
    on_incomplete:
      claude: "/write .prodigy/check.json {\\"completion_percentage\\": 100, \\"status\\": \\"complete\\", \\"gaps\\": {}}"
      max_attempts: 2
      fail_workflow: false
- shell: "echo '\${validation.completion} \${validation.status}' > final.txt"
`;

  it('loads without a warning and runs with the fake claude: the step output is read, on_incomplete completes it', async (t) => {
    const e = engineEnv(t);
    const file = e.writeWorkflow(specLike);
    const w = core.loadWorkflowFile(file);
    assert.deepEqual(w.warnings, []);
    assert.deepEqual(w.steps[1].validate.commands, []);
    const o = await e.run(file);
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.match(eventText(o), /Validation incomplete: 60% complete \(threshold: 100%\)/);
    assert.match(eventText(o), /Validation passed: 100% complete/);
    assert.equal(readIn(o.worktree, 'final.txt'), '100 complete\n');
    // The check ran no command of its own: three Claude calls (two steps, one completion).
    assert.equal(e.claudeCalls().length, 3);
  });

  it("the docs' {complete, score, gaps: [...]} shape: ${validation.gaps} and other keys (incomplete_specs) reach on_incomplete", async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: "mkdir -p .prodigy && echo '{\\"complete\\": false, \\"score\\": 40, \\"gaps\\": [\\"tests\\", \\"docs\\"], \\"incomplete_specs\\": [\\"a.md\\", \\"b.md\\"]}' > .prodigy/r.json"
  validate:
    result_file: .prodigy/r.json
    threshold: 50
    on_incomplete:
      shell: "echo '\${validation.gaps}|\${validation.incomplete_specs}|\${validation.completion}' > told.txt; echo '{\\"complete\\": true}' > .prodigy/r.json"
`);
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.equal(readIn(o.worktree, 'told.txt'), '["tests","docs"]|a.md, b.md|40\n');
  });

  it('a result file that was never written counts as 0% complete (named in the log), and fails the step', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: "echo did nothing"
  validate:
    result_file: .prodigy/missing.json
    threshold: 10
`);
    assert.equal(o.status, 'Failed');
    assert.match(o.error, /Validation of 'shell: echo did nothing' incomplete: 0% complete \(threshold: 10%\)/);
    assert.match(eventText(o), /Validation result file \.prodigy\/missing\.json was not written/);
  });

  it('a standalone validate: step runs its check with a threshold', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- validate:
    shell: "echo '{\\"completion_percentage\\": 80, \\"status\\": \\"incomplete\\"}'"
    threshold: 75
- shell: "echo \${validation.completion} > seen.txt"
- validate:
    commands:
      - shell: "echo '{\\"score\\": 20}'"
    threshold: 50
`);
    assert.equal(o.status, 'Failed');
    assert.equal(readIn(o.worktree, 'seen.txt'), '80\n');
    assert.match(eventText(o), /Executing step 1\/3: validate: echo '\{"completion_percentage": 80/);
    assert.match(o.error, /Validation of 'validate: shell: echo .*' incomplete: 20% complete \(threshold: 50%\)/);
    assert.equal(existsIn(o.worktree, 'seen.txt'), true);
  });

  it('validate: with neither a command nor result_file is a positioned error', () => {
    assert.throws(
      () => loadText(`- claude: "/x"\n  validate:\n    threshold: 90\n`),
      /\/x\/wf\.yml:2:3: validate needs claude:, shell: or commands: \(the check to run\), or result_file:/,
    );
  });
});

describe('no silent keys', () => {
  it('description: on a step and on the workflow is accepted silently; an unknown key warns with its position', () => {
    const w = loadText(
      `name: x\ndescription: what it does\ncommands:\n  - shell: "echo"\n    description: "why"\n    colour: blue\n`,
    );
    assert.deepEqual(
      w.warnings.map((x) => `${x.line}:${x.col}: ${x.message}`),
      ['6:5: Unknown key `colour` in step 1, ignored'],
    );
  });

  it('a legacy metadata: map is read as the step options it documents: continue_on_error, retries, timeout', async (t) => {
    const e = engineEnv(t);
    const side = path.join(e.root, 'side.txt');
    const file = e.writeWorkflow(`
- shell: "echo try >> ${side}; exit 1"
  metadata:
    retries: 2
    continue_on_error: true
    timeout: 30
- shell: "echo next >> ${side}"
  options:
    fix: true
`);
    const w = core.loadWorkflowFile(file);
    assert.equal(w.steps[0].timeout, 30);
    assert.deepEqual(
      w.warnings.map((x) => `${x.line}:${x.col}: ${x.message}`),
      [
        '8:3: step 2: options: is legacy command data that Prodigy never reads (write the flags in the command); ignored',
      ],
    );
    const o = await e.run(file);
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.deepEqual(lines(side), ['try', 'try', 'try', 'next']);
    assert.throws(
      () => loadText(`- shell: x\n  metadata:\n    retries: many\n`),
      /^WorkflowLoadError: \/x\/wf\.yml:3:14: metadata\.retries must be a number \(0 or more\), got "many"$/,
    );
  });
});
