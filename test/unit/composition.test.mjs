// Composable workflows (Prodigy docs, composition/): imports, extends, templates from .prodigy/templates,
// parameters from --param and --param-file, what cannot be composed refused with file:line:col before anything
// runs, and a resume that composes the same workflow with the parameters the session recorded.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DIST_CLI, core } from './helpers/env.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv } from './helpers/engine.mjs';

hermeticGit({ before, after });

/** A folder of workflow files: `{ 'a.yml': text, 'sub/b.yml': text }`. */
function files(t, tree) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-compose-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(tree)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return (name) => path.join(dir, name);
}

function cli(args, env = {}) {
  // HOME is a fresh folder: ~/.prodigy/templates of the machine never takes part.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-compose-home-'));
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, HOME: home, ...env },
  });
  fs.rmSync(home, { recursive: true, force: true });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const commands = (wf) => wf.steps.map((s) => s.command);
const run = (params) =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { value: v, from: `--param ${k}=${v}`, text: true }]));

describe('imports', () => {
  it('brings the imported steps in first, in order, each keeping its file and position; env merges with the file winning', (t) => {
    const f = files(t, {
      'shared/setup.yml':
        'env:\n  A: from-import\n  B: import-only\ncommands:\n  - shell: "echo install"\n  - shell: "echo build"\n',
      'shared/lint.yml': 'commands:\n  - shell: "echo lint"\n',
      'main.yml':
        'name: main\nimports:\n  - path: shared/setup.yml\n  - path: shared/lint.yml\nenv:\n  A: mine\ncommands:\n  - shell: "echo test"\n',
    });
    const wf = core.loadWorkflowFile(f('main.yml'));
    assert.deepEqual(commands(wf), ['echo install', 'echo build', 'echo lint', 'echo test']);
    assert.deepEqual(wf.env, { A: 'mine', B: 'import-only' });
    assert.equal(wf.steps[1].file, f('shared/setup.yml'));
    assert.deepEqual(wf.steps[1].position, { line: 6, col: 5 });
    assert.equal(wf.steps[3].file, undefined, "the file's own step");
    assert.deepEqual(wf.composition.sources, [f('shared/setup.yml'), f('shared/lint.yml')]);
    assert.deepEqual(wf.warnings, []);
  });

  it('selective keeps the named steps (id: or name:); alias namespaces their ids; an unknown name is refused at it', (t) => {
    const f = files(t, {
      'utils.yml':
        'commands:\n  - shell: "echo lint"\n    id: lint\n  - shell: "echo fmt"\n    name: format\n  - shell: "echo other"\n',
      'main.yml':
        'imports:\n  - path: utils.yml\n    alias: u\n    selective: [lint, format]\ncommands:\n  - shell: "echo mine"\n',
      'bad.yml': 'imports:\n  - path: utils.yml\n    selective: [lint, deploy]\ncommands: []\n',
    });
    const wf = core.loadWorkflowFile(f('main.yml'));
    assert.deepEqual(commands(wf), ['echo lint', 'echo fmt', 'echo mine']);
    assert.equal(wf.steps[0].id, 'u_lint');
    assert.throws(
      () => core.loadWorkflowFile(f('bad.yml')),
      (e) =>
        e.message === `${f('bad.yml')}:3:23: utils.yml has no step with id or name "deploy" (it has: lint, format)`,
    );
  });

  it('a missing import is refused at its path', (t) => {
    const f = files(t, { 'main.yml': 'commands: []\nimports:\n  - path: nowhere.yml\n' });
    assert.throws(
      () => core.loadWorkflowFile(f('main.yml')),
      (e) => e.message === `${f('main.yml')}:3:11: imported workflow not found: ${f('nowhere.yml')}`,
    );
  });
});

