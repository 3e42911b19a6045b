// The `prodigy.*` settings, read fresh on every use and clamped to sane values (see package.json for each).
import * as vscode from 'vscode';
import { DEFAULT_CLAUDE_CONFIG, type ClaudeConfig, type MergePolicy } from '../core';

export const SECTION = 'prodigy';

/** What a MapReduce agent's merge does when it conflicts: abort it (the item fails), or let Claude resolve it. */
export type MergeConflicts = 'abort' | 'claude';

export interface ExtensionSettings {
  /** Empty means: PRODIGY_HOME, else ~/.prodigy (resolved by the core). */
  home: string | undefined;
  pageSize: number;
  claude: ClaudeConfig;
  worktreeEnabled: boolean;
  merge: MergePolicy;
  mergeConflicts: MergeConflicts;
  cleanUpDays: number;
}

/** Read fresh on every use by the run controller, so a change applies to the next run without a reload. */
export function readSettings(): ExtensionSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const home = c.get<string>('home')?.trim();
  const pageSize = c.get<number>('sessions.pageSize') ?? 50;
  const merge = c.get<string>('merge');
  return {
    home: home || undefined,
    pageSize: Math.max(10, Math.min(1000, Math.floor(pageSize))),
    claude: readClaude(c),
    worktreeEnabled: c.get<boolean>('worktree.enabled') ?? true,
    merge: merge === 'always' || merge === 'never' ? merge : 'ask',
    mergeConflicts: c.get<string>('mergeConflicts') === 'claude' ? 'claude' : 'abort',
    cleanUpDays: Math.max(0, c.get<number>('cleanUp.olderThanDays') ?? 14),
  };
}

function readClaude(c: vscode.WorkspaceConfiguration): ClaudeConfig {
  const args = c.get<unknown>('claude.args');
  const maxCost = c.get<unknown>('claude.maxCostPerSession');
  return {
    command: c.get<string>('claude.command')?.trim() || DEFAULT_CLAUDE_CONFIG.command,
    // Empty: the core's own arguments for the mode (stream-json, or print mode when streaming is off).
    args: Array.isArray(args) && args.every((a) => typeof a === 'string') ? args : DEFAULT_CLAUDE_CONFIG.args,
    streaming: c.get<boolean>('claude.streaming') !== false,
    // null (the default), a negative number or anything else: no budget.
    ...(typeof maxCost === 'number' && Number.isFinite(maxCost) && maxCost >= 0 ? { maxCostUsd: maxCost } : {}),
  };
}
