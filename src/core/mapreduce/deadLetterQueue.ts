// Failed work items, in Prodigy's DLQ layout and shape (prodigy-formats §9.3):
// H/dlq/{repo}/{job}/mapreduce/dlq/{job}/items/{item_id}.json plus index.json. Written atomically.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nowTimestamp, toPrettyJson } from '../model/serde';
import { writeFileAtomicSync } from '../storage/atomicFile';

export type FailureType =
  | 'Timeout'
  | { CommandFailed: { exit_code: number } }
  | 'CommitValidationFailed'
  | 'WorktreeError'
  | 'MergeConflict'
  | 'ValidationFailed'
  | 'Unknown';

export interface FailureDetail {
  attempt_number: number;
  timestamp: string;
  error_type: FailureType;
  error_message: string;
  stack_trace: null;
  agent_id: string;
  step_failed: string;
  duration_ms: number;
  json_log_location?: string;
}

export interface DeadLetteredItem {
  item_id: string;
  item_data: unknown;
  first_attempt: string;
  last_attempt: string;
  failure_count: number;
  failure_history: FailureDetail[];
  error_signature: string;
  worktree_artifacts: {
    worktree_path: string;
    branch_name: string;
    uncommitted_changes: null;
    error_logs: string[];
  } | null;
  reprocess_eligible: boolean;
  manual_review_required: boolean;
}

export class DeadLetterQueue {
  readonly dir: string;

  constructor(
    home: string,
    repo: string,
    readonly jobId: string,
  ) {
    this.dir = path.join(home, 'dlq', repo, jobId, 'mapreduce', 'dlq', jobId);
  }

  private itemFile(itemId: string): string {
    return path.join(this.dir, 'items', `${itemId}.json`);
  }

  list(): DeadLetteredItem[] {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(this.dir, 'items')).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    const items: DeadLetteredItem[] = [];
    for (const n of names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))) {
      try {
        items.push(JSON.parse(fs.readFileSync(path.join(this.dir, 'items', n), 'utf8')) as DeadLetteredItem);
      } catch {
        // a damaged item file is skipped, never rewritten
      }
    }
    return items;
  }

  add(
    itemId: string,
    data: unknown,
    failure: Omit<FailureDetail, 'attempt_number' | 'timestamp' | 'stack_trace'>,
    artifacts: DeadLetteredItem['worktree_artifacts'],
  ): DeadLetteredItem {
    const previous = this.list().find((i) => i.item_id === itemId);
    const now = nowTimestamp();
    // Prodigy's field order (formats §9.3): stack_trace after the error, before agent_id.
    const { error_type, error_message, ...rest } = failure;
    const detail: FailureDetail = {
      attempt_number: (previous?.failure_count ?? 0) + 1,
      timestamp: now,
      error_type,
      error_message,
      stack_trace: null,
      ...rest,
    };
    const item: DeadLetteredItem = {
      item_id: itemId,
      item_data: data,
      first_attempt: previous?.first_attempt ?? now,
      last_attempt: now,
      failure_count: detail.attempt_number,
      failure_history: [...(previous?.failure_history ?? []), detail],
      error_signature: createHash('sha256').update(failure.error_message).digest('hex').slice(0, 16),
      worktree_artifacts: artifacts,
      reprocess_eligible: true,
      manual_review_required: detail.attempt_number >= 3,
    };
    fs.mkdirSync(path.join(this.dir, 'items'), { recursive: true });
    writeFileAtomicSync(this.itemFile(itemId), toPrettyJson(item));
    this.writeIndex();
    return item;
  }

  remove(itemId: string): void {
    if (!fs.existsSync(this.itemFile(itemId))) return;
    fs.rmSync(this.itemFile(itemId), { force: true });
    this.writeIndex();
  }

  /**
   * Removes several items at once (`dlq purge`), then rewrites index.json once: the index names exactly the
   * item files left. Callers hold the session's resume lock, so no run adds an item meanwhile.
   */
  removeMany(itemIds: readonly string[]): string[] {
    const removed = itemIds.filter((id) => fs.existsSync(this.itemFile(id)));
    for (const id of removed) fs.rmSync(this.itemFile(id), { force: true });
    if (removed.length) this.writeIndex();
    return removed;
  }

  /** Makes the queue hold exactly `items` (a restore puts back the queue a checkpoint saw). */
  replace(items: DeadLetteredItem[]): void {
    const keep = new Set(items.map((i) => i.item_id));
    for (const old of this.list()) if (!keep.has(old.item_id)) fs.rmSync(this.itemFile(old.item_id), { force: true });
    if (items.length === 0 && !fs.existsSync(this.dir)) return;
    fs.mkdirSync(path.join(this.dir, 'items'), { recursive: true });
    for (const item of items) writeFileAtomicSync(this.itemFile(item.item_id), toPrettyJson(item));
    this.writeIndex();
  }

  private writeIndex(): void {
    const ids = this.list().map((i) => i.item_id);
    // serde_json::Value object: sorted keys.
    writeFileAtomicSync(
      path.join(this.dir, 'index.json'),
      toPrettyJson({ item_count: ids.length, item_ids: ids, job_id: this.jobId, updated_at: nowTimestamp() }),
    );
  }
}
