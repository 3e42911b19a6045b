// The workflow loader (src/core/workflow/loader.ts) against test/fixtures/workflows: every valid
// file loads to the expected normalized shape, every malformed one fails with one line
// `file:line:col: reason` at the right place, and the many forms of on_failure, validate, legacy
// steps, steps:, JSON and MapReduce normalize as specified (prodigy-workflows.md §1–§3).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { core, ROOT } from './helpers/env.mjs';

const { loadWorkflowFile, loadWorkflowText, WorkflowLoadError } = core;
const DIR = path.join(ROOT, 'test', 'fixtures', 'workflows');
const rel = (name) => path.relative(process.cwd(), path.join(DIR, name)) || name;
const load = (name) => loadWorkflowFile(rel(name));
const yaml = (text, file = 'wf.yml') => loadWorkflowText(text, file);

/** The error `fn` throws, checked to be a WorkflowLoadError with a one-line message. */
function loadError(fn) {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof WorkflowLoadError, `expected a WorkflowLoadError, got ${err?.name}: ${err?.message}`);
    assert.ok(!err.message.includes('    at '), `no stack frames in: ${err.message}`);
    assert.ok(!err.message.includes('\n'), `one line: ${JSON.stringify(err.message)}`);
    return err;
  }
  assert.fail('expected the load to fail');
}

/** Steps without their positions, for deepEqual against literal expectations. */
function bare(value) {
  return JSON.parse(JSON.stringify(value, (k, v) => (k === 'position' ? undefined : v)));
}

const shellStep = (command, extra = {}) => ({
  kind: 'shell',
  command,
  display: `shell: ${command}`,
  commit_required: false,
  capture_output: false,
  capture_format: 'string',
  env: {},
  ...extra,
});
const claudeStep = (command, extra = {}) => ({
  ...shellStep(command, extra),
  kind: 'claude',
  display: `claude: ${command}`,
  ...extra,
});

// ---- every fixture ------------------------------------------------------------------------

const VALID = {
  'valid-list-basic.yml': { shape: 'list', steps: 3 },
  'valid-commands-basic.yml': { shape: 'commands', steps: 3, name: 'build-and-review' },
  'valid-steps-alias.yml': { shape: 'commands', steps: 2, name: 'steps-alias' },
  'valid-json-commands.json': { shape: 'commands', steps: 3, name: 'json-workflow', format: 'json' },
  'valid-json-list.json': { shape: 'list', steps: 2, format: 'json' },
  'valid-env-secrets-merge.yml': { shape: 'commands', steps: 1, merge: 2 },
  'valid-merge-list.yml': { shape: 'commands', steps: 1, merge: 1 },
  'valid-on-failure-forms.yml': { shape: 'list', steps: 11, warnings: 1 },
  'valid-on-success.yml': { shape: 'list', steps: 2 },
  'valid-validate.yml': { shape: 'commands', steps: 4 },
  'valid-write-file.yml': { shape: 'list', steps: 4 },
  'valid-capture.yml': { shape: 'list', steps: 9, warnings: 0 },
  'valid-legacy-steps.yml': { shape: 'list', steps: 7, warnings: 2 },
  'valid-empty-commands.yml': { shape: 'commands', steps: 0, warnings: 1 },
  'valid-unknown-keys.yml': { shape: 'commands', steps: 3, warnings: 6 },
  'valid-mapreduce-basic.yml': { shape: 'mapreduce', phases: [0, 1, 0] },
  'valid-mapreduce-nested.yml': { shape: 'mapreduce', phases: [1, 2, 1], merge: 1, warnings: 1 },
  'valid-mapreduce-shell-only.yml': { shape: 'mapreduce', phases: [1, 2, 1] },
  'valid-shell-only-list.yml': { shape: 'list', steps: 4 },
  'valid-shell-only-commands.yml': { shape: 'commands', steps: 5, name: 'shell-only' },
  'valid-shell-only-retry.yml': { shape: 'commands', steps: 3, name: 'shell-only-retry' },
  'valid-prodigy-debug-tests.yml': { shape: 'list', steps: 2 },
  'valid-prodigy-implement-spec.yml': { shape: 'commands', steps: 3, name: 'implement-spec' },
  'valid-prodigy-debt-mapreduce.yml': {
    shape: 'mapreduce',
    phases: [1, 2, 2],
    merge: 2,
    name: 'parallel-debt-elimination',
  },
  'valid-prodigy-coverage.yml': { shape: 'list', steps: 4, warnings: 0 },
  'valid-prodigy-environment-example.yml': { shape: 'commands', steps: 3 },
};

