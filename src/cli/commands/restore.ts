// `restore <id> <checkpoint>`: rewind a session and its worktree, saying what changes and how to undo it.
import { planRestore, restoreCheckpoint, type SessionManager } from '../../core';
import { printJson, type Io } from '../io';

export async function restoreCommand(
  manager: SessionManager,
  io: Io,
  id: string,
  checkpointId: string,
  flags: { force: boolean; json: boolean },
): Promise<number> {
  const plan = await planRestore(manager, id, checkpointId);
  if (!flags.json) {
    const step =
      plan.checkpoint.step_index !== null
        ? `step ${plan.checkpoint.step_index + 1}${plan.checkpoint.step_name ? ` (${plan.checkpoint.step_name})` : ''}`
        : (plan.checkpoint.label ?? plan.checkpoint.id);
    io.out(`Restoring session ${id} to ${step}`);
    if (plan.cwd && plan.targetCommit) {
      io.out(
        `Files in ${plan.cwd} go back to ${plan.targetCommit.slice(0, 10)}: ${plan.changes.length} file(s) change`,
      );
      for (const c of plan.changes.slice(0, 20)) io.out(`  ${c.status} ${c.path}`);
      if (plan.changes.length > 20) io.out(`  … and ${plan.changes.length - 20} more`);
    } else io.out('No commit recorded for this checkpoint: only the session state goes back, no file is touched.');
  }
  const outcome = await restoreCheckpoint(manager, id, checkpointId, { force: flags.force });
  if (flags.json) {
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
    return 0;
  }
  if (outcome.savedChanges)
    io.out(`Uncommitted changes saved as a stash entry: git stash apply ${outcome.savedChanges}`);
  if (outcome.backupDir) io.out(`Untracked files that were in the way copied to ${outcome.backupDir}`);
  io.out(
    `Session ${id} is Paused at step ${(outcome.session.workflow_data?.current_step ?? 0) + 1}. Resume with: prodigy-vscode resume ${id}`,
  );
  io.out(`Undo this restore with: prodigy-vscode restore ${id} ${outcome.safetyCheckpointId}`);
  return 0;
}
