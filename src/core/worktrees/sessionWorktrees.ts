// The session worktrees under the home's worktree roots, joined with their sessions' status, and
// `worktree clean`'s rules for which of them may go. Records are never touched: a session whose
// worktree is gone can still be listed, merged from its branch, or deleted on its own.
import * as path from 'node:path';
import { SessionNotFoundError, ProdigyError, reasonOf, errorMessage } from '../errors';
import {
  branchExists,
  listSessionWorktrees,
  readWorktreeState,
  removeSessionWorktree,
  runGit,
  uncommittedFiles,
  type SessionWorktree,
  type WorktreeStatus,
} from '../git';
import type { SessionStatus } from '../model/session';
import type { SessionManager } from '../sessions/sessionManager';
import { liveLockHolder } from '../sessions/resumeLock';
import { plural } from '../sessions/describe';
import { worktreeRoots } from './sessionFolder';

export interface SessionWorktreeEntry {
  sessionId: string;
  worktree: SessionWorktree;
  /** The session record's status; null when there is no record or it cannot be read (`recordProblem`). */
  status: SessionStatus | null;
  /** The record's `updated_at` (null with `status`), to tell a stale Running session (sessions/liveness.ts). */
  updatedAt: string | null;
  recordProblem: string | null;
  /** Prodigy's worktree metadata (formats §8); null when the file is missing or unreadable. */
  metadata: { status: WorktreeStatus; merged: boolean } | null;
  /** Under this home's own worktrees folder, rather than the shared ~/.prodigy/worktrees. */
  inHome: boolean;
}

/** Every session worktree under `worktreeRoots(manager)`, in root, repo and name order. */
export async function sessionWorktrees(manager: SessionManager): Promise<SessionWorktreeEntry[]> {
  const ownRoot = path.resolve(manager.paths.worktreesDir);
  const entries: SessionWorktreeEntry[] = [];
  for (const wt of await listSessionWorktrees(worktreeRoots(manager))) {
    const sessionId = path.basename(wt.path);
    let status: SessionStatus | null = null;
    let updatedAt: string | null = null;
    let recordProblem: string | null = null;
    try {
      ({ status, updated_at: updatedAt } = await manager.getSession(sessionId));
    } catch (err) {
      if (!(err instanceof SessionNotFoundError)) recordProblem = reasonOf(err);
    }
    let metadata: SessionWorktreeEntry['metadata'] = null;
    try {
      const state = readWorktreeState(wt.metadataFile);
      metadata = { status: state.status, merged: state.merged };
    } catch {
      // Missing (a worktree made by hand or by an older Prodigy) or damaged: shown without it.
    }
    entries.push({
      sessionId,
      worktree: wt,
      status,
      updatedAt,
      recordProblem,
      metadata,
      inHome: path.dirname(path.dirname(wt.path)) === ownRoot,
    });
  }
  return entries;
}

export interface CleanOptions {
  /** Only this session's worktree; without it, every worktree the rules allow. */
  sessionId?: string;
  /** Also Failed sessions' worktrees and those whose session record is gone. */
  all?: boolean;
  /** Remove despite uncommitted changes; with `sessionId`, also a Running/Paused/Initializing session's. */
  force?: boolean;
  dryRun?: boolean;
}

export type KeepReason =
  'active' | 'running-process' | 'uncommitted' | 'failed' | 'no-record' | 'unreadable-record' | 'other-home';

export interface CleanDecision {
  entry: SessionWorktreeEntry;
  /** Why it stays (absent when it was, or would be, removed). */
  kept?: { reason: KeepReason; message: string; files?: string[] };
  /** True when the worktree stays against the user's wish: the command did not do what was asked. */
  refused: boolean;
  /** Whether the branch goes with it: only when merged, so no commit is lost. */
  branch?: { deleted: boolean; merged: boolean | null };
  /** Set when git failed to remove it. */
  error?: string;
}

export interface CleanReport {
  dryRun: boolean;
  decisions: CleanDecision[];
}

const ACTIVE: ReadonlySet<SessionStatus> = new Set(['Running', 'Paused', 'Initializing']);

/**
 * `worktree clean`: removes the worktrees of Completed/Cancelled sessions (with `all`, also Failed
 * ones and those without a record), or the one named. An active session's worktree (Paused ones must
 * stay resumable) goes only when named with `force`; one in use by a live process never does.
 */
