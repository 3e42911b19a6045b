// Regressions of issue 12 about what reaches the terminal and the disk: multi-line secrets (b05), secrets in
// captured variables across a resume (b11), the merge question on a pipe or under --json (b08), Ctrl-C at that
// question (b15), control characters from records (b16), one exit code for a malformed id (b17), restore
// refusing a running session before it prints anything, and a repository with no commits. Each drives the
// real CLI or engine the way the repro in ../shared/repro does; the TTY ones run on a real pseudo-terminal.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIST_CLI, core, sleep } from './helpers/env.mjs';
import { git, hermeticGit } from './helpers/git.mjs';
import { engineEnv, eventText, filesContaining } from './helpers/engine.mjs';
import { spawnCli } from './helpers/cli.mjs';
import { runOnPty } from './helpers/pty.mjs';

hermeticGit({ before, after });

/** A step that makes one commit, so a worktree run has something to merge back. */
const COMMIT_STEP = `name: m
commands:
  - shell: "echo one > one.txt && git add one.txt && git commit -qm one"
`;

/** The CLI as a process, in `cwd`, with this test's Prodigy home and git setup. */
function cli(e, args, env = {}) {
  return spawnCli(['--home', e.home, ...args], { ...env });
}

describe('b05: multi-line secrets', () => {
  const KEY_LINES = [
    'TOPSECRET1-MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
    'TOPSECRET2-BKcwggSjAgEAAoIBAQC7',
    'TOPSECRET3-q1w2e3',
  ];
  const KEY = ['-----BEGIN TEST KEY-----', ...KEY_LINES, '-----END TEST KEY-----'].join('\n');

  function workflow(e) {
    const keyFile = path.join(e.root, 'key.pem');
    fs.writeFileSync(keyFile, `${KEY}\n`);
    return e.writeWorkflow(`name: sec
secrets:
  KEY:
    provider: file
    key: ${keyFile}
commands:
  - shell: 'printf "%s\\n" "$KEY"'
    capture: printed
  - shell: 'printf "%s\\n" "$KEY" | sed -n 3p | sed "s/^/the second line: /"'
    capture: one_line
  - shell: 'echo "$KEY" >&2; exit 3'
`);
  }

  it('are masked whole and line by line in the output, log, events, record, checkpoints and error', async (t) => {
    const e = engineEnv(t, { git: false });
    const o = await e.run(workflow(e));
    assert.equal(o.status, 'Failed');
    // The whole value is one mask, not one per line: the error reads as it would for a one-line secret.
    assert.match(o.error, /failed with exit code 3: \*\*\*$/);
    assert.match(e.log(o), /the second line: \*\*\*/);
    for (const line of KEY_LINES) {
      assert.deepEqual(filesContaining(e.home, line), [], `no file under the home holds ${line}`);
      assert.ok(!eventText(o).includes(line), `no event carries ${line}`);
      assert.ok(!JSON.stringify(o.events).includes(line));
    }
  });

  it('never reach the terminal of `run`', (t) => {
    const e = engineEnv(t, { git: false });
    const r = cli(e, ['run', workflow(e), '-p', e.repo]);
    assert.equal(r.code, 1, r.stderr);
    for (const line of KEY_LINES) assert.ok(!`${r.stdout}${r.stderr}`.includes(line), `${line} printed`);
  });
});

describe('b11: captured variables that held a secret, after a resume', () => {
  it('come back with the secret in them (read again from its source), though no file holds it', async (t) => {
    const e = engineEnv(t, { git: false });
    const secret = 'hunter2-secret-tok';
    const gate = path.join(e.root, 'gate');
    const used = path.join(e.root, 'used.txt');
    const file = e.writeWorkflow(`name: sec2
secrets:
  TOK: "MY_TOK"
commands:
  - shell: 'echo "https://user:$TOK@example.com/repo.git"'
    capture: url
  - shell: 'printf "{\\"auth\\": {\\"header\\": \\"Bearer %s\\", \\"list\\": [\\"a\\", \\"%s\\"]}}" "$TOK" "$TOK"'
    capture: creds
    capture_format: json
  - shell: 'test -f ${gate}'
  - shell: 'printf "%s\\n%s\\n%s\\n" "\${url}" "\${creds.auth.header}" "\${creds.auth.list[1]}" > ${used}'
`);
    const env = { MY_TOK: secret };
    const first = await e.run(file, { env });
    assert.equal(first.status, 'Failed');
    // Saved masked, as they must be.
    assert.equal(e.record(first.sessionId).workflow_data.variables.url, 'https://user:***@example.com/repo.git');
    fs.writeFileSync(gate, '');
    const resumed = await core.resumeWorkflow({
      manager: e.manager,
      sessionId: first.sessionId,
      merge: 'never',
      env: { ...process.env, ...env },
    });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(fs.readFileSync(used, 'utf8').split('\n'), [
      `https://user:${secret}@example.com/repo.git`,
      `Bearer ${secret}`,
      secret,
      '',
    ]);
    assert.deepEqual(filesContaining(e.home, secret), [], 'the secret is on no file under the home');
  });

  it('in a MapReduce job (setup captures, saved with the job state) are whole again when its items run again', async (t) => {
    const e = engineEnv(t);
    const secret = 'hunter3-secret-tok';
    const gate = path.join(e.root, 'gate');
    const used = path.join(e.root, 'used.txt');
    const file = e.writeWorkflow(`name: mr-secret
mode: mapreduce
secrets:
  TOK: "MY_TOK"
setup:
  - shell: "printf '[1]' > items.json && git add items.json && git commit -qm items"
  - shell: 'echo "https://user:$TOK@example.com/repo.git"'
    capture: url
map:
  input: items.json
  json_path: "$[*]"
  max_parallel: 1
  agent_template:
    - shell: 'test -f ${gate} && echo "\${url}" >> ${used}'
`);
    const env = { MY_TOK: secret };
    const first = await e.run(file, { env });
    assert.equal((await core.listDeadLetters(e.manager, first.sessionId)).length, 1, first.error ?? '');
    fs.writeFileSync(gate, '');
    const retried = await core.retryDeadLetters({
      manager: e.manager,
      sessionId: first.sessionId,
      merge: 'never',
      env: { ...process.env, ...env },
    });
    assert.equal(retried.status, 'Completed', retried.error ?? '');
    assert.equal(fs.readFileSync(used, 'utf8'), `https://user:${secret}@example.com/repo.git\n`);
    assert.deepEqual(filesContaining(e.home, secret), []);
  });
});

