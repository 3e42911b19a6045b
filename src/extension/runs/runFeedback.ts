// What a run tells the user besides its row and the status bar: the question before a second run of a file, the
// missing-Claude check, the progress on the Sessions view (titled by the workflow's name), its lines in the
// Prodigy output channel (Claude steps as readable activity lines, never their JSON), and the message it ends with.
import * as vscode from 'vscode';
import { findExecutable, type EngineEvent, type RunOutcome, type SessionManager } from '../../core';
import { readSettings } from '../config';
import {
  showBudgetReached,
  showClaudeNotFound,
  showReduceStale,
  showRunCompleted,
  showRunFailed,
  showRunNotMerged,
  showRunStopped,
} from '../messages/runs';
import { describeSession } from '../messages/words';
import type { Tracking } from './activeRun';
import { askMergeDecision, markAwaitingDecision } from './mergeDecision';
import type { RunningFile } from './runningFiles';

const SESSIONS_VIEW = 'prodigy.sessions';

/** Asks before a second run of a workflow file this window runs already (two identical runs are rarely meant). */
export async function confirmSecondRun(run: RunningFile): Promise<boolean> {
  const where = run.total ? ` (step ${run.step}/${run.total})` : '';
  const again = 'Start Another Run';
  const answer = await vscode.window.showWarningMessage(
    `${run.workflowName || 'This workflow'} is already running${where}. Start a second run of it?`,
    { modal: true, detail: 'Both runs would work on the same repository, each in its own session.' },
    again,
  );
  return answer === again;
}

/** Checks the Claude CLI up front when a run may need it; offers the setting when it is missing. */
export function claudeAvailable(needed: boolean, maybe = false): boolean {
  if (!needed) return true;
  const { command } = readSettings().claude;
  if (findExecutable(command)) return true;
  if (maybe) return true; // a resume may have only shell steps left; the engine reports it if not
  showClaudeNotFound(command);
  return false;
}

/** The workflow's name for messages (the id when it has none). */
export async function nameOf(manager: SessionManager, sessionId: string): Promise<string> {
  try {
    const s = await manager.getSession(sessionId);
    return (
      s.workflow_data?.workflow_name ||
      (typeof s.metadata.workflow_name === 'string' ? s.metadata.workflow_name : '') ||
      sessionId
    );
  } catch {
    return sessionId;
  }
}

/** Runs `execute` with the run's progress on the Sessions view (unless its request says no), reported to `t.report`. */
export function withRunProgress(title: string, t: Tracking, execute: () => Promise<RunOutcome>): Thenable<RunOutcome> {
  // Progress lives on the Sessions view and in the status bar, never in a notification that stays for the
  // whole run (it covered the Output panel and stacked): Stop is on the row, the status bar and the editor.
  return t.request.progress === false
    ? execute()
    : vscode.window.withProgress({ location: { viewId: SESSIONS_VIEW }, title }, (progress) => {
        t.report = (message, increment) => progress.report({ message, increment });
        return execute();
      });
}

/** One engine event in the output channel, prefixed by its session. */
export function logEvent(log: vscode.LogOutputChannel, e: EngineEvent): void {
  const prefix = e.sessionId ? `[${e.sessionId}] ` : '';
  switch (e.type) {
    case 'output':
      log.info(`${prefix}  ${e.line}`);
      break;
    case 'claude-activity':
      // Readable lines only (the core keeps the JSON in the stream file); an agent's lines name its item.
      log.info(`${prefix}${e.itemId ? `${e.itemId}: ` : ''}  ${e.text}`);
      break;
    case 'message':
      if (e.level === 'error') log.error(`${prefix}${e.text}`);
      else if (e.level === 'warning') log.warn(`${prefix}${e.text}`);
      else log.info(`${prefix}${e.text}`);
      break;
    case 'session-finished':
      log.info(`${prefix}finished: ${e.status}${e.error ? ` (${firstLine(e.error)})` : ''}`);
      break;
    default:
      break;
  }
}

/**
 * After a run: the discard the user already chose, then the one message that says how it ended, or the merge
 * question when nobody answered it in advance (`ask`). `rerunReduce` is the stale-reduce message's action.
 */
export async function announceRunEnd(
  outcome: RunOutcome,
  manager: SessionManager,
  answered: { ask: boolean; discard: boolean },
  log: vscode.LogOutputChannel,
  rerunReduce: () => unknown,
): Promise<void> {
  const id = outcome.sessionId;
  const { ask } = answered;
  // The user already chose Discard in the merge question (or passed it): no second confirmation.
  if (answered.discard) await vscode.commands.executeCommand('prodigy.discardSessionWork', id, { confirm: true });
  // The workflow's name and start time, not the session id, lead the message (the id is in the tree's tooltip).
  const who = await manager
    .getSession(id)
    .then((s) => describeSession(s))
    .catch(() => `session ${id}`);
  if (outcome.retry?.reduce_stale && outcome.status === 'Completed')
    showReduceStale(id, who, outcome.retry, rerunReduce);
  else if (outcome.status === 'Failed') showRunFailed(id, who, outcome.error);
  // A pause with a reason is the engine's own (the Claude budget); a plain pause is the user's stop.
  else if (outcome.status === 'Paused' && outcome.error) showBudgetReached(id, who, outcome.error);
  else if (outcome.status === 'Paused') showRunStopped(id, who);
  else if (outcome.merge?.status === 'conflict' || outcome.merge?.status === 'failed')
    showRunNotMerged(id, outcome.merge.message);
  else if (ask && outcome.merge?.status === 'kept') {
    // The question is the run's last word: the record says it waits first, so the row and status bar offer it.
    await markAwaitingDecision(manager, id).catch((err) => log.error(`[${id}] ${String(err)}`));
    await askMergeDecision(manager, id).catch((err) => log.error(`[${id}] ${String(err)}`));
  } else showRunCompleted(id, who, outcome.merge?.status === 'merged');
}

function firstLine(text: string | null): string {
  return (text ?? '').split('\n')[0];
}
