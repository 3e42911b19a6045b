// The workflow engine's public face: run a workflow file as a session, resume a session,
// preview a run. Loader → engine → session core (records, checkpoints) and logs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProdigyError, SessionNotFoundError, errorMessage } from '../errors';
import { createSessionWorktree, isGitRepo, type SessionWorktree } from '../git';
import { randomUUID } from 'node:crypto';
import { nowTimestamp, timestampNs } from '../model/serde';
import type { SessionStatus, UnifiedSession } from '../model/session';
import { WorkflowCheckpoint, type CompletedStep } from '../model/workflowCheckpoint';
import type { SessionManager } from '../sessions/sessionManager';
import { assertSafeId } from '../storage/ids';
import type { EngineListener } from '../steps/events';
import { interpolate, type Variables } from '../steps/interpolation';
import { loadWorkflowFile } from '../workflow/loader';
import { mergeBack, type MergeDecision, type MergeOutcome, type MergePolicy } from './mergeBack';
import type { Workflow } from '../workflow/model';
import { acquireResumeLock } from '../sessions/resumeLock';
import { DEFAULT_CLAUDE_CONFIG, type ClaudeConfig, type LoopResult, type RunContext } from '../steps/runContext';
import { resolveSecrets, SecretMasker } from '../steps/secrets';
import { SessionLog } from '../steps/sessionLog';
import { PASS_START_HEAD, SKIPPED_PASSES, WorkflowRun, type RunProgress } from '../runs/workflowRun';
import { RunPlan } from '../runs/runPlan';
import { MapReduceRun } from '../mapreduce/mapReduceRun';
import { JobStore } from '../mapreduce/jobState';
import { DeadLetterQueue, type DeadLetteredItem } from '../mapreduce/deadLetterQueue';
import { findSessionFolder, sessionArgs, worktreeRoots } from '../worktrees/sessionFolder';

export interface EngineOptions {
  manager: SessionManager;
  claude?: ClaudeConfig;
  listener?: EngineListener;
  /** Aborting stops the step in flight; the session is left Paused, ready to resume. */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** After a successful run in a worktree: merge back always, never, or ask `confirmMerge` (default: ask). */
  merge?: MergePolicy;
  confirmMerge?: (question: {
    sessionId: string;
    branch: string;
    target: string;
    repo: string;
    commits: number;
  }) => Promise<MergeDecision>;
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
}

export interface ResumeOptions extends EngineOptions {
  sessionId: string;
}

export interface RunOutcome {
  sessionId: string;
  status: SessionStatus;
  error: string | null;
  worktree: string | null;
  logFile: string;
  merge?: MergeOutcome;
}

function assertRunnable(workflow: Workflow): void {
  if (workflow.shape !== 'mapreduce' && workflow.steps.length === 0)
    throw new ProdigyError(`${workflow.path}: Workflow has no steps to execute`);
  if (workflow.shape === 'mapreduce' && workflow.mapreduce!.map.agent_template.length === 0)
    throw new ProdigyError(`${workflow.path}: map.agent_template has no steps`);
}

/** Prodigy's job id spelling: mapreduce-YYYYMMDD_HHMMSS (UTC). */
function newJobId(): string {
  return `mapreduce-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15)}`;
}

