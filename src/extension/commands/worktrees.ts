// Clean Up Worktrees…: the session worktrees no row offers to remove. A plain Delete keeps a session's worktree
// (its commits may be unmerged), and a crash or Prodigy's own CLI leaves others: those whose session record is gone,
// and those of sessions that ended for good (merged, discarded, abandoned). Each is picked from a list that says
// what it still holds (its branch, uncommitted files); git removes it, and its branch goes only once merged.
import * as vscode from 'vscode';
import {
  cleanSessionWorktrees,
  sessionWorktrees,
  uncommittedFiles,
  type SessionManager,
  type SessionWorktreeEntry,
} from '../../core';
import { describeSession, plural } from '../messages/words';
import { askRemoveDirtyWorktrees, showNoWorktreesLeft, showWorktreesCleaned } from '../messages/worktrees';
import { confirmed } from './answers';
import { guarded, requireTrust, type CommandContext, type CommandTable } from './context';

interface WorktreePick extends vscode.QuickPickItem {
  readonly entry: SessionWorktreeEntry;
  readonly dirty: number;
}

/** A worktree no row offers to remove: its session's record is gone, or the session is over and settled. */
async function leftBehind(manager: SessionManager, e: SessionWorktreeEntry): Promise<string | null> {
  if (e.recordProblem) return null;
  if (e.status === null) return e.inHome ? 'its session was deleted' : null;
  if (e.status === 'Cancelled') return 'its session was abandoned';
  if (e.status !== 'Completed') return null;
  const s = await manager.getSession(e.sessionId).catch(() => null);
  const decision = (s?.metadata.merge as { status?: unknown } | undefined)?.status;
  return decision === 'merged' ? 'its session was merged' : decision === 'discarded' ? 'its work was discarded' : null;
}

async function picks(manager: SessionManager): Promise<WorktreePick[]> {
  const out: WorktreePick[] = [];
  for (const entry of await sessionWorktrees(manager)) {
    const why = await leftBehind(manager, entry);
    if (!why) continue;
    const s = entry.status === null ? null : await manager.getSession(entry.sessionId).catch(() => null);
    const dirty = (await uncommittedFiles(entry.worktree.path).catch(() => [])).length;
    out.push({
      entry,
      dirty,
      label: s ? describeSession(s) : `Deleted session · ${entry.worktree.branch ?? entry.sessionId}`,
      description: [why, dirty ? plural(dirty, 'uncommitted file') : undefined].filter(Boolean).join(' · '),
      detail: entry.worktree.path,
      picked: dirty === 0,
    });
  }
  return out;
}

export function worktreeCommands({ homes, tree }: CommandContext): CommandTable {
  return {
    // The view's "…" menu and the palette; `{ sessionIds, confirm }` for a test (no questions).
    'prodigy.cleanUpWorktrees': async (arg) => {
      if (!requireTrust()) return undefined;
      const { manager } = homes.current;
      const candidates = await guarded('could not list the session worktrees', () => picks(manager));
      if (!candidates) return undefined;
      if (candidates.length === 0) {
        showNoWorktreesLeft();
        return [];
      }
      const given = (arg as { sessionIds?: unknown } | undefined)?.sessionIds;
      const chosen = Array.isArray(given)
        ? candidates.filter((c) => given.includes(c.entry.sessionId))
        : await vscode.window.showQuickPick(candidates, {
            title: 'Clean Up Worktrees',
            placeHolder: 'The worktrees to remove (a branch goes too only once merged)',
            canPickMany: true,
            matchOnDescription: true,
            matchOnDetail: true,
          });
      if (!chosen?.length) return undefined;
      const dirty = chosen.filter((c) => c.dirty > 0);
      if (dirty.length && !confirmed(arg) && !(await askRemoveDirtyWorktrees(dirty.map((c) => c.label))))
        return undefined;
      const removed: string[] = [];
      let branchesKept = 0;
      for (const c of chosen) {
        const report = await guarded(`could not remove ${c.entry.worktree.path}`, () =>
          cleanSessionWorktrees(manager, { sessionId: c.entry.sessionId, all: true, force: c.dirty > 0 }),
        );
        const decision = report?.decisions[0];
        if (!decision || decision.kept || decision.error) continue;
        removed.push(c.entry.worktree.path);
        if (!decision.branch?.deleted) branchesKept++;
      }
      tree.refresh();
      showWorktreesCleaned(removed.length, branchesKept);
      return removed;
    },
  };
}
