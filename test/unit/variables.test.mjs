// Variables a step can read (issue 15, "Variables"): `id:` with `${id.output}` and named `outputs:`, capture_streams,
// the git context (`step.*`, `workflow.*`, with `:glob` and format modifiers), the `merge.*` set of a custom merge,
// the computed values (`env.`, `file:`, `cmd:`, `json:`, `date:`, `uuid`, `workflow.name/id`), and an unresolved
// placeholder failing its step by name (and warned about at load). Real git, real processes, the fake Claude.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core } from './helpers/env.mjs';
import { git, hermeticGit } from './helpers/git.mjs';
import { engineEnv, mapReduceJob } from './helpers/engine.mjs';
import { runCli } from './helpers/cli.mjs';

hermeticGit({ before, after });

const read = (file) => fs.readFileSync(file, 'utf8');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('git context variables', () => {
  it('step.* tell the next step what the last one changed; workflow.* add up since the start; :glob and formats apply', async (t) => {
    const e = engineEnv(t);
    const out = path.join(e.root, 'out');
    fs.mkdirSync(out);
    const o = await e.runText(`
- shell: "mkdir -p specs && printf 'a\\\\nb\\\\n' > specs/one.md && echo n > notes.txt && echo more >> README.md && git add -A && git commit -qm add"
- shell: |
    echo "\${step.files_added}" > ${out}/added.txt
    echo "\${step.files_added:specs/*.md}" > ${out}/glob.txt
    echo "\${step.files_added:*.md,*.txt}" > ${out}/globs.txt
    echo '\${step.files_added:json}' > ${out}/json.txt
    echo "\${step.files_changed:csv}" > ${out}/csv.txt
    echo "\${step.files_modified}" > ${out}/modified.txt
    echo "\${step.commit_count} \${step.insertions} \${step.deletions}" > ${out}/counts.txt
    echo "\${step.commits}" > ${out}/commits.txt
- shell: "git rm -q notes.txt && git commit -qm rm && echo new > untracked.txt"
- shell: |
    echo "\${step.files_deleted}|\${step.files_added}" > ${out}/deleted.txt
    echo "\${workflow.commit_count} \${workflow.files_added:lines}" > ${out}/workflow.txt
    echo "\${workflow.commits}" > ${out}/wcommits.txt
`);
    assert.equal(o.status, 'Completed', o.error);
    const wt = e.worktreePath(o.sessionId);
    assert.equal(read(`${out}/added.txt`).trim(), 'notes.txt specs/one.md');
    assert.equal(read(`${out}/glob.txt`).trim(), 'specs/one.md');
    assert.equal(read(`${out}/globs.txt`).trim(), 'notes.txt specs/one.md');
    assert.deepEqual(JSON.parse(read(`${out}/json.txt`)), ['notes.txt', 'specs/one.md']);
    assert.equal(read(`${out}/csv.txt`).trim(), 'README.md,notes.txt,specs/one.md');
    assert.equal(read(`${out}/modified.txt`).trim(), 'README.md');
    assert.equal(read(`${out}/counts.txt`).trim(), '1 4 0', 'one commit; 2 + 1 + 1 lines added');
    const commits = git(wt, 'rev-list', '--reverse', 'main..HEAD').split('\n');
    assert.equal(read(`${out}/commits.txt`).trim(), commits[0]);
    assert.equal(read(`${out}/deleted.txt`).trim(), 'notes.txt|untracked.txt', 'an untracked new file counts as added');
    assert.equal(
      read(`${out}/workflow.txt`).trim(),
      '2 specs/one.md\nuntracked.txt',
      'notes.txt was added and deleted again: not in the workflow',
    );
    assert.equal(read(`${out}/wcommits.txt`).trim(), commits.join(' '));
  });

  it('workflow.* still count from the first step after a resume (the start commit is kept with the checkpoint)', async (t) => {
    const e = engineEnv(t);
    const gate = path.join(e.root, 'gate');
    const out = path.join(e.root, 'out.txt');
    const first = await e.runText(`
- shell: "echo a > a.txt && git add a.txt && git commit -qm a"
- shell: "test -f ${gate} && echo b > b.txt && git add b.txt && git commit -qm b"
- shell: "echo '\${workflow.commit_count} \${workflow.files_added}' > ${out}"
`);
    assert.equal(first.status, 'Failed');
    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: first.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error);
    assert.equal(read(out).trim(), '2 a.txt b.txt');
  });
});

describe('git context outside git', () => {
  it('outside a git repository the git variables are empty, as documented, not unresolved', async (t) => {
    const e = engineEnv(t, { git: false });
    const out = path.join(e.root, 'out.txt');
    const o = await e.runText(`- shell: "echo '[\${step.files_added}][\${workflow.commit_count}]' > ${out}"\n`, {
      worktree: false,
    });
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(read(out).trim(), '[][0]');
  });
});

