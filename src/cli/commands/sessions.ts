import { checkpointStepText, countUnimported, displayName, isSafeId, SESSION_STATUSES, type SessionManager, type SessionStatus, ProdigyError } from '../../core';
import { progress, relativeTime, table, truncate } from '../format';
import { printJson, UsageError, type Io } from '../io';

export async function sessionsList(manager: SessionManager, io: Io, opts: { json: boolean; status?: string; limit?: string }): Promise<void> {
  const status = opts.status ? parseStatus(opts.status) : undefined;
  const limit = opts.limit !== undefined ? Number(opts.limit) : undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive whole number, not "${opts.limit}"`);
  const listing = await manager.listSessions({ status, limit });
  if (opts.json) {
    printJson(io, {
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
        file: s.file,
      })),
      total: listing.total,
      unreadable: listing.unreadable,
    });
    return;
  }
  if (listing.sessions.length === 0 && listing.unreadable.length === 0) {
    io.out(`No sessions in ${manager.paths.sessionsDir}${status ? ` with status ${status}` : ''}.`);
  } else if (listing.sessions.length > 0) {
    io.out(
      table(
        ['ID', 'WORKFLOW', 'TYPE', 'STATUS', 'PROGRESS', 'CHECKPOINTS', 'STARTED', 'UPDATED'],
        listing.sessions.map((s) => [
          s.id,
          truncate(s.workflow_name || '-', 28),
          s.session_type,
          s.status,
          progress(s),
          String(s.checkpoints),
          relativeTime(s.started_at),
          relativeTime(s.updated_at),
        ]),
      ),
    );
    if (listing.total > listing.sessions.length) io.out(`\n${listing.sessions.length} of ${listing.total} sessions shown.`);
  }
  if (listing.unreadable.length > 0) {
    io.out(`\nUnreadable files (${listing.unreadable.length}); nothing was changed. \`prodigy-vscode sessions quarantine\` moves them aside:`);
    for (const u of listing.unreadable) io.out(`  ${u.file}: ${u.reason}`);
  }
  const orphans = countUnimported(manager);
  if (orphans > 0) io.out(`\n${orphans} run(s) have checkpoint files but no session record: \`prodigy-vscode migrate\` imports them.`);
}

export async function sessionsShow(manager: SessionManager, io: Io, id: string, opts: { json: boolean }): Promise<void> {
  const session = await manager.getSession(requireId(id));
  if (opts.json) {
    printJson(io, session);
    return;
  }
  const { checkpoints, unreadable } = await manager.listCheckpoints(id);
  const wf = session.workflow_data;
  const mr = session.mapreduce_data;
  const rows: [string, string][] = [
    ['Session', session.id],
    ['Workflow', displayName({ id: session.id, workflow_name: wf?.workflow_name ?? String(session.metadata.workflow_name ?? '') })],
    ['Type', `${mr ? 'MapReduce' : wf ? 'Workflow' : session.session_type}${mr && session.session_type !== 'MapReduce' ? ` (recorded as ${session.session_type})` : ''}`],
    ['Status', session.status],
    ['Started', `${session.started_at} (${relativeTime(session.started_at)})`],
    ['Updated', `${session.updated_at} (${relativeTime(session.updated_at)})`],
    ['Completed', session.completed_at ?? '-'],
  ];
  if (typeof session.metadata.workflow_path === 'string') rows.push(['Workflow file', session.metadata.workflow_path]);
  if (wf) {
    const total = wf.total_steps || Number(session.metadata.total_steps ?? 0);
    const finished = session.status === 'Completed' || session.status === 'Cancelled';
    rows.push(['Steps', `${wf.completed_steps.length} of ${total || '?'} done${finished ? '' : `, next step ${wf.current_step + 1}`}`]);
    const m = session.metadata;
    if (typeof m.iterations === 'number') rows.push(['Iterations', `${wf.iterations_completed} done of up to ${m.iterations} (a run stops after an iteration that changes nothing)`]);
    if (Array.isArray(m.inputs)) rows.push(['Inputs', m.inputs.map(String).join(', ')]);
    if (wf.worktree_name) rows.push(['Worktree', wf.worktree_name]);
    if (Object.keys(wf.variables).length) rows.push(['Variables', Object.keys(wf.variables).join(', ')]);
  }
  if (mr) rows.push(['MapReduce', `job ${mr.job_id}, phase ${mr.phase}, ${mr.processed_items}/${mr.total_items} items, ${mr.failed_items} failed`]);
  if (session.error) rows.push(['Error', session.error]);
  rows.push(['File', manager.paths.sessionFile(session.id)]);
  const width = Math.max(...rows.map(([k]) => k.length));
  io.out(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
  const timings = Object.entries(session.timings);
  if (timings.length) {
    io.out('\nStep timings:');
    for (const [name, d] of timings) io.out(`  ${(d.secs + d.nanos / 1e9).toFixed(1).padStart(8)} s  ${name}`);
  }
  io.out(`\nCheckpoints (${checkpoints.length}):`);
  for (const c of checkpoints) io.out(`  ${c.id}  ${checkpointStepText(c) ?? ''} ${c.step_name ?? ''}  ${relativeTime(c.created_at)}`.trimEnd());
  for (const u of unreadable) io.out(`  unreadable ${u.file}: ${u.reason}`);
}

export async function sessionsDelete(manager: SessionManager, io: Io, id: string, opts: { force: boolean }): Promise<void> {
  requireId(id);
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
  if (result.removedTempFiles.length) io.out(`Removed ${result.removedTempFiles.length} temp file(s) left by writers that died mid-write.`);
  if (result.moved.length === 0 && result.skipped.length === 0) {
    io.out('No unreadable session files.');
    return;
  }
  for (const m of result.moved) io.out(`Moved ${m.from} → ${m.to}\n  (${m.reason})`);
  for (const s of result.skipped) io.out(`Left ${s.file}: ${s.reason}`);
  if (result.moved.length) io.out(`\n${result.moved.length} file(s) quarantined in ${result.folder}.`);
}

function parseStatus(value: string): SessionStatus {
  const match = SESSION_STATUSES.find((s) => s.toLowerCase() === value.toLowerCase());
  if (!match) throw new UsageError(`Unknown status "${value}": use one of ${SESSION_STATUSES.join(', ')}`);
  return match;
}

export function requireId(id: string | undefined, kind = 'session id'): string {
  if (!id) throw new UsageError(`Missing ${kind}`);
  if (!isSafeId(id)) throw new UsageError(`Invalid ${kind} "${id}": use letters, digits, '.', '_' and '-' only`);
  return id;
}
