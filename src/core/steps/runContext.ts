// What every step of one run shares: where it runs, its variables, environment, log and the
// signal that stops it.
import type { ProcessGroups } from '../process/groups';
import type { SecretMasker } from './secrets';
import type { SessionLog } from './sessionLog';
import type { Workflow } from '../workflow/model';
import type { Variables } from './interpolation';
import type { SessionStatus } from '../model/session';
import type { ClaudeCall } from '../claude/types';

/**
 * How a `claude:` step is started. `{prompt}` in args is replaced by the prompt (else it is appended); no args
 * means Prodigy's own for the mode (CLAUDE_STREAMING_ARGS or CLAUDE_PRINT_ARGS).
 */
export interface ClaudeConfig {
  command: string;
  args: string[];
  /** false: print mode (as `PRODIGY_CLAUDE_STREAMING=false` in the run's environment). Default: stream-json. */
  streaming?: boolean;
  /** Stop the session cleanly once its Claude calls have cost this much (USD): `--max-cost`. */
  maxCostUsd?: number;
}

/** Prodigy's streaming mode (prodigy-workflows.md §7), with `-p` as current Claude Code needs. */
export const CLAUDE_STREAMING_ARGS = [
  '-p',
  '--output-format',
  'stream-json',
  '--verbose',
  '--dangerously-skip-permissions',
  '{prompt}',
];
/** Prodigy's print mode (`PRODIGY_CLAUDE_STREAMING=false`). */
export const CLAUDE_PRINT_ARGS = ['--print', '--dangerously-skip-permissions', '{prompt}'];

export const DEFAULT_CLAUDE_CONFIG: ClaudeConfig = { command: 'claude', args: [] };

/** Whether Claude steps stream: the config, then `PRODIGY_CLAUDE_STREAMING=false` in the run's environment. */
export function claudeStreams(config: ClaudeConfig, env: NodeJS.ProcessEnv): boolean {
  return config.streaming !== false && env.PRODIGY_CLAUDE_STREAMING?.trim().toLowerCase() !== 'false';
}

/** The arguments a Claude call runs with, before `{prompt}` is filled in. */
export function claudeArgs(config: ClaudeConfig, env: NodeJS.ProcessEnv): string[] {
  if (config.args.length) return config.args;
  return claudeStreams(config, env) ? CLAUDE_STREAMING_ARGS : CLAUDE_PRINT_ARGS;
}

/**
 * Where a run's Claude calls go as they end: their usage is summed into the session record, and the
 * session's budget is checked before each new call starts.
 */
export interface ClaudeUsageSink {
  /** Throws BudgetReachedError when the session's Claude budget is spent: no new call starts. */
  beforeCall(): void;
  /** Records a finished call in the session record (one locked write). */
  ended(call: ClaudeCall, itemId: string | null): Promise<void>;
  /** Why the run must stop (the budget is spent), or null. */
  readonly stopReason: string | null;
}

export interface RunContext {
  sessionId: string;
  workflow: Workflow;
  /** The session's worktree, or the project folder when running in place. */
  cwd: string;
  /** Live variables: ARG…, captures, shell.output…; changed as steps finish. */
  vars: Variables;
  /** Process env + workflow env + secrets + PRODIGY_* (step env goes on top). */
  env: NodeJS.ProcessEnv;
  masker: SecretMasker;
  log: SessionLog;
  signal: AbortSignal;
  /** How long a stopped step's processes get between SIGTERM and SIGKILL (a MapReduce agent: timeout_config's
   * cleanup_grace_period_secs); absent: 3 s. */
  killGraceMs?: number;
  /** Where the run records its steps' process groups (beside its resume lock), so a kill -9 leaves no unseen orphan. */
  groups: ProcessGroups;
  claude: ClaudeConfig;
  /** Where every Claude call's stream is kept: H/logs/claude-streaming. */
  claudeLogDir: string;
  claudeUsage: ClaudeUsageSink;
  /** What a merge that conflicts does: abort (keep the branch), or ask Claude (`--merge-conflicts claude`). */
  mergeConflicts: { mode: 'abort' | 'claude'; command?: string };
  /** In a MapReduce agent: the item it works on (named in Claude activity and usage). */
  itemId?: string;
  /** Whether `cwd` is inside a git repository (commit_required needs one). */
  git: boolean;
}

/** How a sequence of steps (a run, a MapReduce phase) ended. */
export interface LoopResult {
  status: Extract<SessionStatus, 'Completed' | 'Failed' | 'Paused'>;
  error: string | null;
}

/** How one step ended (after its retries and handlers). */
export interface StepOutcome {
  /**
   * continued: it failed, and its on_failure (or allow_failure, or an on_exit_code step) lets the workflow go on.
   * skipped: its `when:` was false; it did not run, and counts as done (a resume does not run it).
   */
  status: 'success' | 'failed' | 'continued' | 'stopped' | 'skipped';
  output: string;
  error?: string;
  durationMs: number;
  attempts: number;
  /** The Claude calls the step made (its retries and handlers included), in order. */
  claude: ClaudeCall[];
  /** The exit code of the step's last attempt, when its command ran to an exit (not stopped, not timed out). */
  exitCode?: number;
}
