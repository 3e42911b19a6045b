// A kept stream (H/logs/claude-streaming/*.jsonl) as a document a person reads: who ran where, then each turn
// with what Claude said, the tools it called and what they returned (long results cut, the log has them all),
// its subagents indented under their Task, and what the call came to. Every file a Read/Write/Edit names is
// a link (line, columns, absolute path) for the editor to make clickable.
import * as os from 'node:os';
import * as path from 'node:path';
import { ClaudeCallTracker } from './callTracker';
import {
  FILE_TOOLS,
  firstLine,
  formatTokens,
  inputField,
  relativeTo,
  toolFilePath,
  toolLabel,
  totalTokens,
  truncate,
  usageLine,
} from './format';
import type { ClaudeCall } from './types';
import { isSyntheticError, parseStreamLine, toolResultText } from './streamParser';
import type { AssistantLine, ClaudeStreamEvent, ResultLine, SystemLine, UserLine } from './streamParser';
import { clipLines, toolInputLines, type ClipLimits } from './toolDetails';

export interface TranscriptLink {
  /** 0-based line of `Transcript.text`. */
  line: number;
  /** Character columns [start, end) of the path as the transcript shows it. */
  start: number;
  end: number;
  /** The file: absolute when the path was, or when it resolves against the call's cwd; else as written. */
  target: string;
}

export interface Transcript {
  text: string;
  links: TranscriptLink[];
  claudeSessionId: string | null;
  cwd: string | null;
  model: string | null;
}

/** Tools whose file gets a link (not LS: its path is a folder). */
const LINKED_TOOLS: ReadonlySet<string> = new Set([...FILE_TOOLS].filter((name) => name !== 'LS'));

/** A call refused more tools than this lists only the first ones. */
const MAX_DENIALS = 20;

const DEFAULT_LIMITS: ClipLimits = { maxLines: 20, maxChars: 2000 };
/** A subagent's lines sit this much deeper than the main thread's. */
const NEST = '    ';
const DETAIL = '    ';
/** A tool's result, under its call. `└` (box drawing) is in every monospace font; Claude Code's `⎿` is not in
 * Linux's usual ones (DejaVu, Noto Color Emoji), where it showed as a box. */
const RESULT = '  └ ';
const RESULT_MORE = '    ';

/** Claude Code's own transcript of a session: `~/.claude/projects/<cwd, sanitised>/<session>.jsonl`. */
export function claudeCodeTranscriptPath(cwd: string, sessionId: string, home: string = os.homedir()): string {
  // Claude Code names a project's folder after its cwd with every character that is not a letter or a
  // digit replaced by "-" (so "/a/b.c_d" → "-a-b-c-d"), not only the slashes.
  return path.join(home, '.claude', 'projects', cwd.replace(/[^A-Za-z0-9]/g, '-'), `${sessionId}.jsonl`);
}

/** The kept stream `content` as a readable document with links; never throws on odd lines. */
export function renderTranscript(
  content: string,
  opts: { maxResultLines?: number; maxResultChars?: number } = {},
): Transcript {
  const limits: ClipLimits = {
    maxLines: opts.maxResultLines ?? DEFAULT_LIMITS.maxLines,
    maxChars: opts.maxResultChars ?? DEFAULT_LIMITS.maxChars,
  };
  const doc = new TranscriptBuilder(limits);
  const lines = content.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) doc.add(line);
  return doc.finish();
}

class TranscriptBuilder {
  private readonly body: string[] = [];
  private readonly links: TranscriptLink[] = [];
  private readonly tracker = new ClaudeCallTracker({ step: null, cwd: null, jsonLogLocation: null });
  private init: SystemLine | null = null;
  private result: ResultLine | null = null;
  private turns = 0;
  private readonly mainMessages = new Set<string>();
  /** Task call id → its description, naming the subagent whose lines carry that id. */
  private readonly subagents = new Map<string, string>();
  private readonly labels = new Map<string, string>();
  /** The thread the last line belonged to (null: the main thread) and the tool call it showed, if any. */
  private lastThread: string | null = null;
  private lastToolId: string | null = null;

  constructor(private readonly limits: ClipLimits) {}

  add(raw: string): void {
    const parsed = parseStreamLine(raw);
    this.tracker.feedParsed(parsed);
    if (parsed.kind === 'text') {
      this.lastThread = null;
      this.emit(raw.replace(/\r$/, ''));
      return;
    }
    this.onEvent(parsed.event);
  }

