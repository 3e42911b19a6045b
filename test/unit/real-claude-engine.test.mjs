// Claude steps against the REAL Claude Code CLI (the pinned devDependency), offline: it talks to a scripted
// Anthropic Messages API on 127.0.0.1 (test/support/anthropicApi.mjs) and runs its real tools (Bash, Write, Read)
// in the session's worktree, printing real stream-json. What the engine makes of it: commits, slash commands,
// tool errors, error results, Stop in the middle of a call, a step timeout, MapReduce agents and their summed
// costs, merge conflicts Claude resolves or does not, and the budget.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core } from './helpers/env.mjs';
import { git, hermeticGit } from './helpers/git.mjs';
import { engineEnv, mapReduceJob } from './helpers/engine.mjs';
import { CLAUDE_BIN, claudeEnv } from './helpers/realClaude.mjs';
import { startScriptedApi } from '../support/anthropicApi.mjs';

hermeticGit({ before, after });

const CLAUDE = { command: CLAUDE_BIN, args: [] };

/** A scripted API for the test (closed after it), and the environment that points the real CLI at it. */
async function scripted(t, script, options) {
  const api = await startScriptedApi(script, options);
  const env = { ...process.env, ...claudeEnv(api.url) };
  t.after(() => {
    api.close();
    fs.rmSync(env.HOME, { recursive: true, force: true });
  });
  return { api, env };
}

/** Real claude processes still running with this test's HOME (other tests may run their own meanwhile). */
function claudeProcesses(home) {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('claude')) continue;
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (environ.includes(`HOME=${home}`)) found.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const waitFor = async (what, test, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Every text of a request (system prompt and messages): where Claude Code states its environment. */
function textsOf(body) {
  const texts = [];
  const walk = (v) => {
    if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if (typeof v.text === 'string') texts.push(v.text);
      else if (v.content !== undefined) walk(v.content);
    }
  };
  walk(body.system);
  walk(body.messages);
  return texts.join('\n');
}

/** The folder Claude runs in, as Claude Code states it to the model (`Primary working directory: …`). */
function cwdOf(body) {
  const m = /(?:Primary working directory|Working directory): (\S+)/.exec(textsOf(body));
  if (!m) throw new Error('no working directory in the request');
  return m[1];
}

/** The tool_result blocks of the last user message of a request. */
function toolResults(body) {
  const last = body.messages[body.messages.length - 1];
  return Array.isArray(last.content) ? last.content.filter((b) => b.type === 'tool_result') : [];
}

