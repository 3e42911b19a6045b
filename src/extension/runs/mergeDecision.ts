// The end-of-run merge decision as a state, not a toast: a run that ends with the question unanswered keeps its
// branch and is marked `metadata.merge.decision: 'pending'` in its record (so a reload still shows it), until
// Merge, Keep or Discard answers it (each rewrites `metadata.merge`, which drops the marker). The question, its
// Review Changes (the branch against its merge base, as one multi-file diff) and Keep live here; the row, the
// status bar and the notification all lead to them.
import * as vscode from 'vscode';
import {
  changedFiles,
  findSessionWorktree,
  runGit,
  sessionOutcome,
  worktreeRoots,
  type ChangedFile,
  type SessionManager,
  type SessionWorktree,
} from '../../core';
import { changeRow } from '../documents/gitContentDocuments';
import { offerMergeDecision, showBranchKept, showNoBranchChanges } from '../messages/runs';
import { describeSession } from '../messages/words';

/** Marks a kept branch as waiting for the user's decision (nothing if its merge record is not `kept`). */
export async function markAwaitingDecision(manager: SessionManager, id: string): Promise<void> {
  await manager.updateSession(id, (s) => {
    const merge = s.metadata.merge as Record<string, unknown> | undefined;
    if (merge?.status !== 'kept') return s;
    return { ...s, metadata: { ...s.metadata, merge: { ...merge, decision: 'pending' } } };
  });
}

/** Keep: the branch stays, decided (the marker goes; the row then says "branch kept"). */
export async function keepBranch(manager: SessionManager, id: string): Promise<void> {
  const s = await manager.updateSession(id, (s) => {
    const merge = s.metadata.merge as Record<string, unknown> | undefined;
    if (!merge || !('decision' in merge)) return s;
    const { decision: _decision, ...rest } = merge;
    return { ...s, metadata: { ...s.metadata, merge: rest } };
  });
  const branch = (s.metadata.merge as { branch?: unknown } | undefined)?.branch;
  showBranchKept(describeSession(s), typeof branch === 'string' ? branch : `prodigy-${id}`);
}

/** The session's branch, the branch it started from, and the commits the first has that the second lacks. */
export async function branchOf(
  manager: SessionManager,
  id: string,
): Promise<{ wt: SessionWorktree; base: string; commits: number | null } | undefined> {
  const wt = await findSessionWorktree(worktreeRoots(manager), id);
  if (!wt) return undefined;
  const s = await manager.getSession(id);
  const base =
    wt.originalBranch || (typeof s.metadata.original_branch === 'string' ? s.metadata.original_branch : '') || 'HEAD';
  const count = await runGit(wt.path, ['rev-list', '--count', `${base}..${wt.branch}`], { allowFail: true });
  const commits = count.code === 0 ? Number(count.stdout.trim()) : null;
  return { wt, base, commits: Number.isFinite(commits) ? commits : null };
}

/** Opens the branch's changes against where it left its base (`base...branch`) in one multi-file diff. */
export async function reviewBranchChanges(manager: SessionManager, id: string): Promise<ChangedFile[]> {
  const found = await branchOf(manager, id);
  if (!found) throw new Error(`session ${id} has no worktree (it ran in place, or its worktree was removed)`);
  const { wt, base } = found;
  const s = await manager.getSession(id);
  const mergeBase = (await runGit(wt.path, ['merge-base', base, wt.branch])).stdout.trim();
  const files = await changedFiles(wt.path, mergeBase, wt.branch);
  if (files.length === 0) {
    showNoBranchChanges(describeSession(s), base);
    return files;
  }
  await vscode.commands.executeCommand(
    'vscode.changes',
    `${s.workflow_data?.workflow_name || id}: ${wt.branch} against ${base}`,
    files.map((f) => changeRow(wt.path, f, mergeBase, wt.branch)),
  );
  return files;
}

/** Shows the merge question for a session that waits on it (again, from the row or the status bar). */
export async function askMergeDecision(manager: SessionManager, id: string): Promise<void> {
  const s = await manager.getSession(id);
  const merge = (s.metadata.merge ?? {}) as { branch?: unknown; target?: unknown; commits?: unknown };
  const found = typeof merge.commits === 'number' ? undefined : await branchOf(manager, id);
  const mr = s.mapreduce_data;
  offerMergeDecision(
    {
      sessionId: id,
      who: describeSession(s),
      branch: typeof merge.branch === 'string' ? merge.branch : (found?.wt.branch ?? `prodigy-${id}`),
      target: typeof merge.target === 'string' ? merge.target : (found?.base ?? 'its base branch'),
      commits: typeof merge.commits === 'number' ? merge.commits : (found?.commits ?? 0),
      failed: mr && mr.failed_items > 0 ? `${mr.failed_items} of ${mr.total_items} items failed` : null,
    },
    async () => {
      await reviewBranchChanges(manager, id);
      // Asked again beside the diff: the review is for deciding.
      if (sessionOutcome(await manager.getSession(id)).awaiting) await askMergeDecision(manager, id);
    },
  );
}