export async function runWorkflow(opts: RunWorkflowOptions): Promise<RunOutcome> {
  const env = opts.env ?? process.env;
  const listener = opts.listener ?? (() => undefined);
  const workflow = loadWorkflowFile(path.resolve(opts.workflowFile));
  assertRunnable(workflow);
  const secrets = resolveSecrets(workflow.secrets, env, workflow.path);
  const projectDir = path.resolve(opts.projectDir ?? process.cwd());
  if (!fs.statSync(projectDir, { throwIfNoEntry: false })?.isDirectory())
    throw new ProdigyError(`${projectDir} is not a folder`);
  const inGit = await isGitRepo(projectDir);
  const useWorktree = opts.worktree !== false && inGit;
  const { manager } = opts;
  const isMapReduce = workflow.shape === 'mapreduce';
  if (isMapReduce && !inGit)
    throw new ProdigyError(`${projectDir} is not a git repository: MapReduce agents each need a git worktree`);
  // MapReduce ignores -n and takes inputs only as positional arguments (§6.5–6.6).
  const plan = new RunPlan(
    workflow.steps.length,
    isMapReduce ? 1 : (opts.iterations ?? 1),
    isMapReduce ? [] : (opts.inputs ?? []),
  );

  // The record exists before anything runs: if it cannot be written, nothing runs.
  const session = await manager.createSession({
    type: isMapReduce ? 'MapReduce' : 'Workflow',
    workflowName: workflow.name,
    ...(isMapReduce ? { jobId: newJobId() } : { totalSteps: plan.totalSteps }),
    metadata: {
      workflow_type: isMapReduce ? 'mapreduce' : 'standard',
      workflow_path: workflow.path,
      current_step: 0,
      project_dir: projectDir,
      args: opts.args ?? [],
      worktree: useWorktree,
      ...(plan.iterations > 1 ? { iterations: plan.iterations } : {}),
      ...(plan.inputs.length ? { inputs: [...plan.inputs] } : {}),
    },
  });
  const id = session.id;
  const lock = acquireResumeLock(manager.paths.resumeLocksDir, id);
  const masker = new SecretMasker(Object.values(secrets));
  const log = new SessionLog(id, manager.paths.sessionLogFile(id), masker, listener);
  try {
    listener({
      type: 'session-created',
      sessionId: id,
      workflowName: workflow.name || 'default',
      workflowPath: workflow.path,
      totalSteps: plan.totalSteps,
      worktree: null,
    });
    log.note(`=== ${new Date().toISOString()} run ${workflow.path} in ${projectDir}`);
    if (isMapReduce && (opts.iterations ?? 1) > 1)
      log.message('warning', 'MapReduce workflows run once: the number of iterations is ignored');
    if (plan.inputs.length > 1) log.message('info', `Total inputs to process: ${plan.inputs.length}`);
    for (const w of workflow.warnings) log.message('warning', `${workflow.path}:${w.line}:${w.col}: ${w.message}`);
    if (opts.worktree !== false && !inGit)
      log.message('info', `${projectDir} is not a git repository: running in place`);
    let worktree: SessionWorktree | null = null;
    try {
      if (useWorktree) {
        worktree = await createSessionWorktree({
          repo: projectDir,
          sessionId: id,
          worktreesRoot: manager.paths.worktreesDir,
        });
        log.message('info', `Created worktree at: ${worktree.path}`);
      }
      await manager.updateSession(id, {
        status: 'Running',
        ...(isMapReduce ? {} : { workflow_data: { worktree_name: worktree ? id : null } }),
        metadata: worktree
          ? {
              worktree_path: worktree.path,
              branch: worktree.branch,
              original_branch: worktree.originalBranch,
              repo: worktree.repoRoot,
            }
          : {},
      });
    } catch (err) {
      // Nothing ran: the session says why instead of staying Initializing.
      const error = `Could not start: ${errorMessage(err)}`;
      log.message('error', error);
      await manager.completeSession(id, { success: false, error }).catch(() => undefined);
      throw err;
    }
    log.message('info', `Starting session: ${id}`);
    const cwd = worktree?.path ?? projectDir;
    const ctx = buildContext({
      id,
      workflow,
      cwd,
      git: inGit,
      secrets,
      masker,
      log,
      env,
      opts,
      args: opts.args ?? [],
      vars: {},
    });
    if (isMapReduce) return await finishMapReduce(opts, ctx, worktree, session.mapreduce_data!.job_id);
    return await finish(opts, ctx, worktree, { completed: [], startTime: nowTimestamp(), parent: null }, plan);
  } finally {
    log.close();
    lock.release();
  }
}

