// After a window reload, an extension update or a crash, the runs that were going are
// Interrupted (Running on disk, no process). When the Sessions view lists them, offer once to
// resume the recent ones that belong to this workspace, instead of leaving the user to find them.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { displayName, progressText, type SessionSummary } from '../../core';
import type { SessionNode } from '../sessionsTree/nodes';

const OFFERED_KEY = 'prodigy.offeredInterruptedRuns';
const RECENT_MS = 24 * 60 * 60 * 1000;
const REMEMBERED = 200;

export function offerInterruptedRuns(
  onDidListSessions: vscode.Event<SessionNode[]>,
  state: vscode.Memento,
): vscode.Disposable {
  return onDidListSessions((nodes) => {
    if (!vscode.workspace.isTrusted) return;
    const offered = new Set(state.get<string[]>(OFFERED_KEY, []));
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const found = nodes
      .filter(
        (n) => n.interrupted && !offered.has(n.summary.id) && isRecent(n.summary) && inFolders(n.summary, folders),
      )
      .map((n) => n.summary);
    if (found.length === 0) return;
    void state.update(OFFERED_KEY, [...offered, ...found.map((s) => s.id)].slice(-REMEMBERED));
    void offer(found);
  });
}

async function offer(found: SessionSummary[]): Promise<void> {
  const resume = found.length === 1 ? 'Resume' : 'Resume…';
  const show = 'Show';
  const text =
    found.length === 1
      ? `Prodigy: "${displayName(found[0])}" stopped at ${progressText(found[0])} without finishing (its window or process closed). Resume it where it stopped?`
      : `Prodigy: ${found.length} runs stopped without finishing (their window or process closed): ${found.map(displayName).join(', ')}.`;
  const choice = await vscode.window.showInformationMessage(text, resume, show);
  if (choice === resume)
    await vscode.commands.executeCommand('prodigy.resumeSession', found.length === 1 ? found[0].id : undefined);
  else if (choice === show) await vscode.commands.executeCommand('prodigy.revealSession', found[0].id);
}

function isRecent(s: SessionSummary): boolean {
  return Date.now() - Date.parse(s.updated_at) < RECENT_MS;
}

/** Runs of this workspace: their workflow file is inside one of its folders. */
function inFolders(s: SessionSummary, folders: string[]): boolean {
  const file = s.workflow_path;
  if (file === null) return false;
  return folders.some((f) => {
    const rel = path.relative(f, file);
    return !rel.startsWith('..') && !path.isAbsolute(rel);
  });
}
