// `dlq list|inspect|retry` and `reduce <id>`: MapReduce sessions' failed items (one session's, or every session's
// when none is named), one in full, and running them again; `reduce`, the reduce phase again once they succeeded.
// --job-id names a session by its job. Writing them out, removing and counting them: dlqQueue.ts.
import {
  ProdigyError,
  allDeadLetters,
  deadLetterView,
  listDeadLetters,
  rerunReduce,
  retryDeadLetters,
  sessionDeadLetters,
  type DeadLetteredItem,
  type JobDeadLetters,
  type SessionManager,
} from '../../core';
import { oneLine, plural, relativeTime, table, truncate } from '../format';
import { printJson, UsageError, type Io } from '../io';
import { inTerminal, noteKeptBranch, type TerminalFlags } from './runOutput';

/** A compiled --filter (values.ts filterExpression). */
export interface ItemFilter {
  text: string;
  test: (value: unknown) => boolean;
}

interface Target {
  /** The session named by <session-id> or --job-id; undefined: every MapReduce session. */
  sessionId?: string;
}

/** The session a --job-id names: the MapReduce session running that job (or a session id), through the core's resolver. */
export async function jobSession(manager: SessionManager, jobId: string): Promise<string> {
  const id = await manager.resolveSessionId(jobId);
  if (!(await manager.exists(id)))
    throw new ProdigyError(`No MapReduce job or session ${jobId} in ${manager.home} (sessions list shows them)`);
  return id;
}

/** <session-id> and --job-id name one session; neither: every session. */
export async function target(
  manager: SessionManager,
  id: string | undefined,
  jobId: string | undefined,
): Promise<Target> {
  if (jobId === undefined) return { sessionId: id };
  const fromJob = await jobSession(manager, jobId);
  if (id !== undefined && id !== fromJob)
    throw new UsageError(`<session-id> ${id} and --job-id ${jobId} (session ${fromJob}) name different sessions`);
  return { sessionId: fromJob };
}

export async function queues(manager: SessionManager, t: Target): Promise<JobDeadLetters[]> {
  return t.sessionId !== undefined ? [await sessionDeadLetters(manager, t.sessionId)] : allDeadLetters(manager);
}

export function select(
  items: DeadLetteredItem[],
  filter: ItemFilter | undefined,
  eligible = false,
): DeadLetteredItem[] {
  return items.filter((i) => (!eligible || i.reprocess_eligible) && (!filter || filter.test(deadLetterView(i))));
}

function lastError(i: DeadLetteredItem): string {
  return String(deadLetterView(i).error_message ?? '-').split('\n')[0];
}

export interface DlqListFlags {
  json: boolean;
  jobId?: string;
  filter?: ItemFilter;
  eligible: boolean;
  limit?: number;
}

export async function dlqList(
  manager: SessionManager,
  io: Io,
  id: string | undefined,
  flags: DlqListFlags,
): Promise<number> {
  const t = await target(manager, id, flags.jobId);
  const found = (await queues(manager, t)).map((q) => ({ ...q, items: select(q.items, flags.filter, flags.eligible) }));
  if (flags.limit !== undefined) {
    let room = flags.limit;
    for (const q of found) {
      q.items = q.items.slice(0, room);
      room -= q.items.length;
    }
  }
  if (flags.json) {
    if (t.sessionId !== undefined)
      printJson(io, { session_id: t.sessionId, job_id: found[0].jobId, items: found[0].items });
    else printJson(io, { jobs: found.map((q) => ({ session_id: q.sessionId, job_id: q.jobId, items: q.items })) });
    return 0;
  }
  const rows = found.flatMap((q) => q.items.map((i) => ({ q, i })));
  const filtered = flags.filter || flags.eligible ? ' that match' : '';
  if (rows.length === 0) {
    io.out(
      t.sessionId !== undefined
        ? `Session ${t.sessionId} has no failed items${filtered}.`
        : `No MapReduce session has failed items${filtered}.`,
    );
    return 0;
  }
  const all = t.sessionId === undefined;
  io.out(
    table(
      [...(all ? ['SESSION'] : []), 'ITEM', 'ATTEMPTS', 'LAST ATTEMPT', 'ERROR', 'LOG'],
      rows.map(({ q, i }) => [
        ...(all ? [q.sessionId] : []),
        i.item_id,
        String(i.failure_count),
        relativeTime(i.last_attempt),
        truncate(oneLine(lastError(i)), 60),
        String(deadLetterView(i).json_log_location ?? '-'),
      ]),
    ),
  );
  if (!all) io.out(`\nRun them again with: prodigy-vscode dlq retry ${t.sessionId}`);
  return 0;
}

