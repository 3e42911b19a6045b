// Commands that tidy the Prodigy home: delete sessions, clean up old finished ones, import legacy and
// record-less sessions, and move unreadable session files aside. Nothing here deletes for good: records go
// to the home's trash or quarantine folder.
import * as vscode from 'vscode';
import { deleteSessionAndWorktree, migrate, sessionsToCleanUp, type SessionManager } from '../../core';
import { readSettings } from '../config';
import {
  askCleanUp,
  askDeleteSessions,
  askQuarantine,
  showCleanedUp,
  showMigrated,
  showNothingToCleanUp,
  showNoUnreadable,
  showQuarantined,
} from '../messages';
import { confirmed, olderThanDaysAnswer, projectPathAnswer, removeWorktreeAnswer } from './answers';
import { guarded, type CommandContext, type CommandTable } from './context';
import { pickSession } from './pickers';
import { toSessionTargets } from './targets';

export function housekeepingCommands({ homes, tree, log }: CommandContext): CommandTable {
  /** Deletes each session (a failure is reported and the rest go on); returns the ids deleted. */
  async function deleteEach(
    verb: 'delete' | 'clean up',
    manager: SessionManager,
    ids: readonly string[],
    removeWorktree: boolean,
  ): Promise<string[]> {
    const done: string[] = [];
    for (const id of ids) {
      const deleted = await guarded(`could not ${verb} ${id}`, () =>
        deleteSessionAndWorktree(manager, id, { removeWorktree }),
      );
      if (deleted) done.push(id);
    }
    tree.refresh();
    return done;
  }

  return {
    // From the tree, the selected rows come as the second argument.
    'prodigy.deleteSession': async (arg, selection) => {
      const { manager } = homes.current;
      const given = toSessionTargets(arg, selection)?.map((t) => t.sessionId);
      const picked = given
        ? undefined
        : (await pickSession(manager, ['Completed', 'Failed', 'Paused', 'Cancelled'], 'Delete Session'))?.id;
      const ids = given ?? (picked ? [picked] : []);
      if (ids.length === 0) return undefined;
      let removeWorktree = removeWorktreeAnswer(arg) ?? false;
      if (!confirmed(arg)) {
        const answer = await askDeleteSessions(ids, manager.paths.trashDir);
        if (!answer) return undefined;
        removeWorktree = answer.removeWorktree;
      }
      return deleteEach('delete', manager, ids, removeWorktree);
    },

    'prodigy.cleanUpSessions': async (arg) => {
      const days = olderThanDaysAnswer(arg) ?? readSettings().cleanUpDays;
      const { manager } = homes.current;
      const ids = await sessionsToCleanUp(manager, days);
      if (ids.length === 0) {
        showNothingToCleanUp(days);
        return [];
      }
      if (!confirmed(arg) && !(await askCleanUp(ids.length, days, manager.paths.trashDir))) return undefined;
      const done = await deleteEach('clean up', manager, ids, true);
      showCleanedUp(done.length);
      return done;
    },

    'prodigy.migrateLegacySessions': async (arg) => {
      const folder = projectPathAnswer(arg) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const report = await guarded('migration failed', () => migrate(homes.current.manager, { projectDir: folder }));
      if (!report) return undefined;
      showMigrated(report);
      tree.refresh();
      return report;
    },

    'prodigy.quarantineUnreadable': async (arg) => {
      const { manager } = homes.current;
      const listing = await manager.listSessions({ limit: 0 });
      if (listing.unreadable.length === 0) {
        showNoUnreadable();
        return undefined;
      }
      if (!confirmed(arg) && !(await askQuarantine(listing.unreadable, manager.paths.quarantineDir))) return undefined;
      const result = await guarded('could not quarantine files', () => manager.quarantineUnreadable());
      if (!result) return undefined;
      log.info(`Quarantined ${result.moved.length} file(s) into ${result.folder}`);
      for (const s of result.skipped) log.warn(`Left ${s.file}: ${s.reason}`);
      if (result.moved.length) showQuarantined(result.moved.length, result.folder);
      tree.refresh();
      return result;
    },
  };
}
