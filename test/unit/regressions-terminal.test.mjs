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
