// Claude steps in the engine, with the fast fake CLI (test/fixtures/bin/claude, which prints stream-json when
// asked): the streaming invocation and print mode, the kept stream and where it is named (checkpoint, agent
// result, DLQ item, error), the session's usage sums, an error result that exits 0, readable activity instead
// of JSON, the budget in a workflow and in a MapReduce job, and merge conflicts handed to Claude. The same
// behaviours against the real Claude Code CLI are in real-claude-engine.test.mjs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core } from './helpers/env.mjs';
import { git, hermeticGit } from './helpers/git.mjs';
import { FAKE_CLAUDE, engineEnv, mapReduceJob } from './helpers/engine.mjs';

hermeticGit({ before, after });

/** Prodigy's streaming mode with the fake CLI: no args means the mode's own. */
const STREAMING = { command: FAKE_CLAUDE, args: [] };
const STREAM_NAME = /^\d{8}_\d{6}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.jsonl$/;

const streams = (e) => {
  const dir = path.join(e.home, 'logs', 'claude-streaming');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((n) => path.join(dir, n)) : [];
};

describe('Claude steps stream', () => {
  it('run as `claude -p --output-format stream-json --verbose --dangerously-skip-permissions <prompt>`, the stream kept and named in the checkpoint', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`- claude: "/cost 0.25 first answer"\n  timeout: 30\n- claude: "/cost 0.5 second"\n`, {
      claude: STREAMING,
    });
    assert.equal(o.status, 'Completed', o.error ?? '');
    const calls = e.claudeCalls();
    assert.deepEqual(calls[0].argv, [
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--dangerously-skip-permissions',
      '/cost 0.25 first answer',
    ]);
    assert.equal(calls[0].automation, 'true');
    const kept = streams(e);
    assert.equal(kept.length, 2);
    for (const f of kept) assert.match(path.basename(f), STREAM_NAME);
    const cp = e.checkpointFile(o.sessionId);
    const [one, two] = cp.completed_steps;
    assert.ok(kept.includes(one.json_log_location) && kept.includes(two.json_log_location));
    assert.notEqual(one.json_log_location, two.json_log_location);
    // The kept bytes are exactly what the CLI printed: its last line is the result of that call.
    const last = fs.readFileSync(one.json_log_location, 'utf8').trim().split('\n').pop();
    assert.equal(JSON.parse(last).total_cost_usd, 0.25);
    assert.equal(one.claude.total_cost_usd, 0.25);
    assert.equal(one.claude.num_turns, 2);
    assert.equal(one.claude.claude_session_id, '00000000-0000-4000-8000-000000000001');
    assert.equal(one.output, 'first answer', "a Claude step's output is its result's text, not the JSON");
    // The session's sums, in the record.
    const totals = e.record(o.sessionId).metadata.claude;
    assert.equal(totals.runs, 2);
    assert.equal(totals.total_cost_usd, 0.75);
    assert.equal(totals.input_tokens, 200);
    assert.equal(totals.output_tokens, 40);
    assert.equal(totals.cache_read_input_tokens, 2000);
    assert.equal(totals.cache_creation_input_tokens, 100);
    assert.equal(totals.last.json_log_location, two.json_log_location);
    // The record's checkpoint entries carry each step's cost, and the listing its total.
    const { checkpoints } = await e.manager.listCheckpoints(o.sessionId);
    assert.deepEqual(
      checkpoints.map((c) => c.claude_cost_usd).filter((c) => c !== null),
      [0.25, 0.5],
    );
    const { sessions } = await e.manager.listSessions();
    assert.equal(sessions[0].cost_usd, 0.75);
  });

  it('the log and listeners get readable activity and a usage line, never the raw JSON', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`- claude: "/write notes.md hello there"\n`, { claude: STREAMING });
    assert.equal(o.status, 'Completed', o.error ?? '');
    const activity = o.events.filter((ev) => ev.type === 'claude-activity');
    assert.ok(
      activity.some((a) => a.kind === 'tool' && a.text.includes('Write') && a.text.includes('notes.md')),
      JSON.stringify(activity),
    );
    assert.ok(activity.some((a) => a.kind === 'result' && /\$0\.01/.test(a.text)));
    assert.ok(!o.events.some((ev) => ev.type === 'output' && ev.line.startsWith('{')), 'no JSON line as output');
    const log = e.log(o);
    assert.ok(!log.includes('{"type"'), 'no JSON in the session log');
    assert.match(log, /📁 Claude streaming log: .*claude-streaming/);
    assert.equal(o.events.filter((ev) => ev.type === 'claude-call').length, 1);
  });

  it('activity is live: a tool call shows while the call still runs, and the kept file grows as Claude prints', async (t) => {
    const e = engineEnv(t);
    const gate = path.join(e.home, 'gate');
    let seenWhileRunning = null;
    // The fake shows a Bash call, then runs until the gate exists: only a listener that hears the call live
    // opens it. Read only at the end, the call would run into its timeout and fail.
    const o = await e.runText(`- claude: "/wait-for ${gate}"\n  timeout: 20\n`, {
      claude: STREAMING,
      listener: (ev) => {
        if (ev.type !== 'claude-activity' || ev.kind !== 'tool' || fs.existsSync(gate)) return;
        const [kept] = streams(e);
        seenWhileRunning = { text: ev.text, tool: ev.tool, kept: fs.readFileSync(kept, 'utf8') };
        fs.writeFileSync(gate, '');
      },
    });
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.ok(seenWhileRunning, 'the tool call was heard while the call ran');
    assert.match(seenWhileRunning.tool, /^Bash/);
    assert.match(seenWhileRunning.text, /Bash: wait for the gate/);
    assert.doesNotMatch(seenWhileRunning.kept, /"type":"result"/, 'the kept file had no result yet');
    const kept = fs.readFileSync(streams(e)[0], 'utf8');
    assert.match(kept.trim().split('\n').pop(), /"type":"result"/);
  });

  it('PRODIGY_CLAUDE_STREAMING=false keeps print mode: no stream, no usage', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`- claude: "/echo plain"\n`, {
      claude: STREAMING,
      env: { PRODIGY_CLAUDE_STREAMING: 'false' },
    });
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.deepEqual(e.claudeCalls()[0].argv, ['--print', '--dangerously-skip-permissions', '/echo plain']);
    assert.deepEqual(streams(e), []);
    assert.equal(e.record(o.sessionId).metadata.claude, undefined);
  });

  it('a result with is_error fails the step with its own message, though the process exits 0', async (t) => {
    const e = engineEnv(t);
    const o = await e.runText(`- claude: "/error-result Credit balance is too low"\n- shell: "touch after"\n`, {
      claude: STREAMING,
    });
    assert.equal(o.status, 'Failed');
    const [message, full] = o.error.split('\n');
    assert.match(message, /Credit balance is too low/);
    assert.equal(full, `Full log: ${streams(e)[0]}`);
    assert.ok(!fs.existsSync(path.join(o.worktree, 'after')));
    const totals = e.record(o.sessionId).metadata.claude;
    assert.equal(totals.runs, 1, 'a failed call is counted too');
    assert.equal(totals.last.is_error, true);
  });

  it('output that is not JSON lines is shown and kept as text, without usage, and is no error', async (t) => {
    const e = engineEnv(t);
    // A configured command that prints plain text whatever it is asked.
    const o = await e.runText(`- claude: "/echo just text"\n`, {
      claude: { command: FAKE_CLAUDE, args: ['{prompt}'] },
    });
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.ok(o.events.some((ev) => ev.type === 'output' && ev.line === 'just text'));
    assert.equal(fs.readFileSync(streams(e)[0], 'utf8'), 'just text\n');
    assert.equal(e.record(o.sessionId).metadata.claude.total_cost_usd, 0);
  });
});

