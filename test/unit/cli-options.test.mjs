// Each command's own options, from a terminal: a flag the command does not take, a missing or extra
// argument and a bad value are one usage line naming the command (exit 2), never ignored; every command
// has its own --help, printed from the table that parses; Prodigy's -v and --fail-fast are accepted, and
// -v / -vv show what they promise on a real run.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, makeSession, tempHome } from './helpers/env.mjs';
import { runCli as run, spawnCli } from './helpers/cli.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv } from './helpers/engine.mjs';

hermeticGit({ before, after });

const DEMO = path.join(ROOT, 'examples', 'demo-workflow.yml');

/** Exit 2, nothing on stdout, exactly one line on stderr: `prodigy-vscode <command>: <what> (see … --help)`. */
function assertUsage(r, command, what) {
  assert.equal(r.code, 2, `exit code 2; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const name = ['prodigy-vscode', command].filter(Boolean).join(' ');
  assert.equal(r.stderr, `${name}: ${what} (see ${name} --help)`);
}

/** Every command's words, as the overview lists them. */
async function commandsOfOverview() {
  const { stdout } = await run(['--help']);
  const block = stdout.split('\nCommands:\n')[1].split('\n\n')[0];
  return block
    .split('\n')
    .filter((l) => /^ {2}\S/.test(l))
    .map((l) => l.trim().split(/ {2,}/)[0].split(' '))
    .map((words) => words.filter((w) => /^[a-z][a-z-]*$/.test(w)))
    .filter((words) => words[0] !== 'help');
}

describe('options a command does not take', () => {
  it("the issue's example: sessions list --force --older-than 3 --map x is an error naming --force", async (t) => {
    const h = tempHome(t);
    h.writeSession(makeSession('workflow-1000000000001'));
    const r = spawnCli(['--home', h.home, 'sessions', 'list', '--force', '--older-than', '3', '--map', 'x']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'prodigy-vscode sessions list: unknown option --force (see prodigy-vscode sessions list --help)\n',
    );
  });

  it('each command refuses the options of others, and short spellings too', async (t) => {
    const h = tempHome(t);
    const cases = [
      [['sessions', 'list', '--older-than', '3'], 'sessions list', 'unknown option --older-than'],
      [['sessions', 'list', '--map', 'x'], 'sessions list', 'unknown option --map'],
      [['sessions', 'show', 'x', '-y'], 'sessions show', 'unknown option -y'],
      [['sessions', 'delete', 'x', '--all'], 'sessions delete', 'unknown option --all'],
      [['sessions', 'quarantine', '--force'], 'sessions quarantine', 'unknown option --force'],
      [['sessions', 'clean', '--status', 'Failed'], 'sessions clean', 'unknown option --status'],
      [['checkpoints', 'list', 'x', '--force'], 'checkpoints list', 'unknown option --force'],
      [['worktree', 'ls', '--all'], 'worktree ls', 'unknown option --all'],
      [['worktree', 'clean', '--limit', '3'], 'worktree clean', 'unknown option --limit'],
      [['dlq', 'list', 'x', '-y'], 'dlq list', 'unknown option -y'],
      [['dlq', 'inspect', 'x', 'y', '--force'], 'dlq inspect', 'unknown option --force'],
      [['dlq', 'retry', 'x', '--dry-run'], 'dlq retry', 'unknown option --dry-run'],
      [['resume', 'x', '--map', 'a'], 'resume', 'unknown option --map'],
      [['restore', 'x', 'y', '--yes'], 'restore', 'unknown option --yes'],
      [['merge', 'x', '--force'], 'merge', 'unknown option --force'],
      [['validate', 'wf.yml', '--path', '.'], 'validate', 'unknown option --path'],
      [['logs', 'x', '--json'], 'logs', 'unknown option --json'],
      [['migrate', '--force'], 'migrate', 'unknown option --force'],
      [['run', 'wf.yml', '--force'], 'run', 'unknown option --force'],
      [['run', 'wf.yml', '-x'], 'run', 'unknown option -x'],
      [['validate', 'wf.yml', '--claude-command', 'x'], 'validate', 'unknown option --claude-command'],
    ];
    for (const [argv, command, what] of cases) assertUsage(await run(['--home', h.home, ...argv]), command, what);
    assert.deepEqual(fs.readdirSync(h.home), [], 'nothing was written to the home');
  });

  it('an option no command has, before the command, is named at the top level', async () => {
    assertUsage(await run(['--frob', 'sessions', 'list']), null, 'unknown option --frob');
    assertUsage(await run(['--frob']), null, 'unknown option --frob');
  });

  it("a command's own options may come before its words, as Prodigy's global ones do", async (t) => {
    const h = tempHome(t);
    h.writeSession(makeSession('workflow-1000000000001'));
    const r = await run(['--json', '--home', h.home, 'sessions', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).total, 1);
  });
});

describe('arguments and values', () => {
  it('a missing or extra positional names it', async (t) => {
    const h = tempHome(t);
    assertUsage(await run(['--home', h.home, 'restore', 'workflow-1']), 'restore', 'missing <checkpoint-id>');
    assertUsage(await run(['--home', h.home, 'merge', 'a', 'b']), 'merge', 'unexpected argument "b"');
    assertUsage(await run(['--home', h.home, 'run']), 'run', 'missing <workflow>');
    assertUsage(await run(['--home', h.home, 'migrate', 'here']), 'migrate', 'unexpected argument "here"');
    assertUsage(
      await run(['--home', h.home, 'worktree', 'clean', 'a', 'b']),
      'worktree clean',
      'unexpected argument "b"',
    );
    assertUsage(
      await run(['--home', h.home, 'sessions']),
      'sessions',
      'missing a command: list, show, delete, quarantine or clean',
    );
  });

  it('a bad value names the option as written and what it needs', async (t) => {
    const h = tempHome(t);
    const cases = [
      [
        ['sessions', 'list', '--limit', 'abc'],
        'sessions list',
        '--limit needs a whole number of at least 1, not "abc"',
      ],
      [['sessions', 'list', '--limit=0'], 'sessions list', '--limit needs a whole number of at least 1, not "0"'],
      [['run', 'wf.yml', '-n', 'zero'], 'run', '-n needs a whole number of at least 1, not "zero"'],
      [
        ['run', 'wf.yml', '--max-iterations', '1.5'],
        'run',
        '--max-iterations needs a whole number of at least 1, not "1.5"',
      ],
      [['logs', 'x', '--lines', '-1'], 'logs', '--lines needs a whole number, 0 or more, not "-1"'],
      [
        ['sessions', 'clean', '--older-than', 'soon'],
        'sessions clean',
        '--older-than needs a number of days, 0 or more, not "soon"',
      ],
      [
        ['sessions', 'list', '--status', 'Bogus'],
        'sessions list',
        '--status needs one of Initializing, Running, Paused, Completed, Failed, Cancelled, not "Bogus"',
      ],
      [['sessions', 'list', '--limit'], 'sessions list', '--limit needs a value (N)'],
      [['sessions', 'list', '--limit', '--json'], 'sessions list', '--limit needs a value (N)'],
      [['sessions', 'list', '--json=yes'], 'sessions list', '--json takes no value'],
      [
        ['sessions', 'show', '../etc'],
        'sessions show',
        `Invalid session id "../etc": use letters, digits, '.', '_' and '-' only`,
      ],
      [
        ['restore', 'workflow-1', 'a/b'],
        'restore',
        `Invalid checkpoint id "a/b": use letters, digits, '.', '_' and '-' only`,
      ],
    ];
    for (const [argv, command, what] of cases) assertUsage(await run(['--home', h.home, ...argv]), command, what);
  });

  it('run --resume refuses the options that would start a different run', async (t) => {
    const h = tempHome(t);
    assertUsage(
      await run(['--home', h.home, 'run', DEMO, '--resume', 'workflow-1', '--map', 'x', '-n', '2']),
      'run',
      '--resume continues a session as it was started: --map, -n/--max-iterations cannot change it',
    );
  });

  it('as a real process: exit 2 and one line, no stack trace', (t) => {
    const h = tempHome(t);
    const r = spawnCli(['--home', h.home, 'run', DEMO, '-n', 'zero']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'prodigy-vscode run: -n needs a whole number of at least 1, not "zero" (see prodigy-vscode run --help)\n',
    );
  });
});

describe('--help per command', () => {
  it('every command in the overview has its own help: usage line, description, its options', async () => {
    const commands = await commandsOfOverview();
    assert.ok(commands.length >= 18, `commands listed: ${commands.map((c) => c.join(' ')).join(', ')}`);
    for (const words of commands) {
      const r = await run([...words, '--help']);
      assert.equal(r.code, 0, `${words.join(' ')} --help: ${r.stderr}`);
      assert.ok(r.stdout.startsWith(`Usage: prodigy-vscode ${words.join(' ')}`), r.stdout.split('\n')[0]);
      assert.match(r.stdout, /\nGlobal options:\n {6}--home DIR/);
      assert.deepEqual((await run(['help', ...words])).stdout, r.stdout, `help ${words.join(' ')}`);
      assert.deepEqual((await run([...words, '-h'])).stdout, r.stdout, `${words.join(' ')} -h`);
    }
  });

  it("shows the command's options with one-line explanations, and only its own", async () => {
    const { stdout } = await run(['sessions', 'list', '--help']);
    assert.match(
      stdout,
      /^Usage: prodigy-vscode sessions list \[--json\] \[--status S\] \[--outcome KIND\] \[--not-merged\]\n {2}\[--limit N\]$/m,
    );
    assert.match(stdout, /^ {6}--status S {6}\S/m);
    assert.match(stdout, /^ {6}--not-merged {4}Only sessions whose work is still on their branch/m);
    assert.match(stdout, /^ {6}--limit N {7}At most N sessions, the newest$/m);
    assert.doesNotMatch(stdout, /--force|--older-than|--map/);
    assert.match(stdout, /Also spelled: prodigy-vscode sessions ls/);

    const runHelp = (await run(['run', '--help'])).stdout;
    for (const option of ['-p, --path DIR', '-y, --yes', '--no-worktree', '--args VALUE', '-n, --max-iterations N']) {
      assert.ok(runHelp.includes(option), option);
    }
    assert.match(runHelp, /--fail-fast +Accepted for Prodigy; no further effect/);
    assert.match(runHelp, /-v, --verbose +More detail, repeatable\. -v: each step's time/);
    assert.match(runHelp, /Exit codes: 0 completed, 1 failed, 3 .*, 130 stopped/);
  });

  it('--help wins over a mistake on the same line; a group has its own help', async () => {
    const r = await run(['sessions', 'list', '--force', '--help']);
    assert.equal(r.code, 0);
    assert.ok(r.stdout.startsWith('Usage: prodigy-vscode sessions list'));
    const group = await run(['sessions', '--help']);
    assert.equal(group.code, 0);
    assert.match(group.stdout, /^Usage: prodigy-vscode sessions <list\|show\|delete\|quarantine\|clean>/);
    assert.match(group.stdout, /^ {2}sessions show <session-id> +Show one session$/m);
    assert.deepEqual((await run(['help', 'sessions'])).stdout, group.stdout);
  });

  it('plain --help and help keep the overview; help of an unknown command is a usage error', async () => {
    const overview = await run(['--help']);
    assert.match(overview.stdout, /^Usage: prodigy-vscode \[--home DIR\] <command>/);
    assert.match(overview.stdout, /^ {2}sessions list +List sessions, newest first$/m);
    assert.match(overview.stdout, /Exit codes: 0 done, 1 failed, 2 usage error, 3 merge not done, 130 stopped/);
    assert.deepEqual((await run(['help'])).stdout, overview.stdout);
    assert.deepEqual((await run([])).stdout, overview.stdout);
    assertUsage(await run(['help', 'frob']), null, 'unknown command "frob"');
  });
});

describe("Prodigy's harmless flags", () => {
  it('-v, -vv, -vvv and --verbose are accepted by every command; --fail-fast by run', async (t) => {
    const h = tempHome(t);
    h.writeSession(makeSession('workflow-1000000000001'));
    for (const v of [['-v'], ['-vv'], ['-vvv'], ['--verbose', '--verbose']]) {
      const r = await run(['--home', h.home, 'sessions', 'list', '--json', ...v]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).total, 1);
    }
    const dry = await run(['--home', h.home, 'run', DEMO, '--dry-run', '-v', '--fail-fast']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /write_file: notes\/plan\.md/);
    assertUsage(await run(['--home', h.home, 'resume', 'x', '--fail-fast']), 'resume', 'unknown option --fail-fast');
  });

  it("-v adds each step's time, checkpoint and captures; -vv the environment names; neither without", (t) => {
    const e = engineEnv(t, { git: false });
    const wf = e.writeWorkflow(`name: verbose
env:
  GREETING: hello
secrets:
  TOKEN: SOME_TOKEN
commands:
  - shell: "echo 42"
    capture: answer
  - shell: "echo \${answer} \${GREETING}"
    env:
      STEP_ONLY: "1"
`);
    const env = { SOME_TOKEN: 's3cret' };
    const plain = spawnCli(['--home', e.home, 'run', wf, '-p', e.repo, '--no-worktree'], env);
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout, /done in|captured|workflow env/);

    const v = spawnCli(['--home', e.home, 'run', wf, '-p', e.repo, '--no-worktree', '-v'], env);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^ {4}✓ done in \d+ ms \(checkpoint-[0-9a-f-]+\)$/m);
    assert.equal(v.stdout.match(/✓ done in/g).length, 2, 'one line per step');
    assert.match(v.stdout, /^ {4}captured answer = 42$/m);
    assert.equal(v.stdout.match(/captured answer = /g).length, 1, 'a capture is shown once, where it was made');
    assert.match(v.stdout, /^ℹ️ {2}Completed after /m);
    assert.doesNotMatch(v.stdout, /workflow env/);
    assert.ok(v.stdout.indexOf('captured answer') < v.stdout.indexOf('Executing step 2/2'), 'in order');

    const vv = spawnCli(['--home', e.home, 'run', wf, '-p', e.repo, '--no-worktree', '-vv'], env);
    assert.equal(vv.code, 0, vv.stderr);
    assert.match(vv.stdout, /^ {6}workflow env: GREETING$/m);
    assert.match(vv.stdout, /^ {6}secrets \(masked in all output\): TOKEN$/m);
    assert.match(vv.stdout, /PRODIGY_AUTOMATION=true/);
    assert.match(vv.stdout, /^ {4}env of this step: STEP_ONLY$/m);
    assert.match(
      vv.stdout,
      /^ℹ️ {2}Claude steps run: claude -p --output-format stream-json --verbose --dangerously-skip-permissions <prompt>$/m,
    );
    assert.ok(!vv.stdout.includes('s3cret'), 'no secret value');
  });

  it('-vvv prints the stack of an unexpected error; without it, one line', async (t) => {
    const h = tempHome(t);
    // A home that is a file: reading it fails with a Node error, not one of ours.
    const file = path.join(h.root, 'not-a-dir');
    fs.writeFileSync(file, '');
    const quiet = spawnCli(['--home', file, 'sessions', 'list'], { PRODIGY_DEBUG: '' });
    assert.equal(quiet.code, 1);
    assert.equal(quiet.stderr.trim().split('\n').length, 1, quiet.stderr);
    const loud = spawnCli(['--home', file, 'sessions', 'list', '-vvv'], { PRODIGY_DEBUG: '' });
    assert.equal(loud.code, 1);
    assert.match(loud.stderr, /^\s+at /m, loud.stderr);
  });
});
