// The workflow's environment (issue 15, item 4): env_files (dotenv), profiles (--profile on run and resume, kept by
// the session), command values, conditional values, secret values masked like secrets:, per-profile values, their
// documented precedence, in every phase; malformed forms as positioned load errors.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core, DIST_CLI } from './helpers/env.mjs';
import { git, hermeticGit } from './helpers/git.mjs';
import { engineEnv, FAKE_CLAUDE, mapReduceJob } from './helpers/engine.mjs';

hermeticGit({ before, after });

const { loadWorkflowText, WorkflowLoadError } = core;

function loadError(text, file = '/w/wf.yml') {
  try {
    loadWorkflowText(text, file);
  } catch (err) {
    assert.ok(err instanceof WorkflowLoadError, String(err));
    return err.message;
  }
  assert.fail('expected the load to fail');
}

/** Runs `text` in place (no worktree) and returns the outcome and the lines the step printed into out.txt. */
async function runPrinting(h, text, opts = {}) {
  const outcome = await h.runText(text, { worktree: false, ...opts });
  const out = path.join(h.repo, 'out.txt');
  const lines = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').trim().split('\n') : [];
  return { outcome, lines };
}

describe('env_files', () => {
  it('loads dotenv files from the workflow file folder, a later file over an earlier one, env: over both', async (t) => {
    const h = engineEnv(t);
    fs.writeFileSync(path.join(h.workflowsDir, '.env'), 'A=base\nB=base\nC="quoted value"\n# comment\nD=base\n');
    fs.mkdirSync(path.join(h.workflowsDir, 'config'));
    fs.writeFileSync(path.join(h.workflowsDir, 'config', '.env.local'), "B=local\nE='single'\n");
    const { outcome, lines } = await runPrinting(
      h,
      [
        'env_files:',
        '  - .env',
        '  - config/.env.local',
        '  - .env.missing',
        'env:',
        '  D: from-env',
        'commands:',
        '  - shell: \'echo "$A|$B|$C|$D|$E|${B}|$PARENT" > out.txt\'',
      ].join('\n'),
      { env: { PARENT: 'parent', A: 'parent-loses' } },
    );
    assert.equal(outcome.status, 'Completed', outcome.error ?? '');
    assert.deepEqual(lines, ['base|local|quoted value|from-env|single|local|parent']);
  });

  it('a missing file is skipped (documented); with required: true it stops the run naming the file', async (t) => {
    const h = engineEnv(t);
    const ok = await runPrinting(h, 'env_files: [nope.env]\ncommands:\n  - shell: "echo ran > out.txt"\n');
    assert.equal(ok.outcome.status, 'Completed');
    const file = h.writeWorkflow('env_files:\n  - path: nope.env\n    required: true\ncommands:\n  - shell: "true"\n');
    await assert.rejects(h.run(file, { worktree: false }), (err) => {
      assert.match(
        err.message,
        new RegExp(
          `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:5: env file .*nope\\.env, which does not exist \\(required: true\\)`,
        ),
      );
      return true;
    });
  });

  it('reads ${active_profile} in a path, and env_files written inside env: (the other documented spelling)', async (t) => {
    const h = engineEnv(t);
    fs.writeFileSync(path.join(h.workflowsDir, '.env.prod'), 'WHERE=prod-file\n');
    const { outcome, lines } = await runPrinting(
      h,
      [
        'env:',
        '  env_files:',
        '    - ".env.${active_profile}"',
        'profiles:',
        '  prod: {X: "1"}',
        'commands:',
        '  - shell: \'echo "$WHERE" > out.txt\'',
      ].join('\n'),
      { profile: 'prod' },
    );
    assert.equal(outcome.status, 'Completed', outcome.error ?? '');
    assert.deepEqual(lines, ['prod-file']);
  });
});

