// Claude steps from a terminal, on real runs (real git, real processes, the fake claude printing stream-json):
// what a run prints while Claude works (readable lines, the usage once per call, never raw JSON), the COST
// column and cost_usd of `sessions list`, the Claude usage in `sessions show`, `logs <id> --claude [--step N]`,
// `logs --latest [--tail]`, `--max-cost` pausing a session and a resume going on, and the one-line errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { DIST_CLI } from './helpers/env.mjs';
import { hermeticGit } from './helpers/git.mjs';
import { engineEnv, FAKE_CLAUDE, fakeClaudeCliEnv } from './helpers/engine.mjs';

hermeticGit({ before, after });

const TWO_CALLS = '- claude: "/cost 0.25 hello"\n- claude: "/cost 0.25 world"\n';
const THREE_CALLS = `${TWO_CALLS}- claude: "/cost 0.25 again"\n`;
/** The fake's usage line for one call (its result: 2 turns, 1,170 tokens, 5 ms). */
const USAGE_25 = '✓ 2 turns · 1.2k tokens · $0.25 · 5ms';

/** The CLI as a process, with the fake claude; no inherited home or debug switch. */
function cli(e, args, env = {}) {
  const r = spawnSync(process.execPath, [DIST_CLI, '--home', e.home, ...args], {
    encoding: 'utf8',
    env: claudeEnv(e, env),
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const claudeEnv = fakeClaudeCliEnv;

/** Runs `text` as a workflow (no merge question: stdin is not a terminal); returns the result and the session id. */
function run(e, text, extra = []) {
  const r = cli(e, ['run', e.writeWorkflow(text), '-p', e.repo, ...extra]);
  const id = /^Session: (\S+)$/m.exec(r.stdout)?.[1];
  return { ...r, id };
}

function noStack(text) {
  for (const l of text.split('\n')) assert.doesNotMatch(l, /^\s+at /, 'no stack trace');
}

function noRawJson(text) {
  for (const l of text.split('\n')) assert.doesNotMatch(l, /^\s*\{"/, `no raw stream line: ${l}`);
}

const count = (text, s) => text.split(s).length - 1;

/** Polls `check` until it returns something truthy; fails with `what` after `ms`. */
async function waitFor(what, check, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('Claude steps in the CLI', () => {
  it("run prints what Claude does as readable lines under the step, and each call's usage once", async (t) => {
    const e = engineEnv(t);
    const r = run(e, '- claude: "/cost 0.25 hello"\n- claude: "/write out.txt hi"\n');
    assert.equal(r.code, 0, r.stderr);
    noRawJson(r.stdout);
    const lines = r.stdout.split('\n');
    const step2 = lines.findIndex((l) => l.includes('Executing step 2/2'));
    assert.ok(step2 > 0, r.stdout);
    // Step 1's lines sit under step 1, indented like a step's output.
    assert.ok(lines.slice(0, step2).includes('    hello'), r.stdout);
    assert.ok(lines.slice(0, step2).includes(`    ${USAGE_25}`), r.stdout);
    assert.ok(lines.slice(step2).includes('    🔧 Write out.txt'), r.stdout);
    assert.equal(count(r.stdout, USAGE_25), 1, `one usage line per call:\n${r.stdout}`);
    assert.equal(count(r.stdout, '✓ 2 turns'), 2, r.stdout);
    assert.match(r.stdout, /^Claude: 2 calls · 2\.3k tokens · \$0\.26 · 1 tool use$/m);
  });

  it("-v adds the session's spending after each call; -vv names the streaming command line", async (t) => {
    const e = engineEnv(t);
    const v = run(e, TWO_CALLS, ['-v', '--max-cost', '5']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^ {4}session so far: 1 Claude call · 1\.2k tokens · \$0\.25 of \$5\.00 allowed$/m);
    assert.match(v.stdout, /^ {4}session so far: 2 Claude calls · 2\.3k tokens · \$0\.50 of \$5\.00 allowed$/m);
    const vv = run(e, TWO_CALLS, ['-vv']);
    assert.equal(vv.code, 0, vv.stderr);
    assert.ok(
      vv.stdout.includes(
        `Claude steps run: ${FAKE_CLAUDE} -p --output-format stream-json --verbose --dangerously-skip-permissions <prompt>`,
      ),
      vv.stdout,
    );
  });

  it('sessions list: a COST column ($0.50, – without Claude calls) and cost_usd in --json', async (t) => {
    const e = engineEnv(t);
    const claude = run(e, TWO_CALLS);
    assert.equal(claude.code, 0, claude.stderr);
    const shell = run(e, '- shell: "true"\n');
    assert.equal(shell.code, 0, shell.stderr);

    const list = cli(e, ['sessions', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    const at = header.indexOf('COST');
    assert.ok(at > 0, header);
    const cell = (id) =>
      rows
        .find((row) => row.startsWith(id))
        .slice(at)
        .split(/\s+/)[0];
    assert.equal(cell(claude.id), '$0.50');
    assert.equal(cell(shell.id), '–');

    const json = JSON.parse(cli(e, ['sessions', 'list', '--json']).stdout);
    const byId = Object.fromEntries(json.sessions.map((s) => [s.id, s]));
    assert.equal(byId[claude.id].cost_usd, 0.5);
    assert.equal(byId[shell.id].cost_usd, null);
  });

  it("sessions show: each step's Claude usage, the totals, the last call's session and transcript", async (t) => {
    const e = engineEnv(t);
    const { id, code, stderr } = run(e, TWO_CALLS);
    assert.equal(code, 0, stderr);
    const r = cli(e, ['sessions', 'show', id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Claude +2 calls · 2\.3k tokens · \$0\.50 · 0 tool uses$/m);
    assert.match(r.stdout, /^Claude tokens +200 in · 40 out · 2k cache read · 100 cache write$/m);
    assert.match(r.stdout, /^Claude session +00000000-0000-4000-8000-000000000001 /m);
    const transcript = /^Transcript +(\S+\.jsonl) /m.exec(r.stdout)?.[1];
    assert.ok(transcript && fs.existsSync(transcript), r.stdout);
    assert.equal(path.dirname(transcript), path.join(e.home, 'logs', 'claude-streaming'));
    const usage = USAGE_25.replace(/[.$]/g, '\\$&');
    assert.match(r.stdout, new RegExp(`^ +1 +claude: /cost 0\\.25 hello +${usage} +–$`, 'm'));
    assert.match(r.stdout, new RegExp(`^ +2 +claude: /cost 0\\.25 world +${usage} +–$`, 'm'));
    assert.match(r.stdout, /after step 1\/2 claude: \/cost 0\.25 hello {2}\$0\.25 /);
  });

  it("a MapReduce run names each agent's item on its Claude lines; sessions show lists each item's usage", async (t) => {
    const e = engineEnv(t);
    const r = run(
      e,
      [
        'name: mr',
        'mode: mapreduce',
        'setup:',
        `  - shell: "printf '[{\\"id\\":\\"a\\"},{\\"id\\":\\"b\\"}]' > items.json"`,
        'map:',
        '  input: items.json',
        '  json_path: "$[*]"',
        '  agent_template:',
        '    - claude: "/cost 0.05 working on ${item.id}"',
        '  max_parallel: 2',
        '',
      ].join('\n'),
    );
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^ {4}\[item_0\] working on a$/m);
    assert.match(r.stdout, /^ {4}\[item_1\] working on b$/m);
    const show = cli(e, ['sessions', 'show', r.id]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^Claude +2 calls · 2\.3k tokens · \$0\.10 · 0 tool uses$/m);
    assert.match(show.stdout, /^ {2}item_0 +✓ 2 turns · 1\.2k tokens · \$0\.05 · 5ms +–$/m);
    assert.match(show.stdout, /^ {2}item_1 +✓ 2 turns · 1\.2k tokens · \$0\.05 · 5ms +–$/m);
  });

  it("logs <id> --claude prints the last call as a transcript; --step N that step's; clear errors", async (t) => {
    const e = engineEnv(t);
    const { id, code, stderr } = run(e, TWO_CALLS);
    assert.equal(code, 0, stderr);

    const last = cli(e, ['logs', id, '--claude']);
    assert.equal(last.code, 0, last.stderr);
    noRawJson(last.stdout);
    const stream = /^==> (.+) <==$/m.exec(last.stdout)?.[1];
    assert.equal(path.dirname(stream), path.join(e.home, 'logs', 'claude-streaming'));
    assert.match(last.stdout, /^world$/m);
    assert.doesNotMatch(last.stdout, /hello/);
    assert.ok(last.stdout.includes(USAGE_25), last.stdout);

    const first = cli(e, ['logs', id, '--claude', '--step', '1']);
    assert.equal(first.code, 0, first.stderr);
    noRawJson(first.stdout);
    assert.match(first.stdout, /^hello$/m);
    assert.doesNotMatch(first.stdout, /world/);
    const firstStream = /^==> (.+) <==$/m.exec(first.stdout)[1];
    assert.notEqual(firstStream, stream);
    // --step alone means --claude; --lines keeps the end.
    const tail = cli(e, ['logs', id, '--step', '1', '--lines', '1']);
    assert.equal(tail.code, 0, tail.stderr);
    assert.equal(tail.stdout.trimEnd().split('\n').length, 2, tail.stdout);

    const none = cli(e, ['logs', id, '--claude', '--step', '3']);
    assert.equal(none.code, 1);
    assert.equal(
      none.stderr.trim(),
      `prodigy-vscode: Step 3 of session ${id} made no Claude call (steps with one: 1, 2)`,
    );

    fs.rmSync(firstStream);
    const gone = cli(e, ['logs', id, '--claude', '--step', '1']);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr.trim().split('\n').length, 1, gone.stderr);
    assert.ok(gone.stderr.includes(`is gone: ${firstStream} does not exist`), gone.stderr);

    const shell = run(e, '- shell: "true"\n');
    const noCall = cli(e, ['logs', shell.id, '--claude']);
    assert.equal(noCall.code, 1);
    assert.match(noCall.stderr, new RegExp(`^prodigy-vscode: Session ${shell.id} made no Claude call`));
    noStack(noCall.stderr);
  });

  it('logs --latest prints the newest kept stream; without an id or --latest it is a usage error', async (t) => {
    const e = engineEnv(t);
    const empty = cli(e, ['logs', '--latest']);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /^prodigy-vscode: No Claude stream kept in .*claude-streaming yet/);

    const { code, stderr } = run(e, TWO_CALLS);
    assert.equal(code, 0, stderr);
    const r = cli(e, ['logs', '--latest']);
    assert.equal(r.code, 0, r.stderr);
    noRawJson(r.stdout);
    assert.match(r.stdout, /^world$/m);
    assert.doesNotMatch(r.stdout, /^hello$/m);

    const missing = cli(e, ['logs']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'prodigy-vscode logs: missing <session-id> (see prodigy-vscode logs --help)\n');
    const both = cli(e, ['logs', 'some-id', '--latest']);
    assert.equal(both.code, 2, both.stderr);
  });

  it(
    'logs --latest --tail follows the newest stream and the next ones until Ctrl-C',
    { timeout: 90_000 },
    async (t) => {
      const e = engineEnv(t);
      const { code, stderr } = run(e, TWO_CALLS);
      assert.equal(code, 0, stderr);
      const follower = spawn(process.execPath, [DIST_CLI, '--home', e.home, 'logs', '--latest', '--tail'], {
        env: claudeEnv(e),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      e.track(follower);
      let out = '';
      let err = '';
      follower.stdout.setEncoding('utf8').on('data', (d) => (out += d));
      follower.stderr.setEncoding('utf8').on('data', (d) => (err += d));
      const exited = new Promise((resolve) => follower.on('exit', (c, s) => resolve({ code: c, signal: s })));

      await waitFor('the newest stream', () => out.includes(USAGE_25));
      assert.match(out, /^world$/m);
      const next = run(e, '- claude: "/cost 0.10 later"\n');
      assert.equal(next.code, 0, next.stderr);
      await waitFor('the next call', () => out.includes('$0.10'));
      assert.equal(count(out, '==> '), 2, out);
      assert.match(out, /^later$/m);
      noRawJson(out);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(follower.exitCode, null, 'it keeps following until Ctrl-C');
      follower.kill('SIGINT');
      const done = await Promise.race([
        exited,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no exit after Ctrl-C:\n${out}${err}`)), 10_000)),
      ]);
      assert.deepEqual(done, { code: 0, signal: null }, err);
    },
  );

  it('--max-cost pauses the session before the call past the budget; resume --max-cost goes on', async (t) => {
    const e = engineEnv(t);
    const r = run(e, THREE_CALLS, ['--max-cost', '0.3']);
    // A call starts only while the session has spent less than the budget: calls 1 and 2 run ($0.50), not 3.
    assert.equal(r.code, 130, `${r.stdout}\n${r.stderr}`);
    assert.ok(r.id, r.stdout);
    assert.equal(e.record(r.id).status, 'Paused');
    assert.equal(e.claudeCalls().length, 2);
    const said = `${r.stdout}\n${r.stderr}`;
    assert.match(said, /\$0\.50 spent of the \$0\.30 allowed/);
    assert.match(r.stdout, new RegExp(`^Resume with: prodigy-vscode resume ${r.id} --max-cost <USD>$`, 'm'));

    const show = cli(e, ['sessions', 'show', r.id]);
    assert.match(show.stdout, /^Status +Paused$/m);
    assert.match(show.stdout, /^Paused because +Claude budget reached: \$0\.50 spent of the \$0\.30 allowed/m);

    const resumed = cli(e, ['resume', r.id, '--max-cost', '1']);
    assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
    assert.match(resumed.stdout, /^ {4}again$/m);
    assert.equal(e.record(r.id).status, 'Completed');
    assert.equal(e.claudeCalls().length, 3);
    const json = JSON.parse(cli(e, ['sessions', 'list', '--json']).stdout);
    assert.equal(json.sessions.find((s) => s.id === r.id).cost_usd, 0.75);
  });

  it('a bad --max-cost or --merge-conflicts is one line and exit 2; a bad PRODIGY_MERGE_CONFLICTS one line, exit 1', async (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow(TWO_CALLS);
    for (const [args, message] of [
      [['--max-cost', 'abc'], '--max-cost needs an amount in US dollars above 0, such as 2.50, not "abc"'],
      [['--max-cost', '0'], '--max-cost needs an amount in US dollars above 0, such as 2.50, not "0"'],
      [['--max-cost', '-1'], '--max-cost needs an amount in US dollars above 0, such as 2.50, not "-1"'],
      [['--merge-conflicts', 'ask'], '--merge-conflicts needs abort or claude, not "ask"'],
    ]) {
      const r = cli(e, ['run', wf, '-p', e.repo, ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `prodigy-vscode run: ${message} (see prodigy-vscode run --help)\n`);
      assert.equal(r.stdout, '');
    }
    const resume = cli(e, ['resume', 'x', '--max-cost', 'abc']);
    assert.equal(resume.code, 2);
    assert.match(resume.stderr, /^prodigy-vscode resume: --max-cost needs an amount/);

    const env = cli(e, ['run', wf, '-p', e.repo], { PRODIGY_MERGE_CONFLICTS: 'sometimes' });
    assert.equal(env.code, 1);
    assert.equal(
      env.stderr,
      'prodigy-vscode: PRODIGY_MERGE_CONFLICTS must be abort or claude, not "sometimes" (unset it, or pass --merge-conflicts)\n',
    );
    assert.equal(e.claudeCalls().length, 0, 'nothing ran');
    assert.equal(
      fs.existsSync(path.join(e.home, 'sessions')) ? fs.readdirSync(path.join(e.home, 'sessions')).length : 0,
      0,
    );
  });

  it('the help names the new flags and PRODIGY_CLAUDE_STREAMING', () => {
    const run = spawnSync(process.execPath, [DIST_CLI, 'run', '--help'], { encoding: 'utf8' }).stdout;
    for (const s of [
      '--max-cost USD',
      '--merge-conflicts MODE',
      'PRODIGY_CLAUDE_STREAMING=false',
      'PRODIGY_MERGE_CONFLICTS',
    ])
      assert.ok(run.includes(s), `run --help names ${s}`);
    const merge = spawnSync(process.execPath, [DIST_CLI, 'merge', '--help'], { encoding: 'utf8' }).stdout;
    assert.ok(merge.includes('--merge-conflicts MODE'));
    const logs = spawnSync(process.execPath, [DIST_CLI, 'logs', '--help'], { encoding: 'utf8' }).stdout;
    for (const s of ['--claude', '--step N', '--latest', '--tail', 'until Ctrl-C'])
      assert.ok(logs.includes(s), `logs --help names ${s}`);
  });
});
