import * as vscode from 'vscode';

export const SECTION = 'prodigy';

export interface ExtensionSettings {
  /** Empty means: PRODIGY_HOME, else ~/.prodigy (resolved by the core). */
  home: string | undefined;
  pageSize: number;
}

export function readSettings(): ExtensionSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const home = c.get<string>('home')?.trim();
  const pageSize = c.get<number>('sessions.pageSize') ?? 50;
  return { home: home || undefined, pageSize: Math.max(10, Math.min(1000, Math.floor(pageSize))) };
}