// [line, col, text the message contains]
const MALFORMED = {
  'malformed-bad-indentation.yml': [4, 1, 'Sequence item without - indicator'],
  'malformed-tab-indent.yml': [3, 1, 'Tabs are not allowed as indentation'],
  'malformed-unclosed-quote.yml': [2, 21, 'Missing closing'],
  'malformed-duplicate-key.yml': [4, 3, 'Map keys must be unique'],
  'malformed-json-syntax.json': [5, 5, 'invalid JSON'],
  'malformed-scalar-top-level.yml': [2, 1, 'expected a list of steps, or an object with `commands:`'],
  'malformed-empty.yml': [1, 1, 'the file is empty: expected a list of steps, or an object with `commands:`'],
  'malformed-comments-only.yml': [1, 1, 'the file is empty'],
  'malformed-no-commands-key.yml': [2, 1, 'expected a list of steps, or an object with `commands:`'],
  'malformed-no-command.yml': [4, 5, 'step 2 has no command (claude:, shell: or write_file:)'],
  'malformed-two-commands.yml': [3, 3, 'step 1 has both claude: and shell:'],
  'malformed-timeout-type.yml': [5, 14, 'timeout must be a number of seconds, got "soon"'],
  'malformed-foreach.yml': [3, 3, 'step 2: foreach needs do: (the steps to run for each item, with ${item})'],
  'malformed-goal-seek.yml': [2, 3, 'goal_seek: was removed from Prodigy'],
  'malformed-bad-secrets.yml': [
    5,
    16,
    'secrets.DB_PASSWORD must be the name of an environment variable or {provider, key}, got 12345',
  ],
  'malformed-secret-missing-key.yml': [4, 3, 'secrets.DB_PASSWORD.key is required'],
  'malformed-on-failure-max-attempts.yml': [5, 19, 'on_failure.max_attempts must be a number (1 or more), got "three"'],
  'malformed-write-file-dotdot.yml': [3, 11, 'write_file.path must stay inside the working directory'],
  'malformed-mapreduce-no-map.yml': [2, 1, 'a MapReduce workflow needs map:'],
  'malformed-mapreduce-max-parallel.yml': [
    6,
    17,
    'map.max_parallel must be a number (1 or more) or "$VAR"/"${VAR}", got "lots"',
  ],
  'malformed-commands-and-steps.yml': [4, 1, 'both commands: and steps:'],
  'malformed-handler-write-file.yml': [4, 7, 'an on_failure handler must be a claude: or shell: command'],
};

describe('workflow fixtures', () => {
  it('every fixture file is listed here (as valid or malformed)', () => {
    // Only the files at the top: subfolders (engine/) belong to other suites.
    const files = fs
      .readdirSync(DIR, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name);
    for (const f of files) assert.ok(f in VALID || f in MALFORMED, `unlisted fixture ${f}`);
    for (const f of [...Object.keys(VALID), ...Object.keys(MALFORMED)])
      assert.ok(files.includes(f), `missing fixture ${f}`);
  });

  for (const [file, want] of Object.entries(VALID)) {
    it(`loads ${file}`, () => {
      const text = fs.readFileSync(path.join(DIR, file), 'utf8');
      const wf = load(file);
      assert.equal(wf.shape, want.shape);
      assert.equal(wf.format, want.format ?? 'yaml');
      assert.equal(wf.path, path.join(DIR, file));
      assert.ok(path.isAbsolute(wf.path));
      assert.equal(wf.hash, createHash('sha256').update(text).digest('hex'));
      if (want.name !== undefined) assert.equal(wf.name, want.name);
      if (want.phases) {
        const mr = wf.mapreduce;
        assert.deepEqual([mr.setup.steps.length, mr.map.agent_template.length, mr.reduce.length], want.phases);
        assert.deepEqual(wf.steps, []);
      } else {
        assert.equal(wf.steps.length, want.steps);
        assert.equal(wf.mapreduce, undefined);
      }
      assert.equal(wf.merge?.steps.length, want.merge);
      assert.equal(wf.warnings.length, want.warnings ?? 0, JSON.stringify(wf.warnings));
      for (const w of wf.warnings) assert.ok(w.line >= 1 && w.col >= 1 && w.message, JSON.stringify(w));
      const sorted = [...wf.warnings].sort((a, b) => a.line - b.line || a.col - b.col);
      assert.deepEqual(wf.warnings, sorted);
      for (const s of wf.steps) assert.ok(s.position.line >= 1, 'steps carry their position');
    });
  }

  for (const [file, [line, col, text]] of Object.entries(MALFORMED)) {
    it(`refuses ${file} at ${line}:${col}`, () => {
      const err = loadError(() => load(file));
      assert.ok(err.message.startsWith(`${rel(file)}:${line}:${col}: `), err.message);
      assert.ok(err.message.includes(text), `"${err.message}" should contain "${text}"`);
      assert.equal(err.file, rel(file));
      assert.equal(err.line, line);
      assert.equal(err.col, col);
    });
  }

  it('shell-only fixtures need nothing but sh', () => {
    const all = (wf) => [
      ...wf.steps,
      ...(wf.mapreduce
        ? [...wf.mapreduce.setup.steps, ...wf.mapreduce.map.agent_template, ...wf.mapreduce.reduce]
        : []),
    ];
    for (const file of Object.keys(VALID).filter((f) => f.includes('shell-only'))) {
      for (const step of all(load(file))) {
        assert.notEqual(step.kind, 'claude', `${file}: ${step.display}`);
        for (const h of step.on_failure?.handlers ?? []) assert.equal(h.kind, 'shell', `${file}: ${h.display}`);
      }
    }
  });
});

// ---- the file itself ---------------------------------------------------------------------------

