// Commands that go back in a session's history: restore a checkpoint (the diff of what changes opens first, with
// Restore to Here in its title and in a notification beside it; then restore, and offer Resume and Undo), and
// show the files one step changed (a checkpoint row's click).
import * as vscode from 'vscode';
import {
  changedFiles,
  checkpointStepText,
  findSessionFolder,
  planRestore,
  restoreCheckpoint,
  type CheckpointSummary,
  type RestoreOutcome,
  type RestorePlan,
  type SessionManager,
} from '../../core';
import { changeRow, fromRestoreDiffUri, restoreDiffUri } from '../documents/gitContentDocuments';
import {
  offerRestore,
  showRestoreBlocked,
  showRestored,
  showRestoreMovedOn,
  showStepChangedNothing,
} from '../messages/restore';
import { describeSession, type SessionWords } from '../messages/words';
import { checkpointLabel } from '../sessionsTree/checkpointLabel';
import { restoreAnswers } from './answers';
import { guarded, livenessOf, nameOf, requireTrust, type CommandContext, type CommandTable } from './context';
import { pickCheckpoint, sessionIdOrPick } from './pickers';
import { toCheckpointTarget, type CheckpointTarget } from './targets';

export function restoreCommands({ homes, runs }: CommandContext): CommandTable {
  /** The restore whose diff opened last: Restore to Here from the palette (which passes nothing) means it. */
  let offered: CheckpointTarget | undefined;
  /**
   * Restores offered and not done yet (`session/checkpoint`). A notification cannot be taken down: once the diff's
   * title restored, the offer's button left on screen does nothing rather than restore a second time.
   */
  const pending = new Set<string>();

  /** Restores (the resume lock, the session's state and the uncommitted-changes check are the core's), then offers Resume and Undo. */
  async function restore(sessionId: string, checkpointId: string, force: boolean): Promise<RestoreOutcome | undefined> {
    const { manager } = homes.current;
    const outcome = await guarded(`could not restore ${await nameOf(manager, sessionId)}`, () =>
      restoreCheckpoint(manager, sessionId, checkpointId, { force }),
    );
    if (!outcome) return undefined;
    offered = undefined;
    pending.delete(`${sessionId}/${checkpointId}`);
    const label = checkpointLabel(outcome.plan.checkpoint);
    await closeTabs(restoreDiffTitle(outcome.session, label));
    showRestored(outcome, label, () => undoRestore(manager, checkpointId, outcome));
    return outcome;
  }

  return {
    /**
     * From a row or the palette: opens the diff of what the restore changes, with Restore to Here in its title and
     * in a notification (the keyboard's way); nothing is restored until one of them is clicked. `{ confirm: true }`
     * (Undo, tests) restores at once.
     */
    'prodigy.restoreCheckpoint': async (arg) => {
      if (!requireTrust()) return undefined;
      const { manager } = homes.current;
      const given = toCheckpointTarget(arg);
      const sessionId =
        given?.sessionId ??
        (await sessionIdOrPick(manager, arg, ['Paused', 'Failed', 'Completed', 'Cancelled', 'Running'], {
          title: 'Restore Checkpoint…',
          none: 'there is no session whose checkpoints could be restored.',
          liveness: livenessOf(runs, manager.paths),
        }));
      if (!sessionId) return undefined;
      const checkpointId = given?.checkpointId ?? (await pickCheckpoint(manager, sessionId))?.id;
      if (!checkpointId) return undefined;
      const answers = restoreAnswers(arg);
      if (answers.confirm) {
        const plan = answers.showChanges
          ? await guarded('could not prepare the restore', () => planRestore(manager, sessionId, checkpointId))
          : undefined;
        if (plan) await showPlanChanges(plan, await sessionOf(manager, sessionId), checkpointLabel(plan.checkpoint));
        return restore(sessionId, checkpointId, answers.force ?? false);
      }
      const plan = await guarded('could not prepare the restore', () => planRestore(manager, sessionId, checkpointId));
      if (!plan) return undefined;
      const session = await sessionOf(manager, sessionId);
      const label = checkpointLabel(plan.checkpoint);
      if (answers.showChanges ?? true) await showPlanChanges(plan, session, label);
      offered = { sessionId, checkpointId };
      const key = `${sessionId}/${checkpointId}`;
      pending.add(key);
      offerRestore(plan, session, label, (force) =>
        pending.has(key)
          ? vscode.commands.executeCommand('prodigy.restoreToHere', { sessionId, checkpointId, force })
          : undefined,
      );
      return undefined;
    },

    /**
     * The restore diff's title action (its URI names the restore), the notification's button, or
     * `{ sessionId, checkpointId, force? }`. The plan is made again: the worktree may have changed since the diff
     * opened, and what is in the way is restored over only with `force` (saved aside first).
     */
    'prodigy.restoreToHere': async (arg) => {
      if (!requireTrust()) return undefined;
      const target = (arg instanceof vscode.Uri ? fromRestoreDiffUri(arg) : toCheckpointTarget(arg)) ?? offered;
      if (!target) return undefined;
      const { sessionId, checkpointId } = target;
      const force = restoreAnswers(arg).force ?? false;
      const { manager } = homes.current;
      const plan = await guarded('could not prepare the restore', () => planRestore(manager, sessionId, checkpointId));
      if (!plan) return undefined;
      if (plan.blocker && !force) {
        showRestoreBlocked(plan, await sessionOf(manager, sessionId), () =>
          vscode.commands.executeCommand('prodigy.restoreToHere', { sessionId, checkpointId, force: true }),
        );
        return undefined;
      }
      return restore(sessionId, checkpointId, force);
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
        if (!cwd) throw new Error(`the worktree of ${describeSession(session)} is gone`);
        // The step's changes: from the step before it on the same timeline (a restore leaves two), else the
        // checkpoint listed before it, else the commit's parent.
        const before = (stepBefore(ours, index) ?? (index > 0 ? ours[index - 1] : undefined))?.commit ?? `${commit}^`;
        const files = await changedFiles(cwd, before, commit);
        if (files.length === 0) {
          showStepChangedNothing(checkpointStepText(cp));
          return files;
        }
        await vscode.commands.executeCommand(
          'vscode.changes',
          `${session.workflow_data?.workflow_name || sessionId}: ${checkpointLabel(cp, index + 1)}`,
          files.map((f) => changeRow(cwd, f, before, commit)),
        );
        return files;
      });
    },
  };
}

