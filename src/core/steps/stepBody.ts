// What a step runs before its options (capture, validate, on_failure…) apply: its command (commands.ts), its
// items (a foreach, foreach.ts), or nothing (a standalone `validate:` step, whose check is its validate spec).
import { runStepCommand, type CommandResult } from './commands';
import { runForeach } from './foreach';
import type { WorkflowStep } from '../workflow/model';
import type { RunContext } from './runContext';
import type { ExecuteStep } from './validation';

export function runStepBody(step: WorkflowStep, ctx: RunContext, execute: ExecuteStep): Promise<CommandResult> {
  if (step.kind === 'foreach') return runForeach(step, ctx, execute);
  if (step.kind === 'validate')
    return Promise.resolve({
      success: true,
      exitCode: 0,
      stdout: '',
      stderr: '',
      durationMs: 0,
      aborted: false,
      timedOut: false,
    });
  return runStepCommand(step, ctx);
}