describe('reading the file', () => {
  it('a missing file is a WorkflowLoadError naming it, without a position', () => {
    const file = path.join(os.tmpdir(), `no-such-workflow-${process.pid}.yml`);
    const err = loadError(() => loadWorkflowFile(file));
    assert.equal(err.message, `${file}: workflow file not found`);
    assert.equal(err.line, undefined);
  });

  it('a directory is refused by name', () => {
    const err = loadError(() => loadWorkflowFile(DIR));
    assert.equal(err.message, `${DIR}: is a directory, not a workflow file`);
  });

  it('the extension decides the format: .yml/.yaml YAML, anything else JSON', () => {
    assert.equal(yaml('- shell: x\n', 'a.YAML').format, 'yaml');
    assert.equal(yaml('[{"shell": "x"}]', 'a.json').format, 'json');
    assert.equal(yaml('[{"shell": "x"}]', 'workflow').format, 'json');
    // YAML in a .json file still loads (JSON is read as YAML), with a warning.
    assert.match(yaml('- shell: x\n', 'w.json').warnings[0].message, /not strict JSON/);
    assert.ok(loadError(() => yaml('[{"shell": "x"', 'w.json')).message.startsWith('w.json:1:'));
  });

  it('JSON that is not strict JSON loads with a warning', () => {
    const wf = yaml('{"commands": [{"shell": "x"},]}', 'w.json');
    assert.equal(wf.steps.length, 1);
    assert.match(wf.warnings[0].message, /not strict JSON/);
  });

  it('a byte-order mark is ignored; the hash covers the text as given', () => {
    const text = '\uFEFF- shell: x\n';
    const wf = yaml(text);
    assert.equal(wf.steps[0].command, 'x');
    assert.equal(wf.hash, createHash('sha256').update(text).digest('hex'));
  });

  it('anchors, aliases and merge keys are resolved', () => {
    const wf = yaml('defaults: &d {timeout: 5}\ncommands:\n  - &s\n    <<: *d\n    shell: a\n  - *s\n', 'w.yml');
    assert.equal(wf.steps[0].timeout, 5);
    assert.deepEqual(bare(wf.steps[1]), bare(wf.steps[0]));
    assert.ok(wf.warnings.some((w) => w.message.includes('`defaults`')));
  });
});

// ---- shapes -------------------------------------------------------------------------------------

describe('shapes', () => {
  it('steps: is an alias of commands: with no warning', () => {
    const a = yaml('name: n\nsteps:\n  - shell: a\n');
    const b = yaml('name: n\ncommands:\n  - shell: a\n');
    assert.equal(a.shape, 'commands');
    assert.deepEqual(a.steps, b.steps);
    assert.deepEqual(a.warnings, []);
  });

  it('JSON and YAML of the same workflow load the same', () => {
    const j = load('valid-json-commands.json');
    const y = yaml(
      'name: json-workflow\nenv: {MODE: ci, RETRIES: 2}\ncommands:\n' +
        '  - {shell: echo building, timeout: 60}\n' +
        '  - {claude: /prodigy-fix, commit_required: true, on_failure: {shell: git status, max_attempts: 2}}\n' +
        '  - write_file: {path: out/result.json, content: \'{"ok": true}\', format: json, create_dirs: true}\n',
    );
    assert.deepEqual(bare(j.steps), bare(y.steps));
    assert.deepEqual(j.env, { MODE: 'ci', RETRIES: '2' });
  });

  it('a list form workflow has no name, env or secrets', () => {
    const wf = load('valid-list-basic.yml');
    assert.equal(wf.name, '');
    assert.deepEqual(wf.env, {});
    assert.deepEqual(wf.secrets, {});
  });

  it('mode is read from the parsed top level only (a comment does not make MapReduce)', () => {
    const wf = yaml('# mode: mapreduce\ncommands:\n  - shell: a\n');
    assert.equal(wf.shape, 'commands');
    assert.equal(yaml('mode: standard\ncommands: [shell: a]\n').warnings.length, 0);
    assert.match(yaml('mode: fast\ncommands: [shell: a]\n').warnings[0].message, /mode must be standard or mapreduce/);
  });

  it('commands: [] loads with a warning; so does an empty list', () => {
    const wf = load('valid-empty-commands.yml');
    assert.deepEqual(wf.steps, []);
    assert.deepEqual(wf.warnings, [{ line: 3, col: 1, message: 'the workflow has no steps: there is nothing to run' }]);
    assert.equal(yaml('[]\n').warnings.length, 1);
  });

  it('a map with map: but no mode hints at mode: mapreduce', () => {
    const err = loadError(() => yaml('name: x\nmap:\n  input: a\n'));
    assert.match(err.message, /^wf\.yml:1:1: .*add mode: mapreduce\?/);
  });

  it('a scalar or a number at the top level is refused with the expected shapes', () => {
    const err = loadError(() => yaml('42\n'));
    assert.equal(
      err.message,
      'wf.yml:1:1: expected a list of steps, or an object with `commands:` (or `mode: mapreduce`), got 42',
    );
  });
});

// ---- steps ---------------------------------------------------------------------------------------