/**
 * One dead-lettered item as pretty JSON, with or without --json: `dlq inspect <session-id> <item-id>`, or Prodigy's `dlq inspect <item-id> [--job-id J]`, which finds the item in
 * every job's queue (or J's).
 */
export async function dlqInspect(
  manager: SessionManager,
  io: Io,
  first: string,
  second: string | undefined,
  flags: { jobId?: string },
): Promise<number> {
  if (second !== undefined) {
    const { sessionId } = await target(manager, first, flags.jobId);
    return inspectIn(manager, io, sessionId ?? first, second);
  }
  const t = await target(manager, undefined, flags.jobId);
  const found = (await queues(manager, t)).flatMap((q) =>
    q.items.filter((i) => i.item_id === first).map((item) => ({ jobId: q.jobId, item })),
  );
  if (found.length === 1) {
    printJson(io, found[0].item);
    return 0;
  }
  if (found.length > 1)
    throw new UsageError(
      `${found.length} jobs have a failed item ${first} (${found.map((f) => f.jobId).join(', ')}): name one with --job-id J`,
    );
  // No such item: a session's id with its item left out is the likelier mistake.
  if (t.sessionId === undefined && (await manager.getSession(first).then(Boolean, () => false)))
    throw new UsageError('missing <item-id>');
  throw new ProdigyError(
    `No failed item ${first} in ${t.sessionId ? `the dead-letter queue of ${t.sessionId}` : "any job's dead-letter queue"} (dlq list shows them)`,
  );
}

async function inspectIn(manager: SessionManager, io: Io, id: string, itemId: string): Promise<number> {
  const items = await listDeadLetters(manager, id);
  const item = items.find((i) => i.item_id === itemId);
  if (!item) {
    const known = items.length
      ? `its failed items: ${items.map((i) => i.item_id).join(', ')}`
      : 'it has no failed items';
    io.err(`prodigy-vscode: session ${id} has no dead-lettered item "${itemId}"; ${known}`);
    return 1;
  }
  printJson(io, item);
  return 0;
}

/** Prodigy's documented default for `dlq retry --max-retries` (docs/mapreduce/dlq/commands.md); --parallel's is the core's. */
export const DEFAULT_MAX_RETRIES = 3;

export interface DlqRetryFlags extends TerminalFlags {
  item?: string[];
  jobId?: string;
  filter?: ItemFilter;
  parallel?: number;
  maxRetries?: number;
  force?: boolean;
}

/**
 * Runs a session's failed items again (--item: these, --filter: those that match) with at most --parallel agents;
 * --max-retries N runs the ones still failing again, up to N rounds in all. Exit 1 while some still fail.
 */