describe('profiles', () => {
  const PROFILED = [
    'env:',
    '  NODE_ENV: production',
    '  API_URL: https://api.example.com',
    '  TARGET:',
    '    default: dev-server',
    '    staging: staging-cluster',
    'profiles:',
    '  development:',
    '    description: "Local development"',
    '    NODE_ENV: development',
    '  staging:',
    '    env:',
    '      API_URL: https://staging.example.com',
    'commands:',
    '  - shell: \'echo "$NODE_ENV|$API_URL|$TARGET|$STEP" > out.txt\'',
    '    env:',
    '      STEP: step-wins',
  ].join('\n');

  it('a profile overrides env:, a step env: overrides the profile; per-profile values pick the profile else default', async (t) => {
    const h = engineEnv(t);
    const none = await runPrinting(h, PROFILED);
    assert.deepEqual(none.lines, ['production|https://api.example.com|dev-server|step-wins']);
    const dev = await runPrinting(h, PROFILED, { profile: 'development' });
    assert.deepEqual(dev.lines, ['development|https://api.example.com|dev-server|step-wins']);
    const staging = await runPrinting(h, PROFILED, { profile: 'staging' });
    assert.deepEqual(staging.lines, ['production|https://staging.example.com|staging-cluster|step-wins']);
    assert.equal(h.record(staging.outcome.sessionId).metadata.profile, 'staging', 'recorded in the session');
  });

  it('active_profile: is the default, a requested profile wins over it', async (t) => {
    const h = engineEnv(t);
    const text = `active_profile: development\n${PROFILED}`;
    assert.deepEqual((await runPrinting(h, text)).lines, ['development|https://api.example.com|dev-server|step-wins']);
    assert.deepEqual((await runPrinting(h, text, { profile: 'staging' })).lines, [
      'production|https://staging.example.com|staging-cluster|step-wins',
    ]);
  });

  it('PRODIGY_PROFILE picks a profile over active_profile:, --profile over it; a file without profiles ignores it', async (t) => {
    const h = engineEnv(t);
    const text = `active_profile: development\n${PROFILED}`;
    const env = { PRODIGY_PROFILE: 'staging' };
    assert.deepEqual((await runPrinting(h, text, { env })).lines, [
      'production|https://staging.example.com|staging-cluster|step-wins',
    ]);
    assert.deepEqual((await runPrinting(h, text, { env, profile: 'development' })).lines, [
      'development|https://api.example.com|dev-server|step-wins',
    ]);
    const plain = await runPrinting(h, 'commands:\n  - shell: echo plain > out.txt', { env });
    assert.equal(plain.outcome.status, 'Completed', plain.outcome.error);
    assert.deepEqual(plain.lines, ['plain']);
    const file = h.writeWorkflow(PROFILED);
    await assert.rejects(h.run(file, { env: { PRODIGY_PROFILE: 'prod' }, worktree: false }), (err) => {
      assert.equal(
        err.message,
        `${file}: no profile named "prod"; the file's profiles are development, staging (PRODIGY_PROFILE=prod in the environment)`,
      );
      return true;
    });
  });

  it('an unknown profile is refused before anything runs, listing the known ones', async (t) => {
    const h = engineEnv(t);
    const file = h.writeWorkflow(PROFILED);
    await assert.rejects(h.run(file, { profile: 'prod', worktree: false }), (err) => {
      assert.equal(err.message, `${file}: no profile named "prod"; the file's profiles are development, staging`);
      return true;
    });
    assert.deepEqual(await h.manager.listSessions().then((l) => l.sessions ?? l), []);
    assert.ok(!fs.existsSync(path.join(h.repo, 'out.txt')));
  });

  it('--profile on run; resume keeps it (recorded in the session); resume --profile switches it', async (t) => {
    const h = engineEnv(t);
    const marker = path.join(h.root, 'go-on');
    const file = h.writeWorkflow(
      [
        'env:',
        '  GREETING: hello',
        'profiles:',
        '  prod: {GREETING: hi-prod}',
        '  dev: {GREETING: hi-dev}',
        'commands:',
        `  - shell: 'echo "first $GREETING" >> ${h.root}/out.txt'`,
        `  - shell: 'test -f ${marker} && echo "second $GREETING" >> ${h.root}/out.txt'`,
        `  - shell: 'echo "third $GREETING" >> ${h.root}/out.txt; rm -f ${marker}; test -f ${marker}.2'`,
      ].join('\n'),
    );
    const cli = (...args) =>
      spawnSync(process.execPath, [DIST_CLI, ...args], {
        cwd: h.repo,
        encoding: 'utf8',
        env: { ...process.env, PRODIGY_HOME: h.home, PRODIGY_CLAUDE_COMMAND: FAKE_CLAUDE },
      });
    const bad = cli('run', file, '--profile', 'staging', '--no-worktree');
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stderr, /no profile named "staging"; the file's profiles are prod, dev/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');

    const dry = cli('run', file, '--profile', 'prod', '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /first hi-prod/, 'the dry run shows the profile too');
    const first = cli('run', file, '--profile', 'prod', '--no-worktree');
    assert.equal(first.status, 1, first.stdout + first.stderr);
    const id = /Session: (\S+)/.exec(first.stdout)[1];
    fs.writeFileSync(marker, '');
    const resumed = cli('resume', id);
    assert.equal(resumed.status, 1, resumed.stdout + resumed.stderr);
    const unknown = cli('resume', id, '--profile', 'nope');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no profile named "nope"; the file's profiles are prod, dev/);
    assert.equal(h.record(id).metadata.profile, 'prod', 'a refused switch records nothing');
    fs.writeFileSync(marker, '');
    fs.writeFileSync(`${marker}.2`, '');
    const switched = cli('resume', id, '--profile', 'dev');
    assert.equal(switched.status, 0, switched.stdout + switched.stderr);
    assert.deepEqual(fs.readFileSync(path.join(h.root, 'out.txt'), 'utf8').trim().split('\n'), [
      'first hi-prod',
      'second hi-prod',
      'third hi-prod',
      'third hi-dev',
    ]);
    assert.equal(h.record(id).metadata.profile, 'dev');
  });
});

