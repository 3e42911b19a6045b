// One line of `claude -p --output-format stream-json --verbose` output, read tolerantly: what the CLI prints
// (/work/shared/fixtures/claude-stream-json/FORMAT.md) as typed events, anything else as text. A line is never
// an error: wrappers print banners, `2>&1` brings stderr in, captures cut lines off, and a configurable claude
// command may print plain text. Every schema is loose (unknown fields pass through) and every field that is
// not needed to tell a line's kind falls back to `undefined` when it has an unexpected shape, so a new CLI
// version that changes one field does not hide the rest of the line.
//
// Speed: a stream with `--include-partial-messages` is mostly `stream_event` lines (89 % of financecim-2), of
// which only `message_start` and `message_delta` (usage) are ever read. Running zod over each of them halved
// the throughput (on a 5 MB replay of financecim-2: JSON.parse alone ~280 MB/s, zod on every line ~150 MB/s),
// so a `stream_event` line is checked by hand (an `event` object with a string `type`) and its inner event is
// validated lazily, with the `MessageStartEvent`/`MessageDeltaEvent`/… schemas below, by whoever reads one.
// The other kinds are validated with zod: they are few, and they are what gets summarised. Content blocks
// are validated against their own kind's schema only (`blockOf`). parseStreamLine reads ~250 MB/s there.
import * as z from 'zod';

/** An optional field: any value of another shape reads as `undefined` instead of rejecting the line. */
function opt<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

const str = opt(z.string());
const num = opt(z.number());
const bool = opt(z.boolean());
/** `parent_tool_use_id`: null on the main thread, the spawning Task call's id in a subagent. */
const parentId = z.string().nullish().catch(undefined);

// ---- Tokens

/** `usage` as the Messages API and the `result` line name it (snake_case); every count optional. */
export const Usage = z.looseObject({
  input_tokens: num,
  output_tokens: num,
  cache_read_input_tokens: num,
  cache_creation_input_tokens: num,
});
export type Usage = z.infer<typeof Usage>;

/** One model's entry in the result's `modelUsage` (camelCase, unlike `usage`). */
export const ModelUsage = z.looseObject({
  inputTokens: num,
  outputTokens: num,
  cacheReadInputTokens: num,
  cacheCreationInputTokens: num,
  webSearchRequests: num,
  costUSD: num,
  contextWindow: num,
  maxOutputTokens: num,
});
export type ModelUsage = z.infer<typeof ModelUsage>;

// ---- Content blocks

/**
 * A block of a kind not listed (or a listed kind with an unexpected shape), kept whole under a `type` of its
 * own so that `switch (block.type)` narrows the listed kinds.
 */
export interface OtherBlock {
  type: 'other';
  original_type: string;
  raw: Record<string, unknown>;
}

/**
 * Blocks of the listed kinds, each checked only against its own kind's schema (picked by `type`), and any
 * other block as an `OtherBlock`. A `z.union` would try each kind in turn, and building the failed tries'
 * issues made `assistant` lines five times slower to read.
 */
function blockOf<T>(kinds: Record<string, z.ZodType<T>>) {
  return z.looseObject({ type: z.string() }).transform((raw): T | OtherBlock => {
    const schema = Object.hasOwn(kinds, raw.type) ? kinds[raw.type] : undefined;
    const parsed = schema?.safeParse(raw);
    return parsed?.success ? parsed.data : { type: 'other', original_type: raw.type, raw };
  });
}

export const TextBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
export type TextBlock = z.infer<typeof TextBlock>;
/** `thinking` may be "" with only a `signature` (2.1.276). */
export const ThinkingBlock = z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: str });
export type ThinkingBlock = z.infer<typeof ThinkingBlock>;
export const ToolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown().optional(),
});
export type ToolUseBlock = z.infer<typeof ToolUseBlock>;
export const ImageBlock = z.looseObject({ type: z.literal('image'), source: z.unknown().optional() });
export type ImageBlock = z.infer<typeof ImageBlock>;

/** What a tool_result's list `content` holds: text blocks (MCP tools, Task results), images (screenshots). */
export const ResultPart = blockOf<TextBlock | ImageBlock>({ text: TextBlock, image: ImageBlock });
export type ResultPart = z.infer<typeof ResultPart>;

/** `content` is a string for built-in tools, a list of blocks for MCP tools and Task; `is_error` is optional. */
export const ToolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: opt(z.union([z.string(), z.array(ResultPart)])),
  is_error: z.boolean().nullish().catch(undefined),
});
export type ToolResultBlock = z.infer<typeof ToolResultBlock>;