describe('steps', () => {
  it('fill every field, with defaults', () => {
    const [s] = load('valid-list-basic.yml').steps;
    assert.deepEqual(s, {
      kind: 'claude',
      command: '/prodigy-code-review',
      display: 'claude: /prodigy-code-review',
      commit_required: true,
      capture_output: false,
      capture_format: 'string',
      env: {},
      position: { line: 2, col: 3 },
    });
  });

  it('options: name label, timeout (numeric string), working_dir, env (stringified), output_file', () => {
    const [build, review] = load('valid-commands-basic.yml').steps;
    assert.deepEqual(
      bare(build),
      shellStep('cargo build --release', {
        name: 'Build',
        timeout: 300,
        working_dir: 'crates/core',
        env: { RUST_LOG: 'debug', JOBS: '4' },
      }),
    );
    assert.equal(review.output_file, '.prodigy/review.md');
    assert.equal(review.commit_required, true);
  });

  it('legacy string and name: steps are Claude commands that must commit; args are kept', () => {
    const steps = bare(load('valid-legacy-steps.yml').steps);
    assert.deepEqual(steps[0], claudeStep('/prodigy-lint', { commit_required: true }));
    assert.deepEqual(steps[1], claudeStep('/prodigy-code-review --focus security', { commit_required: true }));
    assert.deepEqual(steps[2], claudeStep('/prodigy-cleanup', { commit_required: true }));
    assert.deepEqual(steps[3], claudeStep('/prodigy-implement spec-01 --fast', { commit_required: false }));
    // name: next to a command is a label, not a legacy /Build call (Prodigy's quirk).
    assert.deepEqual(steps[4], shellStep('make', { name: 'Build' }));
    // test: is shell + on_failure, with a deprecation warning.
    assert.equal(steps[5].kind, 'shell');
    assert.equal(steps[5].command, 'cargo test');
    assert.deepEqual(steps[5].on_failure, {
      ignore: false,
      handlers: [claudeStep('/prodigy-debug-test-failure')],
      max_attempts: 2,
      fail_workflow: false,
    });
    assert.deepEqual(steps[6], claudeStep('/prodigy-old-style', { commit_required: true }));
    const warnings = load('valid-legacy-steps.yml').warnings.map((w) => `${w.line}:${w.col} ${w.message}`);
    assert.deepEqual(warnings, [
      '10:3 step 6: test: is deprecated, read as shell: "cargo test" with its on_failure',
      '15:3 step 7: command: is a legacy key, read as claude: "/prodigy-old-style"',
    ]);
  });

  it('display is the command before interpolation', () => {
    const wf = yaml('- claude: /fix ${item}\n- shell: echo $X\n- write_file: {path: "o/${a}.txt", content: c}\n');
    assert.deepEqual(
      wf.steps.map((s) => s.display),
      ['claude: /fix ${item}', 'shell: echo $X', 'write_file: o/${a}.txt'],
    );
    assert.equal(wf.steps[2].command, '');
  });

  it('capture: output true/false/name, formats with text as string, output_file, both capture_streams forms', () => {
    const wf = load('valid-capture.yml');
    const got = wf.steps.map((s) => [s.capture_output, s.capture ?? null, s.capture_format]);
    assert.deepEqual(got, [
      [false, null, 'string'],
      [true, null, 'string'],
      ['files', null, 'lines'],
      [false, 'pkg', 'json'],
      [false, 'line_count', 'number'],
      [false, 'is_repo', 'boolean'],
      [false, 'os', 'string'],
      [false, null, 'string'],
      [false, 'build', 'string'],
    ]);
    assert.equal(wf.steps[7].output_file, '.prodigy/test-output.txt');
    const meta = { exit_code: true, success: true, duration: true };
    assert.deepEqual(wf.steps[7].capture_streams, { stdout: true, stderr: true, ...meta });
    assert.deepEqual(wf.steps[8].capture_streams, { stdout: true, stderr: true, ...meta });
    assert.deepEqual(wf.warnings, []);
  });

  it('an unknown capture_format is a warning and reads as string', () => {
    const wf = yaml('- shell: a\n  capture: x\n  capture_format: csv\n');
    assert.equal(wf.steps[0].capture_format, 'string');
    assert.deepEqual(wf.warnings, [
      {
        line: 3,
        col: 19,
        message: 'step 1: capture_format must be one of string, json, lines, number, boolean; got "csv", using string',
      },
    ]);
  });

  it('write_file: defaults, formats, mode (an unquoted 0755 too), create_dirs', () => {
    const specs = load('valid-write-file.yml').steps.map((s) => s.write_file);
    assert.deepEqual(specs, [
      { path: 'notes.txt', content: 'hello', format: 'text', create_dirs: false },
      { path: 'out/${item.name}.json', content: '{"a": 1}', format: 'json', create_dirs: true },
      { path: 'config.yml', content: 'key: value\n', format: 'yaml', mode: '0600', create_dirs: false },
      { path: 'script.sh', content: '#!/bin/sh\necho hi\n', format: 'text', mode: '0755', create_dirs: false },
    ]);
  });

  it('write_file errors: missing content, bad format, bad mode, a ".." segment anywhere', () => {
    assert.match(
      loadError(() => yaml('- write_file: {path: a}\n')).message,
      /^wf\.yml:1:3: write_file\.content is required/,
    );
    assert.match(
      loadError(() => yaml('- write_file: {path: a, content: b, format: xml}\n')).message,
      /write_file\.format must be one of text, json, yaml, got "xml"/,
    );
    assert.match(
      loadError(() => yaml('- write_file: {path: a, content: b, mode: rwx}\n')).message,
      /write_file\.mode must be an octal mode string/,
    );
    assert.match(
      loadError(() => yaml('- write_file: {path: "a/../../b", content: b}\n')).message,
      /stay inside the working directory/,
    );
    assert.equal(yaml('- write_file: {path: "a/..b", content: c}\n').steps[0].write_file.path, 'a/..b');
  });

  it('a step with no command, with two, or of the wrong type is an error at the step', () => {
    assert.equal(
      loadError(() => yaml('- shell: a\n- timeout: 3\n')).message,
      'wf.yml:2:3: step 2 has no command (claude:, shell: or write_file:)',
    );
    assert.equal(
      loadError(() => yaml('- shel: a\n')).message,
      'wf.yml:1:3: step 1 has no command (claude:, shell: or write_file:); did you mean shell: instead of shel:?',
    );
    assert.match(
      loadError(() => yaml('- shell: a\n  write_file: {path: a, content: b}\n')).message,
      /^wf\.yml:2:3: step 1 has both shell: and write_file:/,
    );
    assert.match(
      loadError(() => yaml('- claude: a\n  test: {command: b}\n')).message,
      /step 1 has both claude: and test:/,
    );
    assert.equal(
      loadError(() => yaml('- 42\n')).message,
      'wf.yml:1:3: step 1 must be a map with claude:, shell: or write_file:, or a command string; got 42',
    );
    assert.equal(
      loadError(() => yaml('-\n- shell: a\n')).message,
      'wf.yml:1:2: step 1 is empty: expected claude:, shell: or write_file:',
    );
    assert.equal(
      loadError(() => yaml('- shell:\n')).message,
      'wf.yml:1:3: shell must be a non-empty string, got nothing (null)',
    );
  });

  it('option types are checked, with the key and the value in the message', () => {
    const cases = [
      ['- shell: a\n  commit_required: "yes"\n', 'wf.yml:2:20: commit_required must be true or false, got "yes"'],
      ['- shell: a\n  timeout: -5\n', 'wf.yml:2:12: timeout must be a number of seconds, got -5'],
      [
        '- shell: a\n  capture_output: 3\n',
        'wf.yml:2:19: capture_output must be true, false or a variable name, got 3',
      ],
      ['- shell: a\n  env: [A]\n', 'wf.yml:2:8: env must be a map of NAME: value, got a list'],
      ['- shell: a\n  working_dir: {}\n', 'wf.yml:2:16: working_dir must be a non-empty string, got a map'],
      [
        'commands:\n  - shell: a\n    on_failure:\n      max_retries: -1\n',
        'wf.yml:4:20: on_failure.max_retries must be a number (0 or more), got -1',
      ],
    ];
    for (const [text, message] of cases) assert.equal(loadError(() => yaml(text)).message, message);
  });

  it('a foreach without items and goal_seek are errors at their key', () => {
    assert.match(
      loadError(() => yaml('- foreach: {do: [shell: x]}\n')).message,
      /^wf\.yml:1:12: step 1: foreach needs its items: items: \[a, b\] \(a list\)/,
    );
    assert.match(
      loadError(() => yaml('- shell: a\n  goal_seek: {goal: x}\n')).message,
      /^wf\.yml:2:3: step 1: goal_seek: was removed from Prodigy/,
    );
  });

  it('an analyze: step is skipped with a warning', () => {
    const wf = yaml('- analyze: {force_refresh: true}\n- shell: a\n');
    assert.equal(wf.steps.length, 1);
    assert.deepEqual(wf.warnings, [
      { line: 1, col: 3, message: 'step 1: analyze: was removed from Prodigy (v0.3.0); the step is skipped' },
    ]);
  });

  it('unknown and unsupported keys are warnings at the key, with "did you mean"', () => {
    const wf = load('valid-unknown-keys.yml');
    const got = wf.warnings.map((w) => `${w.line}:${w.col} ${w.message}`);
    assert.deepEqual(got, [
      '18:5 Unknown key `colour` in step 1, ignored',
      '19:5 Unknown key `timout` in step 1: did you mean `timeout`?',
      '25:5 step 2: analysis: was removed from Prodigy (v0.3.0), ignored',
      '27:21 step 2: capture_format must be one of string, json, lines, number, boolean; got "yaml", using string',
      '28:5 step 3: analyze: was removed from Prodigy (v0.3.0); the step is skipped',
      '33:7 Unknown key `max_atempts` in step 4 on_failure: did you mean `max_attempts`?',
    ]);
    // The steps themselves are intact: the timout typo leaves the default.
    assert.equal(wf.steps[0].timeout, undefined);
    assert.equal(wf.steps[2].command, 'echo after');
  });
});

