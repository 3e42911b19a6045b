// The one prelude every entry point runs before its first step (a run, a resume, a MapReduce job or its
// retry, a merge), and the one epilogue after its last: the session's resume lock, the workflow's secrets
// and their masker, the session log, the context the steps run in; then the merge back and the
// `session-finished` event. The dry run builds its variables with the same `startVariables`.
import type { Variables } from '../steps/interpolation';
import { DEFAULT_CLAUDE_CONFIG, type LoopResult, type RunContext } from '../steps/runContext';
import { resolveSecrets, SecretMasker } from '../steps/secrets';
import { SessionLog } from '../steps/sessionLog';
import { activeProfile, envSecretValues, resolveWorkflowEnv } from '../steps/workflowEnv';
import { acquireResumeLock, type ResumeLock } from '../sessions/resumeLock';
import type { SessionWorktree } from '../git';
import type { Workflow } from '../workflow/model';
import type { UnifiedSession } from '../model/session';
import { readTotals } from '../claude/totals';
import { SessionClaudeUsage } from '../steps/claudeUsage';
import { EventLog } from '../runs/eventLog';
import { mergeBack, type MergeOutcome } from './mergeBack';
import type { EngineOptions, RunOutcome } from './options';

/**
 * The workflow's secrets, read from their sources (a missing one is an error naming the workflow file): `secrets:`
 * and the `env:` values marked `secret: true` (with `profile`'s choices, the profile already checked).
 */
export function workflowSecrets(workflow: Workflow, env: NodeJS.ProcessEnv, profile?: string): Record<string, string> {
  return { ...envSecretValues(workflow, env, profile), ...resolveSecrets(workflow.secrets, env, workflow.path) };
}

/** The profile a session was started with (`--profile`, the picker, or the file's `active_profile:`). */
export function sessionProfile(session: UnifiedSession): string | undefined {
  return typeof session.metadata.profile === 'string' ? session.metadata.profile : undefined;
}

/**
 * The variables a run starts with: `${ARG}`/`${ARG_n}` (positional arguments, else `PRODIGY_ARG`),
 * `${PROJECT_ROOT}` and `${WORKTREE}` (the folder steps run in), `${ITERATION}`, and the workflow's environment
 * (env files, `env:`, the profile: steps/workflowEnv.ts) interpolated in that order. `saved` (a resume's
 * checkpoint variables) goes underneath. Command values run only with `runCommands` (not in a dry run).
 */
export function startVariables(
  workflow: Workflow,
  a: {
    cwd: string;
    args: string[];
    env: NodeJS.ProcessEnv;
    saved?: Variables;
    profile?: string;
    runCommands?: boolean;
  },
): { vars: Variables; workflowEnv: Record<string, string> } {
  const vars: Variables = { ...a.saved };
  if (a.args.length || a.env.PRODIGY_ARG) vars.ARG = a.args[0] ?? a.env.PRODIGY_ARG;
  a.args.forEach((v, i) => (vars[`ARG_${i + 1}`] = v));
  vars.PROJECT_ROOT = a.cwd;
  vars.WORKTREE = a.cwd;
  vars.ITERATION = 1;
  const workflowEnv = resolveWorkflowEnv(workflow, {
    cwd: a.cwd,
    env: a.env,
    vars,
    profile: a.profile ?? activeProfile(workflow),
    runCommands: a.runCommands,
  });
  Object.assign(vars, workflowEnv);
  return { vars, workflowEnv };
}

/**
 * One entry point's hold on a session: its resume lock (taken by `RunScope.acquire`), and once the workflow is
 * known, its secrets, masker and log. `close()` closes the log and releases the lock; `withRunScope` does it.
 * `opts.listener` also writes Prodigy's event log (runs/eventLog.ts): entry points pass `scope.opts` on, so every
 * run, resume and retry writes it.
 */
export class RunScope {
  private log: SessionLog | undefined;
  readonly opts: EngineOptions;

  private constructor(
    opts: EngineOptions,
    readonly sessionId: string,
    private readonly lock: ResumeLock,
    private readonly events: EventLog,
  ) {
    this.opts = { ...opts, listener: events.tee(opts.listener) };
    events.warn = (text) => this.log?.message('warning', text);
  }

  static async acquire(opts: EngineOptions, sessionId: string): Promise<RunScope> {
    const lock = await acquireResumeLock(opts.manager.paths.resumeLocksDir, sessionId);
    const events = new EventLog(opts.manager, sessionId);
    await events.start();
    return new RunScope(opts, sessionId, lock, events);
  }

  get env(): NodeJS.ProcessEnv {
    return this.opts.env ?? process.env;
  }

  get listener() {
    return this.opts.listener ?? (() => undefined);
  }

  /** This run is a dlq retry (its event log ends with how many items it reprocessed). */
  markRetry(): void {
    this.events.markRetry();
  }

  /** Tells listeners the run has started (a row, a progress bar); `totalSteps` is 0 for a MapReduce job. */
  announce(workflow: Workflow, totalSteps: number, worktree: string | null): void {
    this.listener({
      type: 'session-created',
      sessionId: this.sessionId,
      workflowName: workflow.name || 'default',
      workflowPath: workflow.path,
      totalSteps,
      worktree,
    });
  }