describe('b08: run --json | jq, typed in a terminal', () => {
  it('asks nothing on a stdout that is a pipe, or under --json: the branch is kept, how to merge is on stderr', (t) => {
    const e = engineEnv(t);
    const file = e.writeWorkflow(COMMIT_STEP);
    const env = { ...process.env, PRODIGY_HOME: e.home, PRODIGY_DEBUG: '' };
    for (const extra of [['--json'], []]) {
      const r = runOnPty([process.execPath, DIST_CLI, 'run', file, ...extra], {
        cwd: e.repo,
        env,
        pipeStdout: true,
        timeoutMs: 20_000,
      });
      assert.equal(r.timedOut, false, `run ${extra.join(' ')} waited on a question nobody sees:\n${r.tty}`);
      assert.equal(r.code, 0, r.tty);
      assert.doesNotMatch(`${r.stdout}${r.tty}`, /\[Y\/n\]/);
      // Under --json stdout is the JSON alone: the way to merge later is on stderr (the terminal here).
      const id = /prodigy-vscode merge (\S+)/.exec(extra.length ? r.tty : `${r.stdout}${r.tty}`)?.[1];
      assert.ok(id, `says how to merge later:\n${r.tty}`);
      if (extra.length) {
        const json = JSON.parse(r.stdout);
        assert.equal(json.status, 'Completed');
        assert.equal(json.merge.status, 'kept');
        assert.equal(json.session_id, id);
      }
      assert.ok(git(e.repo, 'rev-parse', '--verify', `refs/heads/prodigy-${id}`), 'the branch is kept');
    }
    assert.equal(fs.existsSync(path.join(e.repo, 'one.txt')), false, 'nothing was merged');
  });
});

describe('b15: Ctrl-C at the merge question', () => {
  it('keeps the branch: the session stays Completed, how to merge is printed, exit 3, no Node noise', (t) => {
    const e = engineEnv(t);
    const file = e.writeWorkflow(COMMIT_STEP);
    const r = runOnPty([process.execPath, DIST_CLI, 'run', file], {
      cwd: e.repo,
      env: { ...process.env, PRODIGY_HOME: e.home, PRODIGY_DEBUG: '' },
      steps: [{ wait: '\\[Y/n\\] ', send: '\u0003' }],
      timeoutMs: 20_000,
    });
    assert.deepEqual(r.unsent, [], `the question was asked:\n${r.tty}`);
    assert.equal(r.timedOut, false, r.tty);
    assert.equal(r.code, 3, r.tty);
    assert.doesNotMatch(r.tty, /Aborted|Node\.js|^\s+at /m);
    const id = /^Session: (\S+)/m.exec(r.tty)[1];
    assert.match(r.tty, new RegExp(`prodigy-vscode merge ${id}`));
    assert.equal(e.record(id).status, 'Completed');
    assert.equal(e.record(id).metadata.merge.status, 'kept');
    assert.ok(git(e.repo, 'rev-parse', '--verify', `refs/heads/prodigy-${id}`), 'the branch is kept');
    assert.equal(fs.existsSync(path.join(e.repo, 'one.txt')), false, 'nothing was merged');
  });
});