// ---- on_failure ---------------------------------------------------------------------------------

describe('on_failure forms', () => {
  const forms = () =>
    load('valid-on-failure-forms.yml').steps.map((s) => (s.on_failure ? bare(s.on_failure) : undefined));

  it('true: ignore; false: none', () => {
    const [t, f] = forms();
    assert.deepEqual(t, { ignore: true, handlers: [], max_attempts: 1, fail_workflow: false });
    assert.equal(f, undefined);
  });

  it('a string is one handler: /x Claude, anything else shell; one attempt, workflow goes on', () => {
    const [, , shell, claude] = forms();
    assert.deepEqual(shell, {
      ignore: false,
      handlers: [shellStep('make clean')],
      max_attempts: 1,
      fail_workflow: false,
    });
    assert.deepEqual(claude, {
      ignore: false,
      handlers: [claudeStep('/prodigy-debug-test-failure')],
      max_attempts: 1,
      fail_workflow: false,
    });
  });

  it('a list of strings, and a list of steps (the docs form Prodigy cannot parse)', () => {
    const [, , , , strings, maps] = forms();
    assert.deepEqual(strings.handlers, [shellStep('make clean'), claudeStep('/prodigy-fix')]);
    assert.equal(strings.max_attempts, 1);
    assert.deepEqual(maps.handlers, [
      claudeStep('/prodigy-fix ${shell.output}'),
      shellStep('make clean', { timeout: 30 }),
    ]);
  });

  it('maps: max_attempts as given, max_retries + 1, 3 with handlers, 1 without; fail_workflow default false', () => {
    const [, , , , , , testDebug, retries, commands, defaults, noHandler] = forms();
    assert.deepEqual(testDebug, {
      ignore: false,
      handlers: [claudeStep('/prodigy-debug-test-failure --output ${shell.output}')],
      max_attempts: 3,
      fail_workflow: false,
    });
    assert.deepEqual(retries, {
      ignore: false,
      handlers: [shellStep('cargo clean')],
      max_attempts: 3,
      fail_workflow: true,
    });
    assert.deepEqual(commands.handlers, [shellStep('echo cleaning'), claudeStep('/prodigy-fix')]);
    assert.equal(commands.max_attempts, 3);
    assert.deepEqual(defaults, {
      ignore: false,
      handlers: [claudeStep('/prodigy-fix')],
      max_attempts: 3,
      fail_workflow: false,
    });
    assert.deepEqual(noHandler, { ignore: false, handlers: [], max_attempts: 4, fail_workflow: true });
  });

  it('handlers keep their own positions; strategy is warned about', () => {
    const wf = load('valid-on-failure-forms.yml');
    assert.deepEqual(wf.steps[6].on_failure.handlers[0].position, { line: 21, col: 5 });
    assert.deepEqual(wf.warnings, [
      { line: 34, col: 5, message: 'step 9: on_failure.strategy: is not supported, ignored' },
    ]);
  });

  it('claude and shell in one map run in the order written; commit_required applies to them', () => {
    const f = yaml('- shell: t\n  on_failure:\n    shell: a\n    claude: /b\n    commit_required: true\n').steps[0]
      .on_failure;
    assert.deepEqual(bare(f.handlers), [
      shellStep('a', { commit_required: true }),
      claudeStep('/b', { commit_required: true }),
    ]);
  });

  it('max_attempts and max_retries together: max_attempts wins, with a warning', () => {
    const wf = yaml('- shell: t\n  on_failure: {shell: a, max_attempts: 2, max_retries: 5}\n');
    assert.equal(wf.steps[0].on_failure.max_attempts, 2);
    assert.match(wf.warnings[0].message, /both max_attempts and max_retries/);
  });

  it('wrong shapes are errors', () => {
    assert.equal(
      loadError(() => yaml('- shell: t\n  on_failure: 5\n')).message,
      'wf.yml:2:15: on_failure must be true/false, a command, a list of commands or a map with claude:/shell:/commands:, got 5',
    );
    assert.equal(
      loadError(() => yaml('- shell: t\n  on_failure: {max_attempts: 0}\n')).message,
      'wf.yml:2:30: on_failure.max_attempts must be a number (1 or more), got 0',
    );
    assert.match(
      loadError(() => yaml('- shell: t\n  on_failure: {commands: x}\n')).message,
      /on_failure\.commands must be a list of commands, got "x"/,
    );
    assert.match(
      loadError(() => yaml('- shell: t\n  on_failure: [{timeout: 1}]\n')).message,
      /^wf\.yml:2:16: step 1 on_failure\[0\] has no command \(claude: or shell:\)/,
    );
  });

  it('the test: form takes its on_failure; two on_failure are an error', () => {
    const wf = yaml('- test:\n    command: cargo test\n    on_failure: {claude: /fix}\n');
    assert.equal(wf.steps[0].on_failure.handlers[0].command, '/fix');
    assert.match(
      loadError(() => yaml('- test: {command: a, on_failure: "/x"}\n  on_failure: true\n')).message,
      /both test\.on_failure and on_failure/,
    );
  });
});

