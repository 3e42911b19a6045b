// 6. A Claude step's stream through the engine: a `claude:` step whose command replays a 5 MB stream-json
// stream (mostly partial-message lines, as `--include-partial-messages` prints them), against copying the same
// bytes from the same kind of child process to a file. The engine keeps the stream verbatim (the child's stdout is
// the kept file: the engine reads it back as it lands), parses every line,
// writes readable activity to the session log and listeners, and records the call's usage in the session
// record. Compared: the step's own duration (the step-finished event's) against the plain copy; the whole run
// (session, checkpoint, record) is printed for information. Also counted: the UI events and record writes the
// stream caused, which must stay a handful however many lines it has.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { core } from './lib/core.mjs';
import { median, summary } from './lib/stats.mjs';
import { makeTempHome, removeTempHome } from './lib/tempHome.mjs';

const TARGET_RATIO = 1.5;
const WARM_UP_ROUNDS = 3;

/** A synthetic stream with the shape of a real one (FORMAT.md): many small stream_event lines per message. */
export function makeStream(bytes) {
  const session_id = '5e55f00d-0000-4000-8000-000000000000';
  const lines = [
    JSON.stringify({
      type: 'system',
      subtype: 'init',
      session_id,
      cwd: '/repo',
      model: 'claude-bench',
      tools: ['Bash'],
    }),
  ];
  let size = lines[0].length + 1;
  let m = 0;
  const push = (o) => {
    const line = JSON.stringify({ ...o, session_id, parent_tool_use_id: null, uuid: `u-${lines.length}` });
    lines.push(line);
    size += line.length + 1;
  };
  while (size < bytes) {
    const id = `msg_${++m}`;
    push({ type: 'stream_event', event: { type: 'message_start', message: { id, content: [], usage: {} } } });
    push({ type: 'stream_event', event: { type: 'content_block_start', index: 0, content_block: { type: 'text' } } });
    const words = [];
    for (let d = 0; d < 60; d++) {
      const text = ` word${d}`;
      words.push(text);
      push({
        type: 'stream_event',
        event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
      });
    }
    push({
      type: 'assistant',
      message: { id, role: 'assistant', model: 'claude-bench', content: [{ type: 'text', text: words.join('') }] },
    });
    push({ type: 'stream_event', event: { type: 'content_block_stop', index: 0 } });
    push({
      type: 'assistant',
      message: {
        id,
        role: 'assistant',
        content: [{ type: 'tool_use', id: `toolu_${m}`, name: 'Bash', input: { command: `echo ${m}` } }],
      },
    });
    push({
      type: 'user',
      message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${m}`, content: String(m) }] },
    });
    push({
      type: 'stream_event',
      event: { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 80 } },
    });
    push({ type: 'stream_event', event: { type: 'message_stop' } });
  }
  push({
    type: 'result',
    subtype: 'success',
    is_error: false,
    result: 'done',
    num_turns: m,
    duration_ms: 1000,
    total_cost_usd: 0.5,
    usage: { input_tokens: 10, output_tokens: 80 * m, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  });
  return { text: `${lines.join('\n')}\n`, lines: lines.length, messages: m };
}

/** The baseline: the same child process (`sh -c 'cat FILE'`), its stdout copied to a file. */
function copyOnce(source, target) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const out = fs.createWriteStream(target);
    const child = spawn('sh', ['-c', 'cat "$0"', source], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.pipe(out);
    child.on('error', reject);
    out.on('finish', () => resolve(performance.now() - t));
  });
}

const STREAM_EVENT = Buffer.from('{"type":"stream_event",');

/**
 * The floor (information, not the target's baseline): the same copy, plus the least any reader of the stream has
 * to do to know what Claude did: split the bytes into lines and JSON.parse every line that is not a partial message.
 * No validation, no activity, no log, no record. The engine can come in under it: its child writes the kept file
 * itself (no byte passes through this process on the way there), and the engine reads it back to parse.
 */
function floorOnce(source, target) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const out = fs.createWriteStream(target);
    const child = spawn('sh', ['-c', 'cat "$0"', source], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let rest = Buffer.alloc(0);
    const line = (b, start, end) => {
      if (
        end - start > STREAM_EVENT.length &&
        b.compare(STREAM_EVENT, 0, STREAM_EVENT.length, start, start + STREAM_EVENT.length) === 0
      )
        return;
      JSON.parse(b.toString('utf8', start, end));
    };
    child.stdout.on('data', (chunk) => {
      out.write(chunk);
      const b = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let pos = 0;
      for (let nl = b.indexOf(10); nl >= 0; nl = b.indexOf(10, pos)) {
        if (nl > pos) line(b, pos, nl);
        pos = nl + 1;
      }
      rest = Buffer.from(b.subarray(pos));
    });
    child.stdout.on('end', () => out.end());
    child.on('error', reject);
    out.on('finish', () => resolve(performance.now() - t));
  });
}

export async function benchClaude({ bytes, rounds }, log) {
  const home = makeTempHome('claude');
  try {
    const stream = makeStream(bytes);
    const source = path.join(home, 'stream.jsonl');
    fs.writeFileSync(source, stream.text);
    const project = path.join(home, 'project');
    fs.mkdirSync(project);
    const workflow = path.join(home, 'claude.yml');
    fs.writeFileSync(workflow, 'name: replay\ncommands:\n  - claude: "/replay"\n');
    const manager = new core.SessionManager({ home });
    // The step's command replays the file: `sh -c 'cat "$0"' FILE /replay` (the prompt is appended).
    const claude = { command: 'sh', args: ['-c', 'cat "$0"', source] };
    let lastCounts = null;
    const runEngine = async () => {
      const counts = { ui: 0, activity: 0, output: 0, recordWrites: 0 };
      let stepMs = 0;
      const stop = manager.onDidChange(() => counts.recordWrites++);
      const t = performance.now();
      const out = await core.runWorkflow({
        manager,
        workflowFile: workflow,
        projectDir: project,
        worktree: false,
        merge: 'never',
        claude,
        listener: (e) => {
          if (e.type === 'claude-activity' || e.type === 'claude-call' || e.type === 'output') counts.ui++;
          if (e.type === 'claude-activity') counts.activity++;
          if (e.type === 'output') counts.output++;
          if (e.type === 'step-finished') stepMs = e.durationMs;
        },
      });
      const wall = performance.now() - t;
      stop();
      if (out.status !== 'Completed') throw new Error(`bench run ended ${out.status}: ${out.error}`);
      const kept = (await manager.getSession(out.sessionId)).metadata.claude;
      if (!kept || kept.total_cost_usd !== 0.5) throw new Error('the replayed call was not recorded');
      lastCounts = counts;
      return { wall, stepMs };
    };
    const target = path.join(home, 'copy.jsonl');
    // Warm-up: each of the three a few times, so every round measures code the JIT has already compiled.
    for (let w = 0; w < WARM_UP_ROUNDS; w++) {
      await copyOnce(source, target);
      await floorOnce(source, target);
      await runEngine();
    }
    const copy = [];
    const floor = [];
    const step = [];
    const wall = [];
    const paired = [];
    for (let r = 0; r < rounds; r++) {
      const c = await copyOnce(source, target);
      const f = await floorOnce(source, target);
      const e = await runEngine();
      copy.push(c);
      floor.push(f);
      step.push(e.stepMs);
      wall.push(e.wall);
      paired.push(e.stepMs / c);
      log(
        `  round ${r + 1}/${rounds}: copy ${c.toFixed(1)} ms, floor ${f.toFixed(1)} ms, Claude step ${e.stepMs.toFixed(1)} ms (${(e.stepMs / c).toFixed(2)}×), whole run ${e.wall.toFixed(0)} ms`,
      );
    }
    manager.close();
    const ratio = median(step) / median(copy);
    return {
      bytes: stream.text.length,
      lines: stream.lines,
      messages: stream.messages,
      rounds,
      copy: summary(copy),
      floor: summary(floor),
      floorRatio: median(floor) / median(copy),
      step: summary(step),
      wall: summary(wall),
      ratio,
      pairedRatioMedian: median(paired),
      events: lastCounts,
      target: TARGET_RATIO,
      pass: ratio <= TARGET_RATIO,
    };
  } finally {
    removeTempHome(home);
  }
}
