// The messages of restoring a session to a checkpoint: the offer beside the diff, what blocks it, the outcome
// with its Undo, an Undo come too late, and a step that changed nothing to restore.
import type { RestoreOutcome, RestorePlan } from '../../core';
import { resumeAction, show } from './notify';
import { plural, sessionWords, type SessionWords } from './words';

/**
 * Restore or not, beside the diff of what it changes (not over it): a notification that stays out of the diff's
 * way, with the same Restore to Here as the diff's title. When something is in the way, its button saves it
 * aside first ('force').
 */
export function offerRestore(
  plan: RestorePlan,
  session: SessionWords,
  checkpoint: string,
  restore: (force: boolean) => unknown,
): void {
  const where =
    plan.cwd && plan.targetCommit
      ? plan.changes.length > 0
        ? `${plural(plan.changes.length, 'file')} ${plan.changes.length === 1 ? 'goes' : 'go'} back to ${plan.targetCommit.slice(0, 7)} (the diff shows how).`
        : `No committed file changes; the session goes back to ${plan.targetCommit.slice(0, 7)}.`
      : 'No commit is recorded: only the session state goes back; no file is touched.';
  const blocked = plan.blocker
    ? ` Blocked: ${plan.blocker}. Save and Restore keeps them first (uncommitted changes as a git stash ` +
      'entry, untracked files copied aside).'
    : '';
  void show({
    level: 'warning',
    text:
      `restore ${sessionWords(session)} to ${checkpoint}? ${where}${blocked} ` +
      'A safety checkpoint of the present is recorded first, so it can be undone.',
    actions: [{ title: plan.blocker ? 'Save and Restore' : 'Restore to Here', run: () => restore(!!plan.blocker) }],
  });
}

/** Restore to Here found something in the way (since the diff opened): restore only if the user says save it first. */
export function showRestoreBlocked(plan: RestorePlan, session: SessionWords, force: () => unknown): void {
  void show({
    level: 'warning',
    text:
      `not restoring ${sessionWords(session)}: ${plan.blocker}. Save and Restore keeps them first ` +
      '(uncommitted changes as a git stash entry, untracked files copied aside).',
    actions: [{ title: 'Save and Restore', run: force }],
  });
}

export function showRestored(outcome: RestoreOutcome, checkpoint: string, undo: () => unknown): void {
  const notes = [
    outcome.savedChanges ? `uncommitted changes saved (git stash apply ${outcome.savedChanges.slice(0, 10)})` : '',
    outcome.backupDir ? `untracked files copied to ${outcome.backupDir}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  void show({
    level: 'info',
    text:
      `${sessionWords(outcome.session)} restored to ${checkpoint}; it is Paused, ready to resume.` +
      `${notes ? ` ${notes}.` : ''}`,
    actions: [resumeAction(outcome.session.id), { title: 'Undo Restore', run: undo }],
  });
}

export function showRestoreMovedOn(session: SessionWords): void {
  void show({
    level: 'warning',
    text:
      `${sessionWords(session)} has moved on since the restore; ` +
      'to go back, restore its checkpoint "Before restoring…" yourself.',
  });
}

export function showStepChangedNothing(stepText: string | null): void {
  void show({ level: 'info', text: `${stepText ?? 'this step'} changed no committed files.` });
}