export async function resumeWorkflow(opts: ResumeOptions): Promise<RunOutcome> {
  const { manager } = opts;
  const env = opts.env ?? process.env;
  const listener = opts.listener ?? (() => undefined);
  const id = assertSafeId(opts.sessionId, 'session id');
  const lock = acquireResumeLock(manager.paths.resumeLocksDir, id);
  let log: SessionLog | undefined;
  try {
    let session: UnifiedSession;
    try {
      session = await manager.getSession(id);
    } catch (err) {
      if (err instanceof SessionNotFoundError) {
        throw new ProdigyError(
          `${err.message}. If Prodigy left only checkpoint files, import it first: prodigy-vscode migrate`,
        );
      }
      throw err;
    }
    if (session.status === 'Completed')
      throw new ProdigyError(`Session ${id} has already completed and cannot be resumed`);
    if (session.status === 'Cancelled') throw new ProdigyError(`Session ${id} was cancelled and cannot be resumed`);
    if (session.mapreduce_data) return await resumeMapReduce(opts, session);
    const latest = await resumePoint(manager, id);
    const workflowPath =
      latest?.checkpoint.workflow_path ??
      (typeof session.metadata.workflow_path === 'string' ? session.metadata.workflow_path : null);
    if (!workflowPath) {
      throw new ProdigyError(
        `Cannot resume session ${id}: no checkpoint names its workflow file (looked in ${manager.paths.workflowCheckpointsDir(id)})`,
      );
    }
    const workflow = loadWorkflowFile(workflowPath);
    assertRunnable(workflow);
    const secrets = resolveSecrets(workflow.secrets, env, workflow.path);
    const masker = new SecretMasker(Object.values(secrets));

    const { worktree, cwd } = await folderOrThrow(manager, session);

    const completed = completedSteps(latest?.checkpoint.completed_steps, session);
    const vars = restoredVariables(latest?.checkpoint.variable_state ?? {});
    if (session.status === 'Running' || session.status === 'Initializing') {
      // Its process is gone (we hold the lock): the run was interrupted.
      if (session.status === 'Running') await manager.pauseSession(id);
    }
    log = new SessionLog(id, manager.paths.sessionLogFile(id), masker, listener);
    log.note(`=== ${new Date().toISOString()} resume ${workflow.path} in ${cwd}`);
    if (
      latest &&
      latest.checkpoint.workflow_hash !== workflow.hash &&
      /^[0-9a-f]{64}$/.test(latest.checkpoint.workflow_hash)
    ) {
      log.message('warning', `${workflow.path} changed since the run started; finished steps are not run again`);
    }
    await manager.updateSession(id, { status: 'Running', error: null });
    const plan = RunPlan.of(session, workflow.steps.length);
    const total = plan.totalSteps;
    const done = completed.filter((c) => c.step_index < total).length;
    listener({
      type: 'session-created',
      sessionId: id,
      workflowName: workflow.name || 'default',
      workflowPath: workflow.path,
      totalSteps: total,
      worktree: worktree?.path ?? null,
    });
    log.message('info', `Resuming session ${id}: ${done} of ${total} steps already done`);
    const ctx = buildContext({
      id,
      workflow,
      cwd,
      git: await isGitRepo(cwd),
      secrets,
      masker,
      log,
      env,
      opts,
      args: sessionArgs(session),
      vars,
    });
    const startTime = latest?.checkpoint.execution_state.start_time ?? nowTimestamp();
    return await finish(opts, ctx, worktree, { completed, startTime, parent: latest?.journalCheckpoint ?? null }, plan);
  } finally {
    log?.close();
    lock.release();
  }
}

