// `events clean`: Prodigy's retention over the events inside events files (by age, count and size; its defaults
// when no criterion is given). What goes and what stays is the core's rule (runs/eventsRetention.ts); here: which
// files (--file, --job-id, --all-jobs, else the current folder's repository), the question before changing
// anything, and the report: each file changed with its counts and sizes, each file kept with why.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  applyEventsRetention,
  defaultEventsArchiveDir,
  listEventFiles,
  planEventsRetention,
  retentionPolicyOf,
  type RetentionFile,
  type RetentionPolicy,
  type SessionManager,
} from '../../core';
import { plural } from '../format';
import { printJson, UsageError, type Io } from '../io';
import { currentRepo } from './clean';
import { confirmDeletion, formatAge, formatBytes } from './confirm';
import { selectFiles } from './events';

export interface EventsCleanFlags {
  olderThan?: number;
  maxEvents?: number;
  maxSize?: number;
  dryRun: boolean;
  archive: boolean;
  archivePath?: string;
  allJobs: boolean;
  jobId?: string;
  file?: string;
  json: boolean;
  force: boolean;
}

const COMMAND = 'events clean';

export async function eventsClean(manager: SessionManager, io: Io, flags: EventsCleanFlags): Promise<number> {
  const scopes = [
    flags.file !== undefined && '--file',
    flags.jobId !== undefined && '--job-id',
    flags.allJobs && '--all-jobs',
  ].filter((s): s is string => !!s);
  if (scopes.length > 1) throw new UsageError(`${scopes.join(' and ')} each choose the files; give one`, COMMAND);
  const archiveDir = archiveFolder(manager, flags);
  const { policy, defaults } = retentionPolicyOf({
    olderThanMs: flags.olderThan,
    maxEvents: flags.maxEvents,
    maxSizeBytes: flags.maxSize,
  });
  // As `clean` scopes: the repository of the current folder, by Prodigy's {repo} (its base name).
  const repo = scopes.length ? null : currentRepo();
  const refs =
    repo === null
      ? await selectFiles(manager, { file: flags.file, jobId: flags.jobId })
      : listEventFiles(manager.home).filter((r) => r.repo === repo);

  const plan = await planEventsRetention(manager, refs, policy);
  if (!flags.dryRun && plan.files.length) {
    const removing = plan.files.reduce((n, f) => n + f.eventsRemoved, 0);
    const question =
      `Remove ${plural(removing, 'event')} from ${plural(plan.files.length, 'events file')} ` +
      `(${formatBytes(sum(plan.files, 'bytesBefore'))} → ${formatBytes(sum(plan.files, 'bytesAfter'))})` +
      `${archiveDir ? `, archiving them in ${archiveDir}` : ''}?`;
    // Prodigy's rule: PRODIGY_AUTOMATION=true (a workflow's step) does not ask.
    const force = flags.force || process.env.PRODIGY_AUTOMATION === 'true';
    if (!(await confirmDeletion(io, question, force))) return 1;
  }
  const done = flags.dryRun ? plan.files : applyEventsRetention(plan, manager, archiveDir);
  const kept = [...plan.kept, ...plan.files.flatMap((f) => (f.kept ? [f.kept] : []))];
  const errors = [...plan.errors, ...plan.files.flatMap((f) => (f.error ? [{ file: f.file, error: f.error }] : []))];

  if (flags.json) {
    printJson(io, {
      dry_run: flags.dryRun,
      policy: {
        older_than_ms: policy.olderThanMs,
        max_events: policy.maxEvents,
        max_size_bytes: policy.maxSizeBytes,
      },
      files: done.map((f) => ({
        file: f.file,
        events_total: f.eventsTotal,
        events_removed: f.eventsRemoved,
        events_kept: f.eventsTotal - f.eventsRemoved,
        other_lines: f.otherLines,
        bytes_before: f.bytesBefore,
        bytes_after: f.bytesAfter,
        archive: f.archive,
      })),
      kept: kept.map((k) => ({ file: k.file, reason: k.reason, message: k.message })),
      errors,
      archive: archiveDir,
    });
    return errors.length ? 1 : 0;
  }

  io.out(policyLine(policy, defaults));
  const verb = flags.dryRun ? 'Would remove' : 'Removed';
  for (const f of done) io.out(fileLine(f, verb));
  for (const k of kept) io.out(`Kept ${k.file}: ${k.message}`);
  for (const e of errors) io.err(`prodigy-vscode: could not clean ${e.file} (left as it was): ${e.error}`);
  const scope = repo !== null ? `repository ${repo}` : flags.allJobs ? 'every repository' : null;
  if (plan.files.length === 0) {
    const where = scope ? `, of ${scope}` : '';
    const wider = repo !== null ? "; --all-jobs reads every repository's" : '';
    io.out(`No events match the cleanup criteria. (${plural(refs.length, 'events file')} read${where}${wider})`);
    return errors.length ? 1 : 0;
  }
  const removed = done.reduce((n, f) => n + f.eventsRemoved, 0);
  const parts = [
    `${verb} ${plural(removed, 'event')} from ${plural(done.length, 'events file')}, ` +
      `${formatBytes(sum(done, 'bytesBefore'))} → ${formatBytes(sum(done, 'bytesAfter'))}`,
  ];
  if (archiveDir && done.length) parts.push(`${flags.dryRun ? 'to be archived' : 'archived'} in ${archiveDir}`);
  if (kept.length) parts.push(`left ${plural(kept.length, 'file')} as ${kept.length === 1 ? 'it was' : 'they were'}`);
  if (errors.length) parts.push(`${plural(errors.length, 'file')} could not be cleaned`);
  io.out(`${parts.join('; ')}${scope ? ` (${scope})` : ''}.${flags.dryRun ? ' Dry run: nothing was changed.' : ''}`);
  return errors.length ? 1 : 0;
}

