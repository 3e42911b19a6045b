// A MapReduce session's entry points: its job (from a run or a resume), a retry of its dead-letter queue,
// and the list of its failed items. Job state and the DLQ live under the parent worktree's name (§1.2).
import * as path from 'node:path';
import { ProdigyError } from '../errors';
import type { SessionWorktree } from '../git';
import type { UnifiedSession } from '../model/session';
import { DeadLetterQueue, type DeadLetteredItem } from '../mapreduce/deadLetterQueue';
import { JobStore } from '../mapreduce/jobState';
import { MapReduceRun } from '../mapreduce/mapReduceRun';
import type { SessionManager } from '../sessions/sessionManager';
import type { LoopResult, RunContext } from '../steps/runContext';
import { assertSafeId } from '../storage/ids';
import { sessionArgs } from '../worktrees/sessionFolder';
import { loadWorkflowFile } from '../workflow/loader';
import { folderOrThrow } from './checks';
import type { EngineOptions, RunOutcome } from './options';
import { finishRun, withRunScope, type RunScope } from './prelude';

/** A MapReduce job's run (or resume, or `retry` of its failed items) in an existing session, then the epilogue. */
export async function runMapReduceJob(
  opts: EngineOptions,
  ctx: RunContext,
  worktree: SessionWorktree | null,
  jobId: string,
  retry = false,
): Promise<RunOutcome> {
  const { manager } = opts;
  const listener = opts.listener ?? (() => undefined);
  const spec = ctx.workflow.mapreduce!;
  const job = mapReduceStores(manager, ctx.cwd, jobId);
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
  return finishRun(opts, ctx, worktree, result);
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

/** A session's job state and DLQ where its runs keep them (`metadata.job_dir`), or null before its job started. */
export function sessionJobStores(
  manager: SessionManager,
  session: UnifiedSession,
): { store: JobStore; dlq: DeadLetterQueue } | null {
  const dir = session.metadata.job_dir;
  if (!session.mapreduce_data || typeof dir !== 'string') return null;
  // job_dir is H/state/{repo}/mapreduce/jobs/{job}
  const repo = path.basename(path.resolve(dir, '..', '..', '..'));
  const jobId = session.mapreduce_data.job_id;
  return { store: new JobStore(manager.home, repo, jobId), dlq: new DeadLetterQueue(manager.home, repo, jobId) };
}

/** Everything a MapReduce session needs to run again: its workflow, folder, log and context. */
async function reopenMapReduce(scope: RunScope, session: UnifiedSession) {
  const workflowPath = typeof session.metadata.workflow_path === 'string' ? session.metadata.workflow_path : null;
  if (!workflowPath)
    throw new ProdigyError(`Session ${session.id} does not name its workflow file; it cannot be resumed`);
  const workflow = loadWorkflowFile(workflowPath);
  if (workflow.shape !== 'mapreduce') throw new ProdigyError(`${workflowPath} is no longer a MapReduce workflow`);
  const { worktree, cwd } = await folderOrThrow(scope.opts.manager, session);
  const { log, secrets } = scope.open(workflow);
  const ctx = scope.context({ workflow, cwd, git: true, secrets, args: sessionArgs(session) });
  return { ctx, worktree, workflow, log };
}

/** A MapReduce session's resume (inside `resumeWorkflow`'s scope): finished items are not run again. */
export async function resumeMapReduce(scope: RunScope, session: UnifiedSession): Promise<RunOutcome> {
  const { manager } = scope.opts;
  const { ctx, worktree, workflow, log } = await reopenMapReduce(scope, session);
  if (session.status === 'Running') await manager.pauseSession(session.id);
  await manager.updateSession(session.id, { status: 'Running', error: null });
  scope.announce(workflow, 0, worktree?.path ?? null);
  log.message('info', `Resuming MapReduce session ${session.id}: finished items are not run again`);
  return runMapReduceJob(scope.opts, ctx, worktree, session.mapreduce_data!.job_id);
}

/** Runs a MapReduce session's dead-letter queue again (after the cause was fixed). */
export async function retryDeadLetters(opts: EngineOptions & { sessionId: string }): Promise<RunOutcome> {
  const id = assertSafeId(opts.sessionId, 'session id');
  return withRunScope(opts, id, async (scope) => {
    const session = await opts.manager.getSession(id);
    if (!session.mapreduce_data)
      throw new ProdigyError(`Session ${id} is not a MapReduce run; it has no dead-letter queue`);
    const { ctx, worktree, log } = await reopenMapReduce(scope, session);
    log.message('info', `Retrying the failed items of ${id}`);
    return runMapReduceJob(opts, ctx, worktree, session.mapreduce_data.job_id, true);
  });
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
