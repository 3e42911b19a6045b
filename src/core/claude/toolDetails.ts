// The lines under a tool call in a transcript: what it was asked to do (a command, an edit, a file's new
// content, a todo list, other inputs as compact JSON) and what came back, each cut to a readable length with
// a marker saying how much was left out (the kept stream has it all).
import { formatTokens, truncate } from './format';

export interface ClipLimits {
  maxLines: number;
  maxChars: number;
}

/**
 * `text` as lines, cut after `maxLines` lines or `maxChars` characters, whichever comes first, with a marker
 * (`… 183 more lines (see the full log)`) when anything was left out.
 */
export function clipLines(text: string, limits: ClipLimits): string[] {
  const all = text.replace(/\r\n/g, '\n').split('\n');
  while (all.length > 0 && all[all.length - 1].trim() === '') all.pop();
  const kept: string[] = [];
  let chars = 0;
  /** Characters of a line shown only in part. */
  let partLeft = 0;
  let next = 0;
  for (; next < all.length && kept.length < limits.maxLines; next++) {
    const line = all[next];
    if (chars + line.length > limits.maxChars) {
      const room = Math.max(0, limits.maxChars - chars);
      if (room > 0) {
        kept.push(`${line.slice(0, room)}…`);
        partLeft = line.length - room;
        next++;
      }
      break;
    }
    kept.push(line);
    chars += line.length + 1;
  }
  const linesLeft = all.length - next;
  if (linesLeft > 0) kept.push(`… ${linesLeft} more ${linesLeft === 1 ? 'line' : 'lines'} (see the full log)`);
  else if (partLeft > 0) kept.push(`… ${formatTokens(partLeft)} more characters (see the full log)`);
  return kept;
}

function record(input: unknown): Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Input keys already shown in the call's own line, so the detail lines do not repeat them. */
const SHOWN_IN_LABEL: Record<string, readonly string[]> = {
  Grep: ['pattern'],
  Glob: ['pattern'],
  WebFetch: ['url'],
  WebSearch: ['query'],
  Read: ['file_path'],
  LS: ['path'],
  NotebookRead: ['notebook_path'],
};

/** How many characters of compact JSON an input of another tool may take. */
const JSON_WIDTH = 300;

const TODO_MARK: Record<string, string> = { completed: '☑', in_progress: '▶', pending: '☐' };

/** The lines describing a tool call's input, unindented (the transcript indents them). */
export function toolInputLines(name: string, input: unknown, limits: ClipLimits): string[] {
  const args = record(input);
  const prefixed = (prefix: string, text: string, lim = limits) => clipLines(text, lim).map((l) => `${prefix}${l}`);
  const short = { maxLines: Math.min(limits.maxLines, 8), maxChars: limits.maxChars };
  switch (name) {
    case 'Bash': {
      const command = str(args.command);
      return command === undefined ? [] : prefixed('$ ', command);
    }
    case 'Edit': {
      const out = [
        ...prefixed('- ', str(args.old_string) ?? '', short),
        ...prefixed('+ ', str(args.new_string) ?? '', short),
      ];
      return args.replace_all === true ? ['(every occurrence)', ...out] : out;
    }
    case 'MultiEdit': {
      const edits = Array.isArray(args.edits) ? args.edits.map(record) : [];
      const tiny = { maxLines: 4, maxChars: limits.maxChars };
      const out: string[] = [];
      edits.slice(0, 10).forEach((e, i) => {
        out.push(`edit ${i + 1}${e.replace_all === true ? ' (every occurrence)' : ''}:`);
        out.push(
          ...prefixed('  - ', str(e.old_string) ?? '', tiny),
          ...prefixed('  + ', str(e.new_string) ?? '', tiny),
        );
      });
      if (edits.length > 10) out.push(`… ${edits.length - 10} more edits (see the full log)`);
      return out;
    }
    case 'Write':
      return prefixed('│ ', str(args.content) ?? '');
    case 'NotebookEdit':
      return prefixed('│ ', str(args.new_source) ?? '');
    case 'Read': {
      const offset = typeof args.offset === 'number' ? args.offset : undefined;
      const limit = typeof args.limit === 'number' ? args.limit : undefined;
      if (offset === undefined && limit === undefined) return [];
      return [`lines ${offset ?? 1}${limit !== undefined ? `–${(offset ?? 1) + limit - 1}` : '–'}`];
    }
    case 'TodoWrite': {
      const todos = Array.isArray(args.todos) ? args.todos.map(record) : [];
      return todos.map((t) => `${TODO_MARK[str(t.status) ?? ''] ?? '·'} ${truncate(str(t.content) ?? '', 120)}`);
    }
    case 'Task':
    case 'Agent': {
      const type = str(args.subagent_type);
      return type ? [`agent: ${type}`] : [];
    }
    default: {
      const skip = SHOWN_IN_LABEL[name] ?? [];
      const rest = Object.fromEntries(Object.entries(args).filter(([k]) => !skip.includes(k)));
      if (Object.keys(rest).length === 0) return [];
      return [truncate(JSON.stringify(rest), JSON_WIDTH)];
    }
  }
}