describe('the real Claude Code CLI in a workflow', () => {
  it('edits and commits files with its real tools (commit_required), seen as readable activity and recorded with its cost', async (t) => {
    const e = engineEnv(t);
    const { api, env } = await scripted(t, [
      (body) => ({
        tools: [
          { name: 'Write', input: { file_path: path.join(cwdOf(body), 'src', 'main.rs'), content: 'fn main() {}\n' } },
        ],
      }),
      { tools: [{ name: 'Bash', input: { command: 'git add -A && git commit -qm "add main.rs"' } }] },
      { text: 'Added src/main.rs and committed it.' },
    ]);
    const o = await e.runText(`- claude: "Write main.rs and commit it"\n  commit_required: true\n`, {
      claude: CLAUDE,
      env,
    });
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.equal(fs.readFileSync(path.join(o.worktree, 'src', 'main.rs'), 'utf8'), 'fn main() {}\n');
    assert.equal(git(o.worktree, 'log', '-1', '--format=%s'), 'add main.rs');
    assert.equal(api.requests.length, 3);
    const activity = o.events.filter((ev) => ev.type === 'claude-activity').map((ev) => ev.text);
    assert.ok(
      activity.some((a) => /🔧 Write .*main\.rs/.test(a)),
      activity.join('\n'),
    );
    assert.ok(
      activity.some((a) => /🔧 Bash: git add -A/.test(a)),
      activity.join('\n'),
    );
    assert.ok(activity.some((a) => a.includes('Added src/main.rs and committed it.')));
    assert.ok(
      activity.some((a) => /^✓ \d+ turns · .* tokens · \$/.test(a)),
      activity.join('\n'),
    );
    const step = e.checkpointFile(o.sessionId).completed_steps[0];
    assert.deepEqual(step.claude.tool_uses, { Write: 1, Bash: 1 });
    assert.deepEqual(step.claude.files_changed, ['src/main.rs']);
    assert.ok(step.claude.total_cost_usd > 0, 'Claude Code priced the scripted usage');
    assert.ok(step.claude.claude_session_id);
    const kept = fs
      .readFileSync(step.json_log_location, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(kept[kept.length - 1].type, 'result');
    const totals = e.record(o.sessionId).metadata.claude;
    assert.equal(totals.runs, 1);
    assert.equal(totals.total_cost_usd, kept[kept.length - 1].total_cost_usd);
  });

  it("runs slash commands from the repository's .claude/commands", async (t) => {
    const e = engineEnv(t);
    fs.mkdirSync(path.join(e.repo, '.claude', 'commands'), { recursive: true });
    fs.writeFileSync(path.join(e.repo, '.claude', 'commands', 'greet.md'), 'Say hello to $ARGUMENTS in GREETING.md\n');
    git(e.repo, 'add', '.claude');
    git(e.repo, 'commit', '-qm', 'commands');
    const { api, env } = await scripted(t, [{ text: 'Hello!' }]);
    const o = await e.runText(`- claude: "/greet the team"\n`, { claude: CLAUDE, env });
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.match(JSON.stringify(api.requests[0].messages), /Say hello to the team in GREETING\.md/);
  });

  it('a tool error is shown and the call goes on; an error result fails the step with its message', async (t) => {
    const e = engineEnv(t);
    const { env } = await scripted(t, [
      (body) => ({ tools: [{ name: 'Read', input: { file_path: path.join(cwdOf(body), 'missing.txt') } }] }),
      (body) => {
        assert.equal(toolResults(body)[0].is_error, true);
        return { text: 'The file is missing.' };
      },
      { error: { status: 400, type: 'invalid_request_error', message: 'prompt is too long' } },
    ]);
    const o = await e.runText(`- claude: "Read missing.txt"\n- claude: "Now fail"\n`, { claude: CLAUDE, env });
    const activity = o.events.filter((ev) => ev.type === 'claude-activity');
    assert.ok(
      activity.some((a) => a.kind === 'tool-error'),
      JSON.stringify(activity.map((a) => a.text)),
    );
    assert.equal(o.status, 'Failed');
    assert.match(o.error, /Claude step 'claude: Now fail' failed: Prompt is too long/i);
    assert.match(o.error, /\nFull log: .*claude-streaming.*\.jsonl$/);
    assert.equal(e.record(o.sessionId).metadata.claude.runs, 2);
  });

  it('Stop in the middle of a call: Paused, no claude process left, and resume runs the call again', async (t) => {
    const e = engineEnv(t);
    const { api, env } = await scripted(t, [{ text: 'slow', delayMs: 60_000 }, { text: 'second time' }]);
    const abort = new AbortController();
    const running = e.runText(`- claude: "Take your time"\n`, { claude: CLAUDE, env, signal: abort.signal });
    await waitFor('the call to reach the API', () => api.requests.length === 1);
    abort.abort();
    const o = await running;
    assert.equal(o.status, 'Paused');
    await waitFor('no claude process left', () => claudeProcesses(env.HOME).length === 0, 10_000);
    const resumed = await core.resumeWorkflow({
      manager: e.manager,
      sessionId: o.sessionId,
      claude: CLAUDE,
      env,
      merge: 'never',
    });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.equal(api.requests.length, 2, 'the call ran again');
  });

  it('a step timeout stops the call and fails the step', async (t) => {
    const e = engineEnv(t);
    const { env } = await scripted(t, [{ text: 'too slow', delayMs: 60_000 }]);
    const o = await e.runText(`- claude: "Hurry"\n  timeout: 3\n`, { claude: CLAUDE, env });
    assert.equal(o.status, 'Failed');
    assert.match(o.error, /timed out after 3 seconds/);
    await waitFor('no claude process left', () => claudeProcesses(env.HOME).length === 0, 10_000);
  });

  it('stops at the budget in the middle of a workflow', async (t) => {
    const e = engineEnv(t);
    const { api, env } = await scripted(t, [{ text: 'one' }, { text: 'two' }]);
    const o = await e.runText(`- claude: "first"\n- claude: "second"\n`, {
      claude: { ...CLAUDE, maxCostUsd: 0.000001 },
      env,
    });
    assert.equal(o.status, 'Paused');
    assert.equal(api.requests.length, 1, 'the second call never started');
    assert.match(o.error, /Claude budget reached/);
  });
});

describe('the real Claude Code CLI in MapReduce', () => {
  it('agents are real Claude calls; their costs are summed in the session, and the budget stops new agents', async (t) => {
    const e = engineEnv(t);
    const items = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];
    const { api, env } = await scripted(t, [
      { tools: [{ name: 'Bash', input: { command: 'echo a > out-1.txt' } }] },
      { text: 'done 1' },
      { tools: [{ name: 'Bash', input: { command: 'echo b > out-2.txt' } }] },
      { text: 'done 2' },
      { tools: [{ name: 'Bash', input: { command: 'echo c > out-3.txt' } }] },
      { text: 'done 3' },
    ]);
    const wf = e.writeWorkflow(mapReduceJob({ items, parallel: 1, agent: '    - claude: "Handle ${item.name}"' }));
    const o = await e.run(wf, { claude: CLAUDE, env });
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.equal(api.requests.length, 6);
    const totals = e.record(o.sessionId).metadata.claude;
    assert.equal(totals.runs, 3);
    const costs = fs
      .readdirSync(path.join(e.home, 'logs', 'claude-streaming'))
      .map((n) =>
        fs
          .readFileSync(path.join(e.home, 'logs', 'claude-streaming', n), 'utf8')
          .trim()
          .split('\n')
          .pop(),
      )
      .map((l) => JSON.parse(l).total_cost_usd);
    assert.equal(costs.length, 3);
    assert.ok(Math.abs(totals.total_cost_usd - costs.reduce((a, b) => a + b, 0)) < 1e-9);
    assert.equal(totals.tool_uses, 3);

    // The same job with a budget that the first agent spends: no new agent starts.
    const { api: api2, env: env2 } = await scripted(t, []);
    const o2 = await e.run(wf, { claude: { ...CLAUDE, maxCostUsd: 0.000001 }, env: env2 });
    assert.equal(o2.status, 'Paused');
    assert.equal(api2.requests.length, 1);
    assert.match(e.log(o2), /No new agent started/);
  });

  it('a conflicting agent merge that Claude resolves counts; one it does not resolve goes to the DLQ', async (t) => {
    for (const resolves of [true, false]) {
      const e = engineEnv(t);
      fs.writeFileSync(path.join(e.repo, 'shared.txt'), 'base\n');
      git(e.repo, 'add', 'shared.txt');
      git(e.repo, 'commit', '-qm', 'shared');
      const { api, env } = await scripted(t, [
        (body) => {
          assert.match(JSON.stringify(body.messages), /shared\.txt/, 'the conflicting file is in the prompt');
          return resolves
            ? {
                tools: [
                  {
                    name: 'Bash',
                    input: {
                      command: "printf 'x\\ny\\n' > shared.txt && git add shared.txt && git commit -q --no-edit",
                    },
                  },
                ],
              }
            : { text: 'I would rather not.' };
        },
        { text: resolves ? 'Resolved.' : 'Not resolved.' },
      ]);
      const o = await e.runText(
        mapReduceJob({
          items: [{ name: 'x' }, { name: 'y' }],
          parallel: 2,
          agent: '    - shell: "echo ${item.name} > shared.txt && git add shared.txt && git commit -qm ${item.name}"',
        }),
        { claude: CLAUDE, env, mergeConflicts: 'claude' },
      );
      assert.equal(o.status, 'Completed', o.error ?? '');
      assert.ok(api.requests.length >= 1, 'Claude was asked');
      const dead = await core.listDeadLetters(e.manager, o.sessionId);
      const wt = path.join(e.home, 'worktrees', 'repo', o.sessionId);
      assert.equal(git(wt, 'status', '--porcelain'), '');
      if (resolves) {
        assert.deepEqual(dead, []);
        assert.equal(fs.readFileSync(path.join(wt, 'shared.txt'), 'utf8'), 'x\ny\n');
      } else {
        assert.equal(dead.length, 1);
        assert.equal(dead[0].failure_history[0].error_type, 'MergeConflict');
      }
      assert.equal(e.record(o.sessionId).metadata.claude.runs, 1, 'the resolving call is recorded');
    }
  });
});