describe('id: and outputs:', () => {
  it('${id.output}, ${id.exit_code}, ${id.success} and a file_pattern output; the outputs survive a resume', async (t) => {
    const e = engineEnv(t);
    const gate = path.join(e.root, 'gate');
    const out = path.join(e.root, 'out.txt');
    const first = await e.runText(`
- shell: "mkdir -p specs && echo spec > specs/42-coverage-improvements.md && git add -A && git commit -qm spec && echo made it"
  id: coverage
  outputs:
    spec:
      file_pattern: "*-coverage-improvements.md"
- shell: "test -f ${gate}"
- shell: "echo '\${coverage.spec}|\${coverage.output}|\${coverage.exit_code}|\${coverage.success}' > ${out}"
`);
    assert.equal(first.status, 'Failed');
    const saved = e.checkpointFile(first.sessionId).variable_state;
    const wt = e.worktreePath(first.sessionId);
    assert.equal(saved['coverage.spec'], path.join(wt, 'specs', '42-coverage-improvements.md'));
    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({ manager: e.manager, sessionId: first.sessionId, merge: 'never' });
    assert.equal(resumed.status, 'Completed', resumed.error);
    assert.equal(read(out).trim(), `${path.join(wt, 'specs', '42-coverage-improvements.md')}|made it|0|true`);
  });

  it('a failed step with an id still sets its exit_code and success (for an on_failure handler or a later step)', async (t) => {
    const e = engineEnv(t);
    const out = path.join(e.root, 'out.txt');
    const o = await e.runText(`
- shell: "echo partial; exit 4"
  id: build
  on_failure: true
- shell: "echo '\${build.exit_code} \${build.success} \${build.output}' > ${out}"
`);
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(read(out).trim(), '4 false partial');
  });

  it('an output no file matches fails the step, naming the output and its pattern', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`
- shell: "echo nothing"
  id: review
  outputs:
    spec: {file_pattern: "*-spec.md"}
`);
    assert.equal(o.status, 'Failed');
    assert.match(o.error, /outputs\.spec: no file matches "\*-spec\.md"/);
  });

  it('outputs without id:, and a malformed capture_streams, are positioned load errors', () => {
    assert.throws(
      () => core.loadWorkflowText('- shell: "x"\n  outputs:\n    spec: {file_pattern: "*.md"}\n', '/w/a.yml'),
      (err) => /^\/w\/a\.yml:2:3: step 1: outputs: needs an id:/.test(err.message),
    );
    assert.throws(
      () => core.loadWorkflowText('- shell: "x"\n  capture_streams: 5\n', '/w/b.yml'),
      (err) => /^\/w\/b\.yml:2:20: step 1: capture_streams must be stdout, stderr, both or a map/.test(err.message),
    );
    assert.throws(
      () => core.loadWorkflowText('- shell: "x"\n  id: "a.b"\n', '/w/c.yml'),
      (err) => /^\/w\/c\.yml:2:7: step 1: id must be letters, digits/.test(err.message),
    );
  });
});

describe('capture_streams', () => {
  it('the map form picks the streams of the value and the metadata kept; the string form picks the stream', async (t) => {
    const e = engineEnv(t, { git: false });
    const out = path.join(e.root, 'out.txt');
    const o = await e.runText(
      `
- shell: "echo out; echo err >&2"
  capture_output: res
  capture_streams:
    stdout: true
    stderr: true
    duration: false
- shell: "echo out; echo oops >&2"
  capture: only_err
  capture_streams: stderr
- shell: "echo out"
  capture: plain
- shell: |
    printf '%s|' "\${res}" "\${res.stderr}" "\${res.exit_code}" "\${res.success}" "\${res.duration:-no duration}" > ${out}
    printf '%s|' "\${only_err}" "\${plain.duration}" >> ${out}
`,
      { worktree: false },
    );
    assert.equal(o.status, 'Completed', o.error);
    const [value, stderr, code, success, duration, onlyErr, plainDuration] = read(out).split('|');
    assert.equal(value, 'out\nerr');
    assert.equal(stderr, 'err');
    assert.equal(code, '0');
    assert.equal(success, 'true');
    assert.equal(duration, 'no duration');
    assert.equal(onlyErr, 'oops');
    assert.match(plainDuration, /^\d+(\.\d+)?$/);
  });
});

