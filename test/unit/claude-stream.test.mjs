// The Claude stream-json reader (src/core/claude) against the 13 real captures in
// ../shared/fixtures/claude-stream-json (read in place, never copied): every line parses without throwing,
// a call's summary says what its `result` line says, activity lines show each thing once, transcripts link
// the files they name, and the kept stream is the bytes as they came. Expected values are computed here
// from the raw JSON, independently of the code under test.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { core, ROOT } from './helpers/env.mjs';
import { seeded } from './helpers/seeded.mjs';

const STREAMS = path.resolve(ROOT, '..', 'shared', 'fixtures', 'claude-stream-json');
const FILES = fs
  .readdirSync(STREAMS)
  .filter((n) => n.endsWith('.jsonl'))
  .sort();

/** A capture's lines, without the newline after the last one. */
function linesOf(name) {
  const lines = fs.readFileSync(path.join(STREAMS, name), 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The lines that are JSON objects, parsed (independently of parseStreamLine). */
function jsonOf(name) {
  const out = [];
  for (const line of linesOf(name)) {
    try {
      const v = JSON.parse(line);
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v);
    } catch {}
  }
  return out;
}

const resultOf = (name) => jsonOf(name).find((o) => o.type === 'result') ?? null;
const initOf = (name) => jsonOf(name).find((o) => o.type === 'system' && o.subtype === 'init') ?? null;

/** Every tool_use block of the assistant lines, once per id. */
function toolUsesOf(name) {
  const byId = new Map();
  for (const o of jsonOf(name)) {
    if (o.type !== 'assistant') continue;
    for (const b of o.message.content) {
      if (b.type === 'tool_use') byId.set(b.id, { ...b, parent: o.parent_tool_use_id ?? null });
    }
  }
  return [...byId.values()];
}

function countByName(uses) {
  const counts = {};
  for (const u of uses) counts[u.name] = (counts[u.name] ?? 0) + 1;
  return counts;
}

function track(name, opts = {}) {
  const tracker = new core.ClaudeCallTracker({ step: 'implement', cwd: null, jsonLogLocation: '/x.jsonl', ...opts });
  const activities = [];
  for (const line of linesOf(name)) activities.push(...tracker.feed(line));
  return { tracker, activities, call: tracker.summary() };
}

const TOKEN_KEYS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'];

describe('the captures', () => {
  it('are the 13 files PROVENANCE.md lists', () => {
    assert.equal(FILES.length, 13, FILES.join(', '));
    assert.ok(FILES.includes('styr-1.jsonl') && FILES.includes('deep-factor-agent-3.jsonl'));
  });
});

describe('parseStreamLine', () => {
  it('reads every line of every capture: JSON objects as events of their type, anything else as text', () => {
    for (const name of FILES) {
      for (const line of linesOf(name)) {
        const parsed = core.parseStreamLine(line);
        let raw;
        try {
          raw = JSON.parse(line);
        } catch {
          raw = undefined;
        }
        if (raw === undefined) {
          assert.deepEqual(parsed, { kind: 'text', text: line }, `${name}: ${line.slice(0, 80)}`);
          continue;
        }
        assert.equal(parsed.kind, 'event', `${name}: ${line.slice(0, 80)}`);
        const type = parsed.event.type === 'unknown' ? parsed.event.original_type : parsed.event.type;
        assert.equal(type, raw.type, `${name}: ${line.slice(0, 80)}`);
        // The kinds Claude Code prints are all understood; only foreign lines are unknown.
        if (parsed.event.type === 'unknown') {
          assert.ok(['loop_end_summary', 'control_response'].includes(raw.type), `${name}: ${raw.type} unknown`);
        }
      }
    }
  });

  it('keeps `>>> ` stdin echoes as text and a wrapper’s own JSON line as an unknown event', () => {
    const styr = linesOf('styr-1.jsonl');
    const echoes = styr.filter((l) => l.startsWith('>>> '));
    assert.equal(echoes.length, 2);
    for (const l of echoes) assert.deepEqual(core.parseStreamLine(l), { kind: 'text', text: l });
    const summaryLine = linesOf('financecim-1.jsonl').find((l) => l.startsWith('{"type":"loop_end_summary"'));
    const parsed = core.parseStreamLine(summaryLine);
    assert.equal(parsed.event.type, 'unknown');
    assert.equal(parsed.event.original_type, 'loop_end_summary');
    assert.equal(parsed.event.raw.date, '2025-09-27');
  });

  it('does not depend on key order (2.1.276 puts `type` in the middle of a result)', () => {
    const line = linesOf('styr-1.jsonl').at(-1);
    assert.ok(!line.startsWith('{"type"'));
    const a = core.parseStreamLine(line);
    assert.equal(a.event.type, 'result');
    assert.equal(a.event.subtype, 'error_during_execution');
    for (const name of ['deep-factor-agent-2.jsonl', 'financecim-2.jsonl']) {
      for (const l of linesOf(name).slice(0, 40)) {
        const reversed = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l)).reverse()));
        const x = core.parseStreamLine(l);
        const y = core.parseStreamLine(reversed);
        assert.equal(y.event.type, x.event.type);
        assert.deepEqual(JSON.parse(JSON.stringify(y.event)), JSON.parse(JSON.stringify(x.event)));
      }
    }
  });

  it('reads assistant blocks, tool results (string or blocks, is_error) and unknown block kinds', () => {
    const tool = core.parseStreamLine(
      '{"type":"assistant","message":{"id":"msg_1","model":"m","content":[{"type":"tool_use","id":"toolu_1","name":"Read","input":{"file_path":"/a"}}],"usage":{"input_tokens":3,"output_tokens":"many"}},"parent_tool_use_id":null,"session_id":"s"}',
    );
    assert.equal(tool.event.type, 'assistant');
    assert.deepEqual(tool.event.message.content[0].input, { file_path: '/a' });
    // A field of an unexpected shape reads as unknown; the line is kept.
    assert.equal(tool.event.message.usage.input_tokens, 3);
    assert.equal(tool.event.message.usage.output_tokens, undefined);
    const other = core.parseStreamLine(
      '{"type":"assistant","message":{"content":[{"type":"redacted_thinking","data":"x"}]}}',
    );
    assert.deepEqual(other.event.message.content[0], {
      type: 'other',
      original_type: 'redacted_thinking',
      raw: { type: 'redacted_thinking', data: 'x' },
    });
    const result = core.parseStreamLine(
      '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","is_error":true,"content":[{"type":"text","text":"a"},{"type":"image","source":{}}]}]}}',
    );
    const block = result.event.message.content[0];
    assert.equal(block.type, 'tool_result');
    assert.equal(block.is_error, true);
    assert.equal(core.toolResultText(block.content), 'a\n[image]');
  });

  it('takes a line cut off in the middle, garbage and odd JSON as text (or unknown), never throwing', () => {
    const long = linesOf('automagik-1.jsonl').reduce((a, b) => (b.length > a.length ? b : a));
    assert.ok(long.length > 80_000);
    assert.equal(core.parseStreamLine(long).kind, 'event');
    const cut = long.slice(0, Math.floor(long.length / 2));
    assert.deepEqual(core.parseStreamLine(cut), { kind: 'text', text: cut });
    for (const text of ['', '   ', '{', '}', '[1]', 'null', '"x"', '{"type":1}', '{}', '{"type":"x"} tail', '>>> {}']) {
      assert.deepEqual(core.parseStreamLine(text), { kind: 'text', text }, JSON.stringify(text));
    }
    assert.equal(core.parseStreamLine('{"type":"assistant"}').event.type, 'unknown');
    assert.equal(core.parseStreamLine('{"type":"stream_event","event":5}').event.type, 'unknown');
    assert.equal(core.parseStreamLine('  {"type":"system","subtype":"status"}\r').event.subtype, 'status');
    const deep = `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`;
    assert.equal(core.parseStreamLine(deep).kind, 'text');
    const random = seeded(20260222);
    const alphabet = '{}[]":,ab01 \\\u00e9\u2192\n';
    for (let i = 0; i < 2000; i++) {
      let s = '{';
      const n = Math.floor(random() * 60);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(random() * alphabet.length)];
      const parsed = core.parseStreamLine(s);
      assert.ok(parsed.kind === 'text' || parsed.kind === 'event', `seed 20260222 case ${i}: ${s}`);
      if (parsed.kind === 'text') assert.equal(parsed.text, s);
    }
  });

  it('reads a 200 KB line whole when it is JSON, and as text when it is cut off', () => {
    const text = 'x→'.repeat(100_000);
    const line = JSON.stringify({
      type: 'assistant',
      message: { id: 'msg_big', content: [{ type: 'text', text }] },
      session_id: 's',
    });
    assert.ok(line.length >= 200_000);
    const parsed = core.parseStreamLine(line);
    assert.equal(parsed.event.message.content[0].text, text);
    assert.equal(core.parseStreamLine(line.slice(0, 150_000)).kind, 'text');
  });
});

