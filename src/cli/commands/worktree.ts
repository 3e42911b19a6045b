// `worktree ls`, `worktree clean` and `worktree merge`: the session worktrees under the home, removing the ones
// whose sessions are done, and merging their branches back. The rules (what may go, what stays) are the core's.
import {
  NOT_MERGED,
  cleanAgentWorktrees,
  cleanSessionWorktrees,
  errorMessage,
  findSessionWorktree,
  mergeSession,
  statusFromFiles,
  sessionWorktrees,
  worktreeRoots,
  type AgentCleanReport,
  type CleanDecision,
  type KeepReason,
  type SessionManager,
  type SessionWorktreeEntry,
} from '../../core';
import { plural, table } from '../format';
import { printJson, UsageError, type Io } from '../io';
import type { MergeConflictMode } from '../values';
import { mergeCommand } from './run';
import { claudeConfig, describeMerge, mergeConflictsOf } from './runOutput';

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
      entries.map((e) => [
        e.sessionId,
        e.worktree.repoName,
        e.worktree.branch,
        statusText(manager, e),
        e.worktree.path,
      ]),
    ),
  );
  return 0;
}

export async function worktreeClean(
  manager: SessionManager,
  io: Io,
  id: string | undefined,
  opts: {
    all: boolean;
    force: boolean;
    dryRun: boolean;
    json: boolean;
    mapreduce: boolean;
    olderThan?: number;
    jobId?: string;
  },
): Promise<number> {
  if (opts.mapreduce) {
    if (id !== undefined)
      throw new UsageError('--mapreduce cleans agent worktrees: name a job with --job-id, not a session');
    if (opts.all) throw new UsageError('--all is for session worktrees; --mapreduce takes --job-id and --older-than');
    const report = await cleanAgentWorktrees(manager, {
      jobId: opts.jobId,
      olderThanMs: opts.olderThan,
      force: opts.force,
      dryRun: opts.dryRun,
    });
    return reportAgents(manager, io, report, opts.json);
  }
  if (opts.olderThan !== undefined || opts.jobId !== undefined)
    throw new UsageError('--older-than and --job-id go with --mapreduce (agent worktrees)');
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
        `${report.dryRun ? 'Would remove' : 'Removed'} ${d.entry.worktree.path} (session ${d.entry.sessionId}, ${statusText(manager, d.entry)}); ${branchText(d, report.dryRun)}`,
      );
  }
  // One named worktree: its line says it all.
  if (id === undefined || !failed) io.out(summary(report.decisions, report.dryRun));
  return failed ? 1 : 0;
}

