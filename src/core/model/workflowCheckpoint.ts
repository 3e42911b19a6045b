// Prodigy's `WorkflowCheckpoint` (prodigy-formats.md §5): the file `prodigy resume` reads.
import * as z from 'zod';
import { StdDuration, Timestamp, Uint, optionOf } from './serde';

export const CHECKPOINT_VERSION = 1;

export const CheckpointExecutionStatus = z.enum(['Running', 'Paused', 'Completed', 'Failed', 'Interrupted']);
export type CheckpointExecutionStatus = z.infer<typeof CheckpointExecutionStatus>;

export const CompletedStep = z.looseObject({
  step_index: Uint,
  command: z.string(),
  success: z.boolean(),
  output: optionOf(z.string()),
  captured_variables: z.record(z.string(), z.string()),
  duration: StdDuration,
  completed_at: Timestamp,
  retry_state: z.unknown().optional(),
});
export type CompletedStep = z.infer<typeof CompletedStep>;

export const WorkflowCheckpoint = z.looseObject({
  workflow_id: z.string(),
  execution_state: z.looseObject({
    current_step_index: Uint,
    total_steps: Uint,
    status: CheckpointExecutionStatus,
    start_time: Timestamp,
    last_checkpoint: Timestamp,
    current_iteration: optionOf(Uint),
    total_iterations: optionOf(Uint),
  }),
  completed_steps: z.array(CompletedStep),
  variable_state: z.record(z.string(), z.unknown()),
  mapreduce_state: optionOf(z.unknown()),
  timestamp: Timestamp,
  version: z
    .number()
    .int()
    .min(0)
    .max(CHECKPOINT_VERSION, { message: `checkpoint version is newer than ${CHECKPOINT_VERSION}` }),
  workflow_hash: z.string(),
  total_steps: Uint,
  workflow_name: optionOf(z.string()),
  workflow_path: optionOf(z.string()),
  retry_checkpoint_state: optionOf(z.unknown()),
  variable_checkpoint_state: optionOf(z.unknown()),
});
export type WorkflowCheckpoint = z.infer<typeof WorkflowCheckpoint>;