export async function dlqRetry(
  manager: SessionManager,
  io: Io,
  given: string | undefined,
  flags: DlqRetryFlags,
): Promise<number> {
  const { sessionId: id } = await target(manager, given, flags.jobId);
  if (id === undefined) throw new UsageError('missing <session-id> (or --job-id J)');
  if (flags.maxRetries === 0) throw new UsageError('--max-retries 0 would run nothing: give 1 or more');
  let itemIds = flags.item?.length ? flags.item : undefined;
  const queued = await listDeadLetters(manager, id);
  if (itemIds) {
    const known = new Set(queued.map((d) => d.item_id));
    const unknown = itemIds.filter((i) => !known.has(i));
    if (unknown.length)
      throw new ProdigyError(`Not in the dead-letter queue of ${id}: ${unknown.join(', ')} (dlq list ${id} shows it)`);
  }
  if (flags.filter) {
    const chosen = new Set(itemIds ?? queued.map((d) => d.item_id));
    itemIds = select(queued, flags.filter)
      .map((i) => i.item_id)
      .filter((i) => chosen.has(i));
    if (itemIds.length === 0)
      throw new ProdigyError(
        `No failed item of ${id} matches --filter ${flags.filter.text} (dlq list ${id} shows them)`,
      );
  }
  if (!flags.force) itemIds = eligibleOnly(io, id, queued, itemIds, flags.json);
  const rounds = flags.maxRetries ?? DEFAULT_MAX_RETRIES;
  let outcome;
  let code = 0;
  let left: DeadLetteredItem[] = [];
  for (let round = 1; ; round++) {
    const only = itemIds;
    ({ outcome, code } = await inTerminal(manager, io, flags, (common) =>
      retryDeadLetters({ ...common, sessionId: id, itemIds: only, maxParallel: flags.parallel }),
    ));
    left = await listDeadLetters(manager, id);
    const again = only ? left.filter((i) => only.includes(i.item_id)) : left;
    if (code !== 0 || again.length === 0 || round >= rounds) break;
    if (!flags.json)
      io.out(
        `${plural(again.length, 'item')} still failing; running ${again.length === 1 ? 'it' : 'them'} again (round ${round + 1} of ${rounds})`,
      );
    itemIds = again.map((i) => i.item_id);
  }
  if (flags.json) {
    printJson(io, {
      session_id: id,
      status: outcome.status,
      still_failing: left.map((i) => i.item_id),
      reduce_stale: outcome.retry?.reduce_stale ?? false,
      merge: outcome.merge ?? null,
    });
    noteKeptBranch(io, outcome);
  } else
    io.out(
      left.length
        ? `${plural(left.length, 'item')} still failing: ${left.map((i) => i.item_id).join(', ')}`
        : 'Every failed item succeeded.',
    );
  if (outcome.retry?.reduce_stale && !flags.json)
    io.out(`The reduce phase ran before they succeeded; run it again with: prodigy-vscode reduce ${id}`);
  return code === 0 && left.length ? 1 : code;
}

/**
 * The chosen items (all the queue's when none were picked) without those marked not eligible for retry
 * (`reprocess_eligible: false`, as Prodigy's reprocessing leaves them out), which are named; undefined when none
 * is left out. Refused when every chosen item is.
 */
function eligibleOnly(
  io: Io,
  id: string,
  queued: DeadLetteredItem[],
  chosen: string[] | undefined,
  json: boolean,
): string[] | undefined {
  const pool = chosen ? queued.filter((d) => chosen.includes(d.item_id)) : queued;
  const ineligible = pool.filter((d) => d.reprocess_eligible === false).map((d) => d.item_id);
  if (ineligible.length === 0) return chosen;
  const eligible = pool.filter((d) => d.reprocess_eligible !== false).map((d) => d.item_id);
  if (eligible.length === 0)
    throw new ProdigyError(
      `Every chosen failed item of ${id} is marked not eligible for retry (${ineligible.join(', ')}); --force runs them anyway`,
    );
  if (!json)
    io.out(
      `Leaving out ${plural(ineligible.length, 'item')} marked not eligible for retry: ${ineligible.join(', ')} (--force runs ${ineligible.length === 1 ? 'it' : 'them'} too)`,
    );
  return eligible;
}

/** `reduce <id>`: the reduce phase again, with the items' results as they are now. */
export async function reduceAgain(manager: SessionManager, io: Io, id: string, flags: TerminalFlags): Promise<number> {
  const { outcome, code } = await inTerminal(manager, io, flags, (common) => rerunReduce({ ...common, sessionId: id }));
  if (flags.json) {
    printJson(io, { session_id: id, status: outcome.status, error: outcome.error, merge: outcome.merge ?? null });
    noteKeptBranch(io, outcome);
  }
  return code;
}
