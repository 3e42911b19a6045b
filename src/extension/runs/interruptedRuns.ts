// After a window reload, an extension update or a crash, the runs that were going are
// Interrupted (Running on disk, no process). When the Sessions view lists them, offer once to
// resume the recent ones that belong to this workspace, instead of leaving the user to find them.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionSummary } from '../../core';
import { offerResumeInterrupted } from '../messages/runs';
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
    offerResumeInterrupted(found);
  });
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
