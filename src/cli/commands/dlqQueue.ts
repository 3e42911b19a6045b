// `dlq export|purge|clear|stats`: a MapReduce session's dead-letter queue (every session's when none is named)
// written out as JSON or CSV, its items removed (old ones, or all of one session's), and counted.
import * as path from 'node:path';
import {
  deadLetterStats,
  deadLetterView,
  isSafeId,
  purgeDeadLetters,
  writeFileAtomicSync,
  type DeadLetteredItem,
  type DeadLetterStats,
  type SessionManager,
} from '../../core';
import { plural, relativeTime } from '../format';
import { printJson, UsageError, type Io } from '../io';
import { confirmDeletion, formatAge } from './confirm';
import { jobSession, queues, select, target, type ItemFilter } from './dlq';
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
  io.out(`Wrote ${plural(rows.length, 'item')} as ${format.toUpperCase()} to ${output}`);
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
      (i) =>
        `${q.sessionId} ${i.item_id} (${plural(i.failure_count, 'attempt')}, last ${relativeTime(i.last_attempt)})`,
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
      io.out(`Would remove ${plural(count, 'item')}. Dry run: nothing was removed.`);
    }
    return 0;
  }
  if (
    !(await confirmDeletion(
      io,
      `Remove ${plural(count, 'failed item')} from the dead-letter queue?`,
      flags.force || flags.yes,
    ))
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
    io.out(`Removed ${plural(removed.length, 'item')} from the dead-letter queue.`);
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
    io.out(`Session ${j.session_id} (job ${j.job_id}): ${plural(j.total, 'failed item')}`);
    if (j.total) io.out(statsLines(j).join('\n'));
  });
  if (t.sessionId === undefined)
    io.out(`\nTotal: ${plural(total.total, 'failed item')} in ${plural(shown.length, 'job')}`);
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
