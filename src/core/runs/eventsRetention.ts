// `events clean` (Prodigy's docs: event-tracking.md "Clean Old Events"): trims the events inside events files, by
// age, by count (the newest N stay) and by size, each file on its own. Unlike Prodigy's retention.rs, a line that
// is not an event (another tool's, a cut-off last line) is never dropped, a file whose session is running is not
// touched (its writer holds it open: a rewrite would lose what it appends next), removed events are archived before
// their file is rewritten, and every rewrite is atomic.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { errorMessage } from '../errors';
import { planHomeCleanup } from '../sessions/homeCleanup';
import { liveLockHolder } from '../sessions/resumeLock';
import type { SessionManager } from '../sessions/sessionManager';
import { writeFileAtomicSync } from '../storage/atomicFile';
import { sameIdentity, type FileIdentity } from '../storage/fileIdentity';
import { writeAllSync, writeFailure } from '../storage/fileWrite';
import { eventsRoot, type EventFileRef } from './eventRecords';
import { onDisk, readEventsFile, trim, type RetentionPolicy } from './eventsTrim';

export type { RetentionPolicy } from './eventsTrim';

/** Prodigy's RetentionPolicy::default() as it trims: 30 days, 100,000 events (its 100 MB only triggers a check). */
export const DEFAULT_RETENTION_POLICY: RetentionPolicy = {
  olderThanMs: 30 * 86_400_000,
  maxEvents: 100_000,
  maxSizeBytes: null,
};

/** The criteria given, or Prodigy's defaults when none is (`defaults` says which). */
export function retentionPolicyOf(given: Partial<RetentionPolicy>): { policy: RetentionPolicy; defaults: boolean } {
  const policy = {
    olderThanMs: given.olderThanMs ?? null,
    maxEvents: given.maxEvents ?? null,
    maxSizeBytes: given.maxSizeBytes ?? null,
  };
  const none = policy.olderThanMs === null && policy.maxEvents === null && policy.maxSizeBytes === null;
  return none ? { policy: { ...DEFAULT_RETENTION_POLICY }, defaults: true } : { policy, defaults: false };
}

/** A file left as it was, and why. */
export interface RetentionKept {
  file: string;
  reason: 'running' | 'changed';
  message: string;
}

/** One file with events to remove: what goes and what stays (after apply: what went). */
export interface RetentionFile {
  file: string;
  /** Really gzipped (a rotated piece): read and written back compressed. */
  gzipped: boolean;
  eventsTotal: number;
  eventsRemoved: number;
  /** Lines that are not events (kept in place, whatever the policy). */
  otherLines: number;
  bytesBefore: number;
  bytesAfter: number;
  /** The session whose job the file is, checked again before the file is rewritten. */
  sessionId: string | null;
  /** Where its removed events were archived (after apply, with an archive folder). */
  archive: string | null;
  /** Set by apply when the file was left as it was. */
  kept?: RetentionKept;
  error?: string;
  /** The file as it was read: apply rewrites it only if it is still so. */
  seen: FileIdentity;
}

export interface RetentionPlan {
  /** The instant the age cutoff is taken from, kept so that apply removes exactly what was planned. */
  now: number;
  policy: RetentionPolicy;
  /** The files with events to remove. */
  files: RetentionFile[];
  /** The files left alone without being read: their session is running. */
  kept: RetentionKept[];
  /** The files that could not be read. */
  errors: { file: string; error: string }[];
  /** Files read with nothing to remove. */
  unchanged: number;
}

/**
 * What `events clean` would do to each of `refs`; nothing is changed. A file whose job's session is running (its
 * resume lock is held, as `clean` judges it) is kept unread.
 */
export async function planEventsRetention(
  manager: SessionManager,
  refs: EventFileRef[],
  policy: RetentionPolicy,
  now = Date.now(),
): Promise<RetentionPlan> {
  const owners = await eventFileOwners(manager);
  const plan: RetentionPlan = { now, policy, files: [], kept: [], errors: [], unchanged: 0 };
  for (const { file } of refs) {
    const owner = owners.get(realPath(file));
    if (owner?.running) {
      plan.kept.push({ file, reason: 'running', message: owner.running });
      continue;
    }
    let read: ReturnType<typeof readEventsFile>;
    try {
      read = readEventsFile(file);
    } catch (err) {
      plan.errors.push({ file, error: errorMessage(err) });
      continue;
    }
    const t = trim(read.content, read.gzipped, policy, now);
    if (t.removed.length === 0) {
      plan.unchanged++;
      continue;
    }
    plan.files.push({
      file,
      gzipped: read.gzipped,
      eventsTotal: t.eventsTotal,
      eventsRemoved: t.removed.length,
      otherLines: t.otherLines,
      bytesBefore: read.seen.size,
      bytesAfter: onDisk(t.kept, read.gzipped).length,
      sessionId: owner?.sessionId ?? null,
      archive: null,
      seen: read.seen,
    });
  }
  return plan;
}

