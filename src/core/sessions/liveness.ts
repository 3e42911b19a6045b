// Whether a session its record calls Running (or Initializing) is still run by some process, as the files tell it,
// and how that reads: the tree, the pickers and the CLI's listing say "Interrupted" or "Running?" alike.
import * as fs from 'node:fs';
import type { HomePaths } from '../storage/paths';
import type { SessionStatus } from '../model/session';
import { liveLockHolder } from './resumeLock';

/**
 * For a Running session: a process of this window runs it (`here`, known only to the editor), another process
 * holds its resume lock (`elsewhere`), none does although our engine ran it (`interrupted`), or there is no telling.
 */
export type Liveness = 'here' | 'elsewhere' | 'interrupted' | 'unknown';

/**
 * What the files say of a Running session's process. Our engine holds the session's resume lock all the time it
 * runs, so a session it ran (it has a session log) with no live holder was interrupted. The `prodigy` CLI takes no
 * lock while it runs: its sessions stay `unknown`.
 */
export function recordedLiveness(paths: HomePaths, id: string): 'elsewhere' | 'interrupted' | 'unknown' {
  try {
    if (liveLockHolder(paths.resumeLocksDir, id) !== null) return 'elsewhere';
    return fs.existsSync(paths.sessionLogFile(id)) ? 'interrupted' : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Running or Initializing by its record: the statuses whose process the files can tell of. */
export function runsByRecord(status: SessionStatus): boolean {
  return status === 'Running' || status === 'Initializing';
}

/**
 * A run whose record says Running has gone this long without an update before it stops looking busy. Prodigy
 * writes its record at every step, but a long Claude step can keep it quiet for an hour or more.
 */
export const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/**
 * Running or starting by its record, with no process to be seen (`unknown`), and not updated for STALE_AFTER_MS:
 * most likely a run that was cut off. It may still run, so it keeps its status (with a "?") and its actions.
 */
export function isStale(
  s: { readonly status: SessionStatus; readonly updated_at: string },
  liveness: Liveness | undefined,
  now: number = Date.now(),
): boolean {
  if (liveness !== 'unknown' || !runsByRecord(s.status)) return false;
  const updated = Date.parse(s.updated_at);
  return Number.isFinite(updated) && now - updated > STALE_AFTER_MS;
}

/** A session's status as a person reads it: "Interrupted", "Running?", or the record's own. */
export function livenessStatus(
  s: { readonly status: SessionStatus; readonly updated_at: string },
  liveness: Liveness | undefined,
  now: number = Date.now(),
): string {
  if (liveness === 'interrupted' && runsByRecord(s.status)) return 'Interrupted';
  if (isStale(s, liveness, now)) return `${s.status}?`;
  return s.status;
}

/** `livenessStatus` from the files alone (the CLI): they are read only for a session that runs by its record. */
export function statusFromFiles(
  paths: HomePaths,
  s: { readonly id: string; readonly status: SessionStatus; readonly updated_at: string },
): string {
  return runsByRecord(s.status) ? livenessStatus(s, recordedLiveness(paths, s.id)) : s.status;
}