describe('computed values', () => {
  it('env., file:, cmd:, json: (both documented forms), date:, uuid, workflow.name, workflow.id and workflow.iteration', async (t) => {
    const e = engineEnv(t, { git: false });
    const out = path.join(e.root, 'out.txt');
    fs.writeFileSync(path.join(e.repo, 'VERSION'), '1.2.3\n');
    fs.writeFileSync(path.join(e.repo, 'package.json'), '{"name": "pkg", "items": [{"n": "first"}]}');
    const o = await e.runText(
      `name: computed
commands:
  - shell: "echo '{\\"a\\": {\\"b\\": [10, 20]}}'"
    capture: data
    capture_format: json
  - shell: |
      printf '%s\\n' "\${env.MY_SETTING}" "\${file:VERSION}" "\${cmd:echo from-cmd}" "\${json:a.b[1]:from:data}" \\
        "\${json:items.0.n:package.json}" "\${date:%Y}" "\${uuid}" "\${workflow.name}" "\${workflow.id}" "\${workflow.iteration}" > ${out}
`,
      { worktree: false, env: { MY_SETTING: 'on' } },
    );
    assert.equal(o.status, 'Completed', o.error);
    const [env, file, cmd, json, jsonFile, year, uuid, name, id, iteration] = read(out).trim().split('\n');
    assert.deepEqual([env, file, cmd, json, jsonFile], ['on', '1.2.3', 'from-cmd', '20', 'first']);
    assert.equal(year, String(new Date().getFullYear()));
    assert.match(uuid, UUID);
    assert.equal(name, 'computed');
    assert.equal(id, o.sessionId);
    assert.equal(iteration, '1');
  });

  it('a computed value that cannot be computed fails the step with the placeholder and the reason', async (t) => {
    const e = engineEnv(t, { git: false });
    const o = await e.runText('- shell: "cat ${file:missing.txt}"\n', { worktree: false });
    assert.equal(o.status, 'Failed');
    assert.match(o.error, /\$\{file:missing\.txt\} cannot be resolved: cannot read .*missing\.txt/);
  });
});

describe('unresolved placeholders', () => {
  it("fail the step with the placeholder's name, before the shell sees it; shell syntax is left to the shell", async (t) => {
    const e = engineEnv(t, { git: false });
    const out = path.join(e.root, 'out.txt');
    const o = await e.runText(
      `
- shell: 'for f in a.md; do echo "\${f%.md} \${HOME:+home}" > ${out}; done'
- shell: "echo \${coverge.spec}"
- shell: "echo never > ${out}.2"
`,
      { worktree: false },
    );
    assert.equal(o.status, 'Failed');
    assert.equal(read(out).trim(), 'a home');
    assert.match(o.error, /^Step 'shell: echo \$\{coverge\.spec\}': \$\{coverge\.spec\} is not set/);
    assert.doesNotMatch(o.error, /Bad substitution/);
    assert.equal(fs.existsSync(`${out}.2`), false);
  });

  it('validate and the load diagnostics warn at the placeholder no step, capture or env defines', async (t) => {
    const text = `- shell: "make"
  id: coverage
- claude: "/implement \${coverage.output} \${coverge.spec}"
- shell: "echo \${item.x} \${merge.worktree} \${undefined_ok:-d} \${PLAIN}"
`;
    const { warnings } = core.analyzeWorkflowText(text, '/w/wf.yml');
    const undefinedWarnings = warnings.filter((w) => /is not defined/.test(w.message));
    assert.equal(undefinedWarnings.length, 1, JSON.stringify(warnings));
    assert.deepEqual(
      { line: undefinedWarnings[0].line, col: undefinedWarnings[0].col },
      { line: 3, col: 42 },
      'at the placeholder itself',
    );
    assert.match(undefinedWarnings[0].message, /\$\{coverge\.spec\} is not defined: no step has id: coverge/);

    const e = engineEnv(t, { git: false });
    const file = e.writeWorkflow(text);
    const r = await runCli(['validate', file]);
    assert.match(
      r.stdout + r.stderr,
      new RegExp(`${file.replace(/[.]/g, '\\.')}:3:42: .*\\$\\{coverge\\.spec\\} is not defined`),
    );
  });
});

