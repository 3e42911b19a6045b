// What an entry point refuses before it starts: a workflow with nothing to run, a session whose folder is gone.
import { ProdigyError } from '../errors';
import type { SessionWorktree } from '../git';
import type { UnifiedSession } from '../model/session';
import type { SessionManager } from '../sessions/sessionManager';
import type { Workflow } from '../workflow/model';
import { findSessionFolder, worktreeRoots } from '../worktrees/sessionFolder';

/** A workflow with nothing to run is refused before a session is made for it. */
export function assertRunnable(workflow: Workflow): void {
  if (workflow.shape !== 'mapreduce' && workflow.steps.length === 0)
    throw new ProdigyError(`${workflow.path}: Workflow has no steps to execute`);
  if (workflow.shape === 'mapreduce' && workflow.mapreduce!.map.agent_template.length === 0)
    throw new ProdigyError(`${workflow.path}: map.agent_template has no steps`);
}

/** The folder a resume runs in; a clear error when the worktree is gone. */
export async function folderOrThrow(
  manager: SessionManager,
  session: UnifiedSession,
): Promise<{ worktree: SessionWorktree | null; cwd: string }> {
  const { worktree, cwd } = await findSessionFolder(manager, session);
  if (!cwd)
    throw new ProdigyError(
      `Cannot resume session ${session.id}: its worktree was not found under ${worktreeRoots(manager).join(' or ')}`,
    );
  return { worktree, cwd };
}
