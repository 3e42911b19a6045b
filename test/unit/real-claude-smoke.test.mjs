// The real Claude Code CLI (pinned devDependency), offline against the scripted API: what it sends, what it prints in
// -p stream-json mode, and that its real tools act on a real repository. Later tests of claude: steps build on this.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startScriptedApi } from '../support/anthropicApi.mjs';
import { git, hermeticGit, makeRepo } from './helpers/git.mjs';
import { CLAUDE_BIN, claudeEnv, runRealClaude } from './helpers/realClaude.mjs';

const TIMEOUT = 60_000;

hermeticGit({ before, after });

const ofType = (lines, type, subtype) => lines.filter((l) => l.type === type && (!subtype || l.subtype === subtype));
const resultOf = (lines) => {
  const results = ofType(lines, 'result');
  assert.equal(results.length, 1, `one result line, got ${results.length}`);
  return results[0];
};
const blocks = (lines, role, type) =>
  ofType(lines, role)
    .flatMap((l) => (Array.isArray(l.message?.content) ? l.message.content : []))
    .filter((b) => b.type === type);
/** The text of a request's last user message (its content blocks joined). */
const lastUserText = (body) => {
  const content = body.messages.filter((m) => m.role === 'user').at(-1).content;
  return typeof content === 'string'
    ? content
    : content.map((b) => b.text ?? JSON.stringify(b.content ?? '')).join('\n');
};
const lastToolResult = (body) =>
  body.messages
    .at(-1)
    .content.filter((b) => b.type === 'tool_result')
    .at(-1);

