// `sessions list`: the sessions of the home, newest first, for people and as JSON. Its own module, importing the
// core's store facade only, so listing sessions loads no workflow engine (the other `sessions` commands are in
// sessions.ts).
import {
  countUnimported,
  formatCost,
  NOT_MERGED,
  statusFromFiles,
  type OutcomeKind,
  type SessionManager,
  type SessionStatus,
} from '../../core/store';
import { oneLine, plural, progress, relativeTime, table, truncate } from '../format';
import { printBytes, type Io } from '../io';
import { isKeptListing, listingRenderKey } from '../listingCache';
import { jsonText } from '../terminalText';

export async function sessionsList(
  manager: SessionManager,
  io: Io,
  opts: { json: boolean; status?: SessionStatus; outcome?: OutcomeKind; notMerged?: boolean; limit?: number },
): Promise<void> {
  const { status, limit } = opts;
  const outcome = opts.notMerged ? NOT_MERGED : opts.outcome;
  const listing = await manager.listSessions({ status, outcome, limit });
  if (opts.json) {
    const text = jsonText({
      sessions: listing.sessions.map((s) => ({
        id: s.id,
        session_type: s.session_type,
        recorded_type: s.recorded_type,
        status: s.status,
        started_at: s.started_at,
        updated_at: s.updated_at,
        completed_at: s.completed_at,
        workflow_name: s.workflow_name,
        workflow_path: s.workflow_path,
        current_step: s.current_step,
        total_steps: s.total_steps,
        completed_steps: s.completed_steps,
        checkpoints: s.checkpoints,
        error: s.error,
        worktree_name: s.worktree_name,
        mapreduce: s.mapreduce,
        cost_usd: s.cost_usd ?? null,
        outcome: s.outcome,
        file: s.file,
      })),
      total: listing.total,
      unreadable: listing.unreadable,
    });
    // The full listing is printed again as it is while no session file changes (listingCache.ts).
    const key = isKeptListing(opts) ? listingRenderKey() : null;
    if (key === null) {
      (io.data ?? io.out)(text);
      return;
    }
    const bytes = Buffer.from(`${text}\n`); // encoded once, for the output and the kept listing
    printBytes(io, bytes);
    manager.keepRenderedListing(key, bytes);
    return;
  }
  if (listing.sessions.length === 0 && listing.unreadable.length === 0) {
    const which = [
      status && `with status ${status}`,
      opts.notMerged ? 'that are not merged' : opts.outcome && `with outcome ${opts.outcome}`,
    ].filter(Boolean);
    io.out(`No sessions in ${manager.paths.sessionsDir}${which.length ? ` ${which.join(' and ')}` : ''}.`);
  } else if (listing.sessions.length > 0) {
    io.out(
      table(
        ['ID', 'WORKFLOW', 'TYPE', 'STATUS', 'OUTCOME', 'PROGRESS', 'CHECKPOINTS', 'COST', 'STARTED', 'UPDATED'],
        listing.sessions.map((s) => [
          s.id,
          truncate(oneLine(s.workflow_name || '-'), 28),
          s.session_type,
          statusFromFiles(manager.paths, s),
          // The status says it for a session that has not completed (stopped, failed…): only a completion is split.
          s.outcome.detail ?? '-',
          progress(s),
          String(s.checkpoints),
          costCell(s.cost_usd),
          relativeTime(s.started_at),
          relativeTime(s.updated_at),
        ]),
      ),
    );
    if (listing.total > listing.sessions.length)
      io.out(`\n${listing.sessions.length} of ${listing.total} sessions shown.`);
  }
  if (listing.unreadable.length > 0) {
    io.out(
      `\nUnreadable files (${listing.unreadable.length}); nothing was changed. \`prodigy-vscode sessions quarantine\` moves them aside:`,
    );
    for (const u of listing.unreadable) io.out(`  ${oneLine(u.file)}: ${u.reason}`);
  }
  const orphans = countUnimported(manager);
  if (orphans > 0)
    io.out(
      `\n${plural(orphans, 'run')} ${orphans === 1 ? 'has' : 'have'} checkpoint files but no session record: \`prodigy-vscode migrate\` imports them.`,
    );
}

/** A table cell: `$0.38`, or `–` for a session that made no Claude call (or ran them in print mode). */
export function costCell(usd: number | null | undefined): string {
  return typeof usd === 'number' ? formatCost(usd) : '–';
}