/**
 * Carries a plan out, file by file: its session checked again and the file checked unchanged since it was read,
 * then (with `archiveDir`) its removed events written to a new gzip archive there and synced, then the file
 * rewritten atomically (a gzipped one gzipped). Returns the files changed; each other one has `kept` or `error`.
 */
export function applyEventsRetention(
  plan: RetentionPlan,
  manager: SessionManager,
  archiveDir: string | null,
): RetentionFile[] {
  const changed: RetentionFile[] = [];
  for (const f of plan.files) {
    let archive: string | null = null;
    try {
      if (leftAlone(f, manager)) continue;
      const read = readEventsFile(f.file);
      if (!sameIdentity(read.seen, f.seen)) {
        f.kept = changedMeanwhile(f.file);
        continue;
      }
      const t = trim(read.content, read.gzipped, plan.policy, plan.now);
      const data = onDisk(t.kept, read.gzipped);
      if (archiveDir !== null) archive = writeArchive(archiveDir, t.removed, new Date());
      // The archive took time to write: the writer could have come back meanwhile.
      if (leftAlone(f, manager)) {
        if (archive) fs.rmSync(archive, { force: true });
        continue;
      }
      writeFileAtomicSync(f.file, data);
      Object.assign(f, {
        eventsTotal: t.eventsTotal,
        eventsRemoved: t.removed.length,
        otherLines: t.otherLines,
        bytesAfter: data.length,
        archive,
      });
      changed.push(f);
    } catch (err) {
      // The events file is as it was (the rewrite is atomic): an archive of its events would only duplicate them.
      if (archive) fs.rmSync(archive, { force: true });
      f.error = errorMessage(err);
    }
  }
  return changed;
}

/** Whether the file must stay as it is now: its session started running, or it changed since it was read. */
function leftAlone(f: RetentionFile, manager: SessionManager): boolean {
  if (f.sessionId && liveLockHolder(manager.paths.resumeLocksDir, f.sessionId) !== null) {
    f.kept = { file: f.file, reason: 'running', message: `session ${f.sessionId} started running meanwhile` };
    return true;
  }
  const now = fs.statSync(f.file, { throwIfNoEntry: false });
  if (!now || !sameIdentity(now, f.seen)) {
    f.kept = changedMeanwhile(f.file);
    return true;
  }
  return false;
}

function changedMeanwhile(file: string): RetentionKept {
  return { file, reason: 'changed', message: 'it changed since it was read (something is writing it); run again' };
}

// ---- which session each events file is

/** Each events file of the home (by its real path): its session, and whether that session is running. */
async function eventFileOwners(
  manager: SessionManager,
): Promise<Map<string, { sessionId: string | null; running: string | null }>> {
  const plan = await planHomeCleanup(manager, { kinds: ['events'], olderThanMs: 0, repo: null });
  const owners = new Map<string, { sessionId: string | null; running: string | null }>();
  for (const e of plan.entries)
    owners.set(realPath(e.path), {
      sessionId: e.sessionId,
      running: e.kept?.reason === 'running' ? e.kept.message : null,
    });
  return owners;
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

// ---- the archive

/** `H/events/archive`: where Prodigy archives removed events unless told otherwise. */
export function defaultEventsArchiveDir(home: string): string {
  return path.join(eventsRoot(home), 'archive');
}

/**
 * Writes `lines` gzipped to a new `events_archive_{YYYYmmdd_HHMMSS}.jsonl.gz` in `dir` (Prodigy's name; `-1`, `-2` …
 * when that is taken, never over an earlier archive), synced with its folder entry before it is named.
 */
function writeArchive(dir: string, lines: Buffer[], now: Date): string {
  fs.mkdirSync(dir, { recursive: true });
  const data = zlib.gzipSync(Buffer.concat(lines));
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '_');
  for (let n = 0; ; n++) {
    const file = path.join(dir, `events_archive_${stamp}${n ? `-${n}` : ''}.jsonl.gz`);
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw writeFailure(file, err);
    }
    try {
      writeAllSync(fd, data, file);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    } catch (err) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing: the first error is the one to report
      }
      fs.rmSync(file, { force: true });
      throw writeFailure(file, err);
    }
    syncFolder(dir);
    return file;
  }
}

/** So that the archive's name survives a power cut before the events file's rename does (not on Windows). */
function syncFolder(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // a folder cannot be opened or synced here: the file itself is synced
  }
}
