// The dead-letter queues as a whole, for `dlq list|export|stats|purge`: every MapReduce session's failed items
// (when no session is named), what a --filter sees of an item, counts by error type and attempts, and purge,
// which removes items through the queue's own code under the session's resume lock (no run adds one meanwhile).
import { ProdigyError, SessionNotFoundError } from '../errors';
import type { DeadLetteredItem, FailureType } from '../mapreduce/deadLetterQueue';
import { assertSafeId } from '../storage/ids';
import { acquireResumeLock } from '../sessions/resumeLock';
import type { SessionManager } from '../sessions/sessionManager';
import { sessionJobStores } from './mapReduce';

/** One MapReduce session's queue. */
export interface JobDeadLetters {
  sessionId: string;
  jobId: string;
  items: DeadLetteredItem[];
}

/** One session's queue; a session that is not a MapReduce run is an error naming it. */
export async function sessionDeadLetters(manager: SessionManager, sessionId: string): Promise<JobDeadLetters> {
  const session = await manager.getSession(assertSafeId(sessionId, 'session id'));
  const stores = sessionJobStores(manager, session);
  if (!stores) throw new ProdigyError(`Session ${sessionId} is not a MapReduce run; it has no dead-letter queue`);
  return { sessionId, jobId: stores.dlq.jobId, items: stores.dlq.list() };
}

/** Every MapReduce session's queue, oldest session first (records that cannot be read are skipped). */
export async function allDeadLetters(manager: SessionManager): Promise<JobDeadLetters[]> {
  const { sessions } = await manager.listSessions();
  const out: JobDeadLetters[] = [];
  for (const s of [...sessions].reverse()) {
    if (!s.mapreduce) continue;
    try {
      out.push(await sessionDeadLetters(manager, s.id));
    } catch (err) {
      if (!(err instanceof SessionNotFoundError) && !(err instanceof ProdigyError)) throw err;
    }
  }
  return out;
}

/** `Timeout`, `CommandFailed`, …: the name of a failure's kind, whether serde wrote it as a string or a one-key map. */
export function errorTypeName(type: FailureType | string | Record<string, unknown> | undefined): string {
  if (type === undefined || type === null) return 'Unknown';
  if (typeof type === 'string') return type;
  return Object.keys(type)[0] ?? 'Unknown';
}

function exitCodeOf(type: unknown): number | null {
  const failed = (type as { CommandFailed?: { exit_code?: unknown } } | null)?.CommandFailed;
  return typeof failed?.exit_code === 'number' ? failed.exit_code : null;
}

/**
 * What `--filter` tests: the item as stored, plus `item` (its input, so Prodigy's `item.priority >= 5` reads it),
 * `attempts`, and the last failure's `error_type` (a name), `exit_code`, `error_message`, and `eligible`.
 */
export function deadLetterView(item: DeadLetteredItem): Record<string, unknown> {
  const last = item.failure_history[item.failure_history.length - 1];
  return {
    ...item,
    item: item.item_data,
    attempts: item.failure_count,
    error_type: errorTypeName(last?.error_type),
    exit_code: exitCodeOf(last?.error_type),
    error_message: last?.error_message ?? null,
    eligible: item.reprocess_eligible,
    json_log_location: last?.json_log_location ?? null,
  };
}

export interface DeadLetterStats {
  total: number;
  by_error_type: Record<string, number>;
  /** How many items failed once, twice, …: keys are the attempt counts. */
  by_attempts: Record<string, number>;
  reprocess_eligible: number;
  manual_review_required: number;
  /** The earliest first attempt and the latest last attempt; null for an empty queue. */
  oldest: string | null;
  newest: string | null;
}

export function deadLetterStats(items: readonly DeadLetteredItem[]): DeadLetterStats {
  const stats: DeadLetterStats = {
    total: items.length,
    by_error_type: {},
    by_attempts: {},
    reprocess_eligible: 0,
    manual_review_required: 0,
    oldest: null,
    newest: null,
  };
  for (const item of items) {
    const type = deadLetterView(item).error_type as string;
    stats.by_error_type[type] = (stats.by_error_type[type] ?? 0) + 1;
    stats.by_attempts[item.failure_count] = (stats.by_attempts[item.failure_count] ?? 0) + 1;
    if (item.reprocess_eligible) stats.reprocess_eligible++;
    if (item.manual_review_required) stats.manual_review_required++;
    if (stats.oldest === null || Date.parse(item.first_attempt) < Date.parse(stats.oldest))
      stats.oldest = item.first_attempt;
    if (stats.newest === null || Date.parse(item.last_attempt) > Date.parse(stats.newest))
      stats.newest = item.last_attempt;
  }
  return stats;
}

/**
 * Removes the items of a session's queue that `select` picks, index.json rewritten once. A session another
 * process is running (or retrying) is refused by its resume lock. `dryRun`: nothing is removed or locked.
 */
export async function purgeDeadLetters(
  manager: SessionManager,
  sessionId: string,
  select: (item: DeadLetteredItem) => boolean,
  opts: { dryRun?: boolean } = {},
): Promise<{ removed: DeadLetteredItem[]; kept: number }> {
  const { jobId, items } = await sessionDeadLetters(manager, sessionId);
  const chosen = items.filter(select);
  if (opts.dryRun || chosen.length === 0) return { removed: chosen, kept: items.length - chosen.length };
  const lock = await acquireResumeLock(manager.paths.resumeLocksDir, sessionId);
  try {
    // Read again under the lock: what a run wrote before it ended counts.
    const session = await manager.getSession(sessionId);
    const dlq = sessionJobStores(manager, session)!.dlq;
    if (dlq.jobId !== jobId) throw new ProdigyError(`Session ${sessionId} changed its job while purging; try again`);
    const now = dlq.list().filter(select);
    const removed = new Set(dlq.removeMany(now.map((i) => i.item_id)));
    return { removed: now.filter((i) => removed.has(i.item_id)), kept: dlq.list().length };
  } finally {
    lock.release();
  }
}
