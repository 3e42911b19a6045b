// Removing what sessions leave behind: a session's worktree and branch, and old completed
// sessions. Records are moved aside (SessionManager.deleteSession), never destroyed.
import { ProdigyError } from '../errors';
import { findSessionWorktree, removeSessionWorktree } from '../git';
import type { SessionManager } from '../sessions/sessionManager';
import { liveLockHolder } from './resumeLock';
import { worktreeRoots } from './sessionFolder';

export { worktreeRoots };

/** Removes a session's worktree and its branch (the branch only when `deleteBranch`). Returns the path removed, or null when there was none. */
export async function removeWorktreeOf(manager: SessionManager, id: string, opts: { deleteBranch?: boolean } = {}): Promise<string | null> {
  const wt = await findSessionWorktree(worktreeRoots(manager), id);
  if (!wt) return null;
  await removeSessionWorktree(wt, { deleteBranch: opts.deleteBranch, force: true });
  return wt.path;
}

/** Deletes a session (record and state moved aside) and, when asked, its worktree and branch. Refuses a session that is running. */
export async function deleteSessionAndWorktree(manager: SessionManager, id: string, opts: { removeWorktree?: boolean } = {}): Promise<{ movedTo: string; worktree: string | null }> {
  const pid = liveLockHolder(manager.paths.resumeLocksDir, id);
  if (pid !== null) throw new ProdigyError(`Session ${id} is running (PID ${pid}); stop it before deleting it`);
  const worktree = opts.removeWorktree ? await removeWorktreeOf(manager, id, { deleteBranch: true }) : null;
  const { movedTo } = await manager.deleteSession(id);
  return { movedTo, worktree };
}

/** Completed sessions last updated more than `olderThanDays` ago. */
export async function sessionsToCleanUp(manager: SessionManager, olderThanDays: number): Promise<string[]> {
  const before = Date.now() - olderThanDays * 86_400_000;
  const { sessions } = await manager.listSessions({ status: 'Completed' });
  return sessions.filter((s) => Date.parse(s.updated_at) < before).map((s) => s.id);
}
