// Commands that tidy the Prodigy home: delete sessions, clean up old finished ones, import legacy and
// record-less sessions, and move unreadable session files aside. Nothing here deletes for good: records go
// to the home's trash or quarantine folder.
import * as vscode from 'vscode';
import {
  deleteSessionAndWorktree,
  migrate,
  NOT_MERGED,
  sessionOutcome,
  sessionsToCleanUp,
  type SessionManager,
} from '../../core';
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
  showSessionsDeleted,
  showSessionsUndeleted,
  type SessionToDelete,
} from '../messages/housekeeping';
import { describeSession, plural } from '../messages/words';
import { branchOf } from '../runs/mergeDecision';
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
    trashed: string[] = [],
  ): Promise<string[]> {
    const done: string[] = [];
    for (const id of ids) {
      const deleted = await guarded(`could not ${verb} ${id}`, () =>
        deleteSessionAndWorktree(manager, id, { removeWorktree }),
      );
      if (deleted) {
        done.push(id);
        trashed.push(deleted.movedTo);
      }
    }
    tree.refresh();
    return done;
  }

  /** How Delete names a session, and the commits on its branch that no merge took (outcome kept, conflict…). */
  async function toDelete(manager: SessionManager, id: string): Promise<SessionToDelete> {
    try {
      const s = await manager.getSession(id);
      if (!NOT_MERGED.includes(sessionOutcome(s).kind)) return { who: describeSession(s), unmerged: 0, branch: null };
      const found = await branchOf(manager, id).catch(() => undefined);
      const recorded = (s.metadata.merge as { commits?: unknown } | undefined)?.commits;
      const unmerged = found?.commits ?? (typeof recorded === 'number' ? recorded : 0);
      return { who: describeSession(s), unmerged, branch: found?.wt.branch ?? null };
    } catch {
      return { who: `session ${id}`, unmerged: 0, branch: null };
    }
  }

  /** Undo of a Delete: each record moved back (one whose id exists again is reported and left in the trash). */
  async function undelete(manager: SessionManager, trashed: readonly string[], names: readonly string[]) {
    let back = 0;
    for (const folder of trashed) {
      if (await guarded('could not undo the delete', () => manager.undeleteSession(folder))) back++;
    }
    tree.refresh();
    if (back > 0) showSessionsUndeleted(back === names.length ? names : names.slice(0, back));
    return back;
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
      const sessions = await Promise.all(ids.map((id) => toDelete(manager, id)));
      if (!confirmed(arg)) {
        const answer = await askDeleteSessions(sessions, manager.paths.trashDir);
        if (!answer) return undefined;
        removeWorktree = answer.removeWorktree;
      }
      const trashed: string[] = [];
      const done = await deleteEach('delete', manager, ids, removeWorktree, trashed);
      const names = sessions.filter((_, i) => done.includes(ids[i])).map((s) => s.who);
      // The records are in the trash: Undo moves them back (a removed worktree and branch are not).
      if (done.length) showSessionsDeleted(names, () => undelete(manager, trashed, names));
      return done;
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
      log.info(`Quarantined ${plural(result.moved.length, 'file')} into ${result.folder}`);
      for (const s of result.skipped) log.warn(`Left ${s.file}: ${s.reason}`);
      if (result.moved.length) showQuarantined(result.moved.length, result.folder);
      tree.refresh();
      return result;
    },
  };
}
