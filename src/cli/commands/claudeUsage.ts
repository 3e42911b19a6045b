// A session's Claude calls as the CLI shows them: the session's sums (its record's metadata.claude), each
// step's call, read from Prodigy's workflow checkpoint file (completed_steps[].claude), or, when that file has
// none, from the record's own checkpoints (a cost and the kept stream per step), and each MapReduce item's calls
// (the job state's agent_results[].claude).
import {
  formatCost,
  formatTokens,
  sessionJobStores,
  totalTokens,
  type ClaudeCall,
  type ClaudeTotals,
  type SessionManager,
} from '../../core';
import { plural } from '../format';

type Session = Awaited<ReturnType<SessionManager['getSession']>>;

/** One step that made Claude calls. */
export interface StepClaude {
  /** 1-based, as `sessions show` prints it (the run's step index + 1: passes count on). */
  step: number;
  /** The step as the checkpoint names it (`claude: /fix …`). */
  name: string | null;
  /** The step's calls summed, when the checkpoint file kept them; null when only the cost is known. */
  call: ClaudeCall | null;
  cost_usd: number | null;
  /** The step's (last) kept stream, H/logs/claude-streaming/…jsonl; null in print mode. */
  json_log_location: string | null;
}

/** `2 calls · 2.3k tokens · $0.50 · 3 tool uses`. */
export function claudeSums(t: ClaudeTotals): string {
  return [
    plural(t.runs, 'call'),
    `${formatTokens(totalTokens(t))} tokens`,
    formatCost(t.total_cost_usd),
    plural(t.tool_uses, 'tool use'),
  ].join(' · ');
}

/** `1.2k in · 340 out · 41k cache read · 2k cache write`. */
export function tokenBreakdown(t: ClaudeTotals | ClaudeCall): string {
  return [
    `${formatTokens(t.input_tokens)} in`,
    `${formatTokens(t.output_tokens)} out`,
    `${formatTokens(t.cache_read_input_tokens)} cache read`,
    `${formatTokens(t.cache_creation_input_tokens)} cache write`,
  ].join(' · ');
}

export { costCell } from './sessionsList';

/** `Bash 5, Edit 2` (most used first), or `–`. */
export function toolsText(toolUses: Record<string, number>): string {
  const entries = Object.entries(toolUses).filter(([, n]) => n > 0);
  if (entries.length === 0) return '–';
  return entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}

/**
 * The steps of the session's current timeline that made Claude calls, in order. Prodigy's checkpoint file is
 * read first (it has each call in full); the record's checkpoints (cost and stream only) when it has none.
 */
export async function stepCalls(manager: SessionManager, id: string): Promise<StepClaude[]> {
  const latest = await manager.latestWorkflowCheckpoint(id).catch(() => null);
  const fromFile: StepClaude[] = [];
  for (const done of latest?.checkpoint.completed_steps ?? []) {
    const call = callOf(done.claude);
    const log = str(done.json_log_location) ?? call?.json_log_location ?? null;
    if (!call && !log) continue;
    fromFile.push({
      step: done.step_index + 1,
      name: done.command,
      call,
      cost_usd: call ? call.total_cost_usd : null,
      json_log_location: log,
    });
  }
  if (fromFile.length) return fromFile;
  const { checkpoints } = await manager.listCheckpoints(id);
  return checkpoints
    .filter((c) => c.kind === 'session' && !c.superseded && c.step_index !== null)
    .filter((c) => c.claude_cost_usd !== null || c.json_log_location !== null)
    .map((c) => ({
      step: (c.step_index ?? 0) + 1,
      name: c.step_name,
      call: null,
      cost_usd: c.claude_cost_usd,
      json_log_location: c.json_log_location,
    }));
}

/** A MapReduce session's items that made Claude calls (each item's attempts summed), in the job's order. */
export function itemCalls(manager: SessionManager, session: Session): { item: string; call: ClaudeCall }[] {
  let results: Record<string, { claude?: unknown }> = {};
  try {
    results = sessionJobStores(manager, session)?.store.load()?.agent_results ?? {};
  } catch {
    // No job state yet, or none readable: the items are simply not listed.
  }
  return Object.entries(results).flatMap(([item, result]) => {
    const call = callOf(result.claude);
    return call ? [{ item, call }] : [];
  });
}

/** A checkpoint's `claude` entry when it has a call's shape (another version, or a hand edit, may not). */
function callOf(v: unknown): ClaudeCall | null {
  if (typeof v !== 'object' || v === null) return null;
  const c = v as Record<string, unknown>;
  const numbers = ['total_cost_usd', 'input_tokens', 'output_tokens', 'cache_read_input_tokens'];
  if (!numbers.every((k) => typeof c[k] === 'number')) return null;
  return {
    ...(c as unknown as ClaudeCall),
    cache_creation_input_tokens: num(c.cache_creation_input_tokens),
    tool_uses: typeof c.tool_uses === 'object' && c.tool_uses !== null ? (c.tool_uses as Record<string, number>) : {},
    files_changed: Array.isArray(c.files_changed) ? c.files_changed.filter((f) => typeof f === 'string') : [],
    has_result: c.has_result !== false,
    is_error: c.is_error === true,
    error: str(c.error),
    json_log_location: str(c.json_log_location),
    num_turns: typeof c.num_turns === 'number' ? c.num_turns : null,
    duration_ms: typeof c.duration_ms === 'number' ? c.duration_ms : null,
  };
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
