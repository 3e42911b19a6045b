// Removing what sessions leave behind: a session's worktree and branch, and old completed
// sessions. Records are moved aside (SessionManager.deleteSession), never destroyed.
import { ProdigyError } from '../errors';
import {
  countCommits,
  findSessionWorktree,
  removeSessionWorktree,
  uncommittedFiles,
  type SessionWorktree,
} from '../git';
import { nowTimestamp } from '../model/serde';
import { fileList, worktreeBranchMerged } from './sessionWorktrees';
import type { SessionStatus } from '../model/session';
import type { SessionManager } from '../sessions/sessionManager';
import { liveLockHolder } from '../sessions/resumeLock';
import { plural } from '../sessions/describe';
import { worktreeRoots } from './sessionFolder';
import { nextStep } from '../nextStep';

export { worktreeRoots };

/** Removes a session's worktree and its branch (the branch only when `deleteBranch`). Returns the path removed, or null when there was none. */
export async function removeWorktreeOf(
  manager: SessionManager,
  id: string,
  opts: { deleteBranch?: boolean } = {},
): Promise<string | null> {
  const wt = await findSessionWorktree(worktreeRoots(manager), id);
  if (!wt) return null;
  await removeSessionWorktree(wt, { deleteBranch: opts.deleteBranch, force: true });
  return wt.path;
}

export interface DiscardResult {
  /** The worktree removed, or null when there was none (the record says discarded all the same). */
  worktree: string | null;
  branch: string | null;
  /** The commits the branch had that the branch it started from lacks, lost with it (null: not known). */
  commits: number | null;
}

/**
 * Discard: a finished session's worktree and branch deleted, its work thrown away on purpose. The record
 * stays and says so (`metadata.merge.status: 'discarded'`), replacing the "kept" the merge back wrote, so
 * the session no longer reads as unmerged work.
 */
export async function discardSessionWork(manager: SessionManager, id: string): Promise<DiscardResult> {
  const pid = liveLockHolder(manager.paths.resumeLocksDir, id);
  if (pid !== null) throw new ProdigyError(`Session ${id} is running (PID ${pid}); stop it before discarding its work`);
  const session = await manager.getSession(id);
  const wt = await findSessionWorktree(worktreeRoots(manager), id);
  const target =
    wt?.originalBranch ||
    (typeof session.metadata.original_branch === 'string' ? session.metadata.original_branch : '');
  let commits: number | null = null;
  if (wt && target) commits = await countCommits(wt.repoRoot || wt.path, target, wt.branch).catch(() => null);
  if (wt) await removeSessionWorktree(wt, { deleteBranch: true, force: true });
  const branch = wt?.branch ?? (typeof session.metadata.branch === 'string' ? session.metadata.branch : null);
  await manager.updateSession(id, {
    metadata: { merge: { status: 'discarded', branch, target, commits, at: nowTimestamp() } },
  });
  return { worktree: wt?.path ?? null, branch, commits };
}

export interface DeleteSessionOptions {
  /** Also remove the session's worktree and its branch. */
  removeWorktree?: boolean;
  /**
   * With `removeWorktree`: lose no work. A worktree with uncommitted changes refuses the whole
   * delete (nothing is changed), and the branch goes only when git sees it merged into the
   * repository's current branch (`git branch -d`); otherwise it stays.
   */
  keepWork?: boolean;
}

export interface DeleteSessionResult {
  movedTo: string;
  /** The worktree removed, or null (not asked, or there was none). */
  worktree: string | null;
  /** The worktree's branch and whether it is gone now (deleted, or already gone); null when no worktree was removed. */
  branch: { name: string; deleted: boolean } | null;
}

/** Deletes a session (record and state moved aside) and, when asked, its worktree and branch. Refuses a session that is running. */
export async function deleteSessionAndWorktree(
  manager: SessionManager,
  id: string,
  opts: DeleteSessionOptions = {},
): Promise<DeleteSessionResult> {
  const pid = liveLockHolder(manager.paths.resumeLocksDir, id);
  if (pid !== null) throw new ProdigyError(`Session ${id} is running (PID ${pid}); stop it before deleting it`);
  let worktree: string | null = null;
  let branch: DeleteSessionResult['branch'] = null;
  const wt = opts.removeWorktree ? await findSessionWorktree(worktreeRoots(manager), id) : null;
  if (wt) {
    if (opts.keepWork) await refuseUncommitted(id, wt);
    // The same rule as `worktree clean`: with keepWork, a branch goes only once it is merged.
    const merged = opts.keepWork ? await worktreeBranchMerged(wt).catch(() => false) : null;
    const deleteBranch = !opts.keepWork || merged === true;
    await removeSessionWorktree(wt, { deleteBranch, force: true });
    worktree = wt.path;
    branch = { name: wt.branch, deleted: deleteBranch || merged === null };
  }
  const { movedTo } = await manager.deleteSession(id);
  return { movedTo, worktree, branch };
}

async function refuseUncommitted(id: string, wt: SessionWorktree): Promise<void> {
  const files = await uncommittedFiles(wt.path);
  if (files.length === 0) return;
  throw new ProdigyError(
    `the worktree ${wt.path} of session ${id} has ${plural(files.length, 'uncommitted file')}: ${fileList(files)}; ${nextStep({ kind: 'force-remove-worktree', sessionId: id })}`,
  );
}

export interface CleanUpOptions {
  /** Which finished statuses qualify (default: Completed only). Active ones (Running, Paused, Initializing) never do. */
  statuses?: readonly SessionStatus[];
}

const NEVER_CLEANED: ReadonlySet<SessionStatus> = new Set(['Running', 'Paused', 'Initializing']);

/** Sessions in `statuses` (default Completed) last updated more than `olderThanDays` ago. */
export async function sessionsToCleanUp(
  manager: SessionManager,
  olderThanDays: number,
  opts: CleanUpOptions = {},
): Promise<string[]> {
  const before = Date.now() - olderThanDays * 86_400_000;
  const statuses = (opts.statuses ?? ['Completed']).filter((s) => !NEVER_CLEANED.has(s));
  if (statuses.length === 0) return [];
  const { sessions } = await manager.listSessions({ status: statuses });
  return sessions.filter((s) => Date.parse(s.updated_at) < before).map((s) => s.id);
}
