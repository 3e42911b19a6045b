// Prodigy's resume lock (prodigy-formats.md §7), so `prodigy resume` and we refuse to run one
// session twice. Its format is Prodigy's (a file with the holder's pid, host and time), not
// proper-lockfile's: the point is that both tools see each other's locks. Unlike Prodigy's, our
// takeover of a stale lock is atomic (of several processes that find the same stale lock at once,
// exactly one gets it), and staleness is judged by who the pid is now (see judge).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProdigyError } from '../errors';
import { nowTimestamp, toPrettyJson } from '../model/serde';
import { processAlive } from '../process/alive';
import type { ProcessGroups } from '../process/groups';
import { startedBy } from '../process/identity';
import { createExclusiveSync, removeStaleSync } from '../storage/exclusiveFile';
import { assertSafeId } from '../storage/ids';
import { StepGroupsRecorder, stepsFileOf, stopLeftoverSteps } from './stepGroups';

export class ResumeLockedError extends ProdigyError {}

export interface ResumeLock {
  file: string;
  /** Where the holder's steps are recorded as they start and end (see stepGroups.ts). */
  groups: ProcessGroups;
  /** Process groups of steps an earlier holder left running, stopped before this lock was handed out. */
  stoppedSteps: number[];
  release(): void;
}

interface LockData {
  job_id: string;
  process_id: number;
  hostname: string;
  acquired_at: string;
}

/** What was read from a lock file: its holder (null: unreadable), with the text and stat it came from. */
type SeenLock =
  { holder: LockData; text: string; stat: fs.Stats } | { holder: null; text: string; stat: fs.Stats | null };

/**
 * Prodigy creates the file, then writes it: a lock this young and still empty or cut short is being
 * written, not corrupt. Ours appear whole (createExclusiveSync).
 */
const BEING_WRITTEN_MS = 2_000;
/** How long to keep looking while other processes take the same stale lock over or let it go. */
const SETTLE_MS = 5_000;

export async function acquireResumeLock(locksDir: string, id: string): Promise<ResumeLock> {
  const file = path.join(locksDir, `${assertSafeId(id, 'session id')}.lock`);
  const data: LockData = { job_id: id, process_id: process.pid, hostname: os.hostname(), acquired_at: nowTimestamp() };
  const text = toPrettyJson(data);
  const giveUp = Date.now() + SETTLE_MS;
  for (let attempt = 0; ; attempt++) {
    if (createExclusiveSync(file, text)) {
      const lock = holding(file, text);
      try {
        // A holder killed with -9 leaves its steps running: stop them before anything runs again.
        lock.stoppedSteps = await stopLeftoverSteps(stepsFileOf(file), id);
      } catch (err) {
        lock.release();
        throw err;
      }
      return lock;
    }
    const seen = readLock(file);
    if (seen && seen.holder === null && (!seen.stat || Date.now() - seen.stat.mtimeMs > BEING_WRITTEN_MS))
      throw new ResumeLockedError(`Resume lock ${file} is unreadable; delete it if no run of ${id} is in progress`);
    if (seen?.holder) {
      const holder = seen.holder;
      const verdict = judge(holder);
      if (verdict === 'ours') throw new ResumeLockedError(`Session ${id} is already running in this process (${file})`);
      if (verdict === 'live') {
        throw new ResumeLockedError(
          `Session ${id} is already running or being resumed (PID ${holder.process_id} on ${holder.hostname}, since ${holder.acquired_at}; its resume lock is ${file}). Stop that run first.`,
        );
      }
      if (verdict === 'other-host') {
        throw new ResumeLockedError(
          `Session ${id} is locked by PID ${holder.process_id} on another host, ${holder.hostname} (resume lock ${file}, since ${holder.acquired_at}); whether that run is still going cannot be checked from ${os.hostname()}. If it is not (look on ${holder.hostname}), delete ${file} and try again.`,
        );
      }
      // Its holder is gone (or its pid names another process now): stale. Only one of the processes that find
      // it so removes it, and only if it is still this lock; the others find the winner's lock next time round.
      if (removeStaleSync(file, (current) => sameLock(file, seen, current))) continue;
    }
    // Gone meanwhile, being written, or being taken over by another process: look again shortly.
    if (Date.now() > giveUp) throw new ResumeLockedError(`Could not take the resume lock ${file}: it keeps changing`);
    await sleep(Math.min(5 + attempt * 5, 50));
  }
}

function holding(file: string, text: string): ResumeLock {
  const groups = new StepGroupsRecorder(stepsFileOf(file));
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Only our own lock (the very text we wrote): never one that replaced it.
    if (readLock(file)?.text !== text) return;
    groups.close();
    fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { file, groups, stoppedSteps: [], release };
}

/**
 * Who holds a session's lock, as far as can be told: a live process here that took it (`local`), or a process
 * on another host, which cannot be checked from here and so counts as holding it. Null: free, or stale.
 */
export function resumeLockHolder(
  locksDir: string,
  id: string,
): { pid: number; hostname: string; local: boolean } | null {
  const holder = readLock(path.join(locksDir, `${assertSafeId(id, 'session id')}.lock`))?.holder;
  if (!holder) return null;
  const verdict = judge(holder);
  if (verdict === 'stale') return null;
  return { pid: holder.process_id, hostname: holder.hostname, local: verdict !== 'other-host' };
}

/**
 * The pid holding a session's lock (see resumeLockHolder), to tell a live run from an interrupted one and to
 * refuse to pull things from under it. Not for signalling: another host's pid names some other process here.
 */
export function liveLockHolder(locksDir: string, id: string): number | null {
  return resumeLockHolder(locksDir, id)?.pid ?? null;
}

/**
 * Whose a lock is. Prodigy calls it stale when `kill -0 pid` fails, on any host. But a pid is reused once its
 * process ends, so a live pid is the holder only if that process started before the lock was taken; and
 * another host's pid cannot be checked from here at all.
 */
function judge(holder: LockData): 'ours' | 'live' | 'stale' | 'other-host' {
  if (holder.hostname !== os.hostname()) return 'other-host';
  if (!processAlive(holder.process_id) || !startedBy(holder.process_id, Date.parse(holder.acquired_at))) return 'stale';
  return holder.process_id === process.pid ? 'ours' : 'live';
}

/** Whether `current` (a stat of `file`) is still the lock `seen` was read from: same file, same bytes. */
function sameLock(file: string, seen: SeenLock & { holder: LockData }, current: fs.Stats): boolean {
  if (current.ino !== seen.stat.ino || current.size !== seen.stat.size || current.mtimeMs !== seen.stat.mtimeMs)
    return false;
  // The same inode number can come back for a new file once the old one is gone: compare the bytes too.
  return readLock(file)?.text === seen.text;
}

/** undefined: no file; a holder of null: unreadable (not JSON, or no stat when it could not be read at all). */
function readLock(file: string): SeenLock | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const stat = fs.fstatSync(fd);
    const text = fs.readFileSync(fd, 'utf8');
    const holder = parseLock(text);
    return holder ? { holder, text, stat } : { holder: null, text, stat };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { holder: null, text: '', stat: null };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function parseLock(text: string): LockData | null {
  try {
    const data = JSON.parse(text) as LockData;
    return typeof data.process_id === 'number' ? data : null;
  } catch {
    return null;
  }
}