/**
 * The checkpoint of the step before `ours[index]`'s step, on its timeline: the latest one listed before it (a
 * resume after a restore runs that step again, after the restore's safety checkpoint). Undefined: not a step, or
 * the first.
 */
function stepBefore(ours: CheckpointSummary[], index: number): CheckpointSummary | undefined {
  const cp = ours[index];
  if (cp.step_index === null || cp.label) return undefined;
  return ours
    .slice(0, index)
    .filter((c) => !c.label && c.step_index === cp.step_index! - 1)
    .pop();
}

async function sessionOf(manager: SessionManager, sessionId: string): Promise<SessionWords> {
  return manager.getSession(sessionId).catch(() => ({ id: sessionId, started_at: '' }));
}

function restoreDiffTitle(session: SessionWords, label: string): string {
  return `Restore ${session.workflow_data?.workflow_name || session.id} to ${label}`;
}

/**
 * The files the restore changes, as a multi-file diff named by a `prodigy-restore:` URI: its editor title then
 * shows Restore to Here (package.json), which receives that URI. VS Code's own git extension opens its change
 * lists the same way (`_workbench.openMultiDiffEditor` with a source URI); `vscode.changes` takes none.
 */
async function showPlanChanges(plan: RestorePlan, session: SessionWords, label: string): Promise<void> {
  const { cwd, targetCommit, currentCommit } = plan;
  if (!cwd || !targetCommit || !currentCommit || plan.changes.length === 0) return;
  // Now on the left, the checkpoint on the right: what the restore does to each file.
  const resources = plan.changes
    .map((f) => changeRow(cwd, f, targetCommit, currentCommit))
    .map(([, then, now]) => ({ originalUri: now, modifiedUri: then }));
  await vscode.commands.executeCommand('_workbench.openMultiDiffEditor', {
    multiDiffSourceUri: restoreDiffUri(plan.sessionId, plan.checkpoint.id),
    title: restoreDiffTitle(session, label),
    resources,
  });
}

/**
 * After the restore, its diff (now the other way round) is closed. A multi-file diff's tab shows its title, and its
 * input (with the source URI) is not in the stable API: found by its label, the title that names the session and
 * checkpoint.
 */
async function closeTabs(title: string): Promise<void> {
  // The tab adds the count: `Restore fix-tests to After 2 · … (3 files)`.
  const tabs = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.label === title || t.label.startsWith(`${title} (`));
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
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
    showRestoreMovedOn(now ?? outcome.session);
    return;
  }
  await vscode.commands.executeCommand('prodigy.restoreCheckpoint', {
    sessionId,
    checkpointId: outcome.safetyCheckpointId,
    confirm: true,
  });
}
