// The messages of housekeeping: deleting sessions (and its Undo), cleaning up old ones, importing legacy
// sessions, and moving unreadable session files aside.
import * as vscode from 'vscode';
import type { MigrationReport, UnreadableFile } from '../../core';
import { command, show } from './notify';
import { commits, plural } from './words';

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
      ? ` Its branch${one.branch ? ` ${one.branch}` : ''} has ${commits(one.unmerged, 'unmerged ')}.`
      : ''
    : unmerged.length > 0
      ? ` ${unmerged.length} of them ${unmerged.length === 1 ? 'has' : 'have'} unmerged commits (${unmerged.map((s) => s.who).join(', ')}).`
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
  void show({ level: 'info', text: `no completed sessions older than ${plural(days, 'day')}.` });
}

export async function askCleanUp(count: number, days: number, trashDir: string): Promise<boolean> {
  const go = 'Clean Up';
  const choice = await show({
    level: 'warning',
    text: `Remove ${plural(count, 'completed session')} older than ${plural(days, 'day')}, with ${count === 1 ? 'its worktree and branch' : 'their worktrees and branches'}?`,
    modal: {
      detail: `Records move to ${trashDir}. The age is the \`prodigy.cleanUp.olderThanDays\` setting.`,
    },
    actions: [{ title: go }],
  });
  return choice === go;
}

export function showCleanedUp(count: number): void {
  void show({ level: 'info', text: `cleaned up ${plural(count, 'session')}.` });
}

export function showMigrated(report: MigrationReport): void {
  const total = report.imported.length;
  const skipped = report.skipped.length ? `, ${report.skipped.length} already present` : '';
  void show({
    level: 'info',
    text: total
      ? `found ${plural(report.found.workflow, 'workflow session')} and ${plural(report.found.mapreduce, 'MapReduce session')}; ` +
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
    text: `Move ${plural(unreadable.length, 'unreadable session file')} to ${quarantineDir}?`,
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
    text: `moved ${plural(count, 'unreadable file')} to ${folder}.`,
    actions: [command('Reveal Folder', 'revealFileInOS', vscode.Uri.file(folder))],
  });
}
