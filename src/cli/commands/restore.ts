// `restore <id> <checkpoint>`: rewind a session and its worktree, then say what changed and how to undo it.
import { restoreCheckpoint, type SessionManager } from '../../core';
import { oneLine, plural } from '../format';
import { printJson, type Io } from '../io';

type RestoreOutcome = Awaited<ReturnType<typeof restoreCheckpoint>>;

export async function restoreCommand(
  manager: SessionManager,
  io: Io,
  id: string,
  checkpointId: string,
  flags: { force: boolean; json: boolean },
): Promise<number> {
  // Nothing is printed before the restore itself: it takes the session's resume lock first, and refuses a session
  // another process is running (or uncommitted work, without --force) before it changes anything; a plan printed
  // ahead read as if it were happening. What changed is printed from the plan it applied, under that lock.
  const outcome = await restoreCheckpoint(manager, id, checkpointId, { force: flags.force });
  if (!flags.json) {
    printRestored(io, id, outcome);
    io.out(
      `Session ${id} is Paused at step ${(outcome.session.workflow_data?.current_step ?? 0) + 1}. Resume with: prodigy-vscode resume ${id}`,
    );
    io.out(`Undo this restore with: prodigy-vscode restore ${id} ${outcome.safetyCheckpointId}`);
  } else {
    printJson(io, {
      session_id: id,
      checkpoint_id: checkpointId,
      status: outcome.session.status,
      current_step: outcome.session.workflow_data?.current_step ?? null,
      files_changed: outcome.plan.changes,
      undo_checkpoint_id: outcome.safetyCheckpointId,
      saved_changes: outcome.savedChanges,
      backup_dir: outcome.backupDir,
    });
  }
  return 0;
}

/** `resume --from-checkpoint`: the restore, said in a few lines (none with --json: stdout is the resume's JSON). */
export async function restoreBeforeResume(
  manager: SessionManager,
  io: Io,
  id: string,
  checkpointId: string,
  flags: { force: boolean; json: boolean },
): Promise<void> {
  const outcome = await restoreCheckpoint(manager, id, checkpointId, { force: flags.force });
  if (flags.json) return;
  printRestored(io, id, outcome);
  io.out(`Undo it later with: prodigy-vscode restore ${id} ${outcome.safetyCheckpointId}`);
}

function printRestored(io: Io, id: string, outcome: RestoreOutcome): void {
  const { plan } = outcome;
  const step =
    plan.checkpoint.step_index !== null
      ? `step ${plan.checkpoint.step_index + 1}${plan.checkpoint.step_name ? ` (${oneLine(plan.checkpoint.step_name)})` : ''}`
      : oneLine(plan.checkpoint.label ?? plan.checkpoint.id);
  io.out(`Restored session ${id} to ${step}`);
  if (plan.cwd && plan.targetCommit) {
    io.out(
      `Files in ${plan.cwd} went back to ${plan.targetCommit.slice(0, 10)}: ${plural(plan.changes.length, 'file')} changed`,
    );
    for (const c of plan.changes.slice(0, 20)) io.out(`  ${c.status} ${oneLine(c.path)}`);
    if (plan.changes.length > 20) io.out(`  … and ${plan.changes.length - 20} more`);
  } else io.out('No commit recorded for this checkpoint: only the session state went back, no file was touched.');
  if (outcome.savedChanges)
    io.out(`Uncommitted changes saved as a stash entry: git stash apply ${outcome.savedChanges}`);
  if (outcome.backupDir) io.out(`Untracked files that were in the way copied to ${outcome.backupDir}`);
}
