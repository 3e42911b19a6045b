// A session's codicon and theme colour, shared by the tree rows: its status, or for a completed one how it ended.
import * as vscode from 'vscode';
import type { OutcomeKind, SessionStatus, SessionSummary } from '../../core';

const ICONS: Record<SessionStatus, [string, string | undefined]> = {
  Initializing: ['loading~spin', undefined],
  Running: ['sync~spin', 'charts.blue'],
  Paused: ['debug-pause', 'charts.yellow'],
  Completed: ['pass', 'testing.iconPassed'],
  Failed: ['error', 'testing.iconFailed'],
  Cancelled: ['circle-slash', 'disabledForeground'],
};

export function statusIcon(status: SessionStatus): vscode.ThemeIcon {
  const [id, color] = ICONS[status];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

/** How a completed session ended, where a plain green check would hide it. */
const OUTCOME_ICONS: Partial<Record<OutcomeKind, [string, string]>> = {
  merged: ['git-merge', 'testing.iconPassed'],
  kept: ['git-branch', 'charts.purple'],
  conflict: ['git-merge', 'testing.iconFailed'],
  'merge-failed': ['git-merge', 'testing.iconFailed'],
  discarded: ['trash', 'disabledForeground'],
};

/** Failed items come first: a job that lost some of its work is a warning whatever became of its branch. */
export function sessionIcon(s: Pick<SessionSummary, 'status' | 'outcome'>): vscode.ThemeIcon {
  if (s.status !== 'Completed') return statusIcon(s.status);
  if (s.outcome.warning) return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
  const icon = OUTCOME_ICONS[s.outcome.kind];
  return icon ? new vscode.ThemeIcon(icon[0], new vscode.ThemeColor(icon[1])) : statusIcon(s.status);
}
