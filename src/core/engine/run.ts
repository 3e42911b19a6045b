// `run`: a workflow file as a new session. The record exists before anything runs; then the session's
// worktree (in a git repository), and the steps, or the MapReduce job.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProdigyError, errorMessage } from '../errors';
import { commitExists, createSessionWorktree, currentBranch, isGitRepo, type SessionWorktree } from '../git';
import { nowTimestamp } from '../model/serde';
import { RunPlan } from '../runs/runPlan';
import { loadWorkflowFile } from '../workflow/loader';
import { assertRunnable } from './checks';
import { runMapReduceJob } from './mapReduce';
import type { RunOutcome, RunWorkflowOptions } from './options';
import { withRunScope, workflowSecrets } from './prelude';
import { runSteps } from './steps';
import { activeProfile } from '../steps/workflowEnv';

export async function runWorkflow(opts: RunWorkflowOptions): Promise<RunOutcome> {
  const env = opts.env ?? process.env;
  // A run always passes parameter values (none: {}), so a required parameter without one is refused here.
  const workflow = loadWorkflowFile(path.resolve(opts.workflowFile), { params: opts.parameters ?? {} });
  assertRunnable(workflow);
  const profile = activeProfile(workflow, opts.profile, env);
  const secrets = workflowSecrets(workflow, env, profile);
  const projectDir = path.resolve(opts.projectDir ?? process.cwd());
  if (!fs.statSync(projectDir, { throwIfNoEntry: false })?.isDirectory())
    throw new ProdigyError(`${projectDir} is not a folder`);
  const inGit = await isGitRepo(projectDir);
  const useWorktree = opts.worktree !== false && inGit;
  const { manager } = opts;
  const isMapReduce = workflow.shape === 'mapreduce';
  if (isMapReduce && !inGit)
    throw new ProdigyError(`${projectDir} is not a git repository: MapReduce agents each need a git worktree`);
  // A session's worktree, like every MapReduce agent's, starts from a commit. Without one `git worktree add` failed
  // after the session existed, and left a Failed session whose resume could only fail the same way.
  if ((useWorktree || isMapReduce) && !(await commitExists(projectDir, 'HEAD')))
    throw new ProdigyError(
      `${projectDir} is a git repository with no commits yet, and a session's worktree starts from a commit. ` +
        `Make a first commit (git -C ${projectDir} commit --allow-empty -m "Initial commit"), then run again` +
        (isMapReduce ? '' : ', or run in place (--no-worktree)'),
    );
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
    // A MapReduce session's job id is made with it, unique to it (SessionManager's mapReduceJobId).
    ...(isMapReduce ? {} : { totalSteps: plan.totalSteps }),
    metadata: {
      workflow_type: isMapReduce ? 'mapreduce' : 'standard',
      workflow_path: workflow.path,
      current_step: 0,
      project_dir: projectDir,
      args: opts.args ?? [],
      worktree: useWorktree,
      ...(profile ? { profile } : {}),
      ...(plan.iterations > 1 ? { iterations: plan.iterations } : {}),
      ...(plan.inputs.length ? { inputs: [...plan.inputs] } : {}),
      // A composed workflow's parameter values: its resume composes the same workflow (compose.ts).
      ...(workflow.composition ? { parameters: workflow.composition.parameters } : {}),
    },
  });
  const id = session.id;
  try {
    return await start();
  } catch (err) {
    // Whatever stopped the start (the resume lock, the log, the worktree) leaves a session that says why and that
    // a resume can start (engine/checks.ts: neverStarted), not one stuck Initializing.
    const now = await manager.getSession(id).catch(() => null);
    if (now?.status === 'Initializing')
      await manager
        .completeSession(id, { success: false, error: `Could not start: ${errorMessage(err)}` })
        .catch(() => undefined);
    throw err;
  }

  function start(): Promise<RunOutcome> {
    return withRunScope(opts, id, async (scope) => {
      const { log } = scope.open(workflow, secrets);
      scope.announce(workflow, plan.totalSteps, null);
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
          metadata: await placeMetadata(worktree, projectDir, inGit),
        });
      } catch (err) {
        // Nothing ran: the session says why instead of staying Initializing.
        const error = `Could not start: ${errorMessage(err)}`;
        log.message('error', error);
        await manager.completeSession(id, { success: false, error }).catch(() => undefined);
        throw err;
      }
      log.message('info', `Starting session: ${id}`);
      const ctx = scope.context({
        workflow,
        cwd: worktree?.path ?? projectDir,
        git: inGit,
        secrets,
        args: opts.args ?? [],
        profile,
      });
      // scope.opts: its listener also writes the event log.
      if (isMapReduce) return runMapReduceJob(scope.opts, ctx, worktree, session.mapreduce_data!.job_id);
      return runSteps(scope.opts, ctx, worktree, { completed: [], startTime: nowTimestamp(), parent: null }, plan);
    });
  }
}

/**
 * Where the session's commits go, for its record: its worktree and branch, or, run in place, the branch checked
 * out (null: a detached HEAD), the only one a restore of the session may reset.
 */
async function placeMetadata(
  worktree: SessionWorktree | null,
  projectDir: string,
  inGit: boolean,
): Promise<Record<string, unknown>> {
  if (worktree)
    return {
      worktree_path: worktree.path,
      branch: worktree.branch,
      original_branch: worktree.originalBranch,
      repo: worktree.repoRoot,
    };
  return inGit ? { branch: await currentBranch(projectDir) } : {};
}