export const AssistantBlock = blockOf<TextBlock | ThinkingBlock | ToolUseBlock>({
  text: TextBlock,
  thinking: ThinkingBlock,
  tool_use: ToolUseBlock,
});
export type AssistantBlock = z.infer<typeof AssistantBlock>;
export const UserBlock = blockOf<ToolResultBlock | TextBlock | ImageBlock>({
  tool_result: ToolResultBlock,
  text: TextBlock,
  image: ImageBlock,
});
export type UserBlock = z.infer<typeof UserBlock>;

// ---- Lines

/**
 * `system`: `init` (one per call, not always the first line: hooks come first in 2.1.276) and the other
 * subtypes (hook_started, hook_response, status, thinking_tokens, task_started…), all in one shape.
 */
export const SystemLine = z.looseObject({
  type: z.literal('system'),
  subtype: z.string(),
  session_id: str,
  // init
  model: str,
  cwd: str,
  tools: opt(z.array(z.string())),
  claude_code_version: str,
  permissionMode: str,
  // hook_started / hook_response
  hook_name: str,
  outcome: str,
  exit_code: num,
  // status
  status: z.string().nullish().catch(undefined),
  // task_started
  tool_use_id: str,
  description: str,
});
export type SystemLine = z.infer<typeof SystemLine>;

/**
 * `assistant`: one content block per line; the lines of one model turn share `message.id` and carry the
 * same `usage` snapshot (summing them per line overcounts input and undercounts output). Synthetic messages
 * (`model: "<synthetic>"`, no API call) carry quota/credit/rate-limit errors and local command output.
 */
export const AssistantLine = z.looseObject({
  type: z.literal('assistant'),
  message: z.looseObject({
    id: str,
    model: str,
    content: z.array(AssistantBlock).catch([]),
    stop_reason: z.string().nullish().catch(undefined),
    usage: opt(Usage),
  }),
  parent_tool_use_id: parentId,
  session_id: str,
  /** 2.1.50: `"rate_limit"` on a synthetic error message. */
  error: str,
  /** 2.1.276: an interrupted turn's partial message, emitted again. */
  aborted: bool,
  /** 2.1.276: a local slash command's output (not an error). */
  local_command_source: z.unknown().optional(),
});
export type AssistantLine = z.infer<typeof AssistantLine>;

/** `user`: tool results (and subagent prompts, interrupts) as blocks, or the replayed prompt as a string. */
export const UserLine = z.looseObject({
  type: z.literal('user'),
  message: z.looseObject({
    content: z.union([z.string(), z.array(UserBlock)]).catch([]),
  }),
  parent_tool_use_id: parentId,
  session_id: str,
  isReplay: bool,
});
export type UserLine = z.infer<typeof UserLine>;

/** `stream_event` (`--include-partial-messages`): checked by hand, see the note at the top. */
export interface StreamEventLine {
  type: 'stream_event';
  /** A raw Messages-API SSE event; validate the kinds you read with the schemas below. */
  event: { type: string; [key: string]: unknown };
  parent_tool_use_id?: string | null;
  session_id?: string;
  [key: string]: unknown;
}

export const MessageStartEvent = z.looseObject({
  type: z.literal('message_start'),
  message: z.looseObject({ id: str, model: str, usage: opt(Usage) }),
});
export const ContentBlockStartEvent = z.looseObject({
  type: z.literal('content_block_start'),
  index: num,
  content_block: AssistantBlock,
});
export const ContentBlockDeltaEvent = z.looseObject({
  type: z.literal('content_block_delta'),
  index: num,
  delta: z.looseObject({ type: z.string(), text: str, thinking: str, partial_json: str, signature: str }),
});
export const ContentBlockStopEvent = z.looseObject({ type: z.literal('content_block_stop'), index: num });
/** The final `output_tokens` of a message are here, not on its `assistant` lines. */
export const MessageDeltaEvent = z.looseObject({
  type: z.literal('message_delta'),
  delta: opt(z.looseObject({ stop_reason: z.string().nullish().catch(undefined) })),
  usage: opt(Usage),
});
export const MessageStopEvent = z.looseObject({ type: z.literal('message_stop') });

/** 2.1.x: `status: "rejected"` goes with a synthetic error message and an is_error result. */
export const RateLimitLine = z.looseObject({
  type: z.literal('rate_limit_event'),
  rate_limit_info: opt(
    z.looseObject({ status: str, resetsAt: num, rateLimitType: str, overageStatus: str, isUsingOverage: bool }),
  ),
  session_id: str,
});
export type RateLimitLine = z.infer<typeof RateLimitLine>;

export const PermissionDenial = z.looseObject({ tool_name: str, tool_use_id: str, tool_input: z.unknown().optional() });
export type PermissionDenial = z.infer<typeof PermissionDenial>;

/**
 * `result`, the last line of a finished call. Read `subtype` and `is_error` both: quota and credit failures
 * are `success` with `is_error: true` and the error in `result`; `error_during_execution` has `errors[]` and
 * no `result`. Keys come in any order (2.1.276 puts `type` in the middle).
 */
