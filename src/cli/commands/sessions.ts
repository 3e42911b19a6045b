// `sessions list|show|delete|quarantine|clean`: the session records of the home, for people and as JSON.
import {
  checkpointStepText,
  deleteSessionAndWorktree,
  displayName,
  errorMessage,
  findSessionWorktree,
  isStale,
  NOT_MERGED,
  recordedLiveness,
  runsByRecord,
  readTotals,
  sessionOutcome,
  sessionsToCleanUp,
  usageLine,
  worktreeRoots,
  type SessionOutcome,
  type SessionManager,
  type SessionStatus,
  type SessionSummary,
  ProdigyError,
} from '../../core';
import * as fs from 'node:fs';
import { oneLine, plural, relativeTime, table, truncate } from '../format';
import { printJson, type Io } from '../io';
import { claudeSums, costCell, itemCalls, stepCalls, tokenBreakdown, toolsText } from './claudeUsage';

export async function sessionsShow(
  manager: SessionManager,
  io: Io,
  id: string,
  opts: { json: boolean },
): Promise<void> {
  const session = await manager.getSession(id);
  if (opts.json) {
    printJson(io, session);
    return;
  }
  const { checkpoints, unreadable } = await manager.listCheckpoints(id);
  const wf = session.workflow_data;
  const mr = session.mapreduce_data;
  const status = statusText(manager, session);
  const rows: [string, string][] = [
    ['Session', session.id],
    [
      'Workflow',
      displayName({ id: session.id, workflow_name: wf?.workflow_name ?? String(session.metadata.workflow_name ?? '') }),
    ],
    [
      'Type',
      `${mr ? 'MapReduce' : wf ? 'Workflow' : session.session_type}${mr && session.session_type !== 'MapReduce' ? ` (recorded as ${session.session_type})` : ''}`,
    ],
    ['Status', status],
    // "running" would contradict an interrupted or stale run's status.
    [
      'Outcome',
      status === session.status ? outcomeText(session.id, sessionOutcome(session)) : 'none yet (not finished)',
    ],
    ['Started', `${session.started_at} (${relativeTime(session.started_at)})`],
    ['Updated', `${session.updated_at} (${relativeTime(session.updated_at)})`],
    ['Completed', session.completed_at ?? '-'],
  ];
  if (typeof session.metadata.workflow_path === 'string') rows.push(['Workflow file', session.metadata.workflow_path]);
  if (wf) {
    const total = wf.total_steps || Number(session.metadata.total_steps ?? 0);
    const finished = session.status === 'Completed' || session.status === 'Cancelled';
    rows.push([
      'Steps',
      `${wf.completed_steps.length} of ${total || '?'} done${finished ? '' : `, next step ${wf.current_step + 1}`}`,
    ]);
    const m = session.metadata;
    if (typeof m.iterations === 'number')
      rows.push([
        'Iterations',
        `${wf.iterations_completed} done of up to ${m.iterations} (a run stops after an iteration that changes nothing)`,
      ]);
    if (Array.isArray(m.inputs)) rows.push(['Inputs', m.inputs.map(String).join(', ')]);
    if (wf.worktree_name) rows.push(['Worktree', wf.worktree_name]);
    if (Object.keys(wf.variables).length) rows.push(['Variables', Object.keys(wf.variables).join(', ')]);
  }
  // A MapReduce record keeps only the worktree's path.
  if (mr && typeof session.metadata.worktree_path === 'string') rows.push(['Worktree', session.metadata.worktree_path]);
  if (mr)
    rows.push([
      'MapReduce',
      `job ${mr.job_id}, phase ${mr.phase}, ${mr.processed_items}/${mr.total_items} items, ${mr.failed_items} failed`,
    ]);
  // A Paused session's error says why it paused (its Claude budget); any other is what went wrong.
  const errorKey = session.status === 'Paused' ? 'Paused because' : 'Error';
  if (session.error) rows.push([errorKey, session.error]);
  const claude = readTotals(session.metadata);
  if (claude) {
    rows.push(['Claude', claudeSums(claude)], ['Claude tokens', tokenBreakdown(claude)]);
    const last = claude.last;
    if (last?.claude_session_id)
      rows.push([
        'Claude session',
        `${last.claude_session_id} (the last call's; claude --resume ${last.claude_session_id}${last.cwd ? ` in ${last.cwd}` : ''})`,
      ]);
    if (last?.json_log_location)
      rows.push([
        'Transcript',
        fs.existsSync(last.json_log_location)
          ? `${last.json_log_location} (prodigy-vscode logs ${session.id} --claude)`
          : `${last.json_log_location} (gone)`,
      ]);
  }
  rows.push(['File', manager.paths.sessionFile(session.id)]);
  const width = Math.max(...rows.map(([k]) => k.length));
  // Each value on its row; an error is text a step printed, so its lines stay, indented under the first.
  const shown = (k: string, v: string) =>
    k === errorKey ? v.split('\n').join(`\n${' '.repeat(width + 2)}`) : oneLine(v);
  io.out(rows.map(([k, v]) => `${k.padEnd(width)}  ${shown(k, v)}`).join('\n'));
  const timings = Object.entries(session.timings);
  if (timings.length) {
    io.out('\nStep timings:');
    for (const [name, d] of timings) io.out(`  ${(d.secs + d.nanos / 1e9).toFixed(1).padStart(8)} s  ${oneLine(name)}`);
  }
  const calls = await stepCalls(manager, id);
  if (calls.length) {
    io.out(`\nClaude calls by step (prodigy-vscode logs ${id} --claude --step N prints one):`);
    const rows = calls.map((c) => [
      String(c.step),
      truncate(oneLine(c.name ?? '-'), 40),
      c.call ? usageLine(c.call) : costCell(c.cost_usd),
      c.call ? toolsText(c.call.tool_uses) : '–',
    ]);
    io.out(indent(table(['STEP', 'COMMAND', 'USAGE', 'TOOLS'], rows)));
  }
  const items = mr ? itemCalls(manager, session) : [];
  if (items.length) {
    io.out('\nClaude calls by MapReduce item (attempts summed):');
    const rows = items.map(({ item, call }) => [item, usageLine(call), toolsText(call.tool_uses)]);
    io.out(indent(table(['ITEM', 'USAGE', 'TOOLS'], rows)));
  }
  io.out(`\nCheckpoints (${checkpoints.length}):`);
  for (const c of checkpoints) {
    const cost = typeof c.claude_cost_usd === 'number' ? `  ${costCell(c.claude_cost_usd)}` : '';
    io.out(
      `  ${c.id}  ${checkpointStepText(c) ?? ''} ${oneLine(c.step_name ?? '')}${cost}  ${relativeTime(c.created_at)}`.trimEnd(),
    );
  }
  for (const u of unreadable) io.out(`  unreadable ${oneLine(u.file)}: ${u.reason}`);
}

