// A MapReduce session's entry points: its job (from a run or a resume), a retry of its dead-letter queue,
// and the list of its failed items. Job state and the DLQ are keyed by the session id in every worktree mode:
// where Prodigy expects them for a worktree run (the parent worktree's name, §1.2, is the session id).
import * as path from 'node:path';
import { ProdigyError } from '../errors';
import type { SessionWorktree } from '../git';
import type { UnifiedSession } from '../model/session';
import { DeadLetterQueue, type DeadLetteredItem } from '../mapreduce/deadLetterQueue';
import { JobStore, type AgentResult } from '../mapreduce/jobState';
import { MapReduceRun } from '../mapreduce/mapReduceRun';
import { plural } from '../sessions/describe';
import type { SessionManager } from '../sessions/sessionManager';
import type { LoopResult, RunContext } from '../steps/runContext';
import { assertSafeId } from '../storage/ids';
import { sessionArgs } from '../worktrees/sessionFolder';
import { sessionParameters } from '../workflow/compose';
import { loadWorkflowFile } from '../workflow/loader';
import { folderOrThrow, removeInterruptedGitLocks } from './checks';
import { activeProfile } from '../steps/workflowEnv';
import type { EngineOptions, RetryReport, RunOutcome } from './options';
import { finishRun, sessionProfile, withRunScope, workflowSecrets, type RunScope } from './prelude';