describe('command values', () => {
  it('run the command in the folder the steps run in (the worktree) when the run starts; its output is the value', async (t) => {
    const h = engineEnv(t);
    const outcome = await h.runText(
      [
        'env:',
        '  WORKERS:',
        '    command: "echo 7"',
        '    cache: true',
        '  HERE:',
        '    command: pwd',
        '  AFTER: "w=${WORKERS}"',
        'commands:',
        '  - shell: \'echo "$WORKERS|$HERE|$AFTER" > out.txt\'',
        '    commit_required: false',
      ].join('\n'),
    );
    assert.equal(outcome.status, 'Completed', outcome.error ?? '');
    const wt = h.worktreePath(outcome.sessionId);
    assert.equal(fs.readFileSync(path.join(wt, 'out.txt'), 'utf8').trim(), `7|${fs.realpathSync(wt)}|w=7`);
  });

  it('a failing command stops the run before its first step, at the key', async (t) => {
    const h = engineEnv(t);
    const file = h.writeWorkflow(
      'env:\n  X:\n    command: "echo oops >&2; exit 3"\ncommands:\n  - shell: "touch ran"\n',
    );
    const outcome = await h.run(file, { worktree: false }).catch((err) => ({ error: err.message }));
    assert.match(
      outcome.error,
      new RegExp(`wf-1\\.yml:3:5: env\\.X: the command "echo oops >&2; exit 3" failed \\(exit 3\\): oops`),
    );
    assert.ok(!fs.existsSync(path.join(h.repo, 'ran')));
  });
});

describe('conditional values', () => {
  it('accepts every documented spelling of the condition', async (t) => {
    const h = engineEnv(t);
    const { outcome, lines } = await runPrinting(
      h,
      [
        'env:',
        '  A: {condition: "${branch} == \'main\'", when_true: on-main, when_false: elsewhere}',
        '  B: {condition: "branch == \'main\'", when_true: on-main, when_false: elsewhere}',
        '  C: {condition: "env.CI == \'true\'", when_true: ci, when_false: local}',
        '  D: {condition: "${CI:-false}", when_true: ci, when_false: local}',
        '  E: {condition: "${NOPE:-false}", when_true: set, when_false: unset}',
        '  F: {condition: "profile == \'prod\'", when_true: prod, when_false: other}',
        'profiles:',
        '  prod: {}',
        'commands:',
        '  - shell: \'echo "$A|$B|$C|$D|$E|$F" > out.txt\'',
      ].join('\n'),
      { env: { CI: 'true' }, profile: 'prod' },
    );
    assert.equal(outcome.status, 'Completed', outcome.error ?? '');
    assert.deepEqual(lines, ['on-main|on-main|ci|ci|unset|prod']);
  });

  it('branch is the branch the project has checked out, also from a session worktree', async (t) => {
    const h = engineEnv(t);
    git(h.repo, 'checkout', '-q', '-b', 'feature');
    const outcome = await h.runText(
      'env:\n  WHERE: {condition: "branch == \'feature\'", when_true: feat, when_false: other}\n' +
        'commands:\n  - shell: \'echo "$WHERE" > out.txt\'\n    commit_required: false\n',
    );
    assert.equal(outcome.status, 'Completed', outcome.error ?? '');
    assert.equal(fs.readFileSync(path.join(h.worktreePath(outcome.sessionId), 'out.txt'), 'utf8').trim(), 'feat');
  });
});

