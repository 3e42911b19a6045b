// The one session model: Prodigy's `UnifiedSession` (prodigy-formats.md §2).
// Schemas are loose (unknown keys survive a round trip) and list fields in serde's
// declaration order, so parsing then stringifying writes keys the way Prodigy does.
import * as z from 'zod';
import { StdDuration, Timestamp, Uint, optionOf } from './serde';
import { SESSION_STATUSES } from './sessionStatus';

export { SESSION_STATUSES };
export const SessionStatus = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const SessionType = z.enum(['Workflow', 'MapReduce']);
export type SessionType = z.infer<typeof SessionType>;

export const MapReducePhase = z.enum(['Setup', 'Map', 'Reduce', 'Complete']);
export type MapReducePhase = z.infer<typeof MapReducePhase>;

export const WorkflowSessionData = z.looseObject({
  workflow_id: z.string(),
  workflow_name: z.string(),
  current_step: Uint,
  total_steps: Uint,
  completed_steps: z.array(Uint),
  variables: z.record(z.string(), z.string()),
  iterations_completed: Uint,
  files_changed: Uint,
  worktree_name: optionOf(z.string()),
});
export type WorkflowSessionData = z.infer<typeof WorkflowSessionData>;

export const MapReduceSessionData = z.looseObject({
  job_id: z.string(),
  total_items: Uint,
  processed_items: Uint,
  failed_items: Uint,
  agent_count: Uint,
  phase: MapReducePhase,
  reduce_results: optionOf(z.unknown()),
});
export type MapReduceSessionData = z.infer<typeof MapReduceSessionData>;

/**
 * A checkpoint embedded in the session record. `state` stays opaque here: Prodigy puts
 * a legacy SessionState or a whole session in it, we put a pointer to a snapshot file.
 * Either way a listing never looks inside it.
 */
export const EmbeddedCheckpoint = z.looseObject({
  id: z.string(),
  created_at: Timestamp,
  state: z.unknown(),
  metadata: z.record(z.string(), z.unknown()),
});
export type EmbeddedCheckpoint = z.infer<typeof EmbeddedCheckpoint>;

export const UnifiedSession = z.looseObject({
  id: z.string().min(1),
  session_type: SessionType,
  status: SessionStatus,
  started_at: Timestamp,
  updated_at: Timestamp,
  completed_at: optionOf(Timestamp),
  metadata: z.record(z.string(), z.unknown()),
  checkpoints: z.array(EmbeddedCheckpoint),
  timings: z.record(z.string(), StdDuration),
  error: optionOf(z.string()),
  workflow_data: optionOf(WorkflowSessionData),
  mapreduce_data: optionOf(MapReduceSessionData),
});
export type UnifiedSession = z.infer<typeof UnifiedSession>;

/**
 * What kind of run a record describes. Prodigy types its MapReduce runs "Workflow"
 * (§11.2), so the data present decides, as Prodigy's own filter does.
 */
export function effectiveType(
  s: Pick<UnifiedSession, 'session_type' | 'workflow_data' | 'mapreduce_data'>,
): SessionType {
  if (s.mapreduce_data) return 'MapReduce';
  if (s.workflow_data) return 'Workflow';
  return s.session_type;
}

/**
 * A record with nothing in it yet: no checkpoints, timings, error or run data. `completed_at` is set
 * when `status` is already terminal (an imported run that ended elsewhere).
 */
export function emptySession(id: string, type: SessionType, status: SessionStatus, startedAt: string): UnifiedSession {
  const terminal = status === 'Completed' || status === 'Failed' || status === 'Cancelled';
  return {
    id,
    session_type: type,
    status,
    started_at: startedAt,
    updated_at: startedAt,
    completed_at: terminal ? startedAt : null,
    metadata: {},
    checkpoints: [],
    timings: {},
    error: null,
    workflow_data: null,
    mapreduce_data: null,
  };
}
