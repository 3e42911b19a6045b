// Commands that go back in a session's history: restore a checkpoint (show what changes, confirm, restore,
// offer to undo), and show the files one step changed.
import * as vscode from 'vscode';
import {
  changedFiles,
  checkpointStepText,
  findSessionFolder,
  planRestore,
  restoreCheckpoint,
  type RestoreOutcome,
  type RestorePlan,
  type SessionManager,
} from '../../core';
import { changeRow } from '../documents/gitContentDocuments';
import { askRestore, showRestored, showRestoreMovedOn, showStepChangedNothing } from '../messages';
import { restoreAnswers } from './answers';
import { guarded, requireTrust, type CommandContext, type CommandTable } from './context';
import { pickCheckpoint, sessionIdOrPick } from './pickers';
import { toCheckpointTarget } from './targets';

export function restoreCommands({ homes }: CommandContext): CommandTable {
  return {
    'prodigy.restoreCheckpoint': async (arg) => {
      if (!requireTrust()) return undefined;
      const { manager } = homes.current;
      const given = toCheckpointTarget(arg);
      const sessionId =
        given?.sessionId ??
        (await sessionIdOrPick(
          manager,
          arg,
          ['Paused', 'Failed', 'Completed', 'Cancelled', 'Running'],
          'Restore Checkpoint…',
        ));
      if (!sessionId) return undefined;
      const checkpointId = given?.checkpointId ?? (await pickCheckpoint(manager, sessionId))?.id;
      if (!checkpointId) return undefined;
      const answers = restoreAnswers(arg);
      const plan = await guarded('could not prepare the restore', () => planRestore(manager, sessionId, checkpointId));
      if (!plan) return undefined;
      if (answers.showChanges ?? !answers.confirm) await showPlanChanges(plan);
      let force = answers.force ?? false;
      if (!answers.confirm) {
        const answer = await askRestore(plan);
        if (!answer) return undefined;
        force = answer === 'force';
      }
      const outcome = await guarded(`could not restore ${checkpointId}`, () =>
        restoreCheckpoint(manager, sessionId, checkpointId, { force }),
      );
      if (!outcome) return undefined;
      showRestored(outcome, () => undoRestore(manager, checkpointId, outcome));
      return outcome;
    },

    'prodigy.showCheckpointChanges': async (arg) => {
      const target = toCheckpointTarget(arg);
      if (!target) return undefined;
      const { sessionId, checkpointId } = target;
      const { manager } = homes.current;
      return guarded('could not show the changes', async () => {
        const { checkpoints } = await manager.listCheckpoints(sessionId);
        const ours = checkpoints.filter((c) => c.kind === 'session' && c.commit);
        const index = ours.findIndex((c) => c.id === checkpointId);
        const cp = ours[index];
        const commit = cp?.commit;
        if (!commit) throw new Error(`checkpoint ${checkpointId} records no commit`);
        const session = await manager.getSession(sessionId);
        const { cwd } = await findSessionFolder(manager, session);
        if (!cwd) throw new Error(`the worktree of session ${sessionId} is gone`);
        // The step's changes: from the checkpoint before it (or the commit's parent, for the first).
        const before = (index > 0 ? ours[index - 1].commit : null) ?? `${commit}^`;
        const files = await changedFiles(cwd, before, commit);
        if (files.length === 0) {
          showStepChangedNothing(checkpointStepText(cp));
          return files;
        }
        await vscode.commands.executeCommand(
          'vscode.changes',
          `${session.workflow_data?.workflow_name || sessionId}: ${checkpointStepText(cp)} (${cp.step_name ?? ''})`,
          files.map((f) => changeRow(cwd, f, before, commit)),
        );
        return files;
      });
    },
  };
}

/** Before confirming: the files the restore changes, as a multi-file diff. */
async function showPlanChanges(plan: RestorePlan): Promise<void> {
  const { cwd, targetCommit, currentCommit } = plan;
  if (!cwd || !targetCommit || !currentCommit || plan.changes.length === 0) return;
  await vscode.commands.executeCommand(
    'vscode.changes',
    `Restore ${plan.sessionId} to ${checkpointStepText(plan.checkpoint) ?? plan.checkpoint.id}: files that change`,
    // Now on the left, the checkpoint on the right: what the restore does to each file.
    plan.changes.map((f) => changeRow(cwd, f, targetCommit, currentCommit)).map(([uri, then, now]) => [uri, now, then]),
  );
}

/** Undo Restore: restores the safety checkpoint, only while nothing happened since (it would rewind a new run). */
async function undoRestore(manager: SessionManager, checkpointId: string, outcome: RestoreOutcome): Promise<void> {
  const sessionId = outcome.plan.sessionId;
  const now = await manager.getSession(sessionId).catch(() => undefined);
  if (
    !now ||
    now.metadata.restored_from_checkpoint !== checkpointId ||
    now.checkpoints.length !== outcome.session.checkpoints.length
  ) {
    showRestoreMovedOn(sessionId);
    return;
  }
  await vscode.commands.executeCommand('prodigy.restoreCheckpoint', {
    sessionId,
    checkpointId: outcome.safetyCheckpointId,
    confirm: true,
  });
}
