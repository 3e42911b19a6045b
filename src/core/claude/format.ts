// Claude calls in words: token counts, costs and durations as people read them, a tool call as one short line
// (`Edit src/lib.rs`, `Bash: cargo test`), and a call's usage as one line. Shared by the run's activity lines,
// the transcript, the CLI and the extension, so that every place says the same thing the same way.
import type { ClaudeCall } from './types';

/** "812", "41.2k", "412k", "1.3M": one decimal below 100 of a unit, trailing ".0" dropped. */
export function formatTokens(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '0';
  if (Math.round(n) < 1000) return String(Math.round(n));
  const units: [number, string][] = [
    [1e3, 'k'],
    [1e6, 'M'],
    [1e9, 'B'],
  ];
  for (let i = 0; i < units.length; i++) {
    const [size, suffix] = units[i];
    const value = n / size;
    const text = value < 99.95 ? value.toFixed(1).replace(/\.0$/, '') : String(Math.round(value));
    // 999,960 rounds to "1000k": say it in the next unit instead.
    if (Number(text) < 1000 || i === units.length - 1) return `${text}${suffix}`;
  }
  return String(n);
}

/** "$0.38"; "$0.0042" below a cent (so small calls do not all read "$0.00"); "$0.00" for nothing. */
export function formatCost(usd: number): string {
  if (!Number.isFinite(usd) || usd <= 0) return '$0.00';
  if (usd >= 0.01) return `$${usd.toFixed(2)}`;
  if (usd < 0.00005) return '<$0.0001';
  return `$${usd.toFixed(4)}`;
}

/** "850ms", "14s", "2m 14s", "1h 3m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0ms';
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  const secs = Math.round(ms / 1000);
  if (secs < 60) return `${secs}s`;
  if (secs < 3600) return `${Math.floor(secs / 60)}m ${secs % 60}s`;
  return `${Math.floor(secs / 3600)}h ${Math.floor((secs % 3600) / 60)}m`;
}

/** How long a one-line label or command may get before it is cut with "…". */
export const LABEL_WIDTH = 80;

const SURROGATE = /[\uD800-\uDFFF]/;

/** `text` cut to `width` characters with "…" (whole code points, so an emoji is never split). */
export function truncate(text: string, width = LABEL_WIDTH): string {
  // No more UTF-16 units than `width` means no more code points either; a longer text is split into code
  // points only as far as needed (at most two units each), not whole.
  if (text.length <= width) return text;
  // Without surrogates (most text), units are code points.
  if (!SURROGATE.test(text.slice(0, width * 2))) return `${text.slice(0, width - 1)}…`;
  const chars = Array.from(text.slice(0, width * 2));
  return chars.length <= width && text.length <= width * 2 ? text : `${chars.slice(0, width - 1).join('')}…`;
}

/** The first line of `text`, cut to `width`; "…" also when lines were left out. */
export function firstLine(text: string, width = LABEL_WIDTH): string {
  const trimmed = text.replace(/^\s*\n/, '');
  const nl = trimmed.indexOf('\n');
  const line = (nl < 0 ? trimmed : trimmed.slice(0, nl)).replace(/\r$/, '');
  let more = false;
  if (nl >= 0) {
    const rest = /\S/g;
    rest.lastIndex = nl + 1;
    more = rest.test(trimmed);
  }
  const cut = truncate(line, width);
  return more && !cut.endsWith('…') ? `${cut} …` : cut;
}

/**
 * `file` relative to `cwd` when it lies inside it ("src/a.ts" for "/repo/src/a.ts" in "/repo"), else as
 * written. Paths come from the machine Claude ran on, so both separators are accepted.
 */
export function relativeTo(file: string, cwd: string | null | undefined): string {
  if (!cwd) return file;
  const base = cwd.replace(/[\\/]+$/, '');
  if (base === '' || !file.startsWith(base)) return file;
  const rest = file.slice(base.length);
  if (rest === '') return '.';
  return rest[0] === '/' || rest[0] === '\\' ? rest.slice(1) : file;
}

