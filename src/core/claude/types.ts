// What one Claude call and a session's Claude calls came to: the shapes the record, the checkpoint, the agent
// result, the CLI and the extension all read. Plain data (JSON), so Prodigy's readers skip it as unknown keys.

/** Token counts, named as in Claude's `result.usage`. */
export interface ClaudeTokens {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/**
 * One Claude call, from its kept stream: kept per step in the checkpoint (`completed_steps[].claude`) and per
 * item in the agent result (`agent_results[id].claude`, summed over the item's calls).
 */
export interface ClaudeCall extends ClaudeTokens {
  /** What the call was for: the step's name (or display form); an agent's calls summed in its result: `item <id>`. */
  step: string | null;
  /** Claude Code's own session id (`claude --resume <id>`), from the stream; null if it printed none. */
  claude_session_id: string | null;
  model: string | null;
  num_turns: number | null;
  duration_ms: number | null;
  total_cost_usd: number;
  /** Tool uses by tool name (`{"Edit": 2, "Bash": 5}`). */
  tool_uses: Record<string, number>;
  /** Files Claude wrote or edited (Write, Edit, MultiEdit, NotebookEdit), as it named them, in order, once each. */
  files_changed: string[];
  /** The stream's `result` said is_error (or the process failed), with its own message. */
  is_error: boolean;
  error: string | null;
  /** Whether the stream had a `result` line (a killed call has none; its usage is then what was seen). */
  has_result: boolean;
  /** The kept stream: H/logs/claude-streaming/<YYYYmmdd_HHMMSS>-<uuid>.jsonl (null in print mode). */
  json_log_location: string | null;
  /** The folder Claude ran in (for `claude --resume` and Claude Code's own transcript). */
  cwd: string | null;
}

/** A session's sums over every call (the record's `metadata.claude`). */
export interface ClaudeTotals extends ClaudeTokens {
  runs: number;
  total_cost_usd: number;
  /** Tool uses, all tools together. */
  tool_uses: number;
  /** The last call, for Continue in Claude Code and Show Claude Transcript (constant size). */
  last?: {
    step: string | null;
    claude_session_id: string | null;
    json_log_location: string | null;
    cwd: string | null;
    is_error: boolean;
  };
}