export async function cleanSessionWorktrees(manager: SessionManager, opts: CleanOptions = {}): Promise<CleanReport> {
  const all = await sessionWorktrees(manager);
  const named = opts.sessionId !== undefined;
  const entries = named ? all.filter((e) => e.sessionId === opts.sessionId) : all;
  if (named && entries.length === 0) {
    throw new ProdigyError(`No worktree for session ${opts.sessionId} under ${worktreeRoots(manager).join(', ')}`);
  }
  const decisions: CleanDecision[] = [];
  for (const entry of entries) {
    const decision = await decide(manager, entry, named, opts);
    if (!decision.kept && !opts.dryRun) {
      try {
        // Our own check above is the gate for uncommitted files; git's would also stop on untracked ones.
        await removeSessionWorktree(entry.worktree, { deleteBranch: decision.branch?.deleted, force: true });
      } catch (err) {
        decision.error = errorMessage(err);
      }
    }
    decisions.push(decision);
  }
  return { dryRun: Boolean(opts.dryRun), decisions };
}

async function decide(
  manager: SessionManager,
  entry: SessionWorktreeEntry,
  named: boolean,
  opts: CleanOptions,
): Promise<CleanDecision> {
  const keep = (reason: KeepReason, message: string, refused: boolean, files?: string[]): CleanDecision => ({
    entry,
    kept: { reason, message, files },
    refused,
  });
  const id = entry.sessionId;
  const pid = liveLockHolder(manager.paths.resumeLocksDir, id);
  // Even --force does not pull a worktree out from under a live run.
  if (pid !== null) return keep('running-process', `session ${id} is in use by a running process (PID ${pid})`, named);
  if (named) {
    if (entry.recordProblem && !opts.force)
      return keep(
        'unreadable-record',
        `the record of session ${id} cannot be read (${entry.recordProblem}); pass --force to remove its worktree anyway`,
        true,
      );
    if (entry.status && ACTIVE.has(entry.status) && !opts.force) {
      const why = entry.status === 'Paused' ? ' and resumable' : '';
      return keep('active', `session ${id} is ${entry.status}${why}; pass --force to remove its worktree anyway`, true);
    }
  } else {
    if (entry.recordProblem) return keep('unreadable-record', `record of ${id} cannot be read`, false);
    if (entry.status && ACTIVE.has(entry.status)) return keep('active', `${id} is ${entry.status}`, false);
    if (entry.status === 'Failed' && !opts.all) return keep('failed', `${id} is Failed (--all removes it)`, false);
    if (entry.status === null && !opts.all)
      return keep('no-record', `${id} has no session record (--all removes it)`, false);
    // Another home may own it: the shared folder holds worktrees of every PRODIGY_HOME.
    if (entry.status === null && !entry.inHome)
      return keep('other-home', `${id} has no record in this home (name it to remove it)`, false);
  }
  let files: string[];
  try {
    files = await uncommittedFiles(entry.worktree.path);
  } catch (err) {
    return keep(
      'uncommitted',
      `cannot tell whether ${entry.worktree.path} has uncommitted changes: ${errorMessage(err)}`,
      true,
    );
  }
  if (files.length && !opts.force) {
    return keep(
      'uncommitted',
      `${id} has ${plural(files.length, 'uncommitted file')}: ${fileList(files)}; pass --force to remove it anyway`,
      true,
      files,
    );
  }
  // When git cannot tell, the branch stays: keeping one too many is the safe mistake.
  const merged = await worktreeBranchMerged(entry.worktree, entry.metadata?.merged ?? false).catch(() => false);
  return { entry, refused: false, branch: { deleted: merged === true, merged } };
}

/** "a, b, c, d, e, … (3 more)": the files a refusal names. */
export function fileList(files: string[]): string {
  return files.slice(0, 5).join(', ') + (files.length > 5 ? `, … (${files.length - 5} more)` : '');
}

/**
 * Whether a session worktree's branch may go without losing a commit: recorded as merged (formats
 * §8), or reachable from the branch it started from. null: the branch no longer exists.
 */
export async function worktreeBranchMerged(
  wt: SessionWorktree,
  recordedMerged = readMerged(wt),
): Promise<boolean | null> {
  const repo = wt.repoRoot || wt.path;
  if (!(await branchExists(repo, wt.branch))) return null;
  if (recordedMerged) return true;
  if (!wt.originalBranch || !(await branchExists(repo, wt.originalBranch))) return false;
  const r = await runGit(repo, ['merge-base', '--is-ancestor', wt.branch, wt.originalBranch], { allowFail: true });
  return r.code === 0;
}

function readMerged(wt: SessionWorktree): boolean {
  try {
    return readWorktreeState(wt.metadataFile).merged;
  } catch {
    return false;
  }
}