async function finish(
  opts: EngineOptions,
  ctx: RunContext,
  worktree: SessionWorktree | null,
  progress: RunProgress,
  plan: RunPlan,
): Promise<RunOutcome> {
  const listener = opts.listener ?? (() => undefined);
  const checkpointFile = `${ctx.sessionId}.checkpoint.json`;
  const result = await new WorkflowRun(opts.manager, ctx, worktree, listener, checkpointFile, plan).execute(progress);
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
  listener({ type: 'session-finished', sessionId: ctx.sessionId, status: result.status, error: result.error });
  return {
    sessionId: ctx.sessionId,
    status: result.status,
    error: result.error,
    worktree: worktree?.path ?? null,
    logFile: ctx.log.file,
    merge,
  };
}

/** A MapReduce job's run (or resume) in an existing session, then the usual merge back. */
async function finishMapReduce(
  opts: EngineOptions,
  ctx: RunContext,
  worktree: SessionWorktree | null,
  jobId: string,
  retry = false,
): Promise<RunOutcome> {
  const { manager } = opts;
  const listener = opts.listener ?? (() => undefined);
  const job = mapReduceStores(manager, ctx.cwd, jobId);
  const state =
    job.store.load() ??
    JobStore.fresh(
      jobId,
      {
        input: ctx.workflow.mapreduce!.map.input,
        json_path: ctx.workflow.mapreduce!.map.json_path,
        max_parallel: ctx.workflow.mapreduce!.map.max_parallel,
      },
      ctx.cwd,
    );
  await manager.updateSession(ctx.sessionId, { metadata: { job_dir: job.store.dir, dlq_dir: job.dlq.dir } });
  const run = new MapReduceRun(manager, ctx, ctx.workflow.mapreduce!, job.store, job.dlq, state, listener);
  let result: LoopResult;
  if (retry) {
    const r = await run.retryFailed();
    ctx.log.message(
      r.failed ? 'warning' : 'success',
      `Retried ${r.retried} item(s): ${r.succeeded} succeeded, ${r.failed} still failing`,
    );
    const session = await manager.getSession(ctx.sessionId);
    result = {
      status: r.stopped
        ? 'Paused'
        : session.status === 'Completed'
          ? 'Completed'
          : (session.status as LoopResult['status']),
      error: session.error,
    };
  } else result = await run.execute();
  let merge: MergeOutcome | undefined;
  if (result.status === 'Completed') {
    ctx.log.message('success', `Session ${ctx.sessionId} completed`);
    if (worktree)
      merge = await mergeBack({ manager, ctx, worktree, policy: opts.merge ?? 'ask', confirm: opts.confirmMerge });
  }
  listener({ type: 'session-finished', sessionId: ctx.sessionId, status: result.status, error: result.error });
  return {
    sessionId: ctx.sessionId,
    status: result.status,
    error: result.error,
    worktree: worktree?.path ?? null,
    logFile: ctx.log.file,
    merge,
  };
}

/** Where a job's state and dead-letter queue live: under the parent worktree's name, as Prodigy does (§1.2). */
function mapReduceStores(
  manager: SessionManager,
  cwd: string,
  jobId: string,
): { store: JobStore; dlq: DeadLetterQueue } {
  const repo = path.basename(cwd);
  return { store: new JobStore(manager.home, repo, jobId), dlq: new DeadLetterQueue(manager.home, repo, jobId) };
}

/** Everything a MapReduce session needs to run again: its workflow, folder and context. */
async function reopenMapReduce(
  opts: EngineOptions,
  session: UnifiedSession,
  log: (masker: SecretMasker) => SessionLog,
) {
  const { manager } = opts;
  const env = opts.env ?? process.env;
  const workflowPath = typeof session.metadata.workflow_path === 'string' ? session.metadata.workflow_path : null;
  if (!workflowPath)
    throw new ProdigyError(`Session ${session.id} does not name its workflow file; it cannot be resumed`);
  const workflow = loadWorkflowFile(workflowPath);
  if (workflow.shape !== 'mapreduce') throw new ProdigyError(`${workflowPath} is no longer a MapReduce workflow`);
  const secrets = resolveSecrets(workflow.secrets, env, workflow.path);
  const masker = new SecretMasker(Object.values(secrets));
  const { worktree, cwd } = await folderOrThrow(manager, session);
  const sessionLog = log(masker);
  const ctx = buildContext({
    id: session.id,
    workflow,
    cwd,
    git: true,
    secrets,
    masker,
    log: sessionLog,
    env,
    opts,
    args: sessionArgs(session),
    vars: {},
  });
  return { ctx, worktree, workflow, sessionLog };
}

