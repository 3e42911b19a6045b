// Where a session's files are: its worktree (found where `prodigy resume` looks), or the project
// folder when it ran in place. One lookup for resume, restore, merge and the extension.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findSessionWorktree, type SessionWorktree } from '../git';
import type { UnifiedSession } from '../model/session';
import type { SessionManager } from '../sessions/sessionManager';

/** H/worktrees, then ~/.prodigy/worktrees (Prodigy makes worktrees there whatever PRODIGY_HOME says). */
export function worktreeRoots(manager: SessionManager): string[] {
  return [...new Set([manager.paths.worktreesDir, path.join(os.homedir(), '.prodigy', 'worktrees')])];
}

export interface SessionFolder {
  worktree: SessionWorktree | null;
  /** The worktree, or the project folder of a session that ran in place; null when neither is there. */
  cwd: string | null;
  inPlace: boolean;
}

export async function findSessionFolder(manager: SessionManager, session: UnifiedSession): Promise<SessionFolder> {
  const worktree = await findSessionWorktree(worktreeRoots(manager), session.id);
  if (worktree) return { worktree, cwd: worktree.path, inPlace: false };
  const project = session.metadata.project_dir;
  const inPlace = session.metadata.worktree === false && typeof project === 'string' && fs.existsSync(project);
  return { worktree: null, cwd: inPlace ? (project as string) : null, inPlace };
}

/** The `--args` a run was started with (resume and merge interpolate with them again). */
export function sessionArgs(session: UnifiedSession): string[] {
  return Array.isArray(session.metadata.args) ? session.metadata.args.map(String) : [];
}