/** A MapReduce job's run (or resume, or `retry` of its failed items) in an existing session, then the epilogue. */
export async function runMapReduceJob(
  opts: EngineOptions,
  ctx: RunContext,
  worktree: SessionWorktree | null,
  jobId: string,
  /** Retry the dead-letter queue instead (`itemIds`: only these items), or run the reduce phase again. */
  again?:
    { kind: 'retry'; itemIds?: readonly string[]; maxParallel?: number } | { kind: 'reduce'; keepStatus: boolean },
): Promise<RunOutcome> {
  const { manager } = opts;
  const listener = opts.listener ?? (() => undefined);
  const workflowSpec = ctx.workflow.mapreduce!;
  // `dlq retry --parallel N`: this retry's agents at once, in place of the workflow's max_parallel.
  const parallel = again?.kind === 'retry' ? again.maxParallel : undefined;
  const spec = parallel ? { ...workflowSpec, map: { ...workflowSpec.map, max_parallel: parallel } } : workflowSpec;
  const job = jobStores(manager, await manager.getSession(ctx.sessionId), jobId);
  const state =
    job.store.load() ??
    JobStore.fresh(
      jobId,
      { input: spec.map.input, json_path: spec.map.json_path, max_parallel: spec.map.max_parallel },
      ctx.cwd,
    );
  await manager.updateSession(ctx.sessionId, { metadata: { job_dir: job.store.dir, dlq_dir: job.dlq.dir } });
  const run = new MapReduceRun(manager, ctx, spec, job.store, job.dlq, state, listener);
  let result: LoopResult;
  let retried: RetryReport | undefined;
  if (again?.kind === 'retry') {
    const r = await run.retryFailed(again.itemIds);
    ctx.log.message(
      r.failed ? 'warning' : 'success',
      `Retried ${plural(r.retried, 'item')}: ${r.succeeded} succeeded, ${r.failed} still failing`,
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
    // The reduce phase summed the job up before these items succeeded: its summary is stale until it runs again.
    const reduceStale = r.succeeded > 0 && spec.reduce.length > 0 && state.reduce_phase_state !== null;
    if (reduceStale)
      ctx.log.message('info', 'The reduce phase ran before these items succeeded: run it again to include them');
    retried = { retried: r.retried, succeeded: r.succeeded, still_failing: r.failed, reduce_stale: reduceStale };
  } else if (again?.kind === 'reduce') {
    ctx.log.message('info', "Running the reduce phase again, with every item's result as it is now");
    result = await run.rerunReduce(again.keepStatus);
  } else result = await run.execute();
  const outcome = await finishRun(opts, ctx, worktree, result);
  return retried ? { ...outcome, retry: retried } : outcome;
}

/**
 * Where a session's job state and dead-letter queue live: H/state/{session}/mapreduce/jobs/{job} and
 * H/dlq/{session}/{job}/…. Keyed by the folder a run works in, an in-place run's state sat under the project
 * folder's name: `migrate` took it for a session of its own, and deleting that moved the real one's away (b06).
 * A session whose job started before keeps the place its record names (`metadata.job_dir`).
 */
function jobStores(
  manager: SessionManager,
  session: UnifiedSession,
  jobId: string,
): { store: JobStore; dlq: DeadLetterQueue } {
  const recorded = typeof session.metadata.job_dir === 'string' ? path.resolve(session.metadata.job_dir) : null;
  // job_dir is H/state/{key}/mapreduce/jobs/{job}
  const key =
    recorded && path.basename(recorded) === jobId
      ? path.basename(path.resolve(recorded, '..', '..', '..'))
      : session.id;
  return { store: new JobStore(manager.home, key, jobId), dlq: new DeadLetterQueue(manager.home, key, jobId) };
}

/** A session's job state and DLQ, or null when it is not a MapReduce session. */
export function sessionJobStores(
  manager: SessionManager,
  session: UnifiedSession,
): { store: JobStore; dlq: DeadLetterQueue } | null {
  return session.mapreduce_data ? jobStores(manager, session, session.mapreduce_data.job_id) : null;
}

/** Everything a MapReduce session needs to run again: its workflow, folder, log and context. */
async function reopenMapReduce(scope: RunScope, session: UnifiedSession) {
  const workflowPath = typeof session.metadata.workflow_path === 'string' ? session.metadata.workflow_path : null;
  if (!workflowPath)
    throw new ProdigyError(`Session ${session.id} does not name its workflow file; it cannot be resumed`);
  const workflow = loadWorkflowFile(workflowPath, sessionParameters(session.metadata));
  if (workflow.shape !== 'mapreduce') throw new ProdigyError(`${workflowPath} is no longer a MapReduce workflow`);
  const { worktree, cwd } = await folderOrThrow(scope.opts.manager, session);
  const profile = activeProfile(workflow, sessionProfile(session));
  const { log, secrets } = scope.open(workflow, workflowSecrets(workflow, scope.env, profile));
  const ctx = scope.context({ workflow, cwd, git: true, secrets, args: sessionArgs(session), session, profile });
  return { ctx, worktree, workflow, log };
}

/** A MapReduce session's resume (inside `resumeWorkflow`'s scope): finished items are not run again. */
export async function resumeMapReduce(scope: RunScope, session: UnifiedSession): Promise<RunOutcome> {
  const { manager } = scope.opts;
  const { ctx, worktree, workflow, log } = await reopenMapReduce(scope, session);
  await removeInterruptedGitLocks(session, worktree, log);
  if (session.status === 'Running') await manager.pauseSession(session.id);
  await manager.updateSession(session.id, { status: 'Running', error: null });
  scope.announce(workflow, 0, worktree?.path ?? null);
  log.message('info', `Resuming MapReduce session ${session.id}: finished items are not run again`);
  return runMapReduceJob(scope.opts, ctx, worktree, session.mapreduce_data!.job_id);
}

/** How many agents a dead-letter retry runs at once unless told (Prodigy's documented `dlq retry --parallel`). */
export const DLQ_RETRY_PARALLEL = 10;

/**
 * Runs a MapReduce session's dead-letter queue again (after the cause was fixed); `itemIds`: only these, with at
 * most `maxParallel` agents at once (default DLQ_RETRY_PARALLEL).
 */
export async function retryDeadLetters(
  opts: EngineOptions & { sessionId: string; itemIds?: readonly string[]; maxParallel?: number },
): Promise<RunOutcome> {
  const id = assertSafeId(opts.sessionId, 'session id');
  return withRunScope(opts, id, async (scope) => {
    const session = await opts.manager.getSession(id);
    if (!session.mapreduce_data)
      throw new ProdigyError(`Session ${id} is not a MapReduce run; it has no dead-letter queue`);
    const { ctx, worktree, workflow, log } = await reopenMapReduce(scope, session);
    // The record keeps its status (Completed, Failed) during a retry: the event is what shows the run live.
    scope.markRetry();
    scope.announce(workflow, 0, worktree?.path ?? null);
    const only = opts.itemIds?.length ? ` (${opts.itemIds.join(', ')})` : '';
    log.message('info', `Retrying the failed items of ${id}${only}`);
    return runMapReduceJob(scope.opts, ctx, worktree, session.mapreduce_data.job_id, {
      kind: 'retry',
      itemIds: opts.itemIds,
      maxParallel: opts.maxParallel ?? DLQ_RETRY_PARALLEL,
    });
  });
}

/**
 * Runs a MapReduce session's reduce phase again from its first step, with its items' results as they are now
 * (after `retryDeadLetters` made some succeed), then ends as a run does (merge-back included).
 */
export async function rerunReduce(opts: EngineOptions & { sessionId: string }): Promise<RunOutcome> {
  const id = assertSafeId(opts.sessionId, 'session id');
  return withRunScope(opts, id, async (scope) => {
    const session = await opts.manager.getSession(id);
    if (!session.mapreduce_data) throw new ProdigyError(`Session ${id} is not a MapReduce run; it has no reduce phase`);
    const { ctx, worktree, workflow } = await reopenMapReduce(scope, session);
    if (workflow.mapreduce!.reduce.length === 0)
      throw new ProdigyError(`${path.basename(workflow.path)} (session ${id}) has no reduce steps`);
    const state = sessionJobStores(opts.manager, session)?.store.load();
    const done = new Set(state?.completed_agents ?? []);
    if (!state?.config.items_loaded || state.work_items.some((_, i) => !done.has(`item_${i}`)))
      throw new ProdigyError(`Session ${id} has items that have not run yet: resume it to finish them first`);
    if (session.status === 'Cancelled') throw new ProdigyError(`Session ${id} was abandoned; it does not run again`);
    // A Completed session stays Completed (it cannot run again); a Failed or Paused one runs as a resume does.
    const keepStatus = session.status === 'Completed';
    if (!keepStatus) {
      if (session.status === 'Running') await opts.manager.pauseSession(id);
      await opts.manager.updateSession(id, { status: 'Running', error: null });
    }
    scope.announce(workflow, 0, worktree?.path ?? null);
    return runMapReduceJob(scope.opts, ctx, worktree, session.mapreduce_data.job_id, { kind: 'reduce', keepStatus });
  });
}

/** A MapReduce session's failed items. */
export async function listDeadLetters(manager: SessionManager, sessionId: string): Promise<DeadLetteredItem[]> {
  const session = await manager.getSession(assertSafeId(sessionId, 'session id'));
  const stores = sessionJobStores(manager, session);
  if (!stores) throw new ProdigyError(`Session ${sessionId} is not a MapReduce run; it has no dead-letter queue`);
  return stores.dlq.list();
}

/** A MapReduce job's work items and their agents' results, read from its job state (null before it has any). */
export interface JobItems {
  /** The items in order: `item_<index>` is `work_items[index]`. */
  work_items: unknown[];
  agent_results: Record<string, AgentResult>;
}

/** A MapReduce session's work items and agent results, from its newest job state (null when none is saved yet). */
export async function listJobItems(manager: SessionManager, sessionId: string): Promise<JobItems | null> {
  const session = await manager.getSession(assertSafeId(sessionId, 'session id'));
  const stores = sessionJobStores(manager, session);
  if (!stores) throw new ProdigyError(`Session ${sessionId} is not a MapReduce run; it has no work items`);
  const state = stores.store.load();
  return state ? { work_items: state.work_items, agent_results: state.agent_results } : null;
}
