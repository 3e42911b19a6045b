// Every message the user can see, by name (after GitLens's src/messages.ts). Call sites say what happened
// (`showRunStopped(id)`); the wording, the level, the `Prodigy:` prefix, the log line and the buttons are here.
import * as vscode from 'vscode';
import {
  errorMessage,
  progressText,
  type MergeOutcome,
  type MigrationReport,
  type RestoreOutcome,
  type RestorePlan,
  type SessionSummary,
  type SessionWorktree,
  type UnreadableFile,
} from '../core';
import { toDisposable } from './lifecycle';

type Level = 'info' | 'warning' | 'error';

/** A button on a message; `run` runs when it is clicked. */
interface Action {
  readonly title: string;
  readonly run?: () => unknown;
}

interface Message {
  readonly level: Level;
  readonly text: string;
  readonly actions?: readonly Action[];
  /** A modal question (`detail` below the text): each asks before something hard to undo, as a warning. */
  readonly modal?: { readonly detail?: string };
}

const PREFIX = 'Prodigy: ';
let output: vscode.LogOutputChannel | undefined;

/** From activation on, every notification is also written to the Prodigy output channel. */
export function logMessagesTo(log: vscode.LogOutputChannel): vscode.Disposable {
  output = log;
  return toDisposable(() => {
    if (output === log) output = undefined;
  });
}

/**
 * Shows a message and resolves with the title of the button clicked (undefined: dismissed), after starting its
 * action. Never await a notification just to run its action: one nobody answers never settles.
 */
function show(message: Message): Promise<string | undefined> {
  const { level, modal } = message;
  const actions = message.actions ?? [];
  const titles = actions.map((a) => a.title);
  // A notification appears in a corner, away from what caused it: it names its source, and it is logged (it
  // fades; the log keeps what the user was told). A modal question answers the user's own click: neither.
  const text = modal ? message.text : PREFIX + message.text;
  if (modal) output?.debug(`Asked: ${text}`);
  else if (level === 'error') output?.error(text);
  else if (level === 'warning') output?.warn(text);
  else output?.info(text);
  const options: vscode.MessageOptions = modal ? { modal: true, detail: modal.detail } : {};
  const shown =
    level === 'error'
      ? vscode.window.showErrorMessage(text, options, ...titles)
      : level === 'warning'
        ? vscode.window.showWarningMessage(text, options, ...titles)
        : vscode.window.showInformationMessage(text, options, ...titles);
  return Promise.resolve(shown).then((choice) => {
    const run = actions.find((a) => a.title === choice)?.run;
    if (run) {
      void Promise.resolve()
        .then(run)
        .catch((err) => output?.error(`"${choice}" failed: ${errorMessage(err)}`));
    }
    return choice;
  });
}

// ---- Actions

function command(title: string, id: string, ...args: unknown[]): Action {
  return { title, run: () => vscode.commands.executeCommand(id, ...args) };
}

const resumeAction = (sessionId: string) => command('Resume', 'prodigy.resumeSession', { sessionId });
const showLogAction = (sessionId: string) => command('Show Log', 'prodigy.showSessionLog', sessionId);
const manageTrustAction = () => command('Manage Workspace Trust', 'workbench.trust.manage');
const openSettingAction = (key: string) => command('Open Setting', 'workbench.action.openSettings', key);

// ---- Runs

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
      `${who}: ${retry.succeeded} of ${retry.retried} retried item(s) succeeded${still}. ` +
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

// ---- Commands

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

// ---- Restore

/**
 * What a message calls a session: its workflow and start time (`"fix-tests" (started 14:02)`). A record carries
 * the name in `workflow_data`, a listing's summary in `workflow_name`: either will do.
 */