/**
 * The record's status, and for a Running one with no process behind it what the Sessions view says of it:
 * interrupted (our engine's run, its lock free) or stale (no update for hours, no process to be seen).
 */
function statusText(manager: SessionManager, s: { id: string; status: SessionStatus; updated_at: string }): string {
  if (!runsByRecord(s.status)) return s.status;
  const liveness = recordedLiveness(manager.paths, s.id);
  const resume = `prodigy-vscode resume ${s.id}`;
  if (liveness === 'interrupted')
    return `${s.status}, but no process runs it any more: interrupted (resume with: ${resume})`;
  if (isStale(s, liveness))
    return `${s.status}? (not updated for ${relativeTime(s.updated_at).replace(/ ago$/, '')}, and no process holds its lock; if no prodigy process runs it any more, resume with: ${resume})`;
  return s.status;
}

export async function sessionsDelete(
  manager: SessionManager,
  io: Io,
  id: string,
  opts: { force: boolean },
): Promise<void> {
  let status: SessionStatus | undefined;
  try {
    status = (await manager.getSession(id)).status;
  } catch (err) {
    // A record that cannot be read can still be removed, as can checkpoint files without one.
    if (!(err instanceof ProdigyError)) throw err;
  }
  if ((status === 'Running' || status === 'Initializing') && !opts.force) {
    throw new ProdigyError(`Session ${id} is ${status}; stop it first, or pass --force to delete it anyway`);
  }
  const { movedTo } = await manager.deleteSession(id);
  io.out(`Deleted session ${id}. Its files were moved to ${movedTo}; move them back to undo.`);
}