describe('ClaudeCallTracker on the real captures', () => {
  for (const name of FILES) {
    it(`${name}: the summary is what the stream says`, () => {
      const { tracker, activities, call } = track(name);
      const result = resultOf(name);
      const init = initOf(name);
      assert.equal(call.step, 'implement');
      assert.equal(call.json_log_location, '/x.jsonl');
      assert.equal(call.claude_session_id, init.session_id);
      assert.equal(call.model, init.model);
      assert.equal(call.cwd, init.cwd);
      assert.deepEqual(call.tool_uses, countByName(toolUsesOf(name)));
      assert.equal(activities.filter((a) => a.kind === 'init').length, 1);
      assert.equal(activities.find((a) => a.kind === 'init').text.includes(init.model), true);
      if (result) {
        assert.equal(call.has_result, true);
        assert.equal(call.num_turns, result.num_turns);
        assert.equal(call.duration_ms, result.duration_ms);
        assert.equal(call.total_cost_usd, result.total_cost_usd);
        for (const k of TOKEN_KEYS) assert.equal(call[k], result.usage[k], k);
        assert.equal(call.is_error, result.is_error);
        assert.equal(call.error, result.is_error ? (result.result ?? result.errors.join('; ')) : null);
        const results = activities.filter((a) => a.kind === 'result');
        assert.deepEqual(results, [{ kind: 'result', text: core.usageLine(call) }]);
        assert.equal(tracker.currentTool, null);
        if (result.modelUsage) {
          const sum = Object.values(result.modelUsage).reduce((a, m) => a + m.costUSD, 0);
          assert.ok(Math.abs(sum - result.total_cost_usd) < 1e-9, `${name}: modelUsage sums to ${sum}`);
        }
      } else {
        assert.equal(call.has_result, false);
      }
      // Lines that are not JSON are shown as they are.
      const plain = linesOf(name).filter((l) => core.parseStreamLine(l).kind === 'text');
      assert.deepEqual(
        activities.filter((a) => a.kind === 'output').map((a) => a.text),
        plain,
      );
    });
  }

  it('styr-1: hooks before init, an interrupted turn and error_during_execution with errors[]', () => {
    const { activities, call } = track('styr-1.jsonl');
    assert.equal(activities[0].kind, 'output');
    assert.ok(activities[0].text.startsWith('>>> '));
    assert.equal(activities[1].text, 'Claude Code 2.1.276 · claude-fable-5-1');
    assert.equal(call.is_error, true);
    assert.equal(call.error, '[ede_diagnostic] result_type=user last_content_type=n/a stop_reason=null');
    assert.deepEqual(
      activities.filter((a) => a.kind === 'error').map((a) => a.text),
      ['✗ [ede_diagnostic] result_type=user last_content_type=n/a stop_reason=null'],
    );
    // The interrupted text was only ever streamed as deltas and re-emitted whole once: shown once.
    assert.deepEqual(
      activities.filter((a) => a.kind === 'text').map((a) => a.text),
      ['1 …'],
    );
  });

  it('deep-factor-agent-1: a rate-limited call (success + is_error) fails with the limit’s message, said once', () => {
    const { activities, call } = track('deep-factor-agent-1.jsonl');
    const message = "You've hit your limit · resets 2am (America/Denver)";
    assert.equal(call.is_error, true);
    assert.equal(call.error, message);
    assert.equal(call.total_cost_usd, 0);
    assert.deepEqual(
      activities.map((a) => a.kind),
      ['init', 'error', 'result'],
    );
    assert.equal(activities[1].text, `✗ ${message}`);
    assert.ok(activities[2].text.startsWith('✗ 1 turn · '), activities[2].text);
    assert.ok(activities[2].text.endsWith(`— ${message}`), activities[2].text);
  });

  it('self-agents-1 and financecim-2: credit and session-limit failures carry the result’s text', () => {
    assert.equal(track('self-agents-1.jsonl').call.error, 'Credit balance is too low');
    const f2 = track('financecim-2.jsonl').call;
    assert.equal(f2.is_error, true);
    assert.equal(f2.error, 'Session limit reached ∙ resets 2am');
    assert.equal(f2.total_cost_usd, 5.8869735499999996);
  });

  it('deep-factor-agent-3: a stopped call has no result; its tokens are one usage per message, not per line', () => {
    const { tracker, call, activities } = track('deep-factor-agent-3.jsonl');
    assert.equal(call.has_result, false);
    assert.equal(call.is_error, false);
    assert.equal(call.error, null);
    assert.equal(call.total_cost_usd, 0);
    assert.equal(call.num_turns, null);
    assert.equal(call.duration_ms, null);
    assert.equal(activities.filter((a) => a.kind === 'result').length, 0);
    // Independent count: the last usage each message id showed, summed over ids.
    const perMessage = new Map();
    const perLine = Object.fromEntries(TOKEN_KEYS.map((k) => [k, 0]));
    for (const o of jsonOf('deep-factor-agent-3.jsonl')) {
      if (o.type !== 'assistant') continue;
      perMessage.set(o.message.id, o.message.usage);
      for (const k of TOKEN_KEYS) perLine[k] += o.message.usage[k];
    }
    for (const k of TOKEN_KEYS) {
      const expected = [...perMessage.values()].reduce((a, u) => a + u[k], 0);
      assert.equal(call[k], expected, k);
    }
    assert.ok(call.cache_read_input_tokens < perLine.cache_read_input_tokens, 'repeated usage was not summed');
    // Four Task calls never got their result: the last one is the tool running.
    assert.equal(tracker.currentTool, 'Task: Study review-log.sh implementation');
  });

  it('financecim-*: text streamed as deltas and then whole is shown once, from the whole line', () => {
    for (const name of ['financecim-1.jsonl', 'financecim-2.jsonl']) {
      const json = jsonOf(name);
      const deltas = json.filter((o) => o.type === 'stream_event' && o.event.delta?.type === 'text_delta');
      assert.ok(deltas.length >= 5, `${name} has text deltas`);
      const texts = json
        .filter((o) => o.type === 'assistant' && o.message.model !== '<synthetic>')
        .flatMap((o) => o.message.content.filter((b) => b.type === 'text' && b.text.trim() !== ''))
        .map((b) => b.text);
      const shown = track(name).activities.filter((a) => a.kind === 'text');
      assert.equal(shown.length, texts.length, name);
      shown.forEach((a, i) => {
        const first = texts[i].trim().split('\n')[0];
        const stem = a.text.replace(/ …$|…$/, '');
        assert.ok(first.startsWith(stem) && stem.length > 0, `${name}: "${a.text}" vs "${first}"`);
        assert.equal(shown.filter((b) => b.text === a.text).length, 1, `${name}: "${a.text}" shown twice`);
      });
    }
  });

  it('financecim-1 without its result: tokens come from message_delta, the final count per message', () => {
    const lines = linesOf('financecim-1.jsonl').slice(0, -1);
    const tracker = new core.ClaudeCallTracker({ step: null, cwd: null, jsonLogLocation: null });
    for (const l of lines) tracker.feed(l);
    const call = tracker.summary();
    assert.equal(call.has_result, false);
    // Independent: per message (message_start opens it), the largest value each field showed.
    const usage = new Map();
    let current = null;
    const note = (id, u) => {
      const t = usage.get(id) ?? Object.fromEntries(TOKEN_KEYS.map((k) => [k, 0]));
      for (const k of TOKEN_KEYS) if (typeof u?.[k] === 'number') t[k] = Math.max(t[k], u[k]);
      usage.set(id, t);
    };
    for (const l of lines) {
      let o;
      try {
        o = JSON.parse(l);
      } catch {
        continue;
      }
      if (o.type === 'assistant') note(o.message.id, o.message.usage);
      if (o.type === 'stream_event' && o.event.type === 'message_start') {
        current = o.event.message.id;
        note(current, o.event.message.usage);
      }
      if (o.type === 'stream_event' && o.event.type === 'message_delta') note(current, o.event.usage);
    }
    for (const k of TOKEN_KEYS)
      assert.equal(
        call[k],
        [...usage.values()].reduce((a, t) => a + t[k], 0),
        k,
      );
    const assistantOnly = jsonOf('financecim-1.jsonl')
      .filter((o) => o.type === 'assistant')
      .reduce((m, o) => m.set(o.message.id, o.message.usage.output_tokens), new Map());
    assert.ok(call.output_tokens > [...assistantOnly.values()].reduce((a, b) => a + b, 0), 'final counts used');
  });

  it('deep-factor-agent-2: subagent tool calls are nested under the Task that started them', () => {
    const { activities } = track('deep-factor-agent-2.jsonl');
    const uses = toolUsesOf('deep-factor-agent-2.jsonl');
    const tasks = new Map(uses.filter((u) => u.name === 'Task').map((u) => [u.id, u.input.description]));
    const nested = uses.filter((u) => u.parent !== null);
    assert.equal(nested.length, 2);
    const subTools = activities.filter((a) => a.kind === 'tool' && a.subagent !== undefined);
    assert.deepEqual(
      subTools.map((a) => a.subagent),
      nested.map((u) => tasks.get(u.parent)),
    );
    for (const a of subTools) {
      assert.ok(a.text.startsWith(`  ↳ [${a.subagent}] 🔧 Read specs/`), a.text);
    }
    const main = activities.filter((a) => a.kind === 'tool' && a.subagent === undefined);
    assert.equal(main.length, uses.length - nested.length);
    assert.ok(main.every((a) => a.text.startsWith('🔧 ')));
  });

  it('deep-factor-agent-2: files changed are the Write/Edit paths, relative to the cwd, once each in order', () => {
    const { call } = track('deep-factor-agent-2.jsonl');
    const cwd = initOf('deep-factor-agent-2.jsonl').cwd;
    const expected = [];
    for (const u of toolUsesOf('deep-factor-agent-2.jsonl')) {
      if (!['Write', 'Edit', 'MultiEdit', 'NotebookEdit'].includes(u.name)) continue;
      const rel = path.relative(cwd, u.input.file_path);
      if (!expected.includes(rel)) expected.push(rel);
    }
    assert.equal(expected.length, 11);
    assert.deepEqual(call.files_changed, expected);
  });

  it('self-agents-2: failed tool results are tool-error lines with the error’s first line', () => {
    const { activities } = track('self-agents-2.jsonl');
    const failed = jsonOf('self-agents-2.jsonl')
      .filter((o) => o.type === 'user' && Array.isArray(o.message.content))
      .flatMap((o) => o.message.content.filter((b) => b.type === 'tool_result' && b.is_error === true));
    const errors = activities.filter((a) => a.kind === 'tool-error');
    assert.ok(failed.length >= 1);
    assert.equal(errors.length, failed.length);
    assert.ok(
      errors.some((a) => a.text.startsWith('✗ EISDIR: illegal operation on a directory')),
      errors[0]?.text,
    );
  });

  it('currentTool follows the main thread: set by a tool_use, cleared by its result', () => {
    const tracker = new core.ClaudeCallTracker({ step: null, cwd: '/repo', jsonLogLocation: null });
    const use = (id, name, input, parent = null) =>
      JSON.stringify({
        type: 'assistant',
        message: { id: `msg_${id}`, content: [{ type: 'tool_use', id, name, input }] },
        parent_tool_use_id: parent,
      });
    const done = (id, parent = null, extra = {}) =>
      JSON.stringify({
        type: 'user',
        message: { content: [{ type: 'tool_result', tool_use_id: id, content: 'ok', ...extra }] },
        parent_tool_use_id: parent,
      });
    assert.equal(tracker.currentTool, null);
    tracker.feed(use('t1', 'Bash', { command: 'cargo test' }));
    assert.equal(tracker.currentTool, 'Bash: cargo test');
    tracker.feed(use('t2', 'Read', { file_path: '/repo/src/a.ts' }, 't1'));
    assert.equal(tracker.currentTool, 'Bash: cargo test', 'a subagent call is not the main thread’s');
    tracker.feed(use('t3', 'Edit', { file_path: '/repo/src/lib.rs' }));
    assert.equal(tracker.currentTool, 'Edit src/lib.rs');
    tracker.feed(done('t3'));
    assert.equal(tracker.currentTool, 'Bash: cargo test');
    const err = tracker.feed(
      done('t1', null, { is_error: true, content: '<tool_use_error>boom\nmore</tool_use_error>' }),
    );
    assert.deepEqual(err, [{ kind: 'tool-error', text: '✗ boom …', tool: 'Bash' }]);
    assert.equal(tracker.currentTool, null);
    // A repeated line counts once.
    tracker.feed(use('t3', 'Edit', { file_path: '/repo/src/lib.rs' }));
    assert.deepEqual(tracker.summary().tool_uses, { Bash: 1, Read: 1, Edit: 1 });
    assert.deepEqual(tracker.summary().files_changed, ['src/lib.rs']);
  });

  it('gives the same activity and summary whatever the key order (lines it passes over unparsed included)', () => {
    for (const name of ['financecim-1.jsonl', 'styr-1.jsonl', 'deep-factor-agent-2.jsonl']) {
      const reorder = (l) => {
        try {
          return JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l)).reverse()));
        } catch {
          return l;
        }
      };
      const a = new core.ClaudeCallTracker({ step: null, cwd: null, jsonLogLocation: null });
      const b = new core.ClaudeCallTracker({ step: null, cwd: null, jsonLogLocation: null });
      const seenA = linesOf(name).flatMap((l) => a.feed(l));
      const seenB = linesOf(name).flatMap((l) => b.feed(reorder(l)));
      assert.deepEqual(seenB, seenA, name);
      assert.deepEqual(b.summary(), a.summary(), name);
      assert.ok(seenA.length > 3, name);
    }
  });

  it('keeps counting right past the size of its bounded books (3000 messages and tool calls)', () => {
    const tracker = new core.ClaudeCallTracker({ step: null, cwd: null, jsonLogLocation: null });
    const line = (i) =>
      JSON.stringify({
        type: 'assistant',
        message: {
          id: `msg_${i}`,
          content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Read', input: { file_path: `/f${i}` } }],
          usage: { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 3, cache_creation_input_tokens: 0 },
        },
        parent_tool_use_id: null,
      });
    for (let i = 0; i < 3000; i++) {
      tracker.feed(line(i));
      tracker.feed(line(i));
    }
    const call = tracker.summary();
    assert.deepEqual(call.tool_uses, { Read: 3000 });
    assert.equal(call.input_tokens, 3000);
    assert.equal(call.output_tokens, 6000);
    assert.equal(call.cache_read_input_tokens, 9000);
    assert.equal(tracker.currentTool, 'Read /f2999');
  });

  it('a plain-text command (print mode, a wrapper) is shown line by line and has no result', () => {
    const tracker = new core.ClaudeCallTracker({ step: 'x', cwd: '/w', jsonLogLocation: null });
    assert.deepEqual(tracker.feed('Hello from Claude'), [{ kind: 'output', text: 'Hello from Claude' }]);
    assert.deepEqual(tracker.feed(''), [{ kind: 'output', text: '' }]);
    const call = tracker.summary();
    assert.equal(call.has_result, false);
    assert.equal(call.claude_session_id, null);
    assert.equal(call.cwd, '/w');
    assert.deepEqual(call.tool_uses, {});
  });
});

