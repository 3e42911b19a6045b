// Checkpoints of a session, from both places they live: entries embedded in the session
// record (ours point at a snapshot file) and Prodigy's workflow checkpoint files (§5).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EmbeddedCheckpoint } from '../model/session';
import { WorkflowCheckpoint } from '../model/workflowCheckpoint';
import { reasonOf } from '../errors';
import { readJsonFile } from '../storage/readJson';
import type { UnreadableFile } from './summary';

export type CheckpointKind = 'session' | 'workflow-file';

export interface CheckpointSummary {
  id: string;
  kind: CheckpointKind;
  created_at: string;
  step_index: number | null;
  step_name: string | null;
  total_steps: number | null;
  commit: string | null;
  label: string | null;
  /** For workflow checkpoint files: their execution status and path. */
  status: string | null;
  file: string | null;
  /**
   * A step checkpoint a restore went back past: it belongs to the timeline the session left (the
   * steps after the restored checkpoint ran again, or will). Still restorable.
   */
  superseded: boolean;
  /** The step's Claude calls: their cost (USD) and the last one's kept stream; null for a step without Claude. */
  claude_cost_usd: number | null;
  json_log_location: string | null;
  /** The step's `when:` was false: it was skipped (recorded as done). */
  skipped?: boolean;
}

/** What we store in an embedded checkpoint's `metadata`. */
export interface CheckpointInfo {
  /** The step just completed, counted from 0 (shown as "after step {step_index + 1}"). */
  step_index?: number;
  step_name?: string;
  total_steps?: number;
  commit?: string;
  label?: string;
  /** A forced restore saved uncommitted changes in this stash commit before it reset the files. */
  saved_changes?: string;
  /** A restore's safety checkpoint: the journal checkpoint the session stood at, to follow its timeline through it. */
  journal_head?: string;
  /** A Claude step's cost (USD) and its last call's kept stream (H/logs/claude-streaming/…). */
  claude_cost_usd?: number;
  json_log_location?: string;
  /** The step's `when:` was false: it did not run. */
  skipped?: boolean;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function summarizeEmbedded(cp: EmbeddedCheckpoint): CheckpointSummary {
  const meta = cp.metadata;
  // Prodigy's own embedded checkpoints hold a legacy SessionState (§2, payload kind 1).
  const legacyStep = num(
    (cp.state as { workflow_state?: { current_step?: unknown } } | null)?.workflow_state?.current_step,
  );
  return {
    id: cp.id,
    kind: 'session',
    created_at: cp.created_at,
    step_index: num(meta.step_index),
    step_name: str(meta.step_name),
    total_steps: num(meta.total_steps),
    commit: str(meta.commit),
    // Prodigy embeds these only when a run fails (§2, payload kind 1), at the failing step.
    label:
      str(meta.label) ?? (legacyStep !== null ? `session state when the run failed (at step ${legacyStep + 1})` : null),
    status: null,
    file: null,
    superseded: false,
    claude_cost_usd: num(meta.claude_cost_usd),
    json_log_location: str(meta.json_log_location),
    ...(meta.skipped === true ? { skipped: true } : {}),
  };
}

export function listWorkflowCheckpointFiles(dir: string): {
  checkpoints: CheckpointSummary[];
  unreadable: UnreadableFile[];
} {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.checkpoint.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoints: [], unreadable: [] };
    throw err;
  }
  const checkpoints: CheckpointSummary[] = [];
  const unreadable: UnreadableFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const cp = readJsonFile(file, WorkflowCheckpoint);
      const last = cp.completed_steps[cp.completed_steps.length - 1];
      checkpoints.push({
        id: name.slice(0, -'.checkpoint.json'.length),
        kind: 'workflow-file',
        created_at: cp.timestamp,
        step_index: cp.execution_state.current_step_index,
        step_name: last?.command ?? null,
        total_steps: cp.total_steps || cp.execution_state.total_steps || null,
        commit: null,
        label: cp.workflow_name,
        status: cp.execution_state.status,
        file,
        superseded: false,
        claude_cost_usd: null,
        json_log_location: null,
        ...((last as { skipped?: unknown } | undefined)?.skipped === true ? { skipped: true } : {}),
      });
    } catch (err) {
      unreadable.push({ file, name, reason: reasonOf(err) });
    }
  }
  return { checkpoints, unreadable };
}
