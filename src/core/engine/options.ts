// What the engine's entry points take and give back (run, resume, a MapReduce retry, a merge).
import type { SessionStatus } from '../model/session';
import type { ParamValues } from '../workflow/compose';
import type { SessionManager } from '../sessions/sessionManager';
import type { EngineListener } from '../steps/events';
import type { ClaudeConfig } from '../steps/runContext';
import type { MergeDecision, MergeOutcome, MergePolicy, MergeQuestion } from './mergeBack';

export interface EngineOptions {
  manager: SessionManager;
  claude?: ClaudeConfig;
  listener?: EngineListener;
  /** Aborting stops the step in flight; the session is left Paused, ready to resume. */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** After a successful run in a worktree: merge back always, never, or ask `confirmMerge` (default: ask). */
  merge?: MergePolicy;
  confirmMerge?: (question: MergeQuestion) => Promise<MergeDecision>;
  /**
   * A merge that conflicts (the merge back, an agent's merge): `abort` keeps the branch (default), `claude` asks
   * Claude to resolve it first. Else `PRODIGY_MERGE_CONFLICTS` in the environment.
   */
  mergeConflicts?: 'abort' | 'claude';
  /** The slash command Claude resolves conflicts with (`/cmd <branch> <target> <files…>`); default a built-in prompt. */
  mergeConflictCommand?: string;
}

export interface RunWorkflowOptions extends EngineOptions {
  workflowFile: string;
  /** The repository (or folder) to run in; default the current directory. */
  projectDir?: string;
  args?: string[];
  /** `-n`: run the step list this many times (default 1); an iteration that changes nothing ends it. */
  iterations?: number;
  /** `--map`/several `--args`: run the step list once per input, with `${ARG}` set to it. */
  inputs?: string[];
  /** Run in a session worktree (default) when the folder is in a git repository. */
  worktree?: boolean;
  /** `--profile`: the workflow's profile to run with (else its `active_profile:`); recorded for resume. */
  profile?: string;
  /** `--param`/`--param-file` (or the prompt's) values for a composable workflow's parameters (compose.ts). */
  parameters?: ParamValues;
}

export interface ResumeOptions extends EngineOptions {
  sessionId: string;
  /** `--profile`: use this profile from now on instead of the one the session started with (it is recorded). */
  profile?: string;
}

export interface RunOutcome {
  sessionId: string;
  status: SessionStatus;
  error: string | null;
  worktree: string | null;
  logFile: string;
  merge?: MergeOutcome;
  /** A retry of a MapReduce session's failed items: how it went. */
  retry?: RetryReport;
}

export interface RetryReport {
  retried: number;
  succeeded: number;
  still_failing: number;
  /** Items succeeded after the reduce phase ran: its summary leaves them out until it runs again (`rerunReduce`). */
  reduce_stale: boolean;
}