describe('format', () => {
  it('formatTokens', () => {
    assert.equal(core.formatTokens(0), '0');
    assert.equal(core.formatTokens(812), '812');
    assert.equal(core.formatTokens(41_234), '41.2k');
    assert.equal(core.formatTokens(412_345), '412k');
    assert.equal(core.formatTokens(999_960), '1M');
    assert.equal(core.formatTokens(1_300_000), '1.3M');
    assert.equal(core.formatTokens(2_000_000), '2M');
  });

  it('formatCost', () => {
    assert.equal(core.formatCost(0), '$0.00');
    assert.equal(core.formatCost(0.38), '$0.38');
    assert.equal(core.formatCost(0.0042), '$0.0042');
    assert.equal(core.formatCost(5.8869735499999996), '$5.89');
    assert.equal(core.formatCost(0.00001), '<$0.0001');
  });

  it('formatDuration', () => {
    assert.equal(core.formatDuration(850), '850ms');
    assert.equal(core.formatDuration(14_000), '14s');
    assert.equal(core.formatDuration(134_000), '2m 14s');
    assert.equal(core.formatDuration(3_780_000), '1h 3m');
    assert.equal(core.formatDuration(999.7), '1s');
  });

  it('toolLabel names each kind of tool call readably, paths relative to the cwd', () => {
    const cwd = '/home/me/repo';
    const cases = [
      ['Edit', { file_path: '/home/me/repo/src/lib.rs' }, 'Edit src/lib.rs'],
      ['Write', { file_path: '/home/me/repo/notes.md', content: 'x' }, 'Write notes.md'],
      ['Read', { file_path: '/home/me/repo/src/a.ts' }, 'Read src/a.ts'],
      ['Read', { file_path: '/home/me/repo2/a.ts' }, 'Read /home/me/repo2/a.ts'],
      ['MultiEdit', { file_path: '/etc/hosts', edits: [] }, 'MultiEdit /etc/hosts'],
      ['NotebookEdit', { notebook_path: '/home/me/repo/n.ipynb' }, 'NotebookEdit n.ipynb'],
      ['Bash', { command: 'cargo test\necho done' }, 'Bash: cargo test …'],
      ['Bash', { command: `echo ${'x'.repeat(200)}` }, `Bash: echo ${'x'.repeat(74)}…`],
      ['Grep', { pattern: 'fn main', path: 'src' }, 'Grep: fn main'],
      ['Glob', { pattern: '**/*.ts' }, 'Glob: **/*.ts'],
      ['Task', { description: 'Study SPEC-01', prompt: '…' }, 'Task: Study SPEC-01'],
      ['TodoWrite', { todos: [] }, 'TodoWrite'],
      ['WebFetch', { url: 'https://example.com/a' }, 'WebFetch: https://example.com/a'],
      ['WebSearch', { query: 'zod v4' }, 'WebSearch: zod v4'],
      ['mcp__playwright__browser_navigate', { url: 'x' }, 'playwright/browser_navigate'],
      ['mcp__claude_ai_Zoho__list_items', {}, 'claude_ai_Zoho/list_items'],
      ['SomethingNew', { a: 1 }, 'SomethingNew'],
      ['Edit', null, 'Edit'],
    ];
    for (const [name, input, expected] of cases) assert.equal(core.toolLabel(name, input, cwd), expected, name);
    assert.equal(core.toolLabel('Read', { file_path: '/home/me/repo/src/a.ts' }), 'Read /home/me/repo/src/a.ts');
  });

  it('usageLine: success, failure, no result, unknown parts left out', () => {
    const base = {
      is_error: false,
      error: null,
      has_result: true,
      num_turns: 6,
      duration_ms: 134_000,
      total_cost_usd: 0.38,
      input_tokens: 200,
      output_tokens: 1000,
      cache_read_input_tokens: 40_000,
      cache_creation_input_tokens: 0,
    };
    assert.equal(core.usageLine(base), '✓ 6 turns · 41.2k tokens · $0.38 · 2m 14s');
    assert.equal(
      core.usageLine({ ...base, is_error: true, error: 'Credit balance is too low\nsecond line' }),
      '✗ 6 turns · 41.2k tokens · $0.38 · 2m 14s — Credit balance is too low …',
    );
    assert.equal(core.usageLine({ ...base, num_turns: 1, duration_ms: null }), '✓ 1 turn · 41.2k tokens · $0.38');
    assert.equal(
      core.usageLine({ ...base, has_result: false, num_turns: null, duration_ms: null, total_cost_usd: 0 }),
      '– no result (stopped or cut off) · 41.2k tokens',
    );
  });
});

