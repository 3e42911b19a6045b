// What an entry point refuses before it starts: a workflow with nothing to run, a session whose folder is gone.
// A session that never started (its start failed or was killed before its worktree was recorded) gets one now.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProdigyError } from '../errors';
import { createSessionWorktree, removeLeftGitLocks, runGit, type SessionWorktree } from '../git';
import type { UnifiedSession } from '../model/session';
import type { SessionManager } from '../sessions/sessionManager';
import type { SessionLog } from '../steps/sessionLog';
import type { Workflow } from '../workflow/model';
import { findSessionFolder, worktreeRoots } from '../worktrees/sessionFolder';

/** A dead start's worktree back where it began; false when the folder is not (yet) a worktree git can reset. */
async function resetToStart(dir: string): Promise<boolean> {
  if (!fs.statSync(path.join(dir, '.git'), { throwIfNoEntry: false })?.isFile()) return false;
  try {
    return (await runGit(dir, ['reset', '--hard', '-q'], { allowFail: true })).code === 0;
  } catch {
    return false;
  }
}

/** A workflow with nothing to run is refused before a session is made for it. */
export function assertRunnable(workflow: Workflow): void {
  if (workflow.shape !== 'mapreduce' && workflow.steps.length === 0)
    throw new ProdigyError(`${workflow.path}: Workflow has no steps to execute`);
  if (workflow.shape === 'mapreduce' && workflow.mapreduce!.map.agent_template.length === 0)
    throw new ProdigyError(`${workflow.path}: map.agent_template has no steps`);
}

/**
 * A session whose start never got as far as recording its worktree: no worktree in its record, no checkpoint,
 * and still Initializing (its process died) or Failed at the start. Nothing of it ran, so a resume starts it.
 */
export function neverStarted(session: UnifiedSession): boolean {
  const m = session.metadata;
  const started = typeof m.worktree_path === 'string' || session.checkpoints.length > 0;
  const failedAtStart = session.status === 'Failed' && (session.error ?? '').startsWith('Could not start');
  return m.worktree === true && !started && (session.status === 'Initializing' || failedAtStart);
}

/**
 * The folder a resume runs in; a clear error when the worktree is gone. A session that never started gets its
 * worktree now (or the one its dead start left, reset to where it began: nothing of the session is in it).
 */
export async function folderOrThrow(
  manager: SessionManager,
  session: UnifiedSession,
): Promise<{ worktree: SessionWorktree | null; cwd: string }> {
  const { worktree, cwd } = await findSessionFolder(manager, session);
  const project = typeof session.metadata.project_dir === 'string' ? session.metadata.project_dir : null;
  if (cwd && worktree && neverStarted(session)) {
    if (await resetToStart(worktree.path)) return { worktree, cwd };
    // A start killed while git was making the worktree left a folder that is not one yet: it is made again below.
    fs.rmSync(worktree.path, { recursive: true, force: true });
    if (project) await runGit(project, ['worktree', 'prune'], { allowFail: true }).catch(() => undefined);
  } else if (cwd) return { worktree, cwd };
  if (neverStarted(session) && project) {
    const made = await createSessionWorktree({
      repo: project,
      sessionId: session.id,
      worktreesRoot: manager.paths.worktreesDir,
      reuseBranch: true,
    });
    await manager.updateSession(session.id, {
      ...(session.workflow_data ? { workflow_data: { worktree_name: session.id } } : {}),
      metadata: {
        worktree_path: made.path,
        branch: made.branch,
        original_branch: made.originalBranch,
        repo: made.repoRoot,
      },
    });
    return { worktree: made, cwd: made.path };
  }
  throw new ProdigyError(
    `Cannot resume session ${session.id}: its worktree was not found under ${worktreeRoots(manager).join(' or ')}`,
  );
}

/**
 * A session still Running when its resume holds its lock was interrupted: its process is gone. The git locks its
 * killed steps left in the session's own worktree (git/leftLocks.ts) would fail the steps that run again, so they
 * go, each named in the log.
 */
export async function removeInterruptedGitLocks(
  session: UnifiedSession,
  worktree: SessionWorktree | null,
  log: SessionLog,
): Promise<void> {
  if (session.status !== 'Running' || !worktree) return;
  for (const file of await removeLeftGitLocks(worktree.path, Date.now()))
    log.message('warning', `Removed ${file}: a git lock the interrupted run left behind`);
}
