// Context keys that drive welcome views and menu visibility; set only through here.
import * as vscode from 'vscode';

export const ContextKeys = {
  sessionsLoaded: 'prodigy.sessionsLoaded',
  hasSessions: 'prodigy.hasSessions',
  hasUnreadable: 'prodigy.hasUnreadable',
  storeError: 'prodigy.storeError',
  filterActive: 'prodigy.filterActive',
} as const;

const current = new Map<string, unknown>();

export function setContext(key: (typeof ContextKeys)[keyof typeof ContextKeys], value: unknown): void {
  if (current.get(key) === value) return;
  current.set(key, value);
  void vscode.commands.executeCommand('setContext', key, value);
}