export async function sessionsQuarantine(manager: SessionManager, io: Io, opts: { json: boolean }): Promise<void> {
  const result = await manager.quarantineUnreadable();
  if (opts.json) {
    printJson(io, result);
    return;
  }
  if (result.removedTempFiles.length)
    io.out(`Removed ${plural(result.removedTempFiles.length, 'temp file')} left by writers that died mid-write.`);
  if (result.moved.length === 0 && result.skipped.length === 0) {
    io.out('No unreadable session files.');
    return;
  }
  for (const m of result.moved) io.out(`Moved ${m.from} → ${m.to}\n  (${m.reason})`);
  for (const s of result.skipped) io.out(`Left ${s.file}: ${s.reason}`);
  if (result.moved.length) io.out(`\n${plural(result.moved.length, 'file')} quarantined in ${result.folder}.`);
}

export interface CleanFlags {
  /** Days; default 7. */
  olderThan?: number;
  all: boolean;
  dryRun: boolean;
  force: boolean;
  json: boolean;
}

type KeptReason = 'active' | 'recent' | 'failed' | 'refused';

interface Removed {
  session: SessionSummary;
  movedTo: string | null;
  /** The session's worktree: removed (--force), or left in place. */
  worktree: { path: string; removed: boolean; branch: string | null; branchDeleted: boolean } | null;
}

const DEFAULT_CLEAN_DAYS = 7;

/**
 * `sessions clean`: moves finished sessions (Completed and Cancelled; --all: also Failed) last
 * updated more than --older-than days ago to H/vscode/deleted. Their worktrees go only with --force,
 * and then never with uncommitted changes in them, nor with an unmerged branch.
 */
