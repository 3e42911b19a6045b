// `worktree ls` and `worktree clean`: the session worktrees under the home, and removing the ones
// whose sessions are done. The rules (what may go, what stays) are the core's.
import {
  cleanSessionWorktrees,
  sessionWorktrees,
  worktreeRoots,
  type CleanDecision,
  type KeepReason,
  type SessionManager,
  type SessionWorktreeEntry,
} from '../../core';
import { table } from '../format';
import { printJson, type Io } from '../io';

export async function worktreeList(manager: SessionManager, io: Io, opts: { json: boolean }): Promise<number> {
  const entries = await sessionWorktrees(manager);
  if (opts.json) {
    printJson(
      io,
      entries.map((e) => ({
        session_id: e.sessionId,
        repo: e.worktree.repoName,
        path: e.worktree.path,
        branch: e.worktree.branch,
        original_branch: e.worktree.originalBranch || null,
        status: e.status,
        record_error: e.recordProblem,
        worktree_status: e.metadata?.status ?? null,
        merged: e.metadata?.merged ?? null,
      })),
    );
    return 0;
  }
  if (entries.length === 0) {
    io.out(`No session worktrees under ${worktreeRoots(manager).join(' or ')}.`);
    return 0;
  }
  io.out(
    table(
      ['SESSION', 'REPO', 'BRANCH', 'STATUS', 'PATH'],
      entries.map((e) => [e.sessionId, e.worktree.repoName, e.worktree.branch, statusText(e), e.worktree.path]),
    ),
  );
  return 0;
}

export async function worktreeClean(
  manager: SessionManager,
  io: Io,
  id: string | undefined,
  opts: { all: boolean; force: boolean; dryRun: boolean; json: boolean },
): Promise<number> {
  const report = await cleanSessionWorktrees(manager, {
    sessionId: id,
    all: opts.all,
    force: opts.force,
    dryRun: opts.dryRun,
  });
  const failed = report.decisions.some((d) => d.refused || d.error);
  if (opts.json) {
    printJson(io, {
      dry_run: report.dryRun,
      removed: report.decisions
        .filter((d) => !d.kept && !d.error)
        .map((d) => ({
          session_id: d.entry.sessionId,
          path: d.entry.worktree.path,
          branch: d.entry.worktree.branch,
          branch_deleted: d.branch?.deleted ?? false,
        })),
      kept: report.decisions
        .filter((d) => d.kept || d.error)
        .map((d) => ({
          session_id: d.entry.sessionId,
          path: d.entry.worktree.path,
          reason: d.kept?.reason ?? 'error',
          message: d.kept?.message ?? d.error,
          refused: d.refused,
          files: d.kept?.files ?? [],
        })),
    });
    return failed ? 1 : 0;
  }
  if (report.decisions.length === 0) {
    io.out(`No session worktrees under ${worktreeRoots(manager).join(' or ')}.`);
    return 0;
  }
  for (const d of report.decisions) {
    if (d.error) io.err(`prodigy-vscode: could not remove ${d.entry.worktree.path}: ${d.error}`);
    else if (d.kept && d.refused) io.err(`prodigy-vscode: not removing ${d.entry.worktree.path}: ${d.kept.message}`);
    else if (!d.kept)
      io.out(
        `${report.dryRun ? 'Would remove' : 'Removed'} ${d.entry.worktree.path} (session ${d.entry.sessionId}, ${statusText(d.entry)}); ${branchText(d, report.dryRun)}`,
      );
  }
  // One named worktree: its line says it all.
  if (id === undefined || !failed) io.out(summary(report.decisions, report.dryRun));
  return failed ? 1 : 0;
}

function statusText(e: SessionWorktreeEntry): string {
  return e.status ?? (e.recordProblem ? 'unreadable record' : 'no session');
}

function branchText(d: CleanDecision, dryRun: boolean): string {
  const { branch, originalBranch: target } = d.entry.worktree;
  if (d.branch?.merged === null) return `branch ${branch} was already gone`;
  if (d.branch?.deleted) return `${dryRun ? 'would delete' : 'deleted'} branch ${branch} (merged)`;
  // Unmerged commits live only on the branch: it stays, and the way to finish is spelled out.
  return `kept branch ${branch}: not merged${target ? ` into ${target}` : ''} (prodigy-vscode merge ${d.entry.sessionId}, or git branch -D ${branch})`;
}

const KEPT_LABELS: Record<KeepReason | 'error', string> = {
  active: 'session not finished',
  'running-process': 'in use',
  uncommitted: 'uncommitted changes',
  failed: 'Failed, --all removes',
  'no-record': 'no session record, --all removes',
  'unreadable-record': 'unreadable record',
  'other-home': 'no record in this home',
  error: 'git failed',
};

/** `Removed 2 worktrees; kept 1 (uncommitted changes: workflow-1)`. */
function summary(decisions: CleanDecision[], dryRun: boolean): string {
  const removed = decisions.filter((d) => !d.kept && !d.error).length;
  const kept = new Map<string, string[]>();
  for (const d of decisions) {
    if (!d.kept && !d.error) continue;
    const label = KEPT_LABELS[d.error ? 'error' : d.kept!.reason];
    kept.set(label, [...(kept.get(label) ?? []), d.entry.sessionId]);
  }
  const keptCount = decisions.length - removed;
  const head = `${dryRun ? 'Would remove' : 'Removed'} ${removed} worktree${removed === 1 ? '' : 's'}`;
  const why = [...kept].map(([label, ids]) => `${label}: ${ids.join(', ')}`).join('; ');
  const tail = keptCount ? `; ${dryRun ? 'would keep' : 'kept'} ${keptCount} (${why})` : '';
  return `${head}${tail}.${dryRun ? ' Dry run: nothing was removed.' : ''}`;
}