async function resumeMapReduce(opts: ResumeOptions, session: UnifiedSession): Promise<RunOutcome> {
  const { manager } = opts;
  const listener = opts.listener ?? (() => undefined);
  const { ctx, worktree, workflow, sessionLog } = await reopenMapReduce(
    opts,
    session,
    (masker) => new SessionLog(session.id, manager.paths.sessionLogFile(session.id), masker, listener),
  );
  try {
    if (session.status === 'Running') await manager.pauseSession(session.id);
    await manager.updateSession(session.id, { status: 'Running', error: null });
    listener({
      type: 'session-created',
      sessionId: session.id,
      workflowName: workflow.name || 'default',
      workflowPath: workflow.path,
      totalSteps: 0,
      worktree: worktree?.path ?? null,
    });
    sessionLog.message('info', `Resuming MapReduce session ${session.id}: finished items are not run again`);
    return await finishMapReduce(opts, ctx, worktree, session.mapreduce_data!.job_id);
  } finally {
    sessionLog.close();
  }
}

/** Runs a MapReduce session's dead-letter queue again (after the cause was fixed). */
export async function retryDeadLetters(opts: EngineOptions & { sessionId: string }): Promise<RunOutcome> {
  const { manager } = opts;
  const listener = opts.listener ?? (() => undefined);
  const id = assertSafeId(opts.sessionId, 'session id');
  const lock = acquireResumeLock(manager.paths.resumeLocksDir, id);
  try {
    const session = await manager.getSession(id);
    if (!session.mapreduce_data)
      throw new ProdigyError(`Session ${id} is not a MapReduce run; it has no dead-letter queue`);
    const { ctx, worktree, sessionLog } = await reopenMapReduce(
      opts,
      session,
      (masker) => new SessionLog(id, manager.paths.sessionLogFile(id), masker, listener),
    );
    try {
      sessionLog.message('info', `Retrying the failed items of ${id}`);
      return await finishMapReduce(opts, ctx, worktree, session.mapreduce_data.job_id, true);
    } finally {
      sessionLog.close();
    }
  } finally {
    lock.release();
  }
}

/** A MapReduce session's failed items. */
export async function listDeadLetters(manager: SessionManager, sessionId: string): Promise<DeadLetteredItem[]> {
  const session = await manager.getSession(assertSafeId(sessionId, 'session id'));
  if (!session.mapreduce_data)
    throw new ProdigyError(`Session ${sessionId} is not a MapReduce run; it has no dead-letter queue`);
  const dir = typeof session.metadata.dlq_dir === 'string' ? session.metadata.dlq_dir : null;
  if (!dir) return [];
  // dlq_dir is H/dlq/{repo}/{job}/mapreduce/dlq/{job}
  const repo = path.basename(path.resolve(dir, '..', '..', '..', '..'));
  return new DeadLetterQueue(manager.home, repo, session.mapreduce_data.job_id).list();
}

