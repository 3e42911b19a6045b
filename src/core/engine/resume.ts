// `resume`: a Paused, Failed or interrupted session continues where it stopped, with its variables
// (a MapReduce session runs only its unfinished items and reduce steps).
import { ProdigyError, SessionNotFoundError } from '../errors';
import { isGitRepo } from '../git';
import { nowTimestamp } from '../model/serde';
import type { UnifiedSession } from '../model/session';
import { RunPlan } from '../runs/runPlan';
import { assertSafeId } from '../storage/ids';
import { sessionArgs } from '../worktrees/sessionFolder';
import { sessionParameters } from '../workflow/compose';
import { loadWorkflowFile } from '../workflow/loader';
import { assertRunnable, folderOrThrow, removeInterruptedGitLocks } from './checks';
import { resumeMapReduce } from './mapReduce';
import type { ResumeOptions, RunOutcome } from './options';
import { sessionProfile, withRunScope, workflowSecrets } from './prelude';
import { activeProfile } from '../steps/workflowEnv';
import { completedSteps, restoredVariables, resumePoint } from './resumePoint';
import { runSteps } from './steps';
import { nextStep } from '../nextStep';

export async function resumeWorkflow(opts: ResumeOptions): Promise<RunOutcome> {
  const { manager } = opts;
  const id = assertSafeId(opts.sessionId, 'session id');
  return withRunScope(opts, id, async (scope) => {
    let session: UnifiedSession;
    try {
      session = await manager.getSession(id);
    } catch (err) {
      if (err instanceof SessionNotFoundError) {
        throw new ProdigyError(
          `${err.message}. If Prodigy left only checkpoint files, ${nextStep({ kind: 'migrate' })}`,
        );
      }
      throw err;
    }
    if (session.status === 'Completed')
      throw new ProdigyError(`Session ${id} has already completed and cannot be resumed`);
    if (session.status === 'Cancelled') throw new ProdigyError(`Session ${id} was cancelled and cannot be resumed`);
    if (opts.profile !== undefined) session = await switchProfile(manager, session, opts.profile);
    if (session.mapreduce_data) return resumeMapReduce(scope, session);
    const latest = await resumePoint(manager, id);
    const workflowPath =
      latest?.checkpoint.workflow_path ??
      (typeof session.metadata.workflow_path === 'string' ? session.metadata.workflow_path : null);
    if (!workflowPath) {
      throw new ProdigyError(
        `Cannot resume session ${id}: no checkpoint names its workflow file (looked in ${manager.paths.workflowCheckpointsDir(id)})`,
      );
    }
    const workflow = loadWorkflowFile(workflowPath, sessionParameters(session.metadata));
    assertRunnable(workflow);
    const profile = activeProfile(workflow, sessionProfile(session));
    const secrets = workflowSecrets(workflow, scope.env, profile);
    const { worktree, cwd } = await folderOrThrow(manager, session);
    const completed = completedSteps(latest?.checkpoint.completed_steps, session);
    // Its process is gone (we hold the lock): the run was interrupted.
    if (session.status === 'Running') await manager.pauseSession(id);
    const { log } = scope.open(workflow, secrets);
    log.note(`=== ${new Date().toISOString()} resume ${workflow.path} in ${cwd}`);
    await removeInterruptedGitLocks(session, worktree, log);
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
    scope.announce(workflow, total, worktree?.path ?? null);
    log.message('info', `Resuming session ${id}: ${done} of ${total} steps already done`);
    const ctx = scope.context({
      workflow,
      cwd,
      git: await isGitRepo(cwd),
      secrets,
      args: sessionArgs(session),
      saved: restoredVariables(latest?.checkpoint.variable_state ?? {}, log.masker),
      session,
      profile,
    });
    const startTime = latest?.checkpoint.execution_state.start_time ?? nowTimestamp();
    return runSteps(
      scope.opts,
      ctx,
      worktree,
      { completed, startTime, parent: latest?.journalCheckpoint ?? null },
      plan,
    );
  });
}

/** `resume --profile NAME`: checked against the session's workflow file, then recorded, so later resumes keep it. */
async function switchProfile(
  manager: ResumeOptions['manager'],
  session: UnifiedSession,
  requested: string,
): Promise<UnifiedSession> {
  const file = typeof session.metadata.workflow_path === 'string' ? session.metadata.workflow_path : null;
  if (!file)
    throw new ProdigyError(`Session ${session.id} does not name its workflow file; --profile cannot be checked`);
  const profile = activeProfile(loadWorkflowFile(file, sessionParameters(session.metadata)), requested);
  if (profile === sessionProfile(session)) return session;
  return manager.updateSession(session.id, { metadata: { profile } });
}
