// Field-wise session updates and the side effects of the transition table, applied to every write.
import * as z from 'zod';
import { ProdigyError } from '../errors';
import { assertTransition, isTerminal } from '../lifecycle/transitions';
import { StdDuration, after, nowTimestamp } from '../model/serde';
import { MapReduceSessionData, SessionStatus, WorkflowSessionData, type UnifiedSession } from '../model/session';
import { describeZodError } from '../storage/readJson';

/** Field-wise changes; nested `workflow_data`/`mapreduce_data`, `metadata` and `timings` are merged. */
export interface SessionPatch {
  status?: SessionStatus;
  error?: string | null;
  metadata?: Record<string, unknown>;
  timings?: Record<string, StdDuration>;
  workflow_data?: Partial<WorkflowSessionData>;
  mapreduce_data?: Partial<MapReduceSessionData>;
}

export type SessionUpdate = SessionPatch | ((current: UnifiedSession) => UnifiedSession);

const PatchSchema = z.object({
  status: SessionStatus.optional(),
  error: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  timings: z.record(z.string(), StdDuration).optional(),
  workflow_data: WorkflowSessionData.partial().optional(),
  mapreduce_data: MapReduceSessionData.partial().optional(),
});

/** Checks the fields a patch names (the rest of the record was valid already). */
export function validPatch(patch: SessionPatch): SessionPatch {
  const parsed = PatchSchema.safeParse(patch);
  if (!parsed.success)
    throw new ProdigyError(
      `Invalid session update: ${describeZodError(parsed.error).replace(/^wrongly shaped: /, '')}`,
    );
  return patch;
}

export function applyPatch(current: UnifiedSession, patch: SessionPatch): UnifiedSession {
  const next: UnifiedSession = { ...current };
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.error !== undefined) next.error = patch.error;
  if (patch.metadata) next.metadata = { ...current.metadata, ...patch.metadata };
  if (patch.timings) next.timings = { ...current.timings, ...patch.timings };
  if (patch.workflow_data) {
    if (!current.workflow_data) throw new ProdigyError(`Session ${current.id} has no workflow data to update`);
    next.workflow_data = { ...current.workflow_data, ...patch.workflow_data };
  }
  if (patch.mapreduce_data) {
    if (!current.mapreduce_data) throw new ProdigyError(`Session ${current.id} has no MapReduce data to update`);
    next.mapreduce_data = { ...current.mapreduce_data, ...patch.mapreduce_data };
  }
  return next;
}

/** The side effects of the transition table: `updated_at` always moves, `completed_at` follows the status. */
export function applyLifecycle(current: UnifiedSession, next: UnifiedSession): UnifiedSession {
  if (next.id !== current.id)
    throw new ProdigyError(`An update may not change a session's id (${current.id} → ${next.id})`);
  const now = after(nowTimestamp(), current.updated_at);
  const out: UnifiedSession = { ...next, updated_at: now };
  if (next.status !== current.status) {
    assertTransition(current.id, current.status, next.status);
    if (isTerminal(next.status)) out.completed_at = now;
    else out.completed_at = null;
  }
  return out;
}
