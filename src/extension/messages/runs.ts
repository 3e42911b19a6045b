// The messages of a run: its progress titles, the missing Claude CLI, how it ended (failed, stopped, completed,
// paused at its budget, not merged), a retry's stale reduce, the end-of-run merge question, and the offer to
// resume the runs a closed window or process left Running.
import { progressText, type SessionSummary } from '../../core';
import { command, openSettingAction, PREFIX, resumeAction, show, showLogAction } from './notify';
import { commits, describeSession, plural } from './words';

/** The progress notification's title while a run goes. */
export function runProgressTitle(workflowName: string): string {
  return `${PREFIX}${workflowName}`;
}

export function resumeProgressTitle(workflowName: string): string {
  return `${PREFIX}resuming ${workflowName}`;
}

export function retryProgressTitle(workflowName: string): string {
  return `${PREFIX}retrying failed items of ${workflowName}`;
}

export function showClaudeNotFound(claudeCommand: string): void {
  void show({
    level: 'error',
    text:
      `the Claude CLI \`${claudeCommand}\` was not found. ` +
      'Install Claude Code, or set `prodigy.claude.command` to its path.',
    actions: [openSettingAction('prodigy.claude.command')],
  });
}

/** `who`: the workflow and its start time (`describeSession`). */
export function showRunFailed(sessionId: string, who: string, error: string | null): void {
  void show({
    level: 'error',
    text: `${who} failed: ${firstLine(error)}`,
    actions: [showLogAction(sessionId), resumeAction(sessionId)],
  });
}

export function showRunStopped(sessionId: string, who: string): void {
  void show({
    level: 'info',
    text: `${who} stopped; it is Paused and can be resumed.`,
    actions: [resumeAction(sessionId), showLogAction(sessionId)],
  });
}

export function showRunCompleted(sessionId: string, who: string, merged: boolean): void {
  void show({
    level: 'info',
    text: `${who} completed${merged ? ' and merged' : ''}.`,
    actions: [showLogAction(sessionId)],
  });
}

/**
 * A retry made failed items succeed after the reduce phase ran: its summary leaves them out. Offers to run it
 * again (then the run ends as usual, the merge question included).
 */
export function showReduceStale(
  sessionId: string,
  who: string,
  retry: { retried: number; succeeded: number; still_failing: number },
  runAgain: () => unknown,
): void {
  const still = retry.still_failing ? `, ${retry.still_failing} still failing` : '';
  void show({
    level: 'info',
    text:
      `${who}: ${retry.succeeded} of ${plural(retry.retried, 'retried item')} succeeded${still}. ` +
      'The reduce phase ran before them; run it again to include them?',
    actions: [{ title: 'Run Reduce Again', run: runAgain }, showLogAction(sessionId)],
  });
}

/** The reduce run of a retry's follow-up: the progress title. */
export function reduceProgressTitle(workflowName: string): string {
  return `${PREFIX}reduce of ${workflowName} again`;
}

/** The engine paused the run by itself: the session's Claude calls reached `prodigy.claude.maxCostPerSession`. */
export function showBudgetReached(sessionId: string, who: string, reason: string): void {
  void show({
    level: 'warning',
    text: `${who} paused: ${firstLine(reason)}`,
    actions: [openSettingAction('prodigy.claude.maxCostPerSession'), resumeAction(sessionId)],
  });
}

/** The run finished but its merge did not (a conflict, or git failed): the core's message says which. */
export function showRunNotMerged(sessionId: string, message: string): void {
  void show({ level: 'warning', text: message, actions: [showLogAction(sessionId)] });
}

export type MergeAnswer = 'merge' | 'keep' | 'discard';

/** What the end-of-run merge question says of a run. */
export interface MergeQuestion {
  readonly sessionId: string;
  /** The workflow and its start time (`describeSession`). */
  readonly who: string;
  readonly branch: string;
  readonly target: string;
  readonly commits: number;
  /** A MapReduce job's failed items ("2 of 8 items failed"), or null. */
  readonly failed: string | null;
}

/**
 * The end-of-run question. It decides nothing by closing: until a button (or the row's inline Merge, Keep,
 * Discard, or the status bar) answers, the branch is kept and the session waits, marked in its record. Review
 * Changes opens the branch's diff against its base and asks again beside it.
 */
export function offerMergeDecision(q: MergeQuestion, review: () => unknown): void {
  const failed = q.failed ? ` (${q.failed})` : '';
  void show({
    level: q.failed ? 'warning' : 'info',
    text:
      `${q.who} finished with ${commits(q.commits, 'new ')}${failed}. Merge them into ${q.target}? ` +
      `Until you decide, they stay on branch ${q.branch} and the Sessions view offers Merge, Keep and Discard.`,
    actions: [
      { title: 'Review Changes', run: review },
      command('Merge', 'prodigy.mergeSession', q.sessionId),
      command('Keep Branch', 'prodigy.keepSessionBranch', q.sessionId),
      command('Discard', 'prodigy.discardSessionWork', q.sessionId),
    ],
  });
}

/** Review Changes on a session whose branch has nothing its base lacks. */
export function showNoBranchChanges(who: string, base: string): void {
  void show({ level: 'info', text: `${who} changed no files compared with ${base}.` });
}

export function showBranchKept(who: string, branch: string): void {
  void show({ level: 'info', text: `${who}: branch ${branch} kept; merge it later from the session's menu.` });
}

/** Runs of this workspace that a closed window or process left Running. */
export function offerResumeInterrupted(found: readonly SessionSummary[]): void {
  const one = found.length === 1;
  void show({
    level: 'info',
    text: one
      ? `${describeSession(found[0])} stopped at ${progressText(found[0])} without finishing ` +
        '(its window or process closed). Resume it where it stopped?'
      : `${found.length} runs stopped without finishing (their window or process closed): ` +
        `${found.map(describeSession).join(', ')}.`,
    actions: [
      command(one ? 'Resume' : 'Resume…', 'prodigy.resumeSession', one ? found[0].id : undefined),
      command('Show', 'prodigy.revealSession', found[0].id),
    ],
  });
}

function firstLine(text: string | null): string {
  return (text ?? '').split('\n')[0];
}