describe('extends', () => {
  it('the child overrides its base: maps merge deeply, a non-empty step list replaces, scalars replace; layers stack', (t) => {
    const f = files(t, {
      'bases/base-ci.yml':
        'name: base\nenv:\n  APP: service\n  LEVEL: info\ncommands:\n  - shell: "echo fmt"\n  - shell: "echo test"\nmerge:\n  - shell: "echo merged"\n',
      'pr.yml': 'name: pr\nextends: base-ci\nenv:\n  LEVEL: debug\n',
      'release.yml': 'extends: pr.yml\nenv:\n  NEW: "1"\ncommands:\n  - shell: "echo release"\n',
    });
    const pr = core.loadWorkflowFile(f('pr.yml'));
    assert.equal(pr.name, 'pr');
    assert.deepEqual(pr.env, { APP: 'service', LEVEL: 'debug' });
    assert.deepEqual(commands(pr), ['echo fmt', 'echo test'], 'no steps of its own: the base steps');
    assert.equal(pr.steps[0].file, f('bases/base-ci.yml'));
    assert.deepEqual(
      pr.merge.steps.map((s) => s.command),
      ['echo merged'],
    );
    const release = core.loadWorkflowFile(f('release.yml'));
    assert.equal(release.name, 'pr', 'the nearest name');
    assert.deepEqual(release.env, { APP: 'service', LEVEL: 'debug', NEW: '1' });
    assert.deepEqual(commands(release), ['echo release'], 'its own steps replace the base steps');
  });

  it('a cycle is refused with its chain, at the reference that closes it', (t) => {
    const f = files(t, {
      'a.yml': 'extends: b.yml\ncommands: [{shell: "echo a"}]\n',
      'b.yml': 'name: b\nimports:\n  - path: c.yml\n',
      'c.yml': 'extends: a.yml\n',
    });
    assert.throws(
      () => core.loadWorkflowFile(f('a.yml')),
      (e) =>
        e.message ===
        `${f('c.yml')}:1:10: circular composition: a.yml -> b.yml -> c.yml -> a.yml ` +
          '(a.yml extends b.yml, b.yml imports c.yml, c.yml extends a.yml)',
    );
    // The editor lists it on the file open, at the line that brought the others in.
    const analysis = core.analyzeWorkflowText(fs.readFileSync(f('a.yml'), 'utf8'), f('a.yml'));
    assert.equal(analysis.errors.length, 1);
    assert.equal(analysis.errors[0].file, f('a.yml'));
    assert.equal(analysis.errors[0].line, 1);
    assert.match(analysis.errors[0].reason, /c\.yml:1:10: circular composition/);
  });

  it('a base that does not exist is refused at extends:, naming where it looked', (t) => {
    const f = files(t, { 'child.yml': 'name: c\nextends: ci-base\n' });
    assert.throws(
      () => core.loadWorkflowFile(f('child.yml')),
      (e) => {
        assert.match(
          e.message,
          new RegExp(`^${f('child.yml')}:2:10: base workflow not found: ci-base \\(looked for .*bases/ci-base\\.yml`),
        );
        return true;
      },
    );
  });

  it("a mistake in the base names the base's file and line; its warnings reach the child at extends:", (t) => {
    const f = files(t, {
      'base.yml': 'commands:\n  - shell: "echo ok"\n    colour: red\n  - shell: "echo b"\n    timeout: soon\n',
      'child.yml': 'name: c\nextends: base.yml\n',
      'warn-base.yml': 'commands:\n  - shell: "echo ok"\n    colour: red\n',
      'warn-child.yml': 'extends: warn-base.yml\n',
    });
    assert.throws(
      () => core.loadWorkflowFile(f('child.yml')),
      (e) =>
        e.file === f('base.yml') &&
        e.line === 5 &&
        e.col === 14 &&
        /timeout must be a number of seconds/.test(e.message),
    );
    const wf = core.loadWorkflowFile(f('warn-child.yml'));
    assert.deepEqual(wf.warnings, [
      { line: 1, col: 10, message: `${f('warn-base.yml')}:3:5: Unknown key \`colour\` in step 1, ignored` },
    ]);
  });
});