// ---- on_success, validate -----------------------------------------------------------------------

describe('on_success and validate', () => {
  it('on_success is a nested step, recursively; a string is a command', () => {
    const [build, fmt] = load('valid-on-success.yml').steps;
    assert.equal(build.on_success.command, 'cargo test');
    assert.deepEqual(bare(build.on_success.on_success), claudeStep('/prodigy-celebrate', { commit_required: true }));
    assert.deepEqual(bare(fmt.on_success), shellStep('echo formatted'));
  });

  it('validate map with on_incomplete map; defaults; bare lists; command: as shell', () => {
    const [full, list, cmds, legacy] = load('valid-validate.yml').steps.map((s) => bare(s.validate));
    assert.deepEqual(full, {
      commands: [claudeStep('/prodigy-validate-spec $ARG --output .prodigy/validation.json')],
      result_file: '.prodigy/validation.json',
      threshold: 90,
      timeout: 300,
      on_incomplete: {
        commands: [claudeStep('/prodigy-complete-spec $ARG --gaps ${validation.gaps}', { commit_required: true })],
        max_attempts: 3,
        fail_workflow: false,
        prompt: 'Continue anyway?',
      },
    });
    assert.deepEqual(list, {
      commands: [shellStep('make check > .prodigy/check.json'), claudeStep('/prodigy-score')],
      threshold: 100,
    });
    assert.deepEqual(cmds.on_incomplete, {
      commands: [claudeStep('/prodigy-fix-gaps ${validation.gaps}')],
      max_attempts: 2,
      fail_workflow: true,
    });
    assert.equal(cmds.result_file, 'result.json');
    assert.deepEqual(legacy, {
      commands: [shellStep('test -f done.txt')],
      threshold: 100,
      on_incomplete: { commands: [], max_attempts: 2, fail_workflow: true, prompt: 'Not done. Continue?' },
    });
  });

  it('validate errors: no command, two commands, threshold out of range, empty on_incomplete', () => {
    assert.equal(
      loadError(() => yaml('- shell: a\n  validate: {threshold: 90}\n')).message,
      'wf.yml:2:3: validate needs claude:, shell: or commands: (the check to run), or result_file:',
    );
    assert.match(
      loadError(() => yaml('- shell: a\n  validate: {claude: /x, shell: y}\n')).message,
      /^wf\.yml:2:26: validate has both claude: and shell:/,
    );
    assert.match(
      loadError(() => yaml('- shell: a\n  validate: {shell: y, threshold: 150}\n')).message,
      /validate\.threshold must be a number from 0 to 100, got 150/,
    );
    assert.match(
      loadError(() => yaml('- shell: a\n  validate: {shell: y, on_incomplete: {max_attempts: 2}}\n')).message,
      /validate\.on_incomplete needs claude:, shell:, commands: or prompt:/,
    );
  });
});

