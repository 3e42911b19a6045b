// A standard workflow's steps, from a run or a resume: the sequential run, then the one epilogue.
import type { SessionWorktree } from '../git';
import type { RunPlan } from '../runs/runPlan';
import { WorkflowRun, type RunProgress } from '../runs/workflowRun';
import type { RunContext } from '../steps/runContext';
import type { EngineOptions, RunOutcome } from './options';
import { finishRun } from './prelude';

export async function runSteps(
  opts: EngineOptions,
  ctx: RunContext,
  worktree: SessionWorktree | null,
  progress: RunProgress,
  plan: RunPlan,
): Promise<RunOutcome> {
  const listener = opts.listener ?? (() => undefined);
  const checkpointFile = `${ctx.sessionId}.checkpoint.json`;
  const result = await new WorkflowRun(opts.manager, ctx, worktree, listener, checkpointFile, plan).execute(progress);
  return finishRun(opts, ctx, worktree, result);
}