export const ResultLine = z.looseObject({
  type: z.literal('result'),
  subtype: str,
  is_error: bool,
  result: str,
  errors: opt(z.array(z.string())),
  num_turns: num,
  duration_ms: num,
  duration_api_ms: num,
  total_cost_usd: num,
  usage: opt(Usage),
  modelUsage: opt(z.record(z.string(), ModelUsage)),
  permission_denials: opt(z.array(PermissionDenial.catch({}))),
  session_id: str,
  terminal_reason: str,
});
export type ResultLine = z.infer<typeof ResultLine>;

/**
 * A JSON object with a string `type` that is none of the above (`control_response`, a wrapper's
 * `loop_end_summary`), or a known type whose required fields have another shape. Kept whole.
 */
export interface UnknownLine {
  type: 'unknown';
  original_type: string;
  raw: Record<string, unknown>;
}

export type ClaudeStreamEvent =
  SystemLine | AssistantLine | UserLine | StreamEventLine | RateLimitLine | ResultLine | UnknownLine;

export type StreamLine = { kind: 'event'; event: ClaudeStreamEvent } | { kind: 'text'; text: string };

const SCHEMAS: Record<string, z.ZodType<ClaudeStreamEvent> | undefined> = {
  system: SystemLine,
  assistant: AssistantLine,
  user: UserLine,
  rate_limit_event: RateLimitLine,
  result: ResultLine,
};

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a || code === 0xfeff;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One stdout line (without its newline) as an event, or as text when it is not a JSON object with a string
 * `type` (a banner, stderr, a `>>> ` echo, a line cut off mid-way, garbage). Never throws.
 */
export function parseStreamLine(line: string): StreamLine {
  // Cheap checks first: most text lines are rejected without JSON.parse, and so is a cut-off object (its
  // last character is not `}`), however long.
  let start = 0;
  while (start < line.length && isSpace(line.charCodeAt(start))) start++;
  let end = line.length - 1;
  while (end > start && isSpace(line.charCodeAt(end))) end--;
  if (line.charCodeAt(start) !== 0x7b || line.charCodeAt(end) !== 0x7d) return { kind: 'text', text: line };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    // Not JSON, or nested too deep for the parser's stack.
    return { kind: 'text', text: line };
  }
  if (!isRecord(value) || typeof value.type !== 'string') return { kind: 'text', text: line };
  return { kind: 'event', event: toEvent(value as Record<string, unknown> & { type: string }) };
}

function toEvent(value: Record<string, unknown> & { type: string }): ClaudeStreamEvent {
  if (value.type === 'stream_event') {
    const { event, parent_tool_use_id: parent, session_id: session } = value;
    if (
      isRecord(event) &&
      typeof event.type === 'string' &&
      (parent === undefined || parent === null || typeof parent === 'string') &&
      (session === undefined || typeof session === 'string')
    ) {
      return value as StreamEventLine;
    }
    return unknownLine(value);
  }
  const schema = Object.hasOwn(SCHEMAS, value.type) ? SCHEMAS[value.type] : undefined;
  if (!schema) return unknownLine(value);
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : unknownLine(value);
}

function unknownLine(raw: Record<string, unknown> & { type: string }): UnknownLine {
  return { type: 'unknown', original_type: raw.type, raw };
}

/** The `session_id` a line carries (every CLI line has one but `control_response`), or null. */
export function sessionIdOf(event: ClaudeStreamEvent): string | null {
  const id = event.type === 'unknown' ? event.raw.session_id : event.session_id;
  return typeof id === 'string' && id !== '' ? id : null;
}

/**
 * The token counts of a `usage` object, read by hand for the frequent `stream_event` lines (`Usage` says the
 * same with zod): a count that is not a number is left out; anything but an object is undefined.
 */
export function usageOf(value: unknown): Usage | undefined {
  if (!isRecord(value)) return undefined;
  const usage: Usage = {};
  for (const key of TOKEN_FIELDS) {
    const n = value[key];
    if (typeof n === 'number') usage[key] = n;
  }
  return usage;
}

const TOKEN_FIELDS = [
  'input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
] as const;

/** A synthetic assistant message that reports a failure (quota, credit, rate limit), not local command output. */
export function isSyntheticError(line: AssistantLine): boolean {
  if (line.error !== undefined) return true;
  return line.message.model === '<synthetic>' && line.local_command_source === undefined;
}

/** The text of a tool_result's content: a string as is, text blocks joined, images as "[image]". */
export function toolResultText(content: ToolResultBlock['content']): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => (part.type === 'text' ? part.text : part.type === 'image' ? '[image]' : `[${part.original_type}]`))
    .join('\n');
}