describe('totals', () => {
  const call = (over = {}) => ({
    step: 's',
    claude_session_id: 'c1',
    model: 'm',
    num_turns: 3,
    duration_ms: 1000,
    total_cost_usd: 0.5,
    input_tokens: 1,
    output_tokens: 2,
    cache_read_input_tokens: 3,
    cache_creation_input_tokens: 4,
    tool_uses: { Edit: 2, Bash: 1 },
    files_changed: ['a.ts'],
    is_error: false,
    error: null,
    has_result: true,
    json_log_location: '/l1.jsonl',
    cwd: '/w',
    ...over,
  });

  it('addCall sums calls and keeps the last one', () => {
    const empty = core.emptyTotals();
    assert.deepEqual(empty, {
      runs: 0,
      total_cost_usd: 0,
      tool_uses: 0,
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
    const one = core.addCall(undefined, call());
    const two = core.addCall(one, call({ claude_session_id: 'c2', is_error: true, tool_uses: { Read: 4 } }));
    assert.equal(one.runs, 1);
    assert.equal(two.runs, 2);
    assert.equal(two.total_cost_usd, 1);
    assert.equal(two.tool_uses, 7);
    assert.equal(two.cache_creation_input_tokens, 8);
    assert.deepEqual(two.last, {
      step: 's',
      claude_session_id: 'c2',
      json_log_location: '/l1.jsonl',
      cwd: '/w',
      is_error: true,
    });
    assert.equal(one.runs, 1, 'the totals passed in are not changed');
  });

  it('sumCalls makes one call of an item’s attempts: sums, merged tools, the last attempt’s outcome', () => {
    assert.equal(core.sumCalls([], 'item 1'), null);
    const sum = core.sumCalls(
      [
        call({ is_error: true, error: 'boom', files_changed: ['a.ts', 'b.ts'] }),
        call({ claude_session_id: 'c2', json_log_location: '/l2.jsonl', num_turns: null, tool_uses: { Read: 1 } }),
      ],
      'item 1',
    );
    assert.equal(sum.step, 'item 1');
    assert.equal(sum.num_turns, 3);
    assert.equal(sum.duration_ms, 2000);
    assert.equal(sum.total_cost_usd, 1);
    assert.equal(sum.output_tokens, 4);
    assert.deepEqual(sum.tool_uses, { Edit: 2, Bash: 1, Read: 1 });
    assert.deepEqual(sum.files_changed, ['a.ts', 'b.ts']);
    assert.equal(sum.is_error, false);
    assert.equal(sum.error, null);
    assert.equal(sum.claude_session_id, 'c2');
    assert.equal(sum.json_log_location, '/l2.jsonl');
  });

  it('readTotals reads a record’s metadata (or its `claude`), tolerating odd fields, null when there are none', () => {
    const totals = core.addCall(undefined, call());
    assert.deepEqual(core.readTotals({ claude: totals, other: 1 }), totals);
    assert.deepEqual(core.readTotals(JSON.parse(JSON.stringify(totals))), totals);
    assert.equal(core.readTotals({}), null);
    assert.equal(core.readTotals(null), null);
    assert.equal(core.readTotals({ claude: 'x' }), null);
    assert.equal(core.readTotals({ claude: { runs: 'two' } }), null);
    const odd = core.readTotals({ claude: { runs: 2, total_cost_usd: 'lots', output_tokens: 7, last: 5 } });
    assert.deepEqual(odd, {
      runs: 2,
      total_cost_usd: 0,
      tool_uses: 0,
      input_tokens: 0,
      output_tokens: 7,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
  });
});

describe('renderTranscript', () => {
  const render = (name, opts) => {
    const t = core.renderTranscript(fs.readFileSync(path.join(STREAMS, name), 'utf8'), opts);
    return { ...t, lines: t.text.split('\n') };
  };

  it('deep-factor-agent-2: header, one heading per main-thread message, tool calls with inputs, subagents nested', () => {
    const t = render('deep-factor-agent-2.jsonl');
    const init = initOf('deep-factor-agent-2.jsonl');
    assert.equal(t.claudeSessionId, init.session_id);
    assert.equal(t.cwd, init.cwd);
    assert.equal(t.model, 'claude-opus-4-6');
    assert.ok(t.lines.slice(0, 6).some((l) => l.includes('2.1.50')));
    assert.ok(t.lines.slice(0, 6).some((l) => l.includes(init.session_id)));
    const mainIds = new Set(
      jsonOf('deep-factor-agent-2.jsonl')
        .filter((o) => o.type === 'assistant' && o.parent_tool_use_id === null)
        .map((o) => o.message.id),
    );
    const headings = t.lines.filter((l) => /^── Turn \d+ ──/.test(l));
    assert.equal(headings.length, mainIds.size);
    assert.equal(headings.at(-1), `── Turn ${mainIds.size} ──`);
    assert.ok(t.lines.includes('🔧 Task: Study SPEC-01 specification'));
    assert.ok(t.lines.includes('  ↳ subagent: Study SPEC-01 specification'));
    assert.ok(t.lines.includes('    🔧 Read specs/01-examples-setup-basic.md'));
    assert.ok(t.lines.includes('🔧 Bash — Create examples directory'));
    assert.ok(t.lines.includes('    $ mkdir -p /home/ryaneggz/sandbox/2026/feb/deep-factor-agent/examples'));
    assert.ok(t.lines.some((l) => l.startsWith('💭 (thinking) Let me analyze the current state.')));
    // Assistant text in full.
    const last = jsonOf('deep-factor-agent-2.jsonl')
      .filter((o) => o.type === 'assistant')
      .flatMap((o) => o.message.content.filter((b) => b.type === 'text'))
      .map((b) => b.text)
      .reduce((a, b) => (b.length > a.length ? b : a));
    assert.ok(t.text.includes(last));
  });

  it('links every Read/Write/Edit path: the linked text is the path shown, the target the absolute file', () => {
    for (const name of ['deep-factor-agent-2.jsonl', 'self-agents-2.jsonl', 'financecim-1.jsonl']) {
      const t = render(name);
      const files = toolUsesOf(name)
        .filter((u) => ['Read', 'Write', 'Edit', 'MultiEdit'].includes(u.name))
        .map((u) => u.input.file_path);
      assert.ok(files.length > 0, name);
      assert.deepEqual(
        t.links.map((l) => l.target),
        files,
        name,
      );
      const cwd = initOf(name).cwd;
      for (const l of t.links) {
        const shown = t.lines[l.line].slice(l.start, l.end);
        assert.equal(shown, path.relative(cwd, l.target), `${name}:${l.line}`);
        assert.ok(t.lines[l.line].endsWith(shown), t.lines[l.line]);
      }
    }
  });

  it('cuts long tool results with a marker saying how many lines are left out', () => {
    const t = render('deep-factor-agent-2.jsonl', { maxResultLines: 5 });
    const use = toolUsesOf('deep-factor-agent-2.jsonl').find((u) => u.input.file_path?.endsWith('/package.json'));
    const result = jsonOf('deep-factor-agent-2.jsonl')
      .filter((o) => o.type === 'user' && Array.isArray(o.message.content))
      .flatMap((o) => o.message.content)
      .find((b) => b.tool_use_id === use.id);
    const total = result.content.replace(/\n+$/, '').split('\n').length;
    const at = t.lines.indexOf('🔧 Read package.json');
    assert.ok(at > 0);
    assert.ok(t.lines[at + 1].startsWith('  └ '), t.lines[at + 1]);
    assert.equal(t.lines[at + 6], `    … ${total - 5} more lines (see the full log)`);
  });

  it('shows per-model costs that add up to the total, for every capture with modelUsage', () => {
    let checked = 0;
    for (const name of FILES) {
      const result = resultOf(name);
      if (!result?.modelUsage || Object.keys(result.modelUsage).length === 0) continue;
      const t = render(name);
      const from = t.lines.indexOf('  cost by model:');
      assert.ok(from > 0, name);
      const costs = [];
      for (const l of t.lines.slice(from + 1)) {
        const m = /^ {4}(\S+)\s+\$(\d+\.\d{4}) {2}\(/.exec(l);
        if (!m) break;
        costs.push(Number(m[2]));
        assert.ok(m[1] in result.modelUsage, `${name}: ${m[1]}`);
      }
      assert.equal(costs.length, Object.keys(result.modelUsage).length, name);
      const sum = costs.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - result.total_cost_usd) <= 0.00005 * costs.length + 1e-9, `${name}: ${sum}`);
      checked++;
    }
    assert.equal(checked, 6);
  });

  it('ends a stopped call with the no-result note, and a finished one with its usage line', () => {
    const stopped = render('deep-factor-agent-3.jsonl');
    assert.ok(stopped.lines.includes('(the stream ended without a result: the call was stopped or cut off)'));
    assert.ok(!stopped.text.includes('✓ '));
    const done = render('financecim-1.jsonl');
    const call = track('financecim-1.jsonl').call;
    assert.ok(done.lines.includes(core.usageLine(call)));
    assert.ok(!done.text.includes('the stream ended without a result'));
  });

  it('styr-1: stdin echoes as plain lines, errors marked, the subtype and errors[] listed', () => {
    const t = render('styr-1.jsonl');
    for (const l of linesOf('styr-1.jsonl').filter((x) => x.startsWith('>>> '))) assert.ok(t.lines.includes(l));
    assert.ok(t.lines.includes('  subtype  error_during_execution (aborted_streaming)'));
    assert.ok(t.lines.some((l) => l.startsWith('✗ 2 turns')));
    assert.ok(t.lines.includes('  error    [ede_diagnostic] result_type=user last_content_type=n/a stop_reason=null'));
  });

  it('shows an image block as [image], a failed result with ✗, a synthetic error with ✗, and relative paths against the cwd', () => {
    const stream = [
      '{"type":"system","subtype":"init","cwd":"/w","session_id":"s1","model":"m","tools":[]}',
      '{"type":"assistant","message":{"id":"msg_1","content":[{"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"rel/x.ts"}}]},"parent_tool_use_id":null}',
      '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"shot"},{"type":"image","source":{"data":"AAAA"}}]}]},"parent_tool_use_id":null}',
      '{"type":"assistant","message":{"id":"msg_2","content":[{"type":"tool_use","id":"t2","name":"Bash","input":{"command":"false"}}]},"parent_tool_use_id":null}',
      '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t2","is_error":true,"content":"exit 1"}]},"parent_tool_use_id":null}',
      '{"type":"assistant","message":{"id":"u-u-i-d","model":"<synthetic>","content":[{"type":"text","text":"Credit balance is too low"}]},"parent_tool_use_id":null}',
      'plain output',
      '',
    ].join('\n');
    const t = core.renderTranscript(stream);
    const lines = t.text.split('\n');
    assert.ok(lines.includes('  └ shot'));
    assert.ok(lines.includes('    [image]'));
    assert.ok(lines.includes('  └ ✗ exit 1'));
    assert.ok(lines.includes('✗ Credit balance is too low'));
    assert.ok(lines.includes('plain output'));
    assert.deepEqual(t.links, [
      { line: lines.indexOf('🔧 Read rel/x.ts'), start: 8, end: 16, target: path.join('/w', 'rel/x.ts') },
    ]);
  });

  it('claudeCodeTranscriptPath: every character but letters and digits becomes "-"', () => {
    assert.equal(
      core.claudeCodeTranscriptPath('/Users/a/my_proj.v2', 'abc-123', '/home/u'),
      path.join('/home/u', '.claude', 'projects', '-Users-a-my-proj-v2', 'abc-123.jsonl'),
    );
    assert.ok(core.claudeCodeTranscriptPath('/x', 'id').startsWith(path.join(os.homedir(), '.claude', 'projects')));
  });
});

describe('kept streams', () => {
  const tmp = (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claude-stream-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  it('streamLogDir and streamLogName', () => {
    assert.equal(core.streamLogDir('/h'), path.join('/h', 'logs', 'claude-streaming'));
    const name = core.streamLogName(new Date(2025, 0, 2, 3, 4, 5));
    assert.match(name, /^20250102_030405-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.jsonl$/);
    assert.notEqual(core.streamLogName(), core.streamLogName());
  });

  it('StreamLogWriter keeps the bytes verbatim, in order, a character split across chunks included, private to the user', async (t) => {
    const dir = path.join(tmp(t), 'logs', 'claude-streaming');
    const writer = core.StreamLogWriter.open(dir);
    assert.equal(path.dirname(writer.path), dir);
    assert.match(path.basename(writer.path), /^\d{8}_\d{6}-.+\.jsonl$/);
    const bytes = Buffer.from('{"type":"assistant","text":"é → ✓ 🔧"}\nplain ü\n', 'utf8');
    const arrow = bytes.indexOf(Buffer.from('→'));
    const chunks = [bytes.subarray(0, arrow + 1), bytes.subarray(arrow + 1, arrow + 2), bytes.subarray(arrow + 2)];
    for (const c of chunks) writer.write(c);
    writer.write(Buffer.alloc(0));
    // Many chunks handed over while a write is under way are written together, in order.
    const many = Array.from({ length: 500 }, (_, i) => Buffer.from(`line ${i}\n`));
    for (const c of many) writer.write(c);
    await writer.close();
    assert.equal(writer.failure, undefined);
    const all = Buffer.concat([bytes, ...many]);
    assert.deepEqual(fs.readFileSync(writer.path), all);
    assert.equal(fs.statSync(writer.path).mode & 0o777, 0o600);
    writer.write(Buffer.from('after close'));
    await writer.flushed();
    assert.deepEqual(fs.readFileSync(writer.path), all);
  });

  it('StreamLogWriter never throws: a folder it cannot make or a failed write is remembered', async (t) => {
    const root = tmp(t);
    fs.writeFileSync(path.join(root, 'file'), 'x');
    const blocked = core.StreamLogWriter.open(path.join(root, 'file', 'logs'));
    assert.match(blocked.failure, /could not create .*file/);
    blocked.write(Buffer.from('x'));
    await blocked.close();
    const writer = core.StreamLogWriter.open(root);
    writer.write(Buffer.from('first\n'));
    await writer.flushed();
    fs.closeSync(writer.fd);
    // The descriptor is gone (as after EBADF, EIO): the write fails and is remembered, not thrown.
    writer.write(Buffer.from('second\n'));
    await writer.flushed();
    assert.match(writer.failure, /EBADF|bad file descriptor/i);
    writer.write(Buffer.from('third\n'));
    await writer.close();
    assert.equal(fs.readFileSync(writer.path, 'utf8'), 'first\n');
  });

  it('StreamLogTail hands over what lands as it lands, a few MB a turn of the event loop, and the rest at stop', async (t) => {
    const file = path.join(tmp(t), 'stream.jsonl');
    const fd = fs.openSync(file, 'a+');
    t.after(() => fs.closeSync(fd));
    // A turn counter the event loop moves on, so each handed-over chunk says in which turn it came.
    let turn = 0;
    let turning = true;
    const tick = () => {
      turn++;
      if (turning) setImmediate(tick);
    };
    tick();
    const seen = [];
    const tail = new core.StreamLogTail(fd, file, (chunk) => seen.push({ turn, bytes: chunk.length, first: chunk[0] }));
    const size = 12 * 1024 * 1024;
    fs.writeSync(fd, Buffer.alloc(size, 0x61));
    const landed = () => seen.reduce((n, c) => n + c.bytes, 0);
    for (let waited = 0; landed() < size && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    turning = false;
    assert.equal(landed(), size, 'all that landed was handed over while the writer was still going');
    assert.ok(
      new Set(seen.map((c) => c.turn)).size >= 3,
      `spread over turns: ${JSON.stringify(seen.map((c) => c.turn))}`,
    );
    fs.writeSync(fd, Buffer.from('b\n'));
    tail.stop();
    assert.equal(landed(), size + 2, 'stop reads the last bytes');
    assert.equal(seen[seen.length - 1].first, 0x62);
    fs.writeSync(fd, Buffer.from('after\n'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(landed(), size + 2, 'nothing after stop');
  });

  it('latestStreamLog: newest by the time in the name, then by modification time', (t) => {
    const dir = tmp(t);
    assert.equal(core.latestStreamLog(path.join(dir, 'missing')), null);
    assert.equal(core.latestStreamLog(dir), null);
    const touch = (name, mtime) => {
      fs.writeFileSync(path.join(dir, name), '');
      fs.utimesSync(path.join(dir, name), mtime, mtime);
    };
    touch('20250101_000000-a.jsonl', 5000);
    touch('20250102_000000-b.jsonl', 3000);
    touch('20250102_000000-c.jsonl', 2000);
    touch('zzzz.jsonl', 9000);
    fs.mkdirSync(path.join(dir, '20991231_000000-d.jsonl'));
    assert.equal(core.latestStreamLog(dir), path.join(dir, '20250102_000000-b.jsonl'));
    touch('20250102_000000-c.jsonl', 4000);
    assert.equal(core.latestStreamLog(dir), path.join(dir, '20250102_000000-c.jsonl'));
  });
});
