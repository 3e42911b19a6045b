// A session status's codicon and theme colour, shared by the tree rows.
import * as vscode from 'vscode';
import type { SessionStatus } from '../../core';

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
