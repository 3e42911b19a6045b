// Follows one Claude call as its stream-json lines arrive: turns each line into the few readable activity lines
// a person wants to see while it runs (the tools it calls, the first line of what it says, errors, the final
// usage), knows which tool is running now, and sums the call up at the end as a `ClaudeCall`.
// Memory stays bounded whatever the stream's length: no line is kept, and the per-id books (tool ids seen,
// tools waiting for a result, usage per message) keep only their most recent entries.
import { parseStreamLine, isSyntheticError, sessionIdOf, toolResultText, usageOf } from './streamParser';
import type { AssistantLine, ResultLine, StreamEventLine, StreamLine, SystemLine, UserLine } from './streamParser';
import { WRITE_TOOLS, firstLine, relativeTo, toolFilePath, toolLabel, truncate, usageLine } from './format';
import { RecentMap, RecentSet, UsageBook } from './books';
import type { ClaudeCall, ClaudeTokens } from './types';

export interface Activity {
  kind: 'init' | 'tool' | 'text' | 'tool-error' | 'error' | 'result' | 'output';
  text: string;
  /** The tool's name (`Edit`, `mcp__server__tool`), on 'tool' and 'tool-error' lines. */
  tool?: string;
  /** For a subagent's line: the description of the Task call that started it. */
  subagent?: string;
}

/** `files_changed` is kept in the checkpoint: a call that touches more files keeps the first ones. */
const MAX_FILES = 1000;
/** A subagent's lines are indented and name their Task (cut to this width) so they read as nested. */
const SUBAGENT_NAME_WIDTH = 40;

/**
 * The partial-message lines nothing here reads (text and JSON deltas, block starts and stops, message stops:
 * usage comes from `message_start` and `message_delta`, blocks whole from the `assistant` lines), as Claude
 * Code prints them. They are most lines of a stream with partial messages and are passed over unparsed; in
 * any other key order a line takes the long way, to the same result. A regular expression, because it
 * tests these prefixes several times faster than `startsWith` does (13 ms → 1 ms over the bench's 24k lines).
 */
