// What every step of one run shares: where it runs, its variables, environment, log and the
// signal that stops it.
import type { ProcessGroups } from '../process/groups';
import type { SecretMasker } from './secrets';
import type { SessionLog } from './sessionLog';
import type { Workflow } from '../workflow/model';
import type { Variables } from './interpolation';
import type { SessionStatus } from '../model/session';

/** How a `claude:` step is started. `{prompt}` in args is replaced by the prompt (else it is appended). */
export interface ClaudeConfig {
  command: string;
  args: string[];
}

/** Print mode with Prodigy's arguments (prodigy-workflows.md §7). */
export const DEFAULT_CLAUDE_CONFIG: ClaudeConfig = {
  command: 'claude',
  args: ['--print', '--dangerously-skip-permissions', '{prompt}'],
};

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
  /** Where the run records its steps' process groups (beside its resume lock), so a kill -9 leaves no unseen orphan. */
  groups: ProcessGroups;
  claude: ClaudeConfig;
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
  /** continued: it failed, and its on_failure lets the workflow go on. */
  status: 'success' | 'failed' | 'continued' | 'stopped';
  output: string;
  error?: string;
  durationMs: number;
  attempts: number;
}
