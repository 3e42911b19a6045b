// Prodigy's legacy cook `SessionState` (prodigy-formats.md §4), read only for migration.
// Required keys are those migration requires; the rest is optional and loose.
import * as z from 'zod';
import { StdDuration, Timestamp, Uint } from './serde';

export const LegacyStepResult = z.looseObject({
  step_index: Uint,
  command: z.string(),
  success: z.boolean(),
  duration: StdDuration.optional(),
  started_at: Timestamp.optional(),
  completed_at: Timestamp.optional(),
});

export const LegacyWorkflowState = z.looseObject({
  current_iteration: Uint.optional(),
  current_step: Uint,
  completed_steps: z.array(LegacyStepResult).default([]),
  workflow_path: z.string(),
  input_args: z.array(z.string()).default([]),
  using_worktree: z.boolean().optional(),
});

export const LegacySessionState = z.looseObject({
  session_id: z.string().min(1),
  status: z.string(),
  started_at: Timestamp,
  ended_at: Timestamp.nullable().optional(),
  iterations_completed: Uint,
  files_changed: Uint,
  errors: z.array(z.string()),
  working_directory: z.string(),
  worktree_name: z.string().nullable().optional(),
  workflow_state: LegacyWorkflowState.nullable().optional(),
  workflow_type: z.string().nullable().optional(),
  command_timings: z.array(z.tuple([z.string(), StdDuration])).optional(),
  execution_context: z
    .looseObject({ variables: z.record(z.string(), z.string()).optional() })
    .nullable()
    .optional(),
  mapreduce_state: z
    .looseObject({ items_processed: Uint.optional(), total_items: Uint.optional() })
    .nullable()
    .optional(),
});
export type LegacySessionState = z.infer<typeof LegacySessionState>;