  private onEvent(event: ClaudeStreamEvent): void {
    switch (event.type) {
      case 'system':
        return this.onSystem(event);
      case 'assistant':
        return this.onAssistant(event);
      case 'user':
        return this.onUser(event);
      case 'result':
        this.result = event;
        return;
      case 'rate_limit_event': {
        const info = event.rate_limit_info;
        if (!info || info.status === 'allowed') return;
        const resets = info.resetsAt ? `, resets ${new Date(info.resetsAt * 1000).toISOString()}` : '';
        this.line(null, `⏳ rate limit ${info.status ?? 'event'} (${info.rateLimitType ?? 'unknown limit'}${resets})`);
        return;
      }
      case 'stream_event':
        // The same text and tool calls arrive whole on the `assistant` lines.
        return;
      case 'unknown':
        this.line(null, `· ${event.original_type}: ${truncate(JSON.stringify(event.raw), 200)}`);
        return;
    }
  }

  private onSystem(line: SystemLine): void {
    switch (line.subtype) {
      case 'init':
        this.init ??= line;
        return;
      case 'status':
      case 'thinking_tokens':
        return;
      case 'hook_response':
        this.line(null, `⚙ hook ${line.hook_name ?? ''}: ${line.outcome ?? `exit ${line.exit_code ?? '?'}`}`);
        return;
      case 'hook_started':
        return;
      default:
        this.line(null, `⚙ ${line.subtype}${line.description ? `: ${line.description}` : ''}`);
    }
  }

  private onAssistant(line: AssistantLine): void {
    const thread = line.parent_tool_use_id ?? null;
    const message = line.message;
    if (thread === null) {
      const id = message.id ?? '';
      if (!this.mainMessages.has(id) && (id !== '' || this.turns === 0)) {
        this.mainMessages.add(id);
        this.turns++;
        this.lastThread = null;
        this.emit('');
        this.emit(`── Turn ${this.turns} ──${line.aborted ? ' (interrupted)' : ''}`);
      }
    }
    const synthetic = isSyntheticError(line);
    for (const block of message.content) {
      if (block.type === 'text') {
        const text = block.text.replace(/\n+$/, '');
        if (text.trim() === '') continue;
        text.split('\n').forEach((l, i) => this.line(thread, synthetic && i === 0 ? `✗ ${l}` : l));
      } else if (block.type === 'thinking') {
        const first = firstLine(block.thinking, 120);
        this.line(thread, first ? `💭 (thinking) ${first}` : '💭 (thinking, not shown)');
      } else if (block.type === 'tool_use') {
        this.toolCall(thread, block.id, block.name, block.input);
      } else {
        this.line(thread, `[${block.original_type}]`);
      }
    }
  }

  private toolCall(thread: string | null, id: string, name: string, input: unknown): void {
    const cwd = this.init?.cwd ?? null;
    const label = toolLabel(name, input, cwd);
    this.labels.set(id, label);
    if (name === 'Task' || name === 'Agent') this.subagents.set(id, label.replace(/^\w+: /, ''));
    const file = LINKED_TOOLS.has(name) ? toolFilePath(name, input) : undefined;
    if (file) {
      const shown = relativeTo(file, cwd);
      const prefix = `${this.indent(thread)}🔧 ${name} `;
      this.line(thread, `🔧 ${name} ${shown}`);
      const target = path.isAbsolute(file) || /^[A-Za-z]:[\\/]/.test(file) || !cwd ? file : path.join(cwd, file);
      this.links.push({ line: this.body.length - 1, start: prefix.length, end: prefix.length + shown.length, target });
    } else if (name === 'Bash') {
      // The command itself follows in full; the call's line says what it is for.
      const description = inputField(input, 'description');
      this.line(thread, description ? `🔧 Bash — ${truncate(description)}` : '🔧 Bash');
    } else {
      this.line(thread, `🔧 ${label}`);
    }
    for (const l of toolInputLines(name, input, this.limits)) this.line(thread, `${DETAIL}${l}`);
    this.lastToolId = id;
  }

