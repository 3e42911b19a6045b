// The `prodigy.*` settings, read fresh on every use and clamped to sane values (see package.json for each).
import * as vscode from 'vscode';
import { DEFAULT_CLAUDE_CONFIG, type ClaudeConfig, type MergePolicy } from '../core';

export const SECTION = 'prodigy';

export interface ExtensionSettings {
  /** Empty means: PRODIGY_HOME, else ~/.prodigy (resolved by the core). */
  home: string | undefined;
  pageSize: number;
  claude: ClaudeConfig;
  worktreeEnabled: boolean;
  merge: MergePolicy;
  cleanUpDays: number;
}

/** Read fresh on every use by the run controller, so a change applies to the next run without a reload. */
export function readSettings(): ExtensionSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const home = c.get<string>('home')?.trim();
  const pageSize = c.get<number>('sessions.pageSize') ?? 50;
  const args = c.get<string[]>('claude.args');
  const merge = c.get<string>('merge');
  return {
    home: home || undefined,
    pageSize: Math.max(10, Math.min(1000, Math.floor(pageSize))),
    claude: {
      command: c.get<string>('claude.command')?.trim() || DEFAULT_CLAUDE_CONFIG.command,
      args: Array.isArray(args) && args.every((a) => typeof a === 'string') ? args : DEFAULT_CLAUDE_CONFIG.args,
    },
    worktreeEnabled: c.get<boolean>('worktree.enabled') ?? true,
    merge: merge === 'always' || merge === 'never' ? merge : 'ask',
    cleanUpDays: Math.max(0, c.get<number>('cleanUp.olderThanDays') ?? 14),
  };
}