/** Where removed events go: --archive-path DIR (which implies --archive), or H/events/archive; null: nowhere. */
function archiveFolder(manager: SessionManager, flags: EventsCleanFlags): string | null {
  if (!flags.archive && flags.archivePath === undefined) return null;
  const dir = path.resolve(flags.archivePath ?? defaultEventsArchiveDir(manager.home));
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory())
    throw new UsageError(`--archive-path ${flags.archivePath ?? dir} is a file; name a folder`, COMMAND);
  return dir;
}

/** `Policy: remove events older than 30d; keep the newest 100000 events per file (Prodigy's defaults: …)`. */
function policyLine(policy: RetentionPolicy, defaults: boolean): string {
  const parts: string[] = [];
  if (policy.olderThanMs !== null) parts.push(`remove events older than ${formatAge(policy.olderThanMs)}`);
  if (policy.maxEvents !== null) parts.push(`keep the newest ${plural(policy.maxEvents, 'event')} per file`);
  if (policy.maxSizeBytes !== null)
    parts.push(
      `keep each file within ${formatBytes(policy.maxSizeBytes)}` +
        (policy.maxSizeBytes < 1024 ? '' : ` (${policy.maxSizeBytes} bytes)`),
    );
  const why = defaults ? " (Prodigy's defaults: no --older-than, --max-events or --max-size was given)" : '';
  return `Policy: ${parts.join('; ')}${why}`;
}

/** `Removed 3 of 5 events  <file>  (2 kept, 1 other line kept as it is; 1.2 KB → 512 B)  archive <file>`. */
function fileLine(f: RetentionFile, verb: string): string {
  const others = f.otherLines ? `, ${plural(f.otherLines, 'other line')} kept as written` : '';
  const sizes = `${formatBytes(f.bytesBefore)} → ${formatBytes(f.bytesAfter)}`;
  return (
    `${verb} ${f.eventsRemoved} of ${plural(f.eventsTotal, 'event')}  ${f.file}  ` +
    `(${f.eventsTotal - f.eventsRemoved} kept${others}; ${sizes})${f.archive ? `  archive ${f.archive}` : ''}`
  );
}

function sum(files: RetentionFile[], key: 'bytesBefore' | 'bytesAfter'): number {
  return files.reduce((n, f) => n + f[key], 0);
}