describe('secret values', () => {
  it('are masked in the output, the session log, the checkpoint and the record, like secrets:', async (t) => {
    const h = engineEnv(t);
    fs.writeFileSync(path.join(h.workflowsDir, '.env'), 'FROM_FILE=file-s3cret-value\n');
    const outcome = await h.runText(
      [
        'env_files: [.env]',
        'env:',
        '  API_KEY:',
        '    secret: true',
        '    value: "${SOURCE_KEY}"',
        '  FILE_KEY: {secret: true, value: "${FROM_FILE}"}',
        '  TOKEN:',
        '    secret: true',
        '    default: dev-tok3n-value',
        'commands:',
        '  - shell: "echo key=$API_KEY file=$FILE_KEY token=$TOKEN"',
        '    capture_output: seen',
        '  - shell: "echo ${API_KEY} && exit 1"',
      ].join('\n'),
      { worktree: false, env: { SOURCE_KEY: 'sk-verys3cret-123' } },
    );
    assert.equal(outcome.status, 'Failed');
    const log = h.log(outcome);
    assert.match(log, /key=\*\*\* file=\*\*\* token=\*\*\*/);
    const everything = [
      log,
      fs.readFileSync(h.checkpointFilePath(outcome.sessionId), 'utf8'),
      JSON.stringify(h.record(outcome.sessionId)),
      outcome.error ?? '',
      JSON.stringify(outcome.events),
    ].join('\n');
    for (const secret of ['sk-verys3cret-123', 'file-s3cret-value', 'dev-tok3n-value'])
      assert.ok(!everything.includes(secret), `${secret} leaked`);
    assert.match(JSON.stringify(h.checkpointFile(outcome.sessionId).variable_state), /\*\*\*/);
  });

  it('secrets: names its variable as ENV_VAR or the documented ${env:ENV_VAR}, ${ENV_VAR}, $ENV_VAR', () => {
    const wf = loadWorkflowText(
      'secrets:\n  A: "${env:SECRET_A}"\n  B: "${SECRET_B}"\n  C: $SECRET_C\n  D: SECRET_D\ncommands: ["shell: true"]\n',
      '/w/wf.yml',
    );
    assert.deepEqual(
      Object.values(wf.secrets).map((r) => r.key),
      ['SECRET_A', 'SECRET_B', 'SECRET_C', 'SECRET_D'],
    );
  });

  it('an unset variable in a secret value stops the run naming both', async (t) => {
    const h = engineEnv(t);
    const file = h.writeWorkflow('env:\n  K: {secret: true, value: "${MISSING_SRC}"}\ncommands:\n  - shell: "true"\n');
    await assert.rejects(
      h.run(file, { worktree: false }),
      /secret env value K needs \$\{MISSING_SRC\}, which is not set/,
    );
  });
});

describe('every phase gets the environment', () => {
  it('MapReduce setup, agents and reduce see env files, the profile, command and secret values', async (t) => {
    const h = engineEnv(t);
    fs.writeFileSync(path.join(h.workflowsDir, '.env'), 'FILE_V=f\n');
    const job = mapReduceJob({
      items: ['a'],
      agent: `    - shell: 'echo "agent $FILE_V $P $C $S" >> ${h.root}/agent.txt'\n      commit_required: false`,
      reduce: '  - shell: \'echo "reduce $FILE_V $P $C $S" > reduce.txt\'\n    commit_required: false',
    });
    const text = job.replace(
      'mode: mapreduce\n',
      'mode: mapreduce\nenv_files: [.env]\nenv:\n  P: base\n  C: {command: "echo cmd"}\n  S: {secret: true, value: s3cr3t-agent-value}\nprofiles:\n  prod: {P: prod}\n',
    );
    const outcome = await h.runText(text, { profile: 'prod' });
    assert.equal(outcome.status, 'Completed', outcome.error ?? '');
    const log = h.log(outcome);
    assert.ok(!log.includes('s3cr3t-agent-value'));
    assert.equal(
      fs.readFileSync(path.join(h.worktreePath(outcome.sessionId), 'reduce.txt'), 'utf8').trim(),
      'reduce f prod cmd s3cr3t-agent-value',
    );
    assert.equal(fs.readFileSync(path.join(h.root, 'agent.txt'), 'utf8').trim(), 'agent f prod cmd s3cr3t-agent-value');
  });
});

