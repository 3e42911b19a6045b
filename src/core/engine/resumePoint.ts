// Resume-point arbitration: where a standard session's resume starts, between our checkpoint journal and
// Prodigy's checkpoint file, and what it starts with (the steps done, the variables kept).
import { randomUUID } from 'node:crypto';
import { nowTimestamp, timestampNs } from '../model/serde';
import type { UnifiedSession } from '../model/session';
import { WorkflowCheckpoint, type CompletedStep } from '../model/workflowCheckpoint';
import { PASS_START_HEAD, SKIPPED_PASSES } from '../runs/passProgress';
import type { SessionManager } from '../sessions/sessionManager';
import type { Variables } from '../steps/interpolation';
import { RETRY_STATE } from '../steps/retry';
import type { SecretMasker } from '../steps/secrets';
import { WORKFLOW_START_KEYS } from '../steps/stepVariables';

/**
 * Where a resume starts: our journal's head, unless Prodigy's checkpoint file is newer and records
 * steps the journal does not (a run of the `prodigy` CLI); a file written after the journal's last
 * line with the same steps done (a failure, a stop) describes the same point. The journal is ahead
 * when a run died between its coalesced file writes. `journalCheckpoint` is the checkpoint the next
 * step continues from in the journal, so the session's timeline stays one chain.
 */
export async function resumePoint(
  manager: SessionManager,
  id: string,
): Promise<{ checkpoint: WorkflowCheckpoint; journalCheckpoint: string | null } | null> {
  await manager.reconcileJournal(id);
  const file = await manager.latestWorkflowCheckpoint(id);
  const head = await manager.journalHead(id);
  const headCheckpoint = head ? WorkflowCheckpoint.safeParse(head) : null;
  const newer = (a: string, b: string) => (timestampNs(a) ?? 0n) > (timestampNs(b) ?? 0n);
  const addsSteps = (f: WorkflowCheckpoint, h: WorkflowCheckpoint) => {
    const done = new Set(h.completed_steps.map((c) => c.step_index));
    return f.completed_steps.some((c) => !done.has(c.step_index));
  };
  if (
    headCheckpoint?.success &&
    (!file ||
      !newer(file.checkpoint.timestamp, headCheckpoint.data.timestamp) ||
      !addsSteps(file.checkpoint, headCheckpoint.data))
  ) {
    return {
      checkpoint: withRetryInFlight(headCheckpoint.data, file?.checkpoint),
      journalCheckpoint: head!.checkpoint_id,
    };
  }
  if (!file) return null;
  // Continuing from a file the journal does not describe (Prodigy's, or one written after the
  // journal's head): keep it as a snapshot, so later checkpoints can be rebuilt on top of it.
  const base = `checkpoint-${randomUUID()}`;
  manager.writeCheckpointSnapshot(id, base, { ...file.checkpoint, created_at: nowTimestamp() });
  return { checkpoint: file.checkpoint, journalCheckpoint: base };
}

/**
 * The journal's head with the retry a stop interrupted: the journal is written as steps finish, the checkpoint
 * file also when the run stops, with the step's retry state among its variables (steps/retry.ts).
 */
function withRetryInFlight(head: WorkflowCheckpoint, file: WorkflowCheckpoint | undefined): WorkflowCheckpoint {
  const state = file?.variable_state[RETRY_STATE];
  if (!file || state === undefined || (timestampNs(file.timestamp) ?? 0n) <= (timestampNs(head.timestamp) ?? 0n))
    return head;
  return { ...head, variable_state: { ...head.variable_state, [RETRY_STATE]: state } };
}

/** Steps done according to the newest checkpoint file; else the record's own list. */
export function completedSteps(fromFile: CompletedStep[] | undefined, session: UnifiedSession): CompletedStep[] {
  if (fromFile) return fromFile;
  return (session.workflow_data?.completed_steps ?? []).map((i) => ({
    step_index: i,
    command: '',
    success: true,
    output: null,
    captured_variables: {},
    duration: { secs: 0, nanos: 0 },
    completed_at: session.updated_at,
  }));
}

/**
 * Variables saved with a checkpoint, minus Prodigy's internal `__*` keys (but our run plan's own), with the
 * secrets they held put back from `masker` (this run's values, read again from their sources): they were
 * saved masked, and a step after the resume must see what it would have seen without the interruption.
 */
export function restoredVariables(state: Record<string, unknown>, masker: SecretMasker): Variables {
  return Object.fromEntries(
    Object.entries(masker.restoreVariables(state)).filter(
      ([k]) =>
        !k.startsWith('__') ||
        k === PASS_START_HEAD ||
        k === SKIPPED_PASSES ||
        k === RETRY_STATE ||
        WORKFLOW_START_KEYS.includes(k),
    ),
  );
}