describe('b16: control characters in recorded text', () => {
  it('are shown escaped by sessions list/show, checkpoints and logs; --json keeps them exact', async (t) => {
    const e = engineEnv(t, { git: false });
    const name = 'evil\u001b]0;PWNED-TITLE\u0007\u001b[2J\nsecond line';
    const file = e.writeWorkflow(`name: ${JSON.stringify(name)}
commands:
  - shell: 'printf "out\\033[2Jput\\tcol\\n"'
    name: "step\\u001b[31mred"
  - shell: 'printf "bad\\033]0;TITLE\\007\\n" >&2; exit 1'
`);
    const o = await e.run(file);
    assert.equal(o.status, 'Failed');
    const id = o.sessionId;
    const outputs = {
      list: cli(e, ['sessions', 'list']),
      show: cli(e, ['sessions', 'show', id]),
      checkpoints: cli(e, ['checkpoints', 'list', id]),
      logs: cli(e, ['logs', id]),
    };
    for (const [what, r] of Object.entries(outputs)) {
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(`${r.stdout}${r.stderr}`, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, `${what} prints raw`);
    }
    assert.match(outputs.list.stdout, /evil\\x1b\]0;PWNED-TITLE\\x07/);
    // One row per session: a newline in a name cannot make a row of its own.
    assert.equal(outputs.list.stdout.trim().split('\n').length, 2);
    assert.match(outputs.show.stdout, /^Workflow +evil\\x1b\]0;PWNED-TITLE\\x07\\x1b\[2J\\nsecond line$/m);
    assert.match(outputs.show.stdout, /bad\\x1b\]0;TITLE\\x07/);
    assert.match(outputs.checkpoints.stdout, /step\\x1b\[31mred/);
    // The log is text the user ran: its tabs and lines stay.
    assert.match(outputs.logs.stdout, /out\\x1b\[2Jput\tcol\n/);
    const json = JSON.parse(cli(e, ['sessions', 'show', id, '--json']).stdout);
    assert.equal(json.workflow_data.workflow_name, name);
    const listed = JSON.parse(cli(e, ['sessions', 'list', '--json']).stdout);
    assert.equal(listed.sessions[0].workflow_name, name);
  });
});

describe('b17: an invalid session id', () => {
  it('is a usage error (exit 2) for every command that takes one', (t) => {
    const e = engineEnv(t, { git: false });
    const wf = e.writeWorkflow(COMMIT_STEP);
    const commands = [
      ['sessions', 'show', '../x'],
      ['sessions', 'delete', '../x'],
      ['logs', '../x'],
      ['checkpoints', 'list', '../x'],
      ['worktree', 'clean', '../x'],
      ['resume', '../x'],
      ['merge', '../x'],
      ['restore', '../x', 'checkpoint-1'],
      ['restore', 'workflow-1', '../x'],
      ['dlq', 'list', '../x'],
      ['dlq', 'retry', '../x'],
      ['run', wf, '--resume', '../x'],
      ['run', wf, '--resume=../x'],
    ];
    for (const c of commands) {
      const r = cli(e, c);
      assert.equal(r.code, 2, `${c.join(' ')} → ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, /Invalid (session|checkpoint) id "\.\.\/x"/, c.join(' '));
    }
  });
});

describe('restore of a session another process is running', () => {
  it('is refused before the plan is printed', async (t) => {
    const e = engineEnv(t);
    const gate = path.join(e.root, 'gate');
    const file = e.writeWorkflow(`name: held
commands:
  - shell: "echo one > one.txt && git add one.txt && git commit -qm one"
  - shell: "for i in $(seq 600); do [ -f ${gate} ] && exit 0; sleep 0.05; done; exit 1"
`);
    const child = e.track(
      spawn(process.execPath, [DIST_CLI, '--home', e.home, 'run', file, '-p', e.repo], { stdio: 'ignore' }),
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Bounded wait in the step, and the gate opened however the test ends: no step outlives the test.
    t.after(() => {
      try {
        fs.writeFileSync(gate, '');
      } catch {
        // The test's folder is gone already: the step's own bound ends it.
      }
    });
    let checkpoint;
    for (let i = 0; i < 200 && !checkpoint; i++) {
      await sleep(50);
      const listed = cli(e, ['sessions', 'list', '--json']);
      const id = listed.code === 0 ? JSON.parse(listed.stdout).sessions[0]?.id : undefined;
      if (!id) continue;
      const cps = cli(e, ['checkpoints', 'list', id, '--json']);
      const cp = cps.code === 0 ? JSON.parse(cps.stdout).checkpoints.find((c) => c.kind === 'session') : undefined;
      if (cp) checkpoint = { id, cp: cp.id };
    }
    assert.ok(checkpoint, 'the run recorded its first checkpoint');
    const r = cli(e, ['restore', checkpoint.id, checkpoint.cp]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '', 'no plan printed for a restore that cannot happen');
    assert.match(r.stderr, /already running|being resumed/);
    fs.writeFileSync(gate, '');
    await exited;
    assert.equal(e.record(checkpoint.id).status, 'Completed', 'the run went on untouched');
  });
});

describe('a repository with no commits', () => {
  it('says to make a first commit, and leaves no session that cannot be resumed', (t) => {
    const e = engineEnv(t, { git: false });
    git(e.repo, 'init', '-q');
    const r = cli(e, ['run', e.writeWorkflow(COMMIT_STEP), '-p', e.repo]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no commits/);
    assert.match(r.stderr, /first commit/);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /[Rr]esume/);
    assert.ok(!fs.existsSync(e.sessionsDir) || fs.readdirSync(e.sessionsDir).length === 0, 'no dead-end session');
  });
});