describe('malformed forms are positioned errors', () => {
  for (const [name, text, expected] of [
    [
      'a list value',
      'env:\n  A: [1, 2]\ncommands: ["shell: true"]\n',
      /wf\.yml:2:6: env\.A must be a string, \{command, cache\}/,
    ],
    [
      'an empty command',
      'env:\n  A: {command: ""}\ncommands: ["shell: true"]\n',
      /wf\.yml:2:16: env\.A\.command must be a shell command/,
    ],
    [
      'cache not a boolean',
      'env:\n  A:\n    command: nproc\n    cache: maybe\ncommands: ["shell: true"]\n',
      /wf\.yml:4:12: env\.A\.cache must be true or false, got "maybe"/,
    ],
    [
      'a malformed condition, at its character',
      'env:\n  A:\n    condition: "${x} == == 1"\n    when_true: a\n    when_false: b\ncommands: ["shell: true"]\n',
      /wf\.yml:3:25: env\.A\.condition "\$\{x\} == == 1" at column 9: expected a value/,
    ],
    [
      'a condition without when_false',
      'env:\n  A: {condition: "x", when_true: a}\ncommands: ["shell: true"]\n',
      /wf\.yml:2:3: env\.A has condition: but no when_false:/,
    ],
    [
      'secret: not a boolean',
      'env:\n  A: {secret: yes please, value: x}\ncommands: ["shell: true"]\n',
      /wf\.yml:2:15: env\.A\.secret must be true or false/,
    ],
    [
      'a mistyped form',
      'env:\n  A: {comand: nproc}\ncommands: ["shell: true"]\n',
      /wf\.yml:2:7: env\.A\.comand is not a form of env value nor a profile \(the file has no profiles\)/,
    ],
    ['profiles not a map', 'profiles: [dev]\ncommands: ["shell: true"]\n', /wf\.yml:1:11: profiles must be a map/],
    [
      'a profile not a map',
      'profiles:\n  dev: yes\ncommands: ["shell: true"]\n',
      /wf\.yml:2:8: profiles\.dev must be a map of NAME: value/,
    ],
    [
      'an env_files entry',
      'env_files:\n  - 3\ncommands: ["shell: true"]\n',
      /wf\.yml:2:5: env_files\[0\] must be the path of a \.env file or \{path, required\}, got 3/,
    ],
    [
      'an env_files entry without path',
      'env_files:\n  - .env\n  - {required: true}\ncommands: ["shell: true"]\n',
      /wf\.yml:3:5: env_files\[1\]\.path must be the path of a \.env file/,
    ],
    [
      'active_profile not text',
      'active_profile: [a]\ncommands: ["shell: true"]\n',
      /wf\.yml:1:17: active_profile must be the name of a profile/,
    ],
  ])
    it(name, () => assert.match(loadError(text), expected));

  it('the documented forms load without a warning', () => {
    const wf = loadWorkflowText(
      [
        'env_files: [.env, {path: .env.prod, required: false}]',
        'active_profile: dev',
        'env:',
        '  A: plain',
        '  B: {command: nproc, cache: true}',
        '  C: {condition: "${branch} == \'main\'", when_true: x, when_false: y}',
        '  D: {secret: true, value: "${K}"}',
        '  E: {default: a, dev: b}',
        'profiles:',
        '  dev: {description: Dev, X: "1"}',
        '  prod: {env: {X: "2"}, description: Prod}',
        'commands:',
        '  - shell: "true"',
        '    clear_env: true',
        '    temporary: true',
      ].join('\n'),
      '/w/wf.yml',
    );
    assert.deepEqual(wf.warnings, []);
    assert.deepEqual(wf.env, { A: 'plain' });
    assert.deepEqual(Object.keys(wf.environment.profiles), ['dev', 'prod']);
  });
});

describe('clear_env', () => {
  it("gives the command only the step's env: (with PATH)", async (t) => {
    const h = engineEnv(t);
    const { outcome, lines } = await runPrinting(
      h,
      'env:\n  W: workflow\ncommands:\n  - shell: "printenv W PARENT OWN > out.txt; echo end >> out.txt"\n    clear_env: true\n    env:\n      OWN: own\n',
      { env: { PARENT: 'p' } },
    );
    assert.equal(outcome.status, 'Completed', outcome.error ?? '');
    assert.deepEqual(lines, ['own', 'end']);
  });
});
