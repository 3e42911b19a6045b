// Sums of Claude calls: a session's running totals (the record's `metadata.claude`), one call standing for an
// item's several attempts, and a tolerant reader of totals that another version (or a hand edit) wrote.
import * as z from 'zod';
import type { ClaudeCall, ClaudeTotals } from './types';

export function emptyTotals(): ClaudeTotals {
  return {
    runs: 0,
    total_cost_usd: 0,
    tool_uses: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
}

function countOf(toolUses: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(toolUses)) if (Number.isFinite(v)) n += v;
  return n;
}

/** `totals` with `call` added (a new object; `totals` is not changed); `last` becomes this call. */
export function addCall(totals: ClaudeTotals | undefined, call: ClaudeCall): ClaudeTotals {
  const t = totals ?? emptyTotals();
  return {
    runs: t.runs + 1,
    total_cost_usd: t.total_cost_usd + call.total_cost_usd,
    tool_uses: t.tool_uses + countOf(call.tool_uses),
    input_tokens: t.input_tokens + call.input_tokens,
    output_tokens: t.output_tokens + call.output_tokens,
    cache_read_input_tokens: t.cache_read_input_tokens + call.cache_read_input_tokens,
    cache_creation_input_tokens: t.cache_creation_input_tokens + call.cache_creation_input_tokens,
    last: {
      step: call.step,
      claude_session_id: call.claude_session_id,
      json_log_location: call.json_log_location,
      cwd: call.cwd,
      is_error: call.is_error,
    },
  };
}

function sumOrNull(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
}

/**
 * One call standing for several (an item's attempts): counts, tokens, cost and time summed, tools merged,
 * files once each in order; whether it failed, its session id, log and folder are the last call's (a retry
 * that succeeded makes the item a success). Null for no calls.
 */
export function sumCalls(calls: ClaudeCall[], step: string | null): ClaudeCall | null {
  if (calls.length === 0) return null;
  const last = calls[calls.length - 1];
  const toolUses = new Map<string, number>();
  const files: string[] = [];
  const seen = new Set<string>();
  for (const call of calls) {
    for (const [name, n] of Object.entries(call.tool_uses)) toolUses.set(name, (toolUses.get(name) ?? 0) + n);
    for (const file of call.files_changed) {
      if (!seen.has(file)) {
        seen.add(file);
        files.push(file);
      }
    }
  }
  const sum = (key: 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens') =>
    calls.reduce((a, c) => a + c[key], 0);
  return {
    step,
    claude_session_id: last.claude_session_id,
    model: [...calls].reverse().find((c) => c.model !== null)?.model ?? null,
    num_turns: sumOrNull(calls.map((c) => c.num_turns)),
    duration_ms: sumOrNull(calls.map((c) => c.duration_ms)),
    total_cost_usd: calls.reduce((a, c) => a + c.total_cost_usd, 0),
    input_tokens: sum('input_tokens'),
    output_tokens: sum('output_tokens'),
    cache_read_input_tokens: sum('cache_read_input_tokens'),
    cache_creation_input_tokens: sum('cache_creation_input_tokens'),
    tool_uses: Object.fromEntries(toolUses),
    files_changed: files,
    is_error: last.is_error,
    error: last.error,
    has_result: last.has_result,
    json_log_location: last.json_log_location,
    cwd: last.cwd,
  };
}

/** A count: anything else (missing, negative, a string) reads as 0 rather than losing the totals. */
const count = z.number().finite().nonnegative().catch(0);
const maybeString = z.string().nullable().catch(null);

const StoredTotals = z.object({
  runs: z.number().int().nonnegative(),
  total_cost_usd: count,
  tool_uses: count,
  input_tokens: count,
  output_tokens: count,
  cache_read_input_tokens: count,
  cache_creation_input_tokens: count,
  last: z
    .object({
      step: maybeString,
      claude_session_id: maybeString,
      json_log_location: maybeString,
      cwd: maybeString,
      is_error: z.boolean().catch(false),
    })
    .optional()
    .catch(undefined),
});

/**
 * A record's Claude totals, or null when there are none or they are not totals (no whole `runs` count).
 * Takes the record's `metadata` (reads its `claude`) or `metadata.claude` itself. Other fields of the wrong
 * shape read as 0 / null; unknown fields are dropped.
 */
export function readTotals(metadata: unknown): ClaudeTotals | null {
  if (typeof metadata !== 'object' || metadata === null) return null;
  const holder = metadata as Record<string, unknown>;
  const value = Object.hasOwn(holder, 'claude') && !Object.hasOwn(holder, 'runs') ? holder.claude : holder;
  const parsed = StoredTotals.safeParse(value);
  if (!parsed.success) return null;
  const { last, ...totals } = parsed.data;
  return last === undefined ? totals : { ...totals, last };
}
