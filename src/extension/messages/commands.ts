// The messages of the commands on a session: a command that failed or needs a trusted workspace, Stop on a run
// that is not going, the Abandon and Discard questions and what they did, a merge's outcome, and its worktree.
import * as vscode from 'vscode';
import { errorMessage, type MergeOutcome, type SessionWorktree } from '../../core';
import { command, manageTrustAction, show } from './notify';
import { commits } from './words';

/** A command failed: `what` says what it could not do (`could not resume X`). */
export function showCommandFailed(what: string, err: unknown): void {
  void show({ level: 'error', text: `${what}: ${errorMessage(err)}` });
}

export function showUntrusted(): void {
  void show({
    level: 'warning',
    text:
      'workflows run shell commands and Claude, so they only run in a trusted workspace. ' +
      'Sessions can still be viewed.',
    actions: [manageTrustAction()],
  });
}

/** `who`: the workflow and its start time (`describeSession`). */
export function showNotRunning(who: string): void {
  void show({ level: 'info', text: `${who} is not running.` });
}

/**
 * Abandon is the final one of the two verbs (Stop pauses, resumable). The record's status becomes Cancelled,
 * Prodigy's word for it, which the row then shows: the detail says so, so the two words meet.
 */
export async function askAbandonSession(who: string): Promise<boolean> {
  const abandon = 'Abandon';
  const choice = await show({
    level: 'warning',
    text: `Abandon ${who}? It cannot be resumed afterwards.`,
    modal: {
      detail:
        'The session is marked Cancelled. Its checkpoints, worktree and branch stay: you can still restore a ' +
        'checkpoint, merge its branch or delete it. To pause a run so that it can be resumed, use Stop instead.',
    },
    actions: [{ title: abandon }],
  });
  return choice === abandon;
}

/** Discard names what is lost: the commits on the branch (when known) and the workflow they came from. */
export async function askDiscardWork(q: {
  who: string;
  branch: string | null;
  commits: number | null;
}): Promise<boolean> {
  const discard = 'Discard';
  const what =
    q.commits !== null && q.branch
      ? `Delete ${commits(q.commits)} on ${q.branch}?`
      : q.branch
        ? `Delete the branch ${q.branch}?`
        : `Discard the work of ${q.who}?`;
  const choice = await show({
    level: 'warning',
    text: what,
    modal: {
      detail:
        `The work of ${q.who} is thrown away: its worktree and branch are deleted and cannot be brought back. ` +
        'The session record stays, marked discarded.',
    },
    actions: [{ title: discard }],
  });
  return choice === discard;
}

/** `who`: the workflow and its start time (`describeSession`). */
export function showMergeOutcome(who: string, outcome: MergeOutcome): void {
  if (outcome.status === 'conflict' || outcome.status === 'failed') {
    void show({ level: 'warning', text: outcome.message });
    return;
  }
  // The target first: a one-line toast is cut at its end.
  const text =
    outcome.status === 'merged'
      ? `${who} merged into ${outcome.target} (${commits(outcome.commits)})`
      : outcome.status === 'up-to-date'
        ? `${who}: nothing to merge into ${outcome.target}`
        : `${who}: ${outcome.status}`;
  void show({ level: 'info', text: `${text}.` });
}

/** After Discard: what went (Merge, Delete and Undo say so too). */
export function showWorkDiscarded(who: string, branch: string | null): void {
  void show({
    level: 'info',
    text: `discarded the work of ${who}${branch ? `: branch ${branch} and its worktree are deleted` : ''}.`,
  });
}

export function showNoWorktree(who: string): void {
  void show({
    level: 'info',
    text: `${who} has no worktree (it ran in place, or its worktree was removed).`,
  });
}

export function showWorktree(who: string, worktree: SessionWorktree): void {
  void show({
    level: 'info',
    text: `${who} runs in ${worktree.path} (branch ${worktree.branch}).`,
    actions: [
      command('Open in New Window', 'vscode.openFolder', vscode.Uri.file(worktree.path), { forceNewWindow: true }),
      { title: 'Copy Path', run: () => vscode.env.clipboard.writeText(worktree.path) },
    ],
  });
}