  /** Opens the session log, masking the workflow's secrets (read now unless given). */
  open(
    workflow: Workflow,
    secrets = workflowSecrets(workflow, this.env),
  ): { log: SessionLog; secrets: Record<string, string> } {
    const masker = new SecretMasker(secrets);
    this.events.describe(workflow);
    this.log = new SessionLog(
      this.sessionId,
      this.opts.manager.paths.sessionLogFile(this.sessionId),
      masker,
      this.listener,
    );
    const stopped = this.lock.stoppedSteps;
    if (stopped.length)
      this.log.message(
        'warning',
        `Stopped what an interrupted run had left running (process group ${stopped.join(', ')}): that step was not finished, so it runs again`,
      );
    return { log: this.log, secrets };
  }

  /** The context every step of this run shares. `open` first. */
  context(a: {
    workflow: Workflow;
    cwd: string;
    git: boolean;
    secrets: Record<string, string>;
    args: string[];
    saved?: Variables;
    /** The session record, when it existed before this run: what its Claude calls have cost counts to the budget. */
    session?: UnifiedSession;
    /** The active profile (checked); default the one `session` started with. */
    profile?: string;
  }): RunContext {
    const log = this.log;
    if (!log) throw new Error('RunScope.context() before open()');
    const { vars, workflowEnv } = startVariables(a.workflow, {
      cwd: a.cwd,
      args: a.args,
      env: this.env,
      saved: a.saved,
      profile: a.profile ?? (a.session && sessionProfile(a.session)),
      runCommands: true,
    });
    const claude = this.opts.claude ?? DEFAULT_CLAUDE_CONFIG;
    const env: NodeJS.ProcessEnv = {
      ...this.env,
      ...workflowEnv,
      ...a.secrets,
      PRODIGY_AUTOMATION: 'true',
      PRODIGY_SESSION_ID: this.sessionId,
      PRODIGY_WORKTREE: a.cwd,
    };
    return {
      sessionId: this.sessionId,
      workflow: a.workflow,
      cwd: a.cwd,
      vars,
      env,
      masker: log.masker,
      log,
      signal: this.opts.signal ?? new AbortController().signal,
      groups: this.lock.groups,
      claude,
      claudeLogDir: this.opts.manager.paths.claudeStreamDir,
      claudeUsage: new SessionClaudeUsage(
        this.opts.manager,
        this.sessionId,
        this.listener,
        (a.session && readTotals(a.session.metadata.claude)?.total_cost_usd) || 0,
        claude.maxCostUsd,
      ),
      mergeConflicts: {
        mode: (this.opts.mergeConflicts ?? this.env.PRODIGY_MERGE_CONFLICTS?.trim()) === 'claude' ? 'claude' : 'abort',
        command: this.opts.mergeConflictCommand ?? this.env.PRODIGY_MERGE_CONFLICT_COMMAND,
      },
      git: a.git,
    };
  }

  /**
   * An error leaving the run, with the secrets masked: whatever threw (a git command, a write) may quote
   * a step's output or a variable, and the CLI prints it, the extension shows it.
   */
  masked(err: unknown): unknown {
    const masker = this.log?.masker;
    if (!masker || masker.isEmpty || !(err instanceof Error)) return err;
    err.message = masker.mask(err.message);
    if (err.stack) err.stack = masker.mask(err.stack);
    return err;
  }

  /** `error`: the run ended by throwing it (its event log records the job as failed). */
  close(error?: unknown): void {
    this.events.close(error);
    this.log?.close();
    this.lock.release();
  }
}

/** Runs `body` holding the session's resume lock; the log and the lock are let go however it ends. */
export async function withRunScope<T>(
  opts: EngineOptions,
  sessionId: string,
  body: (scope: RunScope) => Promise<T>,
): Promise<T> {
  const scope = await RunScope.acquire(opts, sessionId);
  let failure: unknown;
  try {
    return await body(scope);
  } catch (err) {
    failure = scope.masked(err);
    throw failure;
  } finally {
    scope.close(failure);
  }
}

/** The one epilogue: a completed run in a worktree is merged back (as the policy says); listeners hear the end. */
export async function finishRun(
  opts: EngineOptions,
  ctx: RunContext,
  worktree: SessionWorktree | null,
  result: LoopResult,
): Promise<RunOutcome> {
  let merge: MergeOutcome | undefined;
  if (result.status === 'Completed') {
    ctx.log.message('success', `Session ${ctx.sessionId} completed`);
    if (worktree)
      merge = await mergeBack({
        manager: opts.manager,
        ctx,
        worktree,
        policy: opts.merge ?? 'ask',
        confirm: opts.confirmMerge,
      });
  }
  (opts.listener ?? (() => undefined))({
    type: 'session-finished',
    sessionId: ctx.sessionId,
    status: result.status,
    error: result.error,
  });
  return {
    sessionId: ctx.sessionId,
    status: result.status,
    error: result.error,
    worktree: worktree?.path ?? null,
    logFile: ctx.log.file,
    merge,
  };
}