describe('merge.* in a custom merge', () => {
  it('the full set: worktree, branches, session, commits (JSON), counts, files and ids; list modifiers apply', async (t) => {
    const e = engineEnv(t);
    const out = path.join(e.root, 'merge');
    fs.mkdirSync(out);
    const o = await e.runText(
      `commands:
  - shell: "echo x > x.txt && git add x.txt && git commit -qm 'add x'"
  - shell: "echo y > y.md && echo more >> README.md && git add -A && git commit -qm 'add y'"
merge:
  - shell: |
      echo "\${merge.worktree}|\${merge.session_id}|\${merge.source_branch}|\${merge.target_branch}" > ${out}/basic.txt
      echo "\${merge.commit_count}|\${merge.file_count}|\${merge.file_list}|\${merge.commit_ids}" > ${out}/counts.txt
      echo '\${merge.commits}' > ${out}/commits.json
      echo '\${merge.modified_files}' > ${out}/files.json
      echo "\${merge.modified_files:*.md}" > ${out}/md.txt
`,
      { merge: 'always' },
    );
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(o.merge.status, 'merged');
    const id = o.sessionId;
    assert.equal(read(`${out}/basic.txt`).trim(), `${id}|${id}|prodigy-${id}|main`);
    const wt = e.worktreePath(id);
    const shas = git(wt, 'rev-list', '--reverse', 'main..HEAD').split('\n');
    const shorts = shas.map((s) => git(wt, 'rev-parse', '--short', s));
    assert.equal(read(`${out}/counts.txt`).trim(), `2|3|README.md,x.txt,y.md|${shorts.join(',')}`);
    const commits = JSON.parse(read(`${out}/commits.json`));
    assert.deepEqual(
      commits.map((c) => [c.id, c.short_id, c.message, c.files_changed]),
      [
        [shas[0], shorts[0], 'add x', ['x.txt']],
        [shas[1], shorts[1], 'add y', ['README.md', 'y.md']],
      ],
    );
    assert.equal(commits[1].stats.insertions, 2);
    assert.deepEqual(JSON.parse(read(`${out}/files.json`)), [
      { path: 'README.md', status: 'modified' },
      { path: 'x.txt', status: 'added' },
      { path: 'y.md', status: 'added' },
    ]);
    assert.equal(read(`${out}/md.txt`).trim(), 'README.md y.md');
  });
});

describe('in a MapReduce job', () => {
  it('id:, capture_streams, git context and computed values work in agents and reduce as in standard steps', async (t) => {
    const e = engineEnv(t);
    const out = path.join(e.root, 'out');
    fs.mkdirSync(out);
    const o = await e.runText(
      mapReduceJob({
        items: [{ name: 'a' }, { name: 'b' }],
        agent: `    - shell: "echo \${item.name} > \${item.name}.txt && git add -A && git commit -qm \${item.name}"
      id: made
    - shell: "echo '\${made.exit_code} \${step.files_added} \${workflow.name}' > ${out}/\${item.name}.txt"`,
        reduce: `  - shell: "echo done; echo warn >&2"
    capture: r
    capture_streams: both
  - shell: "echo '\${r}|\${r.success}|\${uuid}' > ${out}/reduce.txt"`,
      }),
      { merge: 'never' },
    );
    assert.equal(o.status, 'Completed', o.error);
    assert.equal(read(`${out}/a.txt`).trim(), '0 a.txt test-job');
    assert.equal(read(`${out}/b.txt`).trim(), '0 b.txt test-job');
    const [value, success, uuid] = read(`${out}/reduce.txt`).trim().split('|');
    assert.equal(value, 'done\nwarn');
    assert.equal(success, 'true');
    assert.match(uuid, UUID);
  });

  it('${step.name} and ${step.index} in every phase: name:, else id:, else the step as shown; zero-based', async (t) => {
    const e = engineEnv(t);
    const out = path.join(e.root, 'out');
    fs.mkdirSync(out);
    const note = (file) => `shell: "echo '\${step.name}|\${step.index}' >> ${out}/${file}"`;
    // A step shown by its command: printenv prints its name as given, without a shell reading the text.
    const unnamed = `shell: "printenv N >> ${out}/std.txt"`;
    const std = await e.runText(`
- ${note('std.txt')}
  name: first
- ${note('std.txt')}
  id: second
- ${unnamed}
  env:
    N: "\${step.name}"
`);
    assert.equal(std.status, 'Completed', std.error);
    assert.deepEqual(read(`${out}/std.txt`).trim().split('\n'), [
      'first|0',
      'second|1',
      `shell: printenv N >> ${out}/std.txt`,
    ]);
    const job = await e.runText(
      mapReduceJob({
        items: [{ name: 'a' }],
        agent: `    - shell: "true"
    - ${note('agent.txt')}
      name: agent-note`,
        reduce: `  - ${note('reduce.txt')}
    name: reduce-note`,
      }).replace('setup:\n', `setup:\n  - ${note('setup.txt')}\n    name: setup-note\n`),
      { merge: 'never' },
    );
    assert.equal(job.status, 'Completed', job.error);
    assert.equal(read(`${out}/setup.txt`).trim(), 'setup-note|0');
    assert.equal(read(`${out}/agent.txt`).trim(), 'agent-note|1');
    assert.equal(read(`${out}/reduce.txt`).trim(), 'reduce-note|0');
  });
});