function buildContext(a: {
  id: string;
  workflow: Workflow;
  cwd: string;
  git: boolean;
  secrets: Record<string, string>;
  masker: SecretMasker;
  log: SessionLog;
  env: NodeJS.ProcessEnv;
  opts: EngineOptions;
  args: string[];
  vars: Variables;
}): RunContext {
  const vars: Variables = { ...a.vars };
  const args = a.args;
  if (args.length || a.env.PRODIGY_ARG) vars.ARG = args[0] ?? a.env.PRODIGY_ARG;
  args.forEach((v, i) => (vars[`ARG_${i + 1}`] = v));
  vars.PROJECT_ROOT = a.cwd;
  vars.WORKTREE = a.cwd;
  vars.ITERATION = 1;
  const workflowEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.workflow.env)) {
    workflowEnv[k] = interpolate(v, vars);
    vars[k] = workflowEnv[k];
  }
  const env: NodeJS.ProcessEnv = {
    ...a.env,
    ...workflowEnv,
    ...a.secrets,
    PRODIGY_AUTOMATION: 'true',
    PRODIGY_SESSION_ID: a.id,
    PRODIGY_WORKTREE: a.cwd,
  };
  return {
    sessionId: a.id,
    workflow: a.workflow,
    cwd: a.cwd,
    vars,
    env,
    masker: a.masker,
    log: a.log,
    signal: a.opts.signal ?? new AbortController().signal,
    claude: a.opts.claude ?? DEFAULT_CLAUDE_CONFIG,
    git: a.git,
  };
}

/**
 * Where a resume starts: our journal's head, unless Prodigy's checkpoint file is newer and records
 * steps the journal does not (a run of the `prodigy` CLI); a file written after the journal's last
 * line with the same steps done (a failure, a stop) describes the same point. The journal is ahead
 * when a run died between its coalesced file writes. `journalCheckpoint` is the checkpoint the next
 * step continues from in the journal, so the session's timeline stays one chain.
 */
async function resumePoint(
  manager: SessionManager,
  id: string,
): Promise<{ checkpoint: WorkflowCheckpoint; journalCheckpoint: string | null } | null> {
  await manager.reconcileJournal(id);
  const file = await manager.latestWorkflowCheckpoint(id);
  const head = await manager.journalHead(id);
  const headCheckpoint = head ? WorkflowCheckpoint.safeParse(head) : null;
  const newer = (a: string, b: string) => (timestampNs(a) ?? 0n) > (timestampNs(b) ?? 0n);
  const addsSteps = (f: WorkflowCheckpoint, h: WorkflowCheckpoint) => {
    const done = new Set(h.completed_steps.map((c) => c.step_index));
    return f.completed_steps.some((c) => !done.has(c.step_index));
  };
  if (
    headCheckpoint?.success &&
    (!file ||
      !newer(file.checkpoint.timestamp, headCheckpoint.data.timestamp) ||
      !addsSteps(file.checkpoint, headCheckpoint.data))
  ) {
    return { checkpoint: headCheckpoint.data, journalCheckpoint: head!.checkpoint_id };
  }
  if (!file) return null;
  // Continuing from a file the journal does not describe (Prodigy's, or one written after the
  // journal's head): keep it as a snapshot, so later checkpoints can be rebuilt on top of it.
  const base = `checkpoint-${randomUUID()}`;
  manager.writeCheckpointSnapshot(id, base, { ...file.checkpoint, created_at: nowTimestamp() });
  return { checkpoint: file.checkpoint, journalCheckpoint: base };
}

/** The folder a resume runs in; a clear error when the worktree is gone. */
async function folderOrThrow(
  manager: SessionManager,
  session: UnifiedSession,
): Promise<{ worktree: SessionWorktree | null; cwd: string }> {
  const { worktree, cwd } = await findSessionFolder(manager, session);
  if (!cwd)
    throw new ProdigyError(
      `Cannot resume session ${session.id}: its worktree was not found under ${worktreeRoots(manager).join(' or ')}`,
    );
  return { worktree, cwd };
}

/** Steps done according to the newest checkpoint file; else the record's own list. */
function completedSteps(fromFile: CompletedStep[] | undefined, session: UnifiedSession): CompletedStep[] {
  if (fromFile) return fromFile;
  return (session.workflow_data?.completed_steps ?? []).map((i) => ({
    step_index: i,
    command: '',
    success: true,
    output: null,
    captured_variables: {},
    duration: { secs: 0, nanos: 0 },
    completed_at: session.updated_at,
  }));
}

