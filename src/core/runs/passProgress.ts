// Where a run stands among its passes (runPlan.ts): the variables each pass starts with, and `-n`'s early stop (an
// iteration that made no commit ends its input's iterations). Which passes were skipped, and the commit the pass
// started from, are kept with the variables, so a resume continues the same plan.
import { readHeadSync } from '../git';
import type { CompletedStep } from '../model/workflowCheckpoint';
import type { RunContext } from '../steps/runContext';
import { passVariables, type Pass, type RunPlan } from './runPlan';

/** Kept with the variables (Prodigy's `__*` internal keys), so a resume continues the same plan. */
export const PASS_START_HEAD = '__pass_start_head';
export const SKIPPED_PASSES = '__skipped_passes';

export class PassProgress {
  /** Passes an early stop skipped. */
  private readonly skipped = new Set<number>();

  constructor(
    private readonly ctx: RunContext,
    private readonly plan: RunPlan,
  ) {
    const skipped = ctx.vars[SKIPPED_PASSES];
    if (Array.isArray(skipped)) for (const p of skipped) if (typeof p === 'number') this.skipped.add(p);
  }

  /** Whether the step at `index` (of the whole run) is in a pass an early stop skipped. */
  skips(index: number): boolean {
    return this.skipped.has(Math.floor(index / this.plan.stepsPerPass));
  }

  /** The variables of a pass; at its first step, the commit it starts from (to see whether it changed anything). */
  enter(pass: Pass, atStart: boolean): Pass {
    const { ctx, plan } = this;
    Object.assign(ctx.vars, passVariables(pass));
    if (atStart) {
      if (plan.iterations > 1 && ctx.git) ctx.vars[PASS_START_HEAD] = readHeadSync(ctx.cwd) ?? '';
      if (plan.inputs.length > 1 && pass.iteration === 1)
        ctx.log.message('info', `Processing input ${pass.inputNumber}/${plan.inputs.length}: ${pass.input}`);
      if (plan.iterations > 1) ctx.log.message('info', `Starting iteration ${pass.iteration}/${plan.iterations}`);
    }
    return pass;
  }

  /** `-n`: an iteration that made no commit ends its input's iterations (§6.5, as documented). */
  leave(pass: Pass): void {
    const { ctx, plan } = this;
    if (plan.iterations <= 1 || pass.iteration >= plan.iterations || !ctx.git) return;
    const start = ctx.vars[PASS_START_HEAD];
    if (typeof start !== 'string' || !start || readHeadSync(ctx.cwd) !== start) return;
    for (const p of plan.laterIterationsOf(pass)) this.skipped.add(p);
    ctx.vars[SKIPPED_PASSES] = [...this.skipped];
    ctx.log.message('info', `Stopping: no changes were made in iteration ${pass.iteration}/${plan.iterations}`);
  }

  /** Passes whose every step is done (Prodigy's `iterations_completed`). */
  completed(completed: CompletedStep[]): number {
    const perPass = new Map<number, number>();
    for (const c of completed) {
      const pass = Math.floor(c.step_index / this.plan.stepsPerPass);
      perPass.set(pass, (perPass.get(pass) ?? 0) + 1);
    }
    return [...perPass.values()].filter((n) => n >= this.plan.stepsPerPass).length;
  }
}
