// `dlq list|inspect|retry|export|purge|stats` and `reduce <id>`: MapReduce sessions' failed items (one session's,
// or every session's when none is named), one in full, running them again, writing them out, removing old ones,
// and counting them; `reduce`, the reduce phase again once they succeeded. --job-id names a session by its job.
import * as path from 'node:path';
import {
  ProdigyError,
  allDeadLetters,
  deadLetterStats,
  deadLetterView,
  isSafeId,
  listDeadLetters,
  purgeDeadLetters,
  rerunReduce,
  retryDeadLetters,
  sessionDeadLetters,
  writeFileAtomicSync,
  type DeadLetteredItem,
  type DeadLetterStats,
  type JobDeadLetters,
  type SessionManager,
} from '../../core';
import { oneLine, relativeTime, table, truncate } from '../format';
import { printJson, UsageError, type Io } from '../io';
import { confirmDeletion, formatAge } from './confirm';
import { inTerminal, noteKeptBranch, type TerminalFlags } from './runOutput';

/** A compiled --filter (values.ts filterExpression). */
interface ItemFilter {
  text: string;
  test: (value: unknown) => boolean;
}

interface Target {
  /** The session named by <session-id> or --job-id; undefined: every MapReduce session. */
  sessionId?: string;
}

/** The session a --job-id names: the MapReduce session running that job (or a session id), through the core's resolver. */
async function jobSession(manager: SessionManager, jobId: string): Promise<string> {
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

function select(items: DeadLetteredItem[], filter: ItemFilter | undefined, eligible = false): DeadLetteredItem[] {
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

/** One dead-lettered item as pretty JSON (Prodigy's `dlq inspect`), with or without --json. */
/**
 * `dlq inspect <session-id> <item-id>`, or Prodigy's `dlq inspect <item-id> [--job-id J]`, which finds the item in
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
      io.out(`${again.length} item(s) still failing; running them again (round ${round + 1} of ${rounds})`);
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
        ? `${left.length} item(s) still failing: ${left.map((i) => i.item_id).join(', ')}`
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
      `Leaving out ${ineligible.length} item(s) marked not eligible for retry: ${ineligible.join(', ')} (--force runs them too)`,
    );
  return eligible;
}

// ---- export, purge, stats

export interface DlqExportFlags {
  jobId?: string;
  output?: string;
  format?: 'json' | 'csv';
  filter?: ItemFilter;
}

/**
 * `dlq export [<session-id>] [--output FILE] [--format json|csv]`: the items (every session's when none is named)
 * as JSON or CSV, on stdout or atomically into FILE. Prodigy's form `dlq export FILE --job-id J` works too: with
 * --job-id, the positional is the output file.
 */
export async function dlqExport(
  manager: SessionManager,
  io: Io,
  positional: string | undefined,
  flags: DlqExportFlags,
): Promise<number> {
  // The positional is a session or job id, or (Prodigy's form) the file to write.
  const named =
    positional !== undefined && isSafeId(positional) ? await manager.resolveSessionId(positional) : undefined;
  let id = named ?? positional;
  let output = flags.output;
  if (positional !== undefined && flags.jobId !== undefined && (await jobSession(manager, flags.jobId)) !== id) {
    if (output !== undefined) throw new UsageError(`two places to write: ${positional} and --output ${output}`);
    output = positional;
    id = undefined;
  } else if (positional !== undefined && !(named && (await manager.exists(named))) && /[./]/.test(positional)) {
    // `dlq export dlq-items.json`: Prodigy's form, every job's items into that file.
    if (output !== undefined) throw new UsageError(`two places to write: ${positional} and --output ${output}`);
    output = positional;
    id = undefined;
  }
  const t = await target(manager, id, flags.jobId);
  const format = flags.format ?? (output && path.extname(output).toLowerCase() === '.csv' ? 'csv' : 'json');
  const rows = (await queues(manager, t)).flatMap((q) =>
    select(q.items, flags.filter).map((item) => ({ session_id: q.sessionId, job_id: q.jobId, ...item })),
  );
  const text = format === 'csv' ? toCsv(rows) : `${JSON.stringify(rows, null, 2)}\n`;
  if (output === undefined) {
    (io.data ?? io.out)(text.replace(/\n$/, ''));
    return 0;
  }
  writeFileAtomicSync(path.resolve(output), text);
  io.out(`Wrote ${rows.length} item(s) as ${format.toUpperCase()} to ${output}`);
  return 0;
}

const CSV_COLUMNS = [
  'session_id',
  'job_id',
  'item_id',
  'failure_count',
  'first_attempt',
  'last_attempt',
  'error_type',
  'exit_code',
  'error_message',
  'error_signature',
  'reprocess_eligible',
  'manual_review_required',
  'json_log_location',
  'item_data',
] as const;

/** One row per item (the last failure's error), RFC 4180 quoting; item_data as JSON. */
function toCsv(rows: (DeadLetteredItem & { session_id: string; job_id: string })[]): string {
  const cell = (v: unknown): string => {
    const text = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = rows.map((r) => {
    const view: Record<string, unknown> = { ...deadLetterView(r), session_id: r.session_id, job_id: r.job_id };
    return CSV_COLUMNS.map((c) => cell(view[c])).join(',');
  });
  return [CSV_COLUMNS.join(','), ...lines].join('\r\n') + '\r\n';
}

export interface DlqPurgeFlags {
  jobId?: string;
  olderThan?: number;
  olderThanDays?: number;
  filter?: ItemFilter;
  dryRun: boolean;
  force: boolean;
  yes: boolean;
  json: boolean;
}

/**
 * `dlq purge [<session-id>] [--older-than D] [--dry-run] [-f]`: removes failed items whose last attempt is older
 * than D (default: any age), through the queue's own code (index.json rewritten), under each session's resume lock.
 */
export async function dlqPurge(
  manager: SessionManager,
  io: Io,
  id: string | undefined,
  flags: DlqPurgeFlags,
): Promise<number> {
  if (flags.olderThan !== undefined && flags.olderThanDays !== undefined)
    throw new UsageError('give --older-than or --older-than-days, not both');
  const ageMs = flags.olderThan ?? (flags.olderThanDays !== undefined ? flags.olderThanDays * 86_400_000 : 0);
  const before = Date.now() - ageMs;
  const pick = (i: DeadLetteredItem) =>
    Date.parse(i.last_attempt) <= before && (!flags.filter || flags.filter.test(deadLetterView(i)));
  const t = await target(manager, id, flags.jobId);
  const found = (await queues(manager, t)).map((q) => ({ ...q, chosen: q.items.filter(pick) }));
  const count = found.reduce((n, q) => n + q.chosen.length, 0);
  const age = ageMs ? ` last tried more than ${formatAge(ageMs)} ago` : '';
  if (count === 0) {
    if (flags.json) printJson(io, { dry_run: flags.dryRun, removed: [] });
    else io.out(`No failed item${age} to purge.`);
    return 0;
  }
  const lines = found.flatMap((q) =>
    q.chosen.map(
      (i) => `${q.sessionId} ${i.item_id} (${i.failure_count} attempt(s), last ${relativeTime(i.last_attempt)})`,
    ),
  );
  if (flags.dryRun) {
    if (flags.json)
      printJson(io, {
        dry_run: true,
        removed: found.flatMap((q) => q.chosen.map((i) => ({ session_id: q.sessionId, item_id: i.item_id }))),
      });
    else {
      for (const l of lines) io.out(`Would remove ${l}`);
      io.out(`Would remove ${count} item(s). Dry run: nothing was removed.`);
    }
    return 0;
  }
  if (
    !(await confirmDeletion(io, `Remove ${count} failed item(s) from the dead-letter queue?`, flags.force || flags.yes))
  )
    return 1;
  const removed: { session_id: string; item_id: string }[] = [];
  for (const q of found) {
    if (q.chosen.length === 0) continue;
    const ids = new Set(q.chosen.map((i) => i.item_id));
    const r = await purgeDeadLetters(manager, q.sessionId, (i) => ids.has(i.item_id) && pick(i));
    for (const i of r.removed) removed.push({ session_id: q.sessionId, item_id: i.item_id });
  }
  if (flags.json) printJson(io, { dry_run: false, removed });
  else {
    for (const r of removed) io.out(`Removed ${r.session_id} ${r.item_id}`);
    io.out(`Removed ${removed.length} item(s) from the dead-letter queue.`);
  }
  return 0;
}

/** `dlq clear <session-id> [--yes]`: Prodigy's name for purging every item of one session, whatever its age. */
export async function dlqClear(
  manager: SessionManager,
  io: Io,
  id: string | undefined,
  flags: Pick<DlqPurgeFlags, 'jobId' | 'dryRun' | 'force' | 'yes' | 'json'>,
): Promise<number> {
  const t = await target(manager, id, flags.jobId);
  if (t.sessionId === undefined) throw new UsageError('missing <session-id> (or --job-id J): clear empties one queue');
  return dlqPurge(manager, io, t.sessionId, { ...flags, jobId: undefined });
}

export interface DlqStatsFlags {
  jobId?: string;
  workflowId?: string;
  json: boolean;
}

/** `dlq stats [<session-id>]`: counts by error type and attempts, retry-eligible, oldest and newest; all jobs when no id. */
export async function dlqStats(
  manager: SessionManager,
  io: Io,
  id: string | undefined,
  flags: DlqStatsFlags,
): Promise<number> {
  if (id !== undefined && flags.workflowId !== undefined && id !== flags.workflowId)
    throw new UsageError(`<session-id> ${id} and --workflow-id ${flags.workflowId} name different sessions`);
  const t = await target(manager, id ?? flags.workflowId, flags.jobId);
  const found = await queues(manager, t);
  const jobs = found.map((q) => ({ session_id: q.sessionId, job_id: q.jobId, ...deadLetterStats(q.items) }));
  const total = deadLetterStats(found.flatMap((q) => q.items));
  if (flags.json) {
    if (t.sessionId !== undefined) printJson(io, jobs[0]);
    else printJson(io, { jobs: jobs.filter((j) => j.total > 0), total });
    return 0;
  }
  const shown = t.sessionId !== undefined ? jobs : jobs.filter((j) => j.total > 0);
  if (shown.length === 0) {
    io.out('No MapReduce session has failed items.');
    return 0;
  }
  shown.forEach((j, n) => {
    if (n) io.out('');
    io.out(`Session ${j.session_id} (job ${j.job_id}): ${j.total} failed item(s)`);
    if (j.total) io.out(statsLines(j).join('\n'));
  });
  if (t.sessionId === undefined) io.out(`\nTotal: ${total.total} failed item(s) in ${shown.length} job(s)`);
  return 0;
}

function statsLines(s: DeadLetterStats): string[] {
  const counts = (m: Record<string, number>, fmt: (k: string) => string) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], undefined, { numeric: true }))
      .map(([k, n]) => `${fmt(k)} ${n}`)
      .join(', ');
  return [
    `  By error type: ${counts(s.by_error_type, (k) => k)}`,
    `  By attempts:   ${counts(s.by_attempts, (k) => `${k}×`)}`,
    `  Retry-eligible ${s.reprocess_eligible}, needing manual review ${s.manual_review_required}`,
    `  Oldest ${s.oldest} (${relativeTime(s.oldest!)}), newest ${s.newest} (${relativeTime(s.newest!)})`,
  ];
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
