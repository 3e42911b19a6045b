// `checkpoints list <id>`: the checkpoints of a session (ours, embedded in its record) and Prodigy's workflow
// checkpoint files, with the step each one follows.
import { checkpointStepText, type SessionManager } from '../../core';
import { oneLine, relativeTime, table, truncate } from '../format';
import { printJson, type Io } from '../io';

export async function checkpointsList(
  manager: SessionManager,
  io: Io,
  id: string,
  opts: { json: boolean },
): Promise<void> {
  const { checkpoints, unreadable } = await manager.listCheckpoints(id);
  if (opts.json) {
    printJson(io, { session_id: id, checkpoints, unreadable });
    return;
  }
  if (checkpoints.length === 0) io.out(`Session ${id} has no checkpoints.`);
  else
    io.out(
      table(
        ['ID', 'KIND', 'STEP', 'NAME', 'COMMIT', 'CREATED'],
        checkpoints.map((c) => [
          c.id,
          c.kind === 'session' ? 'session' : `workflow file (${c.status})`,
          `${checkpointStepText(c) ?? '-'}${c.superseded ? ' (undone)' : ''}`,
          truncate(oneLine(c.step_name ?? c.label ?? '-'), 40),
          c.commit ? c.commit.slice(0, 10) : '-',
          relativeTime(c.created_at),
        ]),
      ),
    );
  if (checkpoints.some((c) => c.superseded)) {
    io.out(
      '(undone): a restore went back past this checkpoint; its steps ran again after it (or will, on resume). It can still be restored.',
    );
  }
  for (const u of unreadable) io.out(`Unreadable checkpoint file ${oneLine(u.file)}: ${u.reason}`);
}