describe('templates', () => {
  it('by name from .prodigy/templates (project first), with: fills its parameters, override: replaces fields; its steps run first', (t) => {
    const f = files(t, {
      '.prodigy/templates/deploy.yml':
        'name: deploy-template\nparameters:\n  required:\n    - name: environment\n      type: String\n  optional:\n    - name: replicas\n      type: Number\n      default: 1\ncommands:\n  - shell: "deploy ${environment} x${replicas}"\n    timeout: 10\n',
      'workflows/prod.yml':
        'name: prod\ntemplate:\n  name: prod-instance\n  source: deploy\n  with:\n    environment: prod\n    replicas: 5\n  override:\n    commands.0.timeout: 600\ncommands:\n  - shell: "echo notify"\n',
      'workflows/by-file.yml':
        'template:\n  source:\n    file: ../.prodigy/templates/deploy.yml\n  with:\n    environment: dev\n',
      'workflows/unknown.yml': 'template:\n  source: nope\n',
    });
    const wf = core.loadWorkflowFile(f('workflows/prod.yml'), { params: {} });
    assert.equal(wf.name, 'prod');
    assert.deepEqual(commands(wf), ['deploy prod x5', 'echo notify']);
    assert.equal(wf.steps[0].timeout, 600);
    assert.equal(wf.steps[0].file, f('.prodigy/templates/deploy.yml'));
    assert.deepEqual(wf.composition.parameters, { environment: 'prod', replicas: 5 });
    assert.deepEqual(commands(core.loadWorkflowFile(f('workflows/by-file.yml'), { params: {} })), ['deploy dev x1']);
    assert.throws(
      () => core.loadWorkflowFile(f('workflows/unknown.yml')),
      (e) =>
        e.line === 2 &&
        e.col === 11 &&
        /template not found: nope \(looked for .*\.prodigy\/templates\/nope\.yml/.test(e.message),
    );
  });
});

describe('parameters', () => {
  const WF =
    'name: params\nparameters:\n  required:\n    - name: target\n      type: String\n      description: "Where to deploy"\n' +
    '  optional:\n    - name: count\n      type: Number\n      default: 2\n    - name: debug\n      type: Boolean\n      default: false\n' +
    'commands:\n  - shell: "echo ${target} ${count} ${debug} ${item}"\n';

  it('every documented form; values by precedence; typed --param text; ${name} substituted, other placeholders kept', (t) => {
    const f = files(t, {
      'wf.yml': WF,
      'defs.yml':
        'defaults:\n  timeout: 300\n  region: eu\nparameters:\n  definitions:\n    timeout:\n      type: integer\n      default: 600\n    region:\n      type: string\n    env:\n      type: string\n      required: true\ncommands:\n  - shell: "echo ${timeout} ${region} ${env} $region"\n',
    });
    const wf = core.loadWorkflowFile(f('wf.yml'), { params: run({ target: 'prod', count: '7' }) });
    assert.deepEqual(commands(wf), ['echo prod 7 false ${item}']);
    assert.deepEqual(wf.composition.parameters, { target: 'prod', count: 7, debug: false });
    const defs = core.loadWorkflowFile(f('defs.yml'), { params: run({ env: 'staging' }) });
    // A parameter's own default beats the workflow's defaults:, which fill the rest and the environment.
    assert.deepEqual(commands(defs), ['echo 600 eu staging $region']);
    assert.deepEqual(defs.env, { timeout: '300', region: 'eu' });
  });

  it('a required parameter without a value, or a value of the wrong type, is refused at its declaration', (t) => {
    const f = files(t, { 'wf.yml': WF });
    assert.throws(
      () => core.loadWorkflowFile(f('wf.yml'), { params: {} }),
      (e) =>
        e.message ===
        `${f('wf.yml')}:4:7: required parameter target has no value: pass --param target=VALUE (String): Where to deploy`,
    );
    assert.throws(
      () => core.loadWorkflowFile(f('wf.yml'), { params: run({ target: 'x', count: 'many' }) }),
      (e) => e.message === `${f('wf.yml')}:8:7: parameter count must be a Number, got "many" (from --param count=many)`,
    );
    // validate and the editor compose without values: nothing is refused, the placeholder stays.
    const wf = core.loadWorkflowFile(f('wf.yml'));
    assert.deepEqual(commands(wf), ['echo ${target} 2 false ${item}']);
    assert.deepEqual(
      wf.composition.declared.map((p) => [p.name, p.type, p.required, p.hasValue]),
      [
        ['target', 'String', true, false],
        ['count', 'Number', false, true],
        ['debug', 'Boolean', false, true],
      ],
    );
  });

  it('validation: matches(), in() and comparisons are checked; other forms are warned about', (t) => {
    const f = files(t, {
      'wf.yml':
        'parameters:\n  required:\n    - name: env\n      validation: "matches(\'^(dev|prod)$\')"\n    - name: n\n      type: Number\n      validation: "value >= 1 && value <= 10"\n    - name: s\n      validation: "in([\'a\', \'b\'])"\n    - name: z\n      validation: "len(value) > 2"\ncommands:\n  - shell: "echo ${env} ${n} ${s} ${z}"\n',
    });
    const ok = core.loadWorkflowFile(f('wf.yml'), { params: run({ env: 'dev', n: '3', s: 'b', z: 'q' }) });
    assert.deepEqual(commands(ok), ['echo dev 3 b q']);
    assert.deepEqual(
      ok.warnings.map((w) => [w.line, w.col]),
      [[11, 19]],
    );
    assert.match(ok.warnings[0].message, /validation "len\(value\) > 2" is not checked/);
    assert.throws(
      () => core.loadWorkflowFile(f('wf.yml'), { params: run({ env: 'test', n: '3', s: 'b', z: 'q' }) }),
      (e) => e.line === 3 && /parameter env = "test" \(from --param env=test\) fails its validation/.test(e.message),
    );
    assert.throws(
      () => core.loadWorkflowFile(f('wf.yml'), { params: run({ env: 'dev', n: '11', s: 'b', z: 'q' }) }),
      (e) => e.line === 5 && /parameter n = 11/.test(e.message),
    );
  });

  it('a malformed definition is refused at the value: an unknown type, a default of the wrong type', (t) => {
    const f = files(t, {
      'type.yml': 'parameters:\n  optional:\n    - name: a\n      type: Text\ncommands: []\n',
      'default.yml': 'parameters:\n  optional:\n    - name: a\n      type: Number\n      default: lots\ncommands: []\n',
    });
    assert.throws(
      () => core.loadWorkflowFile(f('type.yml')),
      (e) => e.line === 4 && e.col === 13 && /type must be String, Number/.test(e.message),
    );
    assert.throws(
      () => core.loadWorkflowFile(f('default.yml')),
      (e) => e.line === 5 && e.col === 16 && /parameter a: default must be a Number, got "lots"/.test(e.message),
    );
  });
});

describe('run --param / --param-file (the CLI)', () => {
  const WF =
    'name: cli-params\nparameters:\n  required:\n    - name: who\n      type: String\n    - name: n\n      type: Number\n' +
    'commands:\n  - shell: "echo ${who}-${n} > first.txt"\n  - shell: "test -f go"\n  - shell: "echo ${who}-${n} > third.txt"\n';

  it('--param values show in the dry run; --param wins over --param-file (JSON or YAML)', (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow(WF);
    const dry = cli(['--home', e.home, 'run', wf, '--dry-run', '--param', 'who=ann', '--param', 'n=3']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Would execute step 1\/3: shell: echo ann-3 > first\.txt/);
    const json = path.join(e.root, 'params.json');
    fs.writeFileSync(json, '{"who": "bob", "n": 4}');
    const yaml = path.join(e.root, 'params.yaml');
    fs.writeFileSync(yaml, 'who: cy\nn: 5\n');
    assert.match(cli(['--home', e.home, 'run', wf, '--dry-run', '--param-file', json]).stdout, /echo bob-4 >/);
    assert.match(
      cli(['--home', e.home, 'run', wf, '--dry-run', '--param-file', yaml, '--param', 'n=9']).stdout,
      /echo cy-9 >/,
    );
    const typed = path.join(e.root, 'typed.json');
    fs.writeFileSync(typed, '{"who": "bob", "n": "4"}');
    const wrong = cli(['--home', e.home, 'run', wf, '--dry-run', '--param-file', typed]);
    assert.equal(wrong.code, 1);
    assert.equal(
      wrong.stderr.trim(),
      `prodigy-vscode: ${wf}:6:7: parameter n must be a Number, got "4" (from ${typed})`,
    );
    const usage = cli(['--home', e.home, 'run', wf, '--param', 'who']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--param who: expected NAME=VALUE/);
  });

  it('validate lists the required parameters still needed, and with --param checks the composed workflow', (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow(WF);
    const bare = cli(['validate', wf]);
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(
      bare.stdout,
      /^ {2}needs --param who=STRING --param n=NUMBER to run \(2 required parameters without a value;/m,
    );
    const ok = cli(['validate', wf, '--param', 'who=ann', '--param', 'n=3']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stdout, /needs/);
    const json = JSON.parse(cli(['validate', wf, '--json', '--param', 'who=ann', '--param', 'n=3']).stdout);
    assert.deepEqual(
      json.parameters.map((p) => [p.name, p.type, p.hasValue]),
      [
        ['who', 'String', true],
        ['n', 'Number', true],
      ],
    );
    const wrong = cli(['validate', wf, '--param', 'who=ann', '--param', 'n=three']);
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      new RegExp(`^✗ ${wf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:7: parameter n must be a Number`),
    );
  });

  it('a missing required parameter is refused before anything runs: no session, no step', (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow(WF);
    const r = cli(['--home', e.home, 'run', wf, '--path', e.repo, '--param', 'who=ann']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `prodigy-vscode: ${wf}:6:7: required parameter n has no value: pass --param n=VALUE (Number)`,
    );
    assert.doesNotMatch(r.stdout, /Session:/);
    assert.deepEqual(
      fs.existsSync(path.join(e.home, 'sessions')) ? fs.readdirSync(path.join(e.home, 'sessions')) : [],
      [],
    );
  });

  it('the session records the parameters and the composed hash; resume composes the same workflow with them', (t) => {
    const e = engineEnv(t);
    const base = e.writeWorkflow('env:\n  FROM_BASE: "yes"\n', 'base.yml');
    const wf = e.writeWorkflow(`extends: ${path.basename(base)}\n${WF}`, 'child.yml');
    const r = cli([
      '--home',
      e.home,
      'run',
      wf,
      '--path',
      e.repo,
      '--no-worktree',
      '--param',
      'who=ann',
      '--param',
      'n=3',
    ]);
    assert.equal(r.code, 1, 'step 2 fails: no go file');
    const id = r.stdout.split('\n')[0].slice('Session: '.length);
    const record = e.record(id);
    assert.deepEqual(record.metadata.parameters, { who: 'ann', n: 3 });
    const composed = core.loadWorkflowFile(wf, { params: run({ who: 'ann', n: '3' }) });
    const cp = JSON.parse(
      fs.readFileSync(path.join(e.home, 'state', id, 'checkpoints', `${id}.checkpoint.json`), 'utf8'),
    );
    assert.equal(cp.workflow_hash, composed.hash, 'the composed hash (every file and the values)');
    assert.notEqual(composed.hash, core.loadWorkflowFile(wf, { params: run({ who: 'bob', n: '3' }) }).hash);

    fs.writeFileSync(path.join(e.repo, 'go'), '');
    const resumed = cli(['--home', e.home, 'resume', id]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.doesNotMatch(resumed.stdout + resumed.stderr, /changed since the run started/);
    assert.equal(fs.readFileSync(path.join(e.repo, 'third.txt'), 'utf8'), 'ann-3\n');
    const again = cli(['--home', e.home, 'run', wf, '--resume', id, '--param', 'who=bob']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /--param cannot change it/);
  });
});