describe('the real Claude Code CLI against a scripted API', { timeout: 5 * TIMEOUT }, () => {
  it(
    'runs the real Write and Bash tools, then reports the turns and the summed usage',
    { timeout: TIMEOUT },
    async (t) => {
      const { repo } = makeRepo(t);
      const run = await runRealClaude({
        cwd: repo,
        prompt: 'Create hello.txt and commit it.',
        script: [
          {
            text: 'Writing the file.',
            tools: [{ name: 'Write', input: { file_path: path.join(repo, 'hello.txt'), content: 'Hello, world\n' } }],
            usage: { input_tokens: 11, output_tokens: 7 },
          },
          {
            tools: [
              { name: 'Bash', input: { command: 'git add -A && git commit -m "add hello"', description: 'Commit' } },
            ],
            usage: { input_tokens: 13, output_tokens: 5 },
          },
          { text: 'Committed hello.txt.', usage: { input_tokens: 17, output_tokens: 3 } },
        ],
      });
      t.diagnostic(`3 turns: ${run.ms} ms`);
      assert.equal(run.code, 0, run.stderr);

      assert.equal(fs.readFileSync(path.join(repo, 'hello.txt'), 'utf8'), 'Hello, world\n');
      assert.equal(git(repo, 'log', '-1', '--format=%s'), 'add hello');
      assert.equal(git(repo, 'status', '--porcelain'), '');

      const init = ofType(run.lines, 'system', 'init');
      assert.equal(init.length, 1);
      assert.equal(init[0].cwd, repo);
      assert.equal(init[0].permissionMode, 'bypassPermissions');
      assert.deepEqual(
        blocks(run.lines, 'assistant', 'tool_use').map((b) => b.name),
        ['Write', 'Bash'],
      );
      const results = blocks(run.lines, 'user', 'tool_result');
      assert.equal(results.length, 2);
      assert.ok(results.every((b) => b.is_error !== true));

      const result = resultOf(run.lines);
      assert.equal(result.is_error, false);
      assert.equal(result.subtype, 'success');
      assert.equal(result.result, 'Committed hello.txt.');
      assert.ok(result.num_turns >= 3, `num_turns ${result.num_turns}`);
      assert.equal(result.usage.input_tokens, 11 + 13 + 17);
      assert.equal(result.usage.output_tokens, 7 + 5 + 3);
      assert.ok(result.total_cost_usd > 0);

      // Exactly the three scripted turns, each answering the previous tool call; nothing else was sent.
      assert.equal(run.requests.length, 3);
      assert.equal(run.remaining, 0);
      assert.deepEqual(run.sideRequests, []);
      assert.match(lastUserText(run.requests[0]), /Create hello\.txt and commit it\./);
      assert.match(JSON.stringify(lastToolResult(run.requests[1]).content), /File created successfully/);
      assert.match(JSON.stringify(lastToolResult(run.requests[2]).content), /add hello/);
    },
  );

  it('expands a project slash command with its arguments', { timeout: TIMEOUT }, async (t) => {
    const { repo } = makeRepo(t);
    fs.mkdirSync(path.join(repo, '.claude', 'commands'), { recursive: true });
    fs.writeFileSync(
      path.join(repo, '.claude', 'commands', 'hello.md'),
      '---\ndescription: Greets someone\n---\nGreet $ARGUMENTS warmly (command file hello.md).\n',
    );
    const run = await runRealClaude({ cwd: repo, prompt: '/hello world', script: [{ text: 'Hello, world!' }] });
    t.diagnostic(`1 turn: ${run.ms} ms`);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.requests.length, 1);
    const sent = lastUserText(run.requests[0]);
    assert.match(sent, /Greet world warmly \(command file hello\.md\)\./);
    assert.doesNotMatch(sent, /\$ARGUMENTS|description: Greets someone/);
    assert.equal(resultOf(run.lines).result, 'Hello, world!');
  });

  it(
    'reports a failing tool as an error tool_result, in stdout and in the next request',
    { timeout: TIMEOUT },
    async (t) => {
      const { repo } = makeRepo(t);
      let seen;
      const run = await runRealClaude({
        cwd: repo,
        prompt: 'Read missing.txt.',
        script: [
          { tools: [{ name: 'Read', input: { file_path: path.join(repo, 'missing.txt') } }] },
          (body) => {
            seen = lastToolResult(body);
            return { text: 'It does not exist.' };
          },
        ],
      });
      assert.equal(run.code, 0, run.stderr);
      const [printed] = blocks(run.lines, 'user', 'tool_result');
      assert.equal(printed.is_error, true);
      assert.match(JSON.stringify(printed.content), /does not exist/);
      assert.equal(seen.is_error, true);
      assert.equal(seen.tool_use_id, printed.tool_use_id);
      assert.match(JSON.stringify(seen.content), /does not exist/);
      const result = resultOf(run.lines);
      assert.equal(result.is_error, false);
      assert.equal(result.num_turns, 2);
    },
  );

  it('ends with an error result on an API error (529, retries off)', { timeout: TIMEOUT }, async (t) => {
    const { repo } = makeRepo(t);
    const run = await runRealClaude({
      cwd: repo,
      prompt: 'Say hi.',
      script: [{ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } }],
    });
    t.diagnostic(`API error: ${run.ms} ms`);
    assert.equal(run.code, 1);
    assert.equal(run.requests.length, 1, 'CLAUDE_CODE_MAX_RETRIES=0: no retry');
    // Claude prints the error as a synthetic assistant message, then a result with is_error (subtype stays success).
    const [message] = ofType(run.lines, 'assistant');
    assert.equal(message.message.model, '<synthetic>');
    assert.equal(message.is_api_error_message, true);
    assert.equal(message.api_error_status, 529);
    const result = resultOf(run.lines);
    assert.equal(result.is_error, true);
    assert.equal(result.subtype, 'success');
    assert.equal(result.api_error_status, 529);
    assert.equal(result.api_error_type, 'overloaded_error');
    assert.equal(result.terminal_reason, 'api_error');
    assert.match(result.result, /^API Error: 529 Overloaded/);
  });

  it(
    'sends a request that got a 400 six times in all, then ends with an error result',
    { timeout: TIMEOUT },
    async (t) => {
      const { repo } = makeRepo(t);
      const run = await runRealClaude({
        cwd: repo,
        prompt: 'Say hi.',
        script: [
          { error: { status: 400, type: 'invalid_request_error', message: 'bad request' }, times: 6 },
          { text: 'x' },
        ],
      });
      assert.equal(run.code, 1);
      assert.equal(run.requests.length, 6);
      assert.equal(run.remaining, 1);
      const result = resultOf(run.lines);
      assert.equal(result.is_error, true);
      assert.equal(result.api_error_status, 400);
      assert.equal(result.result, 'API Error: 400 bad request');
    },
  );

  it('stops a running Bash tool and exits 143 on SIGTERM', { timeout: TIMEOUT }, async (t) => {
    const { repo } = makeRepo(t);
    const api = await startScriptedApi([
      // `exec` makes the tool's shell (its own session and process group) the `timeout`, whose pid it writes.
      { tools: [{ name: 'Bash', input: { command: 'echo $$ > tool.pid && exec timeout 30 tail -f /dev/null' } }] },
    ]);
    const env = claudeEnv(api.url);
    t.after(async () => {
      await api.close();
      fs.rmSync(env.HOME, { recursive: true, force: true });
    });
    const child = spawn(
      CLAUDE_BIN,
      ['-p', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions', 'Wait.'],
      {
        cwd: repo,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    const closed = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    const pidFile = path.join(repo, 'tool.pid');
    let toolPid = 0;
    t.after(() => {
      if (!toolPid) return;
      try {
        process.kill(-toolPid, 'SIGKILL');
      } catch {
        /* gone, as expected */
      }
    });
    const deadline = Date.now() + 30_000;
    while (!toolPid && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '';
      if (text) toolPid = Number(text);
    }
    assert.ok(toolPid, `the Bash tool did not start; stdout: ${stdout}`);
    // The tool runs in a session of its own: killing Claude's process group would not reach it; Claude stops it itself.
    assert.notEqual(sessionOf(toolPid), sessionOf(child.pid));

    child.kill('SIGTERM');
    const { code } = await closed;
    assert.equal(code, 143);
    for (let i = 0; i < 40 && liveInSession(toolPid) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(liveInSession(toolPid), 0, 'the tool was stopped with Claude');
    const lines = stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const [printed] = blocks(lines, 'user', 'tool_result');
    assert.equal(printed?.is_error, true);
    assert.equal(ofType(lines, 'result').length, 0, 'no result line after SIGTERM');
  });

  it('answers side requests without using script turns', async () => {
    const api = await startScriptedApi([{ text: 'first' }, { tools: [{ name: 'Read', input: { file_path: '/x' } }] }]);
    try {
      const post = (url, body) =>
        fetch(api.url + url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      assert.equal((await fetch(api.url + '/api/hello', { method: 'HEAD' })).status, 200);
      assert.deepEqual(await (await post('/v1/messages/count_tokens', { messages: [] })).json(), { input_tokens: 100 });
      const side = await (await post('/v1/messages', { model: 'small', messages: [], max_tokens: 1 })).json();
      assert.equal(side.content[0].text, 'ok');
      assert.equal(api.remaining(), 2);

      const tools = [{ name: 'Read', input_schema: { type: 'object' } }];
      const plain = await (await post('/v1/messages?beta=true', { model: 'm', tools, messages: [] })).json();
      assert.equal(plain.content[0].text, 'first');
      assert.equal(plain.stop_reason, 'end_turn');
      assert.equal(plain.model, 'm');

      const sse = await (
        await post('/v1/messages?beta=true', { model: 'm', tools, messages: [], stream: true })
      ).text();
      const events = sse
        .trim()
        .split('\n\n')
        .map((e) => JSON.parse(e.split('\n')[1].slice('data: '.length)));
      assert.deepEqual(
        events.map((e) => e.type),
        [
          'message_start',
          'ping',
          'content_block_start',
          'content_block_delta',
          'content_block_delta',
          'content_block_delta',
          'content_block_stop',
          'message_delta',
          'message_stop',
        ],
      );
      const json = events
        .filter((e) => e.type === 'content_block_delta')
        .map((e) => e.delta.partial_json)
        .join('');
      assert.deepEqual(JSON.parse(json), { file_path: '/x' });
      assert.equal(events.at(-2).delta.stop_reason, 'tool_use');
      assert.equal(api.requests.length, 2);
      assert.equal(api.sideRequests.length, 3);
      assert.equal(api.remaining(), 0);
    } finally {
      await api.close();
    }
  });

  it('ends the call and fails the test when a turn function throws', async () => {
    const api = await startScriptedApi([
      () => {
        throw new assert.AssertionError({ message: 'wrong request' });
      },
    ]);
    const res = await fetch(`${api.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', tools: [{ name: 'Read' }], messages: [] }),
    });
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('x-should-retry'), 'false');
    await assert.rejects(api.close(), /wrong request/);
  });
});

/** A process's session id (field 6 of /proc/PID/stat), or 0 when it is gone. */
function sessionOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  } catch {
    return 0;
  }
}

/** How many processes of session `sid` are alive (zombies not counted). */
function liveInSession(sid) {
  let count = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[3]) === sid && fields[0] !== 'Z') count += 1;
    } catch {
      /* exited meanwhile */
    }
  }
  return count;
}