/** The session's status as `sessions list` says it ("Interrupted", "Running?"), or why there is none. */
function statusText(manager: SessionManager, e: SessionWorktreeEntry): string {
  if (e.status === null) return e.recordProblem ? 'unreadable record' : 'no session';
  return statusFromFiles(manager.paths, { id: e.sessionId, status: e.status, updated_at: e.updatedAt ?? '' });
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

export interface WorktreeMergeFlags {
  all: boolean;
  json: boolean;
  claudeCommand?: string;
  mergeConflicts?: MergeConflictMode;
  verbose: number;
}

/**
 * `worktree merge <id>` is `merge <id>`; `--all` merges every Completed session whose work is still on its
 * branch (kept, a conflict, a failed merge), one line each, going on past a conflict. Exit 3 if any did not merge.
 */
export async function worktreeMerge(
  manager: SessionManager,
  io: Io,
  id: string | undefined,
  flags: WorktreeMergeFlags,
): Promise<number> {
  if (id !== undefined && flags.all) throw new UsageError('give a session id or --all, not both');
  if (id !== undefined) return mergeCommand(manager, io, id, flags);
  if (!flags.all) throw new UsageError('missing <session-id> (or --all: every completed session not merged yet)');
  const { sessions } = await manager.listSessions({ status: 'Completed', outcome: NOT_MERGED });
  const mergeConflicts = mergeConflictsOf(flags.mergeConflicts);
  const claude = claudeConfig(flags.claudeCommand);
  const results: { session_id: string; status: string; merge: unknown; error: string | null }[] = [];
  for (const s of [...sessions].reverse()) {
    // Oldest first: a later session's branch may build on what an earlier one merged.
    const line = (status: string, text: string, merge: unknown = null, error: string | null = null) => {
      results.push({ session_id: s.id, status, merge, error });
      if (!flags.json) io.out(`${s.id}: ${text}`);
    };
    if (!(await findSessionWorktree(worktreeRoots(manager), s.id))) {
      line('skipped', `skipped: its worktree is gone (git merge prodigy-${s.id} by hand, if the branch is there)`);
      continue;
    }
    try {
      const outcome = await mergeSession({
        manager,
        sessionId: s.id,
        claude,
        ...(mergeConflicts ? { mergeConflicts } : {}),
      });
      const ok = outcome.status === 'merged' || outcome.status === 'up-to-date';
      line(
        ok ? 'merged' : 'not-merged',
        `${ok ? '' : 'not merged: '}${describeMerge(outcome) ?? outcome.status}`,
        outcome,
      );
    } catch (err) {
      line('not-merged', `not merged: ${errorMessage(err).split('\n')[0]}`, null, errorMessage(err));
    }
  }
  const failed = results.filter((r) => r.status === 'not-merged').length;
  if (flags.json) printJson(io, { sessions: results });
  else if (results.length === 0) io.out('No completed session has work left to merge.');
  else {
    const merged = results.filter((r) => r.status === 'merged').length;
    io.out(
      `Merged ${merged} of ${plural(results.length, 'session')}${failed ? `; ${failed} did not merge (exit 3)` : ''}.`,
    );
  }
  return failed ? 3 : 0;
}

/** `worktree clean-orphaned [<job-id>]`: the agent worktrees a crashed or killed MapReduce run left behind. */
export async function worktreeCleanOrphaned(
  manager: SessionManager,
  io: Io,
  jobId: string | undefined,
  opts: { dryRun: boolean; force: boolean; json: boolean },
): Promise<number> {
  const report = await cleanAgentWorktrees(manager, { jobId, force: opts.force, dryRun: opts.dryRun });
  return reportAgents(manager, io, report, opts.json);
}

/** Each agent worktree removed or kept, with why; exit 1 when one stays against the wish (uncommitted) or git failed. */
function reportAgents(manager: SessionManager, io: Io, report: AgentCleanReport, json: boolean): number {
  const gone = report.decisions.filter((d) => !d.kept && !d.error);
  const failed = report.decisions.some((d) => d.kept?.refused || d.error);
  if (json) {
    printJson(io, {
      dry_run: report.dryRun,
      removed: gone.map((d) => ({
        path: d.path,
        job_id: d.jobId,
        session_id: d.sessionId,
        branch: d.branch,
        branch_deleted: d.branchResult?.deleted ?? false,
        registered: d.registry !== null,
      })),
      kept: report.decisions
        .filter((d) => d.kept || d.error)
        .map((d) => ({
          path: d.path,
          job_id: d.jobId,
          session_id: d.sessionId,
          reason: d.kept?.reason ?? 'error',
          message: d.kept?.message ?? d.error,
        })),
      newer: report.newer,
    });
    return failed ? 1 : 0;
  }
  if (report.decisions.length === 0) {
    const newer = report.newer ? ` (${report.newer} newer than --older-than)` : '';
    io.out(`No MapReduce agent worktrees left behind under ${worktreeRoots(manager).join(' or ')}${newer}.`);
    return 0;
  }
  const verb = report.dryRun ? 'Would remove' : 'Removed';
  for (const d of report.decisions) {
    const whose = [
      d.jobId && `job ${d.jobId}`,
      d.sessionId && `session ${d.sessionId}${d.status ? `, ${d.status}` : ''}`,
    ]
      .filter(Boolean)
      .join(', ');
    const what = `${d.path}${whose ? ` (${whose})` : ''}`;
    if (d.error) io.err(`prodigy-vscode: could not remove ${what}: ${d.error}`);
    else if (d.kept)
      (d.kept.refused ? io.err : io.out)(
        `${d.kept.refused ? 'prodigy-vscode: not removing' : 'Kept'} ${what}: ${d.kept.message}`,
      );
    else {
      const branch = d.branchResult
        ? `; ${report.dryRun ? d.branchResult.message.replace(/^deleted/, 'would delete') : d.branchResult.message}`
        : '';
      if (d.exists) io.out(`${verb} ${what}${branch}`);
      else io.out(`${report.dryRun ? 'Would drop' : 'Dropped'} ${what}: its folder was already gone${branch}`);
    }
  }
  const kept = report.decisions.length - gone.length;
  io.out(
    `${verb} ${plural(gone.length, 'agent worktree')}${kept ? `; kept ${kept}` : ''}.${report.dryRun ? ' Dry run: nothing was removed.' : ''}`,
  );
  return failed ? 1 : 0;
}
