// A MapReduce job's reduce phase, in the session's worktree: its steps see map.total/successful/failed/results,
// and each step done is saved in the job state (reduce_phase_state), so a resume runs only the steps not yet done.
import { nowTimestamp } from '../model/serde';
import type { LoopResult } from '../steps/runContext';
import { executeStep } from '../steps/stepExecutor';
import { enterStep } from '../steps/stepVariables';
import type { JobSession } from './jobSession';

/** Runs the reduce steps not done yet; undefined when they all succeeded (or there are none), a result if it stops. */
export async function runReduce(job: JobSession): Promise<LoopResult | undefined> {
  const { ctx } = job;
  const steps = job.spec.reduce;
  if (steps.length === 0) return undefined;
  await job.phase('Reduce');
  const s = job.state;
  s.reduce_phase_state ??= {
    started: true,
    completed: false,
    executed_commands: 0,
    output: null,
    error: null,
    started_at: nowTimestamp(),
    completed_at: null,
  };
  const results = s.work_items.map((_, i) => s.agent_results[`item_${i}`]).filter(Boolean);
  Object.assign(ctx.vars, {
    'map.total': s.total_items,
    'map.successful': s.successful_count,
    'map.failed': s.failed_count,
    'map.results': results,
  });
  ctx.log.message(
    'info',
    `Reduce phase input: ${s.total_items} items (${s.successful_count} successful, ${s.failed_count} failed)`,
  );
  for (let i = s.reduce_phase_state.executed_commands; i < steps.length; i++) {
    ctx.log.message('progress', `Reduce phase: Executing step ${i + 1}/${steps.length}: ${steps[i].display}`);
    enterStep(ctx, steps[i], i);
    const r = await executeStep(steps[i], ctx);
    if (r.status === 'stopped') return job.pause();
    if (r.status === 'failed') {
      s.reduce_phase_state.error = ctx.masker.mask(r.error ?? 'failed');
      job.store.save(s);
      return job.fail(`Reduce step ${i + 1} failed: ${r.error}`);
    }
    s.reduce_phase_state.executed_commands = i + 1;
    s.variables = job.persistedVariables();
    job.store.save(s);
  }
  s.reduce_phase_state.completed = true;
  s.reduce_phase_state.completed_at = nowTimestamp();
  job.store.save(s);
  ctx.log.message('success', 'Reduce phase completed');
  return undefined;
}