  private onUser(line: UserLine): void {
    const thread = line.parent_tool_use_id ?? null;
    const content = line.message.content;
    if (typeof content === 'string') {
      for (const l of clipLines(content, this.limits)) this.line(thread, `👤 ${l}`);
      return;
    }
    for (const block of content) {
      if (block.type === 'tool_result') {
        const label = this.labels.get(block.tool_use_id);
        const adjacent = this.lastToolId === block.tool_use_id && this.lastThread === thread;
        const text = toolResultText(block.content);
        const shown = text.trim() === '' ? ['(no output)'] : clipLines(text, this.limits);
        shown.forEach((l, i) => {
          if (i > 0) return this.line(thread, `${RESULT_MORE}${l}`);
          const about = !adjacent && label ? `[${label}] ` : '';
          this.line(thread, `${RESULT}${block.is_error === true ? '✗ ' : ''}${about}${l}`);
        });
      } else if (block.type === 'text') {
        // On a subagent's thread, the first text is the prompt its Task gave it.
        const lines = clipLines(block.text, {
          maxLines: Math.min(5, this.limits.maxLines),
          maxChars: this.limits.maxChars,
        });
        lines.forEach((l, i) => this.line(thread, i === 0 ? `👤 ${l}` : `   ${l}`));
      } else if (block.type === 'image') {
        this.line(thread, '👤 [image]');
      }
    }
  }

  // ---- Output

  private indent(thread: string | null): string {
    return thread === null ? '' : NEST;
  }

  /** One line of `thread`, under a heading naming the subagent whenever the thread changes to one. */
  private line(thread: string | null, text: string): void {
    if (thread !== null && thread !== this.lastThread) {
      this.emit(`  ↳ subagent: ${this.subagents.get(thread) ?? thread}`);
    }
    this.lastThread = thread;
    this.lastToolId = null;
    this.emit(`${this.indent(thread)}${text}`);
  }

  private emit(text: string): void {
    this.body.push(text);
  }

  finish(): Transcript {
    const summary = this.tracker.summary();
    const cwd = this.init?.cwd ?? summary.cwd;
    const model = this.init?.model ?? summary.model;
    const sessionId = summary.claude_session_id;
    const header = [
      'Claude Code transcript',
      `  version  ${this.init?.claude_code_version ?? 'not recorded'}`,
      `  model    ${model ?? 'unknown'}`,
      `  cwd      ${cwd ?? 'unknown'}`,
      `  session  ${sessionId ? `${sessionId}  (claude --resume ${sessionId})` : 'unknown'}`,
    ];
    const footer = ['', '── Result ──', ...this.resultLines(summary)];
    const text = [...header, ...this.body, ...footer].join('\n') + '\n';
    const links = this.links.map((l) => ({ ...l, line: l.line + header.length }));
    return { text, links, claudeSessionId: sessionId, cwd, model };
  }

  private resultLines(summary: ClaudeCall): string[] {
    const r = this.result;
    if (r === null) {
      const tokens = totalTokens(summary);
      const seen = tokens > 0 ? [`  seen before it stopped: ${formatTokens(tokens)} tokens`] : [];
      return ['(the stream ended without a result: the call was stopped or cut off)', ...seen];
    }
    const out = [usageLine(summary)];
    if (r.subtype && r.subtype !== 'success') {
      out.push(`  subtype  ${r.subtype}${r.terminal_reason ? ` (${r.terminal_reason})` : ''}`);
    }
    for (const e of r.errors ?? []) out.push(`  error    ${firstLine(e, 200)}`);
    const u = r.usage;
    if (u) {
      const parts = [u.input_tokens, u.output_tokens, u.cache_read_input_tokens, u.cache_creation_input_tokens];
      out.push(`  tokens   ${breakdown(parts, ['input', 'output', 'cache read', 'cache write'])}`);
    }
    const models = Object.entries(r.modelUsage ?? {});
    if (models.length > 0) {
      out.push('  cost by model:');
      const width = Math.max(...models.map(([m]) => m.length));
      for (const [m, mu] of models) {
        const parts = [mu.inputTokens, mu.outputTokens, mu.cacheReadInputTokens, mu.cacheCreationInputTokens];
        const tokens = breakdown(parts, ['in', 'out', 'cache read', 'cache write']);
        // Four decimals, so that the models' costs visibly add up to the call's.
        out.push(`    ${m.padEnd(width)}  $${(mu.costUSD ?? 0).toFixed(4)}  (${tokens})`);
      }
    }
    const denials = r.permission_denials ?? [];
    if (denials.length > 0) {
      out.push(`  permission denials (${denials.length}):`);
      for (const d of denials.slice(0, MAX_DENIALS)) {
        out.push(`    ${d.tool_name ? toolLabel(d.tool_name, d.tool_input, this.init?.cwd) : 'a tool'}`);
      }
      if (denials.length > MAX_DENIALS) out.push(`    … ${denials.length - MAX_DENIALS} more`);
    }
    return out;
  }
}

/** "91 input · 3.4k output · …" (a missing count as 0). */
function breakdown(counts: (number | undefined)[], words: string[]): string {
  return counts.map((n, i) => `${formatTokens(n ?? 0)} ${words[i]}`).join(' · ');
}