/** A string field of a tool's input, or undefined (inputs are whatever the model sent). */
export function inputField(input: unknown, key: string): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const value = (input as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** The path a file tool names (`file_path`, `notebook_path`, `path`), or undefined. */
export function toolFilePath(name: string, input: unknown): string | undefined {
  if (!FILE_TOOLS.has(name)) return undefined;
  return inputField(input, 'file_path') ?? inputField(input, 'notebook_path') ?? inputField(input, 'path');
}

/** Tools whose input names one file: the label shows it, the transcript links it. */
export const FILE_TOOLS: ReadonlySet<string> = new Set([
  'Read',
  'Write',
  'Edit',
  'MultiEdit',
  'NotebookEdit',
  'NotebookRead',
  'LS',
]);

/** Tools that change the file they name (a call's `files_changed`). */
export const WRITE_TOOLS: ReadonlySet<string> = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);

/** `mcp__server__tool` → `server/tool` (a server name may hold single underscores, never a double one). */
export function mcpLabel(name: string): string | undefined {
  if (!name.startsWith('mcp__')) return undefined;
  const rest = name.slice('mcp__'.length);
  const sep = rest.indexOf('__');
  return sep <= 0 ? rest : `${rest.slice(0, sep)}/${rest.slice(sep + 2)}`;
}

/** One spaced line of `text` (newlines and runs of blanks as one space), cut to the label width. */
function oneLine(text: string, width = LABEL_WIDTH): string {
  return truncate(text.replace(/\s+/g, ' ').trim(), width);
}

/**
 * A tool call as one readable line: `Edit src/lib.rs`, `Bash: cargo test`, `Grep: pattern`, `Task: what`,
 * `playwright/browser_navigate`. File paths are shown relative to `cwd` when inside it.
 */
export function toolLabel(name: string, input: unknown, cwd?: string | null): string {
  const file = toolFilePath(name, input);
  if (file !== undefined) return `${name} ${relativeTo(file, cwd)}`;
  const mcp = mcpLabel(name);
  if (mcp !== undefined) return mcp;
  const labelled = (value: string | undefined) => (value ? `${name}: ${oneLine(value)}` : name);
  switch (name) {
    case 'Bash': {
      const command = inputField(input, 'command');
      return command ? `Bash: ${firstLine(command)}` : name;
    }
    case 'Grep':
    case 'Glob':
      return labelled(inputField(input, 'pattern'));
    case 'Task':
    case 'Agent':
      return labelled(inputField(input, 'description') ?? inputField(input, 'subagent_type'));
    case 'WebFetch':
      return labelled(inputField(input, 'url'));
    case 'WebSearch':
      return labelled(inputField(input, 'query'));
    case 'Skill':
      return labelled(inputField(input, 'skill') ?? inputField(input, 'command'));
    case 'SlashCommand':
      return labelled(inputField(input, 'command'));
    default:
      return name;
  }
}

/** What `usageLine` needs of a call (a `ClaudeCall` fits). */
export type UsageFacts = Pick<
  ClaudeCall,
  | 'is_error'
  | 'error'
  | 'has_result'
  | 'num_turns'
  | 'duration_ms'
  | 'total_cost_usd'
  | 'input_tokens'
  | 'output_tokens'
  | 'cache_read_input_tokens'
  | 'cache_creation_input_tokens'
>;

/** Every token a call counted: input, output, cache reads and cache writes. */
export function totalTokens(
  t: Pick<UsageFacts, 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens'>,
): number {
  return t.input_tokens + t.output_tokens + t.cache_read_input_tokens + t.cache_creation_input_tokens;
}

/**
 * `✓ 6 turns · 41.2k tokens · $0.38 · 2m 14s`; `✗ … — <the error's first line>` when it failed; a call that
 * stopped before its result says so and shows only the tokens seen. Unknown parts are left out.
 */
export function usageLine(call: UsageFacts): string {
  const parts: string[] = [];
  if (call.num_turns != null) parts.push(`${call.num_turns} ${call.num_turns === 1 ? 'turn' : 'turns'}`);
  const tokens = totalTokens(call);
  if (call.has_result || tokens > 0) parts.push(`${formatTokens(tokens)} tokens`);
  if (call.has_result) parts.push(formatCost(call.total_cost_usd));
  if (call.duration_ms != null) parts.push(formatDuration(call.duration_ms));
  if (call.is_error) {
    const error = call.error ? firstLine(call.error, 120) : 'failed';
    return parts.length > 0 ? `✗ ${parts.join(' · ')} — ${error}` : `✗ ${error}`;
  }
  if (!call.has_result) return ['– no result (stopped or cut off)', ...parts].join(' · ');
  return `✓ ${parts.join(' · ')}`;
}