export interface SessionWords {
  readonly id: string;
  readonly started_at: string;
  readonly workflow_data?: { readonly workflow_name: string } | null;
  readonly workflow_name?: string;
  /** A MapReduce record has no workflow_data: its name is `metadata.workflow_name`. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A session as messages, pickers and tab titles name it: `"fix-tests" (started 14:02)`. */
export function describeSession(s: SessionWords): string {
  return sessionWords(s);
}

/** "1 commit", "3 new commits". */
function commits(n: number, adjective = ''): string {
  return `${n} ${adjective}commit${n === 1 ? '' : 's'}`;
}

/** A session log's tab title from `describeSession`: `fix-tests (started 14:02)`, without the quotes. */
export function logTitle(who: string): string {
  return who.replace(/^"(.*)"( |$)/, '$1$2');
}

function sessionWords(s: SessionWords): string {
  const kept = s.metadata?.workflow_name;
  const name = `"${s.workflow_data?.workflow_name || s.workflow_name || (typeof kept === 'string' && kept) || s.id}"`;
  const started = new Date(s.started_at);
  if (Number.isNaN(started.getTime())) return name;
  const time = started.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const today = started.toDateString() === new Date().toDateString();
  const day = today ? '' : `${started.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} `;
  return `${name} (started ${day}${time})`;
}

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
        ? `${plan.changes.length} file(s) go back to ${plan.targetCommit.slice(0, 7)} (the diff shows how).`
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

// ---- Housekeeping

/** A session Delete asks about: its words, and the commits on its branch not merged anywhere (0: none). */
export interface SessionToDelete {
  readonly who: string;
  readonly unmerged: number;
  readonly branch: string | null;
}

/** Delete the sessions, and also their worktrees? Undefined: do nothing. Warns of work not merged. */
export async function askDeleteSessions(
  sessions: readonly SessionToDelete[],
  trashDir: string,
): Promise<{ removeWorktree: boolean } | undefined> {
  const only = 'Delete';
  const withWorktrees = 'Delete with Worktrees';
  const unmerged = sessions.filter((s) => s.unmerged > 0);
  const one = sessions.length === 1 ? sessions[0] : undefined;
  // The unmerged work leads: it is what a careless Delete with Worktrees loses for good.
  const warning = one
    ? one.unmerged > 0
      ? ` Its branch${one.branch ? ` ${one.branch}` : ''} has ${one.unmerged} unmerged commit(s).`
      : ''
    : unmerged.length > 0
      ? ` ${unmerged.length} of them have unmerged commits (${unmerged.map((s) => s.who).join(', ')}).`
      : '';
  const choice = await show({
    level: 'warning',
    text: (one ? `Delete ${one.who}?` : `Delete ${sessions.length} sessions?`) + warning,
    modal: {
      detail:
        `Records and checkpoints move to ${trashDir} (Undo brings them back). ` +
        `"${withWorktrees}" also removes each session's git worktree and branch` +
        (unmerged.length ? ', and with it the unmerged commits, for good.' : '.'),
    },
    actions: [{ title: only }, { title: withWorktrees }],
  });
  return choice ? { removeWorktree: choice === withWorktrees } : undefined;
}

/** Sessions were deleted (records moved aside): Undo moves them back. */
export function showSessionsDeleted(names: readonly string[], undo: () => unknown): void {
  void show({
    level: 'info',
    text: names.length === 1 ? `deleted ${names[0]}.` : `deleted ${names.length} sessions.`,
    actions: [{ title: 'Undo', run: undo }],
  });
}

export function showSessionsUndeleted(names: readonly string[]): void {
  void show({
    level: 'info',
    text: names.length === 1 ? `${names[0]} is back.` : `${names.length} sessions are back.`,
  });
}

export function showNothingToCleanUp(days: number): void {
  void show({ level: 'info', text: `no completed sessions older than ${days} day(s).` });
}

export async function askCleanUp(count: number, days: number, trashDir: string): Promise<boolean> {
  const go = 'Clean Up';
  const choice = await show({
    level: 'warning',
    text: `Remove ${count} completed session(s) older than ${days} day(s), with their worktrees and branches?`,
    modal: {
      detail: `Records move to ${trashDir}. The age is the \`prodigy.cleanUp.olderThanDays\` setting.`,
    },
    actions: [{ title: go }],
  });
  return choice === go;
}

export function showCleanedUp(count: number): void {
  void show({ level: 'info', text: `cleaned up ${count} session(s).` });
}

export function showMigrated(report: MigrationReport): void {
  const total = report.imported.length;
  const skipped = report.skipped.length ? `, ${report.skipped.length} already present` : '';
  void show({
    level: 'info',
    text: total
      ? `found ${report.found.workflow} workflow and ${report.found.mapreduce} MapReduce session(s); ` +
        `imported ${total}${skipped}.`
      : 'no legacy or record-less sessions to import.',
  });
}

export function showNoUnreadable(): void {
  void show({ level: 'info', text: 'there are no unreadable session files.' });
}

export async function askQuarantine(unreadable: readonly UnreadableFile[], quarantineDir: string): Promise<boolean> {
  const go = 'Move Aside';
  const choice = await show({
    level: 'warning',
    text: `Move ${unreadable.length} unreadable session file(s) to ${quarantineDir}?`,
    modal: {
      detail:
        unreadable.map((u) => `${u.name}: ${u.reason}`).join('\n') +
        '\n\nNothing is deleted; the files can be moved back.',
    },
    actions: [{ title: go }],
  });
  return choice === go;
}

export function showQuarantined(count: number, folder: string): void {
  void show({
    level: 'info',
    text: `moved ${count} unreadable file(s) to ${folder}.`,
    actions: [command('Reveal Folder', 'revealFileInOS', vscode.Uri.file(folder))],
  });
}

// ---- Pickers

export function showNoWorkflowFiles(): void {
  void show({
    level: 'info',
    text:
      'no workflow files found in this workspace ' +
      '(YAML files with `commands:` or a list of `claude:`/`shell:` steps).',
  });
}

/**
 * A session picker had nothing to offer. `none` says what was looked for, as a sentence of its own (`no stopped,
 * failed or interrupted session to resume.`): a picker's title is no verb to build one from.
 */
export function showNoSessionsToPick(none: string): void {
  void show({ level: 'info', text: none });
}

export function showNoCheckpoints(who: string): void {
  void show({ level: 'info', text: `${who} has no checkpoints to restore.` });
}

// ---- Claude

/** Show Claude Transcript on something that made no Claude call in streaming mode (or none yet). */
export function showNoTranscript(what: string): void {
  void show({
    level: 'info',
    text:
      `${what} has no Claude transcript: it made no Claude call with \`--output-format stream-json\` ` +
      '(print mode keeps none).',
    actions: [openSettingAction('prodigy.claude.streaming')],
  });
}

/** The kept stream a transcript is read from is no longer on disk. */
export function showTranscriptGone(what: string, file: string): void {
  void show({
    level: 'warning',
    text: `the Claude transcript of ${what} is gone: ${file} no longer exists (deleted or cleaned up).`,
  });
}

/** Continue in Claude Code on a session without a Claude Code session to resume. */
export function showNoClaudeSession(who: string): void {
  void show({
    level: 'info',
    text: `${who} has no Claude Code session to continue: its last Claude call printed no session id.`,
  });
}

/** The terminal running `claude --resume` is open: how to go on with the workflow afterwards. */
export function showContinuingInClaude(sessionId: string, who: string): void {
  void show({
    level: 'info',
    text:
      `continuing the Claude Code session of ${who} in a terminal. ` +
      'When you are done there, resume the workflow where it stopped.',
    actions: [resumeAction(sessionId)],
  });
}

function firstLine(text: string | null): string {
  return (text ?? '').split('\n')[0];
}

// ---- Worktrees left behind

export function showNoWorktreesLeft(): void {
  void show({
    level: 'info',
    text: 'no worktree is left behind: every session worktree belongs to a session in the Sessions view.',
  });
}

/** Before removing worktrees with uncommitted files: they are lost (committed work stays on the branches). */
export async function askRemoveDirtyWorktrees(names: readonly string[]): Promise<boolean> {
  const answer = await show({
    level: 'warning',
    text: `Remove ${names.length} worktree(s) with uncommitted changes?`,
    modal: {
      detail: `${names.join('\n')}\n\nTheir uncommitted changes are lost; their commits stay on their branches.`,
    },
    actions: [{ title: 'Remove' }],
  });
  return answer === 'Remove';
}

export function showWorktreesCleaned(removed: number, branchesKept: number): void {
  const kept = branchesKept ? `; ${branchesKept} unmerged branch(es) kept, with their commits` : '';
  void show({ level: 'info', text: `removed ${removed} worktree(s)${kept}.` });
}

// ---- The demo workflow (the Get Started walkthrough)

export function showDemoNeedsFolder(): void {
  void show({
    level: 'info',
    text: 'open a folder first (a git repository): the demo workflow is written into it and runs there.',
    actions: [command('Open Folder', 'workbench.action.files.openFolder')],
  });
}

/** true: replace the file; false: open it as it is; undefined: neither (the question was dismissed). */
export async function askReplaceDemoWorkflow(folder: string): Promise<boolean | undefined> {
  const replace = 'Replace';
  const open = 'Open Existing';
  const choice = await show({
    level: 'warning',
    text: 'Replace prodigy-demo.workflow.yml with the demo workflow?',
    modal: {
      detail: `${folder} already has a prodigy-demo.workflow.yml that differs from the demo: replacing it loses its changes.`,
    },
    actions: [{ title: replace }, { title: open }],
  });
  return choice === replace ? true : choice === open ? false : undefined;
}

/** A run starts its worktree from a commit: the folder has no repository, or no commit yet. */
export function showDemoNeedsRepository(
  folderName: string,
  missing: 'repository' | 'commit',
  init: () => unknown,
): void {
  const what = missing === 'repository' ? 'is not a git repository' : 'is a git repository with no commit yet';
  void show({
    level: 'warning',
    text:
      `${folderName} ${what}: the demo runs in a git worktree of its own, which starts from a commit. ` +
      'Make an empty first commit here?',
    actions: [{ title: missing === 'repository' ? 'Initialize Repository' : 'Make First Commit', run: init }],
  });
}

export function showDemoRepositoryReady(folderName: string): void {
  void show({
    level: 'info',
    text: `${folderName} now has a first commit: the demo workflow can run.`,
    actions: [command('Run Workflow…', 'prodigy.runWorkflow')],
  });
}