/** Variables saved with a checkpoint, minus Prodigy's internal `__*` keys (but our run plan's own). */
function restoredVariables(state: Record<string, unknown>): Variables {
  return Object.fromEntries(
    Object.entries(state).filter(([k]) => !k.startsWith('__') || k === PASS_START_HEAD || k === SKIPPED_PASSES),
  );
}

/** What a run would do, without a session, worktree or any command. */
export function previewWorkflow(
  workflowFile: string,
  args: string[] = [],
  passes: { iterations?: number; inputs?: string[] } = {},
): { workflow: Workflow; lines: string[] } {
  const workflow = loadWorkflowFile(path.resolve(workflowFile));
  const inputs = workflow.shape === 'mapreduce' ? [] : (passes.inputs ?? []);
  const plan = new RunPlan(
    workflow.steps.length,
    workflow.shape === 'mapreduce' ? 1 : (passes.iterations ?? 1),
    inputs,
  );
  const vars: Variables = { ...(args.length ? { ARG: args[0] } : {}), ITERATION: 1 };
  args.forEach((v, i) => (vars[`ARG_${i + 1}`] = v));
  if (inputs.length) vars.ARG = inputs[0];
  for (const [k, v] of Object.entries(workflow.env)) vars[k] = interpolate(v, vars);
  const lines = [
    `[DRY RUN] Would create a worktree and a session for "${workflow.name || 'default'}" (${workflow.steps.length} steps)`,
  ];
  if (inputs.length > 1)
    lines.push(
      `[DRY RUN] Would process ${inputs.length} inputs, one after another: ${inputs.join(', ')} (shown for ${inputs[0]})`,
    );
  if (plan.iterations > 1)
    lines.push(
      `[DRY RUN] Would run up to ${plan.iterations} iterations, stopping after one that changes nothing (shown once)`,
    );
  workflow.steps.forEach((s, i) => {
    const text =
      s.kind === 'write_file'
        ? `write_file: ${interpolate(s.write_file!.path, vars)}`
        : `${s.kind}: ${interpolate(s.command, vars)}`;
    lines.push(`[DRY RUN] Would execute step ${i + 1}/${workflow.steps.length}: ${text}`);
  });
  return { workflow, lines };
}

/** Merges a finished session's branch back now (after "keep branch", or after fixing a conflict). */
export async function mergeSession(opts: EngineOptions & { sessionId: string }): Promise<MergeOutcome> {
  const { manager } = opts;
  const env = opts.env ?? process.env;
  const id = assertSafeId(opts.sessionId, 'session id');
  const lock = acquireResumeLock(manager.paths.resumeLocksDir, id);
  let log: SessionLog | undefined;
  try {
    const session = await manager.getSession(id);
    if (session.status !== 'Completed')
      throw new ProdigyError(`Session ${id} is ${session.status}; only a completed session is merged back`);
    const { worktree } = await findSessionFolder(manager, session);
    if (!worktree)
      throw new ProdigyError(`Session ${id} has no worktree to merge (it ran in place, or its worktree was removed)`);
    const workflowPath = typeof session.metadata.workflow_path === 'string' ? session.metadata.workflow_path : null;
    const workflow: Workflow =
      workflowPath && fs.existsSync(workflowPath)
        ? loadWorkflowFile(workflowPath)
        : {
            path: workflowPath ?? '',
            format: 'yaml',
            shape: 'list',
            name: '',
            env: {},
            secrets: {},
            steps: [],
            warnings: [],
            hash: '',
          };
    const secrets = resolveSecrets(workflow.secrets, env, workflow.path);
    const masker = new SecretMasker(Object.values(secrets));
    log = new SessionLog(id, manager.paths.sessionLogFile(id), masker, opts.listener ?? (() => undefined));
    const ctx = buildContext({
      id,
      workflow,
      cwd: worktree.path,
      git: true,
      secrets,
      masker,
      log,
      env,
      opts,
      args: sessionArgs(session),
      vars: {},
    });
    return await mergeBack({ manager, ctx, worktree, policy: 'always' });
  } finally {
    log?.close();
    lock.release();
  }
}
