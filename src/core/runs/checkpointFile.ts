// Prodigy's workflow checkpoint file (prodigy-formats.md §5), as we write it after every
// step, so real `prodigy resume` can pick up our sessions (and we theirs).
import { nowTimestamp } from '../model/serde';
import type { CheckpointExecutionStatus, CompletedStep } from '../model/workflowCheckpoint';
import type { Workflow } from '../workflow/model';
import type { RunPlan } from './runPlan';

export interface CheckpointFileInput {
  workflowId: string;
  workflow: Workflow;
  /** Iterations and inputs: step indexes count every pass's steps. */
  plan?: RunPlan;
  status: CheckpointExecutionStatus;
  /** The next step to run (after a step: its index + 1; after a failure: the failed index). */
  currentStepIndex: number;
  completed: CompletedStep[];
  /** Already masked. */
  variables: Record<string, unknown>;
  startTime: string;
}

/** Keys in serde's declaration order. */
export function buildCheckpointFile(input: CheckpointFileInput): Record<string, unknown> {
  const now = nowTimestamp();
  const total = input.plan?.totalSteps ?? input.workflow.steps.length;
  const passes = input.plan?.passes ?? 1;
  // The pass of the step to run next, or (once through) of the last step that ran.
  const at =
    input.status === 'Completed'
      ? (input.completed[input.completed.length - 1]?.step_index ?? 0)
      : Math.min(input.currentStepIndex, total - 1);
  const atPass = input.plan ? Math.floor(at / input.plan.stepsPerPass) + 1 : 1;
  return {
    workflow_id: input.workflowId,
    execution_state: {
      current_step_index: input.currentStepIndex,
      total_steps: total,
      status: input.status,
      start_time: input.startTime,
      last_checkpoint: now,
      current_iteration: atPass,
      total_iterations: passes,
    },
    completed_steps: input.completed,
    variable_state: input.variables,
    mapreduce_state: null,
    timestamp: now,
    version: 1,
    workflow_hash: input.workflow.hash,
    total_steps: total,
    workflow_name: input.workflow.name || 'default',
    workflow_path: input.workflow.path,
    retry_checkpoint_state: null,
    variable_checkpoint_state: null,
  };
}

/** Which steps a checkpoint says are done: its completed_steps (Prodigy's own files included). */
export function completedIndices(completed: Pick<CompletedStep, 'step_index'>[]): Set<number> {
  return new Set(completed.map((s) => s.step_index));
}
