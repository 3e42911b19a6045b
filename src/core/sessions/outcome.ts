// How a session ended, in one word for filters and in a few for people: "Completed" alone hides whether the
// work was merged, kept on its branch, discarded, or came with failed MapReduce items.
import type { SessionStatus, UnifiedSession } from '../model/session';

export const OUTCOME_KINDS = [
  'running',
  'stopped',
  'failed',
  'abandoned',
  'completed',
  'completed-with-failures',
  'merged',
  'kept',
  'discarded',
  'conflict',
  'merge-failed',
] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** The outcomes whose work is still on the session's branch, not in the branch it started from. */
export const NOT_MERGED: readonly OutcomeKind[] = ['kept', 'conflict', 'merge-failed'];

export interface SessionOutcome {
  kind: OutcomeKind;
  /** The whole outcome in words, lower case: "merged into main", "completed · 2 of 8 items failed", "stopped". */
  text: string;
  /** What it adds to the status word ("Completed · <detail>"); null when the status says it all. */
  detail: string | null;
  /** Some MapReduce items failed though the job completed: a warning, whatever became of the branch. */
  warning: boolean;
  /**
   * The branch is kept only until the user decides: the window asked the end-of-run merge question and nobody
   * has answered yet (`metadata.merge.decision: 'pending'`, cleared by the merge, Keep or Discard that answers it).
   * Absent otherwise.
   */
  awaiting?: true;
}

/** What an outcome is read from: a record, or the same facts from elsewhere (tests, a summary). */
export interface OutcomeFacts {
  status: SessionStatus;
  /** `metadata.merge` as the merge back (or a discard) wrote it; anything else is read as absent. */
  merge?: unknown;
  mapreduce?: { failed_items: number; total_items: number } | null;
}

export function sessionOutcome(from: OutcomeFacts | UnifiedSession): SessionOutcome {
  const facts: OutcomeFacts =
    'metadata' in from ? { status: from.status, merge: from.metadata.merge, mapreduce: from.mapreduce_data } : from;
  switch (facts.status) {
    case 'Initializing':
    case 'Running':
      return plain('running');
    case 'Paused':
      return plain('stopped');
    case 'Failed':
      return plain('failed');
    case 'Cancelled':
      return plain('abandoned');
    case 'Completed':
      return completed(facts);
  }
}

function plain(kind: OutcomeKind): SessionOutcome {
  return { kind, text: kind, detail: null, warning: false };
}

/** A completed session: what its merge record says, with its failed items (if any) after. */
function completed(facts: OutcomeFacts): SessionOutcome {
  const mr = facts.mapreduce;
  const failed = mr && mr.failed_items > 0 ? `${mr.failed_items} of ${mr.total_items} items failed` : null;
  const merge = readMerge(facts.merge);
  const [kind, words]: [OutcomeKind, string | null] = mergeWords(merge);
  const detail = [words, failed].filter(Boolean).join(' · ') || null;
  if (kind === 'kept' && merge?.pending)
    return { kind, text: detail!, detail, warning: failed !== null, awaiting: true };
  if (kind === 'completed')
    return {
      kind: failed ? 'completed-with-failures' : 'completed',
      text: detail ? `completed · ${detail}` : 'completed',
      detail,
      warning: failed !== null,
    };
  return { kind, text: detail ?? kind, detail, warning: failed !== null };
}

interface MergeRecord {
  status: string;
  /** A kept branch the merge question still waits on. */
  pending: boolean;
  target: string | null;
  commits: number | null;
}

function readMerge(v: unknown): MergeRecord | null {
  if (!v || typeof v !== 'object') return null;
  const r = v as Record<string, unknown>;
  if (typeof r.status !== 'string') return null;
  return {
    status: r.status,
    pending: r.decision === 'pending',
    target: typeof r.target === 'string' && r.target ? r.target : null,
    commits: typeof r.commits === 'number' && Number.isFinite(r.commits) ? r.commits : null,
  };
}

function mergeWords(m: MergeRecord | null): [OutcomeKind, string | null] {
  switch (m?.status) {
    case 'merged':
      return ['merged', m.target ? `merged into ${m.target}` : 'merged'];
    case 'up-to-date':
      return ['completed', 'nothing to merge'];
    case 'kept':
      if (m.pending)
        return [
          'kept',
          m.commits === null ? 'awaiting merge decision' : `awaiting merge decision · ${commits(m.commits, 'new ')}`,
        ];
      // Recorded before the count was kept: say so without a number.
      return ['kept', m.commits === null ? 'branch kept' : `branch kept · ${commits(m.commits, 'unmerged ')}`];
    case 'discarded':
      return ['discarded', m.commits ? `discarded · ${commits(m.commits, '')} deleted` : 'discarded'];
    case 'conflict':
      return ['conflict', m.target ? `merge conflict with ${m.target}` : 'merge conflict'];
    case 'failed':
      return ['merge-failed', 'merge failed'];
    default:
      // No merge record: it ran in place, or before merges were recorded, or Prodigy ran it.
      return ['completed', null];
  }
}

function commits(n: number, adjective: string): string {
  return `${n} ${adjective}commit${n === 1 ? '' : 's'}`;
}