describe('odd streams', () => {
  it('a line of 2 MB, a cut-off last line and lines split across chunks never stop the call; the file keeps every byte', async (t) => {
    const e = engineEnv(t);
    const script = path.join(e.root, 'odd-claude.js');
    fs.writeFileSync(
      script,
      [
        'const out = (s) => process.stdout.write(s);',
        "out(JSON.stringify({ type: 'system', subtype: 'init', session_id: 's1', model: 'm', cwd: process.cwd(), tools: [] }) + '\\n');",
        "out('x'.repeat(2 * 1024 * 1024) + '\\n');",
        "const text = JSON.stringify({ type: 'assistant', message: { id: 'msg_1', role: 'assistant', content: [{ type: 'text', text: 'split across writes' }] }, session_id: 's1' });",
        "out(text.slice(0, 10)); setTimeout(() => { out(text.slice(10) + '\\n');",
        "  out(JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'ok', num_turns: 1, duration_ms: 1, total_cost_usd: 0.02, usage: { input_tokens: 1, output_tokens: 1 }, session_id: 's1' }) + '\\n');",
        '  out(\'{"type":"assistant","cut off\');',
        '}, 50);',
      ].join('\n'),
    );
    const o = await e.runText(`- claude: "go"\n`, {
      claude: { command: process.execPath, args: [script, '{prompt}'] },
    });
    assert.equal(o.status, 'Completed', o.error ?? '');
    const texts = o.events.filter((ev) => ev.type === 'claude-activity').map((ev) => ev.text);
    assert.ok(texts.includes('split across writes'), texts.join('\n'));
    const long = o.events.find((ev) => ev.type === 'output' && ev.line.startsWith('xxx'));
    assert.match(long.line, / … \[1048576 more bytes\]$/, 'the long line is kept up to 1 MiB and marked');
    assert.ok(o.events.some((ev) => ev.type === 'output' && ev.line === '{"type":"assistant","cut off'));
    const kept = fs.readFileSync(e.checkpointFile(o.sessionId).completed_steps[0].json_log_location);
    assert.ok(kept.length > 2 * 1024 * 1024, 'every byte is in the kept stream');
    assert.equal(e.record(o.sessionId).metadata.claude.total_cost_usd, 0.02);
  });
  it('a stream that ends without a result: its partial-message lines, passed over live, are read back for the final token counts', async (t) => {
    const e = engineEnv(t);
    // A real capture (read in place from ../shared) without its result line, replayed as the Claude command.
    const capture = path.resolve(
      import.meta.dirname,
      '..',
      '..',
      '..',
      'shared',
      'fixtures',
      'claude-stream-json',
      'financecim-1.jsonl',
    );
    const lines = fs.readFileSync(capture, 'utf8').split('\n').filter(Boolean).slice(0, -1);
    assert.ok(lines.some((l) => l.startsWith('{"type":"stream_event","event":{"type":"message_delta"')));
    const replay = path.join(e.root, 'no-result.jsonl');
    fs.writeFileSync(replay, `${lines.join('\n')}\n`);
    const o = await e.runText(`- claude: "go"\n`, { claude: { command: 'sh', args: ['-c', 'cat "$0"', replay] } });
    assert.equal(o.status, 'Completed', o.error ?? '');
    // The same lines fed one by one, each parsed: what the call must have recorded.
    const tracker = new core.ClaudeCallTracker({ step: null, cwd: null, jsonLogLocation: null });
    for (const l of lines) tracker.feed(l);
    const expected = tracker.summary();
    const got = e.checkpointFile(o.sessionId).completed_steps[0].claude;
    assert.equal(got.has_result, false);
    for (const k of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'])
      assert.equal(got[k], expected[k], k);
    const assistantOnly = lines
      .map((l) => JSON.parse(l))
      .filter((v) => v.type === 'assistant')
      .reduce((m, v) => m.set(v.message.id, v.message.usage.output_tokens), new Map());
    assert.ok(got.output_tokens > [...assistantOnly.values()].reduce((a, b) => a + b, 0), 'message_delta counts used');
  });
});

describe('a Claude budget', () => {
  it('stops a workflow cleanly once reached: the call in flight finishes, no new one starts, resume goes on with a raised limit', async (t) => {
    const e = engineEnv(t);
    const wf = e.writeWorkflow(
      `- claude: "/cost 0.25 one"\n- shell: "touch between"\n- claude: "/cost 0.25 two"\n- claude: "/cost 0.25 three"\n`,
    );
    const o = await e.run(wf, { claude: { ...STREAMING, maxCostUsd: 0.5 } });
    assert.equal(o.status, 'Paused');
    assert.equal(e.claudeCalls().length, 2, 'the third call never started');
    assert.match(o.error, /\$0\.50 spent of the \$0\.50 allowed/);
    const rec = e.record(o.sessionId);
    assert.equal(rec.status, 'Paused');
    assert.equal(rec.error, o.error, 'the record says why it paused');
    assert.match(e.log(o), /Claude budget reached/);
    // Resumed with the same limit: still nothing starts.
    const same = await core.resumeWorkflow({
      manager: e.manager,
      sessionId: o.sessionId,
      claude: { ...STREAMING, maxCostUsd: 0.5 },
      merge: 'never',
      env: { ...process.env, FAKE_CLAUDE_LOG: e.claudeLog },
    });
    assert.equal(same.status, 'Paused');
    assert.equal(e.claudeCalls().length, 2);
    const resumed = await core.resumeWorkflow({
      manager: e.manager,
      sessionId: o.sessionId,
      claude: { ...STREAMING, maxCostUsd: 2 },
      merge: 'never',
      env: { ...process.env, FAKE_CLAUDE_LOG: e.claudeLog },
    });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.deepEqual(
      e.claudeCalls().map((c) => c.prompt),
      ['/cost 0.25 one', '/cost 0.25 two', '/cost 0.25 three'],
    );
    const after = e.record(o.sessionId);
    assert.equal(after.metadata.claude.total_cost_usd, 0.75);
    assert.equal(after.error, null);
  });

  it('in a MapReduce job counts every agent: no new agent starts once reached, and resume runs the rest', async (t) => {
    const e = engineEnv(t);
    const items = Array.from({ length: 5 }, (_, i) => ({ name: `n${i}` }));
    const wf = e.writeWorkflow(mapReduceJob({ items, parallel: 1, agent: '    - claude: "/cost 0.25 ${item.name}"' }));
    const o = await e.run(wf, { claude: { ...STREAMING, maxCostUsd: 0.5 } });
    assert.equal(o.status, 'Paused', o.error ?? '');
    assert.equal(e.claudeCalls().length, 2);
    assert.match(o.error, /Claude budget reached/);
    const resumed = await core.resumeWorkflow({
      manager: e.manager,
      sessionId: o.sessionId,
      claude: { ...STREAMING, maxCostUsd: 10 },
      merge: 'never',
      env: { ...process.env, FAKE_CLAUDE_LOG: e.claudeLog },
    });
    assert.equal(resumed.status, 'Completed', resumed.error ?? '');
    assert.equal(e.claudeCalls().length, 5, 'each item ran once');
    const totals = e.record(o.sessionId).metadata.claude;
    assert.equal(totals.runs, 5);
    assert.equal(totals.total_cost_usd, 1.25);
  });
});

describe('MapReduce agents stream', () => {
  it('each agent keeps its stream, named in its result and, when it fails, in its DLQ item; costs are summed', async (t) => {
    const e = engineEnv(t);
    const items = [{ name: 'ok1' }, { name: 'bad' }, { name: 'ok2' }];
    const o = await e.runText(
      mapReduceJob({
        items,
        parallel: 2,
        agent: '    - claude: "/cost 0.1 ${item.name}"\n    - shell: "test ${item.name} != bad"',
      }),
      { claude: STREAMING },
    );
    assert.equal(o.status, 'Completed', o.error ?? '');
    assert.ok(
      e.claudeCalls().every((c) => c.argv.includes('stream-json')),
      'agents stream too',
    );
    const totals = e.record(o.sessionId).metadata.claude;
    assert.equal(totals.runs, 3);
    assert.equal(Math.round(totals.total_cost_usd * 100), 30);
    const [dead] = await core.listDeadLetters(e.manager, o.sessionId);
    const kept = streams(e);
    assert.ok(kept.includes(dead.failure_history[0].json_log_location), dead.failure_history[0].json_log_location);
    const rec = e.record(o.sessionId);
    const jobDir = path.join(e.home, 'state', o.sessionId, 'mapreduce', 'jobs', rec.mapreduce_data.job_id);
    const state = JSON.parse(
      fs.readFileSync(
        path.join(
          jobDir,
          fs
            .readdirSync(jobDir)
            .filter((n) => /^checkpoint-v\d+\.json$/.test(n))
            .sort()
            .pop(),
        ),
        'utf8',
      ),
    );
    const ok = state.agent_results.item_0;
    assert.ok(kept.includes(ok.json_log_location));
    assert.equal(ok.claude.total_cost_usd, 0.1);
  });
});

describe('merge conflicts with --merge-conflicts claude', () => {
  const conflicting = (e) => {
    fs.writeFileSync(path.join(e.repo, 'shared.txt'), 'base\n');
    git(e.repo, 'add', 'shared.txt');
    git(e.repo, 'commit', '-qm', 'shared');
  };

  it("an agent's conflicting merge goes to Claude; resolved and committed, it counts", async (t) => {
    const e = engineEnv(t);
    conflicting(e);
    const o = await e.runText(
      mapReduceJob({
        items: [{ name: 'x' }, { name: 'y' }],
        parallel: 2,
        agent: '    - shell: "echo ${item.name} > shared.txt && git add shared.txt && git commit -qm ${item.name}"',
      }),
      { claude: STREAMING, mergeConflicts: 'claude', mergeConflictCommand: '/resolve-conflicts' },
    );
    assert.equal(o.status, 'Completed', o.error ?? '');
    const rec = e.record(o.sessionId);
    assert.equal(rec.mapreduce_data.failed_items, 0, 'the conflict was resolved');
    assert.deepEqual(await core.listDeadLetters(e.manager, o.sessionId), []);
    const call = e.claudeCalls().find((c) => c.prompt.startsWith('/resolve-conflicts'));
    assert.match(call.prompt, /shared\.txt/, 'the conflicting files are named');
    assert.equal(rec.metadata.claude.runs, 1, 'the resolving call is recorded like any other');
    assert.match(e.log(o), /Claude resolved the conflicts of item_\d in shared\.txt/);
  });

  it('a resolution that leaves conflict markers does not count: the merge is aborted as without Claude', async (t) => {
    const e = engineEnv(t);
    conflicting(e);
    const o = await e.runText(
      mapReduceJob({
        items: [{ name: 'x' }, { name: 'y' }],
        parallel: 2,
        agent: '    - shell: "echo ${item.name} > shared.txt && git add shared.txt && git commit -qm ${item.name}"',
      }),
      { claude: STREAMING, mergeConflicts: 'claude', mergeConflictCommand: '/resolve-badly' },
    );
    assert.equal(o.status, 'Completed');
    const [failed] = await core.listDeadLetters(e.manager, o.sessionId);
    assert.equal(failed.failure_history[0].error_type, 'MergeConflict');
    const wt = path.join(e.home, 'worktrees', 'repo', o.sessionId);
    assert.equal(git(wt, 'status', '--porcelain'), '', 'the session worktree is clean');
    assert.doesNotMatch(fs.readFileSync(path.join(wt, 'shared.txt'), 'utf8'), /<<<<<<<|>>>>>>>/);
  });

  it("a session's merge back that conflicts is resolved by Claude in the repository", async (t) => {
    const e = engineEnv(t);
    conflicting(e);
    const wf = e.writeWorkflow(`- shell: "echo ours > shared.txt && git commit -qam ours"\n`);
    const o = await e.run(wf, { claude: STREAMING, merge: 'never' });
    assert.equal(o.status, 'Completed');
    fs.writeFileSync(path.join(e.repo, 'shared.txt'), 'theirs\n');
    git(e.repo, 'commit', '-qam', 'theirs');
    const merged = await core.mergeSession({
      manager: e.manager,
      sessionId: o.sessionId,
      claude: STREAMING,
      mergeConflicts: 'claude',
      mergeConflictCommand: '/resolve-conflicts',
      env: { ...process.env, FAKE_CLAUDE_LOG: e.claudeLog },
    });
    assert.equal(merged.status, 'merged', JSON.stringify(merged));
    assert.equal(git(e.repo, 'status', '--porcelain'), '');
    assert.equal(fs.readFileSync(path.join(e.repo, 'shared.txt'), 'utf8'), 'theirs\nours\n');
  });
});
