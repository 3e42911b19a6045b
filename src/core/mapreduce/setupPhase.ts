// A MapReduce job's start, in the session's worktree: the setup steps (under setup.timeout, their outputs
// captured into variables), then the work items loaded once, both kept in the job state so a resume skips them.
import { errorMessage } from '../errors';
import { interpolate } from '../steps/interpolation';
import type { LoopResult } from '../steps/runContext';
import { executeStep } from '../steps/stepExecutor';
import { enterStep } from '../steps/stepVariables';
import type { JobSession } from './jobSession';
import { loadWorkItems, type WorkItem } from './workItems';

/** Runs the setup steps; undefined when they all succeeded, a result when the job stops. */
export async function runSetup(job: JobSession): Promise<LoopResult | undefined> {
  const { ctx } = job;
  await job.phase('Setup');
  const steps = job.spec.setup.steps;
  if (steps.length) ctx.log.message('progress', 'Running setup phase...');
  const timeout = job.seconds(job.spec.setup.timeout);
  const setupTimedOut = new AbortController();
  const timer = timeout ? setTimeout(() => setupTimedOut.abort(), timeout * 1000) : undefined;
  const outputs: string[] = [];
  try {
    const setupCtx = { ...ctx, signal: AbortSignal.any([ctx.signal, setupTimedOut.signal]) };
    for (let i = 0; i < steps.length; i++) {
      ctx.log.message('progress', `Setup step ${i + 1}/${steps.length}: ${steps[i].display}`);
      enterStep(setupCtx, steps[i], i);
      const r = await executeStep(steps[i], setupCtx);
      if (r.status === 'stopped')
        return setupTimedOut.signal.aborted ? job.fail(`Setup phase timed out after ${timeout} seconds`) : job.pause();
      if (r.status === 'failed') return job.fail(`Setup command ${i + 1} failed: ${r.error}`);
      outputs.push(r.output);
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
  for (const [name, from] of Object.entries(job.spec.setup.capture_outputs)) {
    if (typeof from === 'number' && outputs[from] !== undefined) ctx.vars[name] = outputs[from].replace(/\n+$/, '');
  }
  job.state.setup_completed = true;
  job.state.setup_output = ctx.masker.mask(outputs.join(''));
  job.state.variables = job.persistedVariables();
  job.store.save(job.state);
  if (steps.length) ctx.log.message('success', 'Setup phase completed');
  await job.checkpoint('setup completed', { mapreduce_data: { phase: 'Map' } });
  return undefined;
}

/** Loads the work items into the job state; undefined when loaded, a result when the job stops. */
export async function loadItems(job: JobSession): Promise<LoopResult | undefined> {
  const { ctx } = job;
  const map = job.spec.map;
  let items: WorkItem[];
  try {
    items = await loadWorkItems(
      {
        input: interpolate(map.input, ctx.vars),
        json_path: map.json_path,
        filter: map.filter,
        sort_by: map.sort_by,
        max_items: map.max_items,
        offset: map.offset,
        distinct: map.distinct,
      },
      { cwd: ctx.cwd, env: ctx.env, signal: ctx.signal, groups: ctx.groups },
    );
  } catch (err) {
    if (ctx.signal.aborted) return job.pause();
    return job.fail(`Could not load work items: ${errorMessage(err)}`);
  }
  job.state.work_items = items.map((i) => i.data);
  job.state.total_items = items.length;
  job.state.pending_items = items.map((i) => i.id);
  job.state.config.items_loaded = true;
  job.store.save(job.state);
  await job.manager.updateSession(ctx.sessionId, { mapreduce_data: { total_items: items.length } });
  return undefined;
}