// ---- workflow level -------------------------------------------------------------------------------

describe('workflow-level keys', () => {
  it('env: scalars stringified; a command value kept in environment (environment.test.mjs runs it)', () => {
    const wf = load('valid-env-secrets-merge.yml');
    assert.deepEqual(wf.env, { PROJECT: 'prodigy', WORKERS: '4', DEBUG: 'true', RATIO: '0.5' });
    assert.deepEqual(wf.environment.entries.DYNAMIC, {
      kind: 'command',
      command: 'nproc',
      cache: false,
      position: { line: 10, col: 5 },
    });
    assert.deepEqual(wf.warnings, []);
  });

  it('secrets: env-var name and {provider, key}', () => {
    assert.deepEqual(load('valid-env-secrets-merge.yml').secrets, {
      API_TOKEN: { provider: 'env', key: 'GITHUB_TOKEN' },
      DB_PASSWORD: { provider: 'vault', key: 'db/password' },
    });
  });

  it('merge: {commands, timeout} and a bare list', () => {
    const m = load('valid-env-secrets-merge.yml').merge;
    assert.equal(m.timeout, 600);
    assert.deepEqual(
      m.steps.map((s) => s.display),
      ['shell: git fetch origin', 'claude: /prodigy-merge-worktree ${merge.source_branch} ${merge.target_branch}'],
    );
    assert.deepEqual(
      load('valid-merge-list.yml').merge.steps.map((s) => s.command),
      ['git merge --no-ff ${merge.source_branch}'],
    );
    assert.match(
      loadError(() => yaml('commands: []\nmerge: {timeout: 5}\n')).message,
      /^wf\.yml:2:1: merge must be a list of steps or \{commands/,
    );
  });

  it('name: a number reads as text', () => {
    assert.equal(yaml('name: 2024\ncommands: [shell: a]\n').name, '2024');
  });

  it('composable-workflow keys are composed, never ignored: a missing import is refused at it', () => {
    assert.throws(
      () => yaml('imports: [{path: missing.yml}]\ncommands: [shell: a]\n'),
      (e) => /^wf\.yml:1:18: imported workflow not found: /.test(e.message),
    );
  });
});

// ---- MapReduce -----------------------------------------------------------------------------------

describe('MapReduce', () => {
  it('defaults: json_path "", max_parallel 10, empty setup/reduce, empty error_policy', () => {
    const wf = load('valid-mapreduce-basic.yml');
    assert.equal(wf.name, 'basic-mapreduce');
    assert.deepEqual(bare(wf.mapreduce), {
      setup: { steps: [], capture_outputs: {} },
      map: { input: 'items.json', json_path: '', agent_template: [claudeStep('/process ${item}')], max_parallel: 10 },
      reduce: [],
      error_policy: {},
      policies: { error_collection: { mode: 'aggregate' } },
    });
  });

  it('nested {commands} forms, "$VAR" values, every map option, error_policy merged with shortcuts', () => {
    const wf = load('valid-mapreduce-nested.yml');
    const mr = wf.mapreduce;
    assert.equal(mr.setup.timeout, '$SETUP_TIMEOUT');
    assert.deepEqual(mr.setup.capture_outputs, { ITEM_COUNT: 0 });
    assert.equal(mr.setup.steps[0].command, 'debtmap analyze . --output items.json');
    const { agent_template, ...map } = mr.map;
    assert.deepEqual(map, {
      input: 'items.json',
      json_path: '$.items[*]',
      max_parallel: '$MAX_PARALLEL',
      filter: "score >= 5 && type == 'x'",
      sort_by: 'score DESC NULLS LAST, name',
      max_items: 10,
      offset: 2,
      distinct: 'id',
      agent_timeout_secs: '${AGENT_TIMEOUT}',
    });
    assert.equal(agent_template[0].commit_required, true);
    assert.equal(agent_template[1].on_failure.handlers[0].command, '/fix-tests ${shell.output}');
    assert.equal(mr.reduce[0].command, '/summarize ${map.results}');
    assert.equal(wf.merge.timeout, 600);
    assert.deepEqual(mr.error_policy, {
      on_item_failure: 'dlq',
      continue_on_failure: true,
      max_failures: 5,
      failure_threshold: 0.2,
      error_collection: 'aggregate',
    });
    assert.deepEqual(wf.warnings, [
      {
        line: 45,
        col: 1,
        message: 'max_failures is set both at the top level and in error_policy; the top-level value is used',
      },
    ]);
  });

  it('the list and the nested forms of a phase load the same', () => {
    const list = yaml(
      'name: x\nmode: mapreduce\nsetup: [shell: a]\nmap: {input: i, agent_template: [shell: b]}\nreduce: [shell: c]\n',
    );
    const nested = yaml(
      'name: x\nmode: mapreduce\nsetup: {commands: [shell: a]}\nmap: {input: i, agent_template: {commands: [shell: b]}}\nreduce: {commands: [shell: c]}\n',
    );
    assert.deepEqual(bare(list.mapreduce), bare(nested.mapreduce));
  });

  it('numbers in strings become numbers; "$VAR" and "${VAR}" stay', () => {
    const mr = (v) =>
      yaml(`name: x\nmode: mapreduce\nmap: {input: i, agent_template: [shell: b], max_parallel: ${v}}\n`).mapreduce.map
        .max_parallel;
    assert.equal(mr('4'), 4);
    assert.equal(mr('"4"'), 4);
    assert.equal(mr('"$N"'), '$N');
    assert.equal(mr('"${N}"'), '${N}');
    assert.match(
      loadError(() => mr('"$(nproc)"')).message,
      /map\.max_parallel must be a number \(1 or more\) or "\$VAR"/,
    );
  });

  it('name and map are required; map needs input and agent_template', () => {
    assert.equal(
      loadError(() => yaml('mode: mapreduce\nmap: {input: i, agent_template: [shell: b]}\n')).message,
      'wf.yml:1:1: a MapReduce workflow needs name:',
    );
    assert.equal(
      loadError(() => yaml('name: x\nmode: mapreduce\nmap: {agent_template: [shell: b]}\n')).message,
      'wf.yml:3:1: map.input is required (a non-empty string)',
    );
    assert.equal(
      loadError(() => yaml('name: x\nmode: mapreduce\nmap: {input: i}\n')).message,
      'wf.yml:3:1: map.agent_template is required (the steps run for each item)',
    );
  });

  it('step labels name the phase', () => {
    assert.equal(
      loadError(() => yaml('name: x\nmode: mapreduce\nmap: {input: i, agent_template: [shell: b, {timeout: 3}]}\n'))
        .message,
      'wf.yml:3:44: agent_template step 2 has no command (claude:, shell: or write_file:)',
    );
    assert.match(
      loadError(() => yaml('name: x\nmode: mapreduce\nsetup: [{}]\nmap: {input: i, agent_template: [shell: b]}\n'))
        .message,
      /setup step 1 has no command/,
    );
  });

  it('commands: in a MapReduce file and map: in a standard one are warned about', () => {
    const mr = yaml('name: x\nmode: mapreduce\ncommands: [shell: a]\nmap: {input: i, agent_template: [shell: b]}\n');
    assert.deepEqual(
      mr.warnings.map((w) => w.line),
      [3],
    );
    const std = yaml('commands: [shell: a]\nreduce: [shell: b]\n');
    assert.match(std.warnings[0].message, /reduce: is only read in a MapReduce workflow/);
  });
});

// ---- the JSON Schema -------------------------------------------------------------------------------

describe('schemas/workflow.schema.json', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'workflow.schema.json'), 'utf8'));
  const Ajv = createRequire(import.meta.url)('ajv');
  // These load with warnings that the schema reports as problems (a dynamic env value, capture_format: yaml).
  const FLAGGED = new Set([
    'valid-env-secrets-merge.yml',
    'valid-prodigy-environment-example.yml',
    'valid-unknown-keys.yml',
  ]);

  it('is draft-07 with descriptions on the step options', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const described = (prop) =>
      prop.description || (prop.$ref && described(schema.definitions[prop.$ref.split('/').pop()]));
    for (const [key, prop] of Object.entries(schema.definitions.stepObject.properties))
      assert.ok(described(prop), `step.${key} has a description`);
  });

  it('accepts the valid fixtures', async () => {
    const { parse } = createRequire(import.meta.url)('yaml');
    const ajv = new Ajv({ strict: false });
    const check = ajv.compile(schema);
    for (const file of Object.keys(VALID).filter((f) => !FLAGGED.has(f))) {
      const ok = check(parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
      assert.ok(ok, `${file}: ${JSON.stringify(check.errors?.slice(0, 3))}`);
    }
  });
});