const UNREAD_STREAM_EVENT =
  /^\{"type":"stream_event","event":\{"type":"(?:content_block_(?:delta|start|stop)|message_stop)"/;

const STREAM_EVENT_PREFIX = Buffer.from('{"type":"stream_event",');

/**
 * Whether a line's bytes (`bytes[start..end)`, without its newline) are a `stream_event` line as Claude Code
 * prints them, so that a live call need not even decode it. Of these lines only `message_start` and
 * `message_delta` are read, for usage, and only for a call whose stream ends without a `result` (which
 * has the call's usage): such a call reads them back from its kept stream when it ends (`readStreamUsage`).
 * In any other key order a line takes the long way.
 */
export function isStreamEventLine(bytes: Buffer, start: number, end: number): boolean {
  const prefix = STREAM_EVENT_PREFIX;
  if (end - start <= prefix.length || bytes[end - 1] !== 0x7d) return false;
  for (let k = 0; k < prefix.length; k++) if (bytes[start + k] !== prefix[k]) return false;
  return true;
}

/** What the `result` line said, kept without the rest of the line. */
interface ResultFacts {
  num_turns: number | null;
  duration_ms: number | null;
  total_cost_usd: number;
  tokens: ClaudeTokens | null;
  is_error: boolean;
  error: string | null;
}

/** A failed result's message: its `result` text, or its `errors[]`, or failing both its subtype. */
export function resultError(result: ResultLine): string {
  if (result.result) return result.result;
  if (result.errors && result.errors.length > 0) return result.errors.join('; ');
  return `Claude Code ended with ${result.subtype ?? 'an error'}`;
}

/** An error's first line, without Claude Code's `<tool_use_error>` wrapper. */
function errorLine(text: string): string {
  return firstLine(text.replace(/<\/?tool_use_error>/g, ''), 160) || 'failed';
}

export class ClaudeCallTracker {
  private readonly step: string | null;
  private readonly givenCwd: string | null;
  private readonly jsonLogLocation: string | null;

  private initCwd: string | null = null;
  private sessionId: string | null = null;
  private model: string | null = null;
  private initShown = false;
  private result: ResultFacts | null = null;
  private lastError: string | null = null;

  /** Tool uses by name (a Map: a name is whatever the stream says, `__proto__` included). */
  private readonly toolCounts = new Map<string, number>();
  private readonly toolIdsSeen = new RecentSet();
  /** Main-thread tool calls without a result yet, id → label, oldest first. */
  private readonly pending = new RecentMap<string>();
  /** Every tool call's name by id, for its error line. */
  private readonly toolNames = new RecentMap<string>();
  /** Task calls by id → their description: the name of the subagent whose lines carry that id as parent. */
  private readonly subagents = new RecentMap<string>();
  private readonly files: string[] = [];
  private readonly fileSet = new Set<string>();
  private readonly usage = new UsageBook();
  /** The message each thread is streaming (from `message_start`), so its `message_delta` finds its id. */
  private readonly streaming = new RecentMap<string>();
  /** Text blocks already shown (an aborted turn is emitted again). */
  private readonly shown = new RecentSet(256);

  constructor(opts: { step: string | null; cwd: string | null; jsonLogLocation: string | null }) {
    this.step = opts.step;
    this.givenCwd = opts.cwd;
    this.jsonLogLocation = opts.jsonLogLocation;
  }

  /** One stdout line (without its newline) → the readable lines it produced, possibly none. */
  feed(line: string): Activity[] {
    if (line.charCodeAt(line.length - 1) === 0x7d && UNREAD_STREAM_EVENT.test(line)) return [];
    return this.feedParsed(parseStreamLine(line));
  }

  /** `feed` for a line already parsed (the transcript parses each line once for both). */
  feedParsed(parsed: StreamLine): Activity[] {
    if (parsed.kind === 'text') return [{ kind: 'output', text: parsed.text }];
    const event = parsed.event;
    this.sessionId ??= sessionIdOf(event);
    switch (event.type) {
      case 'system':
        return this.onSystem(event);
      case 'assistant':
        return this.onAssistant(event);
      case 'user':
        return this.onUser(event);
      case 'stream_event':
        this.onStreamEvent(event);
        return [];
      case 'result':
        return this.onResult(event);
      default:
        return [];
    }
  }

  /** The label of the latest main-thread tool call still waiting for its result, or null. */
  get currentTool(): string | null {
    let last: string | null = null;
    for (const label of this.pending.values()) last = label;
    return last;
  }

  /** Whether the stream had its `result` line (which has the call's usage). */
  get hasResult(): boolean {
    return this.result !== null;
  }

  /** The call so far: from its `result` line when it had one, else what the stream showed. */
  summary(): ClaudeCall {
    const r = this.result;
    const tokens = r?.tokens ?? this.usage.total();
    return {
      step: this.step,
      claude_session_id: this.sessionId,
      model: this.model,
      num_turns: r ? r.num_turns : null,
      duration_ms: r ? r.duration_ms : null,
      total_cost_usd: r ? r.total_cost_usd : 0,
      ...tokens,
      tool_uses: Object.fromEntries(this.toolCounts),
      files_changed: [...this.files],
      is_error: r ? r.is_error : false,
      error: r ? r.error : null,
      has_result: r !== null,
      json_log_location: this.jsonLogLocation,
      cwd: this.cwd,
    };
  }

  private get cwd(): string | null {
    return this.initCwd ?? this.givenCwd;
  }

  // ---- Lines

  private onSystem(line: SystemLine): Activity[] {
    if (line.subtype !== 'init') return [];
    if (line.session_id) this.sessionId = line.session_id;
    if (line.model) this.model = line.model;
    if (line.cwd) this.initCwd = line.cwd;
    if (this.initShown) return [];
    this.initShown = true;
    const name = line.claude_code_version ? `Claude Code ${line.claude_code_version}` : 'Claude Code';
    return [{ kind: 'init', text: line.model ? `${name} · ${line.model}` : name }];
  }

  private onAssistant(line: AssistantLine): Activity[] {
    const message = line.message;
    const thread = line.parent_tool_use_id ?? null;
    if (message.id) this.usage.record(message.id, message.usage);
    if (this.model === null && message.model && message.model !== '<synthetic>') this.model = message.model;
    const out: Activity[] = [];
    const synthetic = isSyntheticError(line);
    for (const block of message.content) {
      if (block.type === 'text') {
        if (block.text.trim() === '') continue;
        // Keyed by message, length and start: enough to know a block again, without keeping long texts.
        const key = `${message.id ?? ''}\u0000${block.text.length}\u0000${block.text.slice(0, 256)}`;
        if (!this.shown.add(key)) continue;
        if (synthetic) {
          this.lastError = block.text;
          out.push(this.nested(thread, { kind: 'error', text: `✗ ${errorLine(block.text)}` }));
        } else {
          out.push(this.nested(thread, { kind: 'text', text: firstLine(block.text) }));
        }
      } else if (block.type === 'tool_use') {
        if (!this.toolIdsSeen.add(block.id)) continue;
        const label = toolLabel(block.name, block.input, this.cwd);
        this.toolCounts.set(block.name, (this.toolCounts.get(block.name) ?? 0) + 1);
        this.toolNames.set(block.id, block.name);
        if (thread === null) this.pending.set(block.id, label);
        if (block.name === 'Task' || block.name === 'Agent') this.subagents.set(block.id, label.replace(/^\w+: /, ''));
        this.noteFileChange(block.name, block.input);
        out.push(this.nested(thread, { kind: 'tool', text: `🔧 ${label}`, tool: block.name }));
      }
    }
    return out;
  }

  private onUser(line: UserLine): Activity[] {
    const content = line.message.content;
    if (typeof content === 'string') return [];
    const thread = line.parent_tool_use_id ?? null;
    const out: Activity[] = [];
    for (const block of content) {
      if (block.type !== 'tool_result') continue;
      this.pending.delete(block.tool_use_id);
      if (block.is_error !== true) continue;
      const tool = this.toolNames.get(block.tool_use_id);
      const text = `✗ ${errorLine(toolResultText(block.content))}`;
      out.push(this.nested(thread, { kind: 'tool-error', text, ...(tool !== undefined ? { tool } : {}) }));
    }
    return out;
  }

  private onStreamEvent(line: StreamEventLine): void {
    // Only usage is read here, by hand (zod over these lines took longer than all the rest of the tracker):
    // text arrives again, whole, on the `assistant` lines (rendering the deltas too would show it twice),
    // and a tool call counts once its full `assistant` line came.
    const thread = line.parent_tool_use_id ?? '';
    const event = line.event;
    if (event.type === 'message_start') {
      const message = event.message as { id?: unknown; usage?: unknown } | null | undefined;
      if (typeof message !== 'object' || message === null || typeof message.id !== 'string') return;
      this.streaming.set(thread, message.id);
      this.usage.record(message.id, usageOf(message.usage));
    } else if (event.type === 'message_delta') {
      const id = this.streaming.get(thread);
      if (id !== undefined) this.usage.record(id, usageOf(event.usage));
    }
  }

  private onResult(line: ResultLine): Activity[] {
    const isError = line.is_error === true;
    const error = isError ? resultError(line) : null;
    const usage = line.usage;
    this.result = {
      num_turns: line.num_turns ?? null,
      duration_ms: line.duration_ms ?? null,
      total_cost_usd: line.total_cost_usd ?? 0,
      tokens: usage
        ? {
            input_tokens: usage.input_tokens ?? 0,
            output_tokens: usage.output_tokens ?? 0,
            cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
            cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
          }
        : null,
      is_error: isError,
      error,
    };
    this.pending.clear();
    const out: Activity[] = [];
    // The synthetic message usually said it already ("Credit balance is too low"): say it once.
    if (error !== null && (this.lastError === null || errorLine(this.lastError) !== errorLine(error))) {
      out.push({ kind: 'error', text: `✗ ${errorLine(error)}` });
    }
    out.push({ kind: 'result', text: usageLine(this.summary()) });
    return out;
  }

  // ---- Helpers

  /** A subagent's line, indented and named after its Task; a main-thread line as is. */
  private nested(thread: string | null, activity: Activity): Activity {
    if (thread === null) return activity;
    const name = this.subagents.get(thread) ?? 'subagent';
    return { ...activity, text: `  ↳ [${truncate(name, SUBAGENT_NAME_WIDTH)}] ${activity.text}`, subagent: name };
  }

  private noteFileChange(name: string, input: unknown): void {
    if (!WRITE_TOOLS.has(name) || this.files.length >= MAX_FILES) return;
    const file = toolFilePath(name, input);
    if (file === undefined || file === '') return;
    const shown = relativeTo(file, this.cwd);
    if (this.fileSet.has(shown)) return;
    this.fileSet.add(shown);
    this.files.push(shown);
  }
}