export async function sessionsClean(manager: SessionManager, io: Io, flags: CleanFlags): Promise<number> {
  const days = flags.olderThan ?? DEFAULT_CLEAN_DAYS;
  const statuses: SessionStatus[] = ['Completed', 'Cancelled', ...(flags.all ? (['Failed'] as const) : [])];
  const chosen = new Set(await sessionsToCleanUp(manager, days, { statuses }));
  const { sessions, unreadable } = await manager.listSessions();
  const removed: Removed[] = [];
  const kept: { session: SessionSummary; reason: KeptReason; message?: string }[] = [];
  for (const s of sessions) {
    if (chosen.has(s.id)) continue;
    const reason: KeptReason =
      s.status === 'Failed' && !flags.all ? 'failed' : statuses.includes(s.status) ? 'recent' : 'active';
    kept.push({ session: s, reason });
  }
  for (const s of sessions.filter((x) => chosen.has(x.id))) {
    if (flags.dryRun) {
      const wt = await findSessionWorktree(worktreeRoots(manager), s.id);
      removed.push({
        session: s,
        movedTo: null,
        worktree: wt && { path: wt.path, removed: false, branch: wt.branch, branchDeleted: false },
      });
      continue;
    }
    try {
      // Without --force the worktree stays: look it up first, to say where it is.
      const wt = flags.force ? null : await findSessionWorktree(worktreeRoots(manager), s.id);
      const r = await deleteSessionAndWorktree(manager, s.id, { removeWorktree: flags.force, keepWork: true });
      removed.push({
        session: s,
        movedTo: r.movedTo,
        worktree: r.worktree
          ? {
              path: r.worktree,
              removed: true,
              branch: r.branch?.name ?? null,
              branchDeleted: r.branch?.deleted ?? false,
            }
          : wt && { path: wt.path, removed: false, branch: wt.branch, branchDeleted: false },
      });
    } catch (err) {
      const message = errorMessage(err);
      kept.push({ session: s, reason: 'refused', message });
      if (!flags.json) io.err(`prodigy-vscode: kept session ${s.id}: ${message}`);
    }
  }
  const refused = kept.some((k) => k.reason === 'refused');
  if (flags.json) {
    printJson(io, {
      dry_run: flags.dryRun,
      older_than_days: days,
      statuses,
      removed: removed.map((r) => ({
        session_id: r.session.id,
        status: r.session.status,
        updated_at: r.session.updated_at,
        moved_to: r.movedTo,
        worktree: r.worktree?.path ?? null,
        worktree_removed: r.worktree?.removed ?? false,
        branch_deleted: r.worktree?.branchDeleted ?? false,
      })),
      kept: kept.map((k) => ({
        session_id: k.session.id,
        status: k.session.status,
        reason: k.reason,
        ...(k.message ? { message: k.message } : {}),
      })),
      unreadable: unreadable.map((u) => u.file),
    });
    return refused ? 1 : 0;
  }

  const would = flags.dryRun;
  for (const r of removed) {
    const s = r.session;
    let line = `${would ? 'Would remove' : 'Removed'} ${s.id} (${s.status}, updated ${relativeTime(s.updated_at)})`;
    const wt = r.worktree;
    if (wt && (wt.removed || (would && flags.force))) {
      line += `; ${would ? 'would remove' : 'removed'} its worktree ${wt.path}`;
      if (!would && wt.branch)
        line += wt.branchDeleted
          ? ` and branch ${wt.branch}`
          : `; kept branch ${wt.branch}: not merged (git merge ${wt.branch} takes its work, git branch -D ${wt.branch} drops it)`;
    } else if (wt) line += `; its worktree ${would ? 'would stay' : 'stays'}: ${wt.path}`;
    io.out(line);
  }
  const what = `${statuses.slice(0, -1).join(', ')} or ${statuses[statuses.length - 1]}`;
  const keptText = keptSummary(kept, days);
  if (removed.length === 0) {
    io.out(
      `Nothing to clean: no ${what} sessions last updated more than ${plural(days, 'day')} ago${keptText ? `; kept ${keptText}` : ''}.`,
    );
  } else {
    const trash = would ? '' : ` (records moved to ${manager.paths.trashDir}; move one back to undo)`;
    io.out(
      `${would ? 'Would remove' : 'Removed'} ${plural(removed.length, 'session')}${trash}${keptText ? `; ${would ? 'would keep' : 'kept'} ${keptText}` : ''}.${would ? ' Dry run: nothing was changed.' : ''}`,
    );
  }
  const staying = removed.filter((r) => r.worktree && !r.worktree.removed && !(would && flags.force));
  if (staying.length) {
    const one = staying.length === 1;
    io.out(
      `${plural(staying.length, 'worktree')} ${would ? 'would stay' : one ? 'stays' : 'stay'} (shown above): \`prodigy-vscode worktree clean <id>\` removes ${one ? 'it' : 'one'} (its branch too, once merged); with --force, sessions clean removes worktrees together with their sessions.`,
    );
  }
  if (unreadable.length)
    io.out(
      `${plural(unreadable.length, 'unreadable session file')} left alone: \`prodigy-vscode sessions quarantine\` moves them aside.`,
    );
  return refused ? 1 : 0;
}

function keptSummary(kept: { session: SessionSummary; reason: KeptReason }[], days: number): string {
  if (kept.length === 0) return '';
  const count = (r: KeptReason) => kept.filter((k) => k.reason === r).length;
  const parts = [
    count('active') && `${count('active')} not finished`,
    count('recent') && `${count('recent')} updated within ${plural(days, 'day')}`,
    count('failed') && `${count('failed')} Failed: --all removes ${count('failed') === 1 ? 'it' : 'them'}`,
    count('refused') && `${count('refused')} refused`,
  ].filter(Boolean);
  return `${kept.length} (${parts.join(', ')})`;
}

/** The outcome in words; work still on its branch says how to bring it back. */
function outcomeText(id: string, outcome: SessionOutcome): string {
  return NOT_MERGED.includes(outcome.kind) ? `${outcome.text} (prodigy-vscode merge ${id} merges it)` : outcome.text;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
