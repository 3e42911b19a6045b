// Commands that show things and change nothing on disk: the Sessions view (refresh, filter, load more,
// reveal a session), a session's files (its record, its id, its worktree) and logs (the output channel, a
// session's log, a MapReduce agent's log).
import * as vscode from 'vscode';
import { findSessionWorktree, NOT_MERGED, worktreeRoots, type SessionStatus } from '../../core';
import { agentLogUri, sessionLogUri } from '../documents/sessionLogDocuments';
import { showNoWorktree, showWorktree } from '../messages/commands';
import { logTitle } from '../messages/words';
import { filterAnswers } from './answers';
import { livenessOf, nameOf, openLog, type CommandContext, type CommandTable } from './context';
import { pickFilter, sessionIdOrPick } from './pickers';
import { toAgentLogTarget, toRecordFileTarget, toSessionTarget } from './targets';

const ANY_STATUS: SessionStatus[] = ['Running', 'Paused', 'Failed', 'Completed', 'Cancelled', 'Initializing'];

export function viewCommands({ homes, tree, runs, log }: CommandContext): CommandTable {
  return {
    'prodigy.refreshSessions': () => tree.refresh(),
    'prodigy.loadMoreSessions': () => tree.loadMore(),
    'prodigy.clearFilter': () => tree.setFilter({}),

    'prodigy.filterSessions': async (arg) => {
      const given = filterAnswers(arg);
      const filter = given
        ? {
            status: given.status?.length ? given.status : undefined,
            text: given.text || undefined,
            outcome: given.notMerged ? NOT_MERGED : undefined,
          }
        : await pickFilter(tree.getFilter());
      if (filter) tree.setFilter(filter);
      return undefined;
    },

    // The status bar and notifications pass an id; returns whether the session is listed.
    'prodigy.revealSession': async (arg) => {
      const target = toSessionTarget(arg);
      if (!target) return undefined;
      await vscode.commands.executeCommand('prodigy.sessions.focus');
      const node = tree.findSession(target.sessionId) ?? (await tree.loadUntil(target.sessionId));
      if (node) await tree.view.reveal(node, { select: true, focus: false, expand: false });
      return Boolean(node);
    },

    'prodigy.openSessionFile': async (arg) => {
      const target = toRecordFileTarget(arg);
      if (!target) return;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target.file));
      await vscode.window.showTextDocument(doc, { preview: true });
    },

    'prodigy.copySessionId': async (arg) => {
      const target = toSessionTarget(arg);
      if (target) await vscode.env.clipboard.writeText(target.sessionId);
    },

    // Returns the path at once: the notification offering to open or copy it may never be answered.
    'prodigy.revealWorktree': async (arg) => {
      const target = toSessionTarget(arg);
      if (!target) return undefined;
      const { manager } = homes.current;
      const worktree = await findSessionWorktree(worktreeRoots(manager), target.sessionId);
      const who = await nameOf(manager, target.sessionId);
      if (!worktree) {
        showNoWorktree(who);
        return undefined;
      }
      showWorktree(who, worktree);
      return worktree.path;
    },

    // Show Output Channel: the window's own log (Output → Prodigy), every run and message of this window.
    'prodigy.showLog': () => log.show(),

    // Open Session Log: one session's log, everything its steps printed, as a document (live while it runs).
    'prodigy.showSessionLog': async (arg) => {
      const { manager } = homes.current;
      const id = await sessionIdOrPick(manager, arg, ANY_STATUS, {
        title: 'Open Session Log',
        none: 'no session has run yet, so there is no session log to open.',
        liveness: livenessOf(runs, manager.paths),
      });
      if (!id) return undefined;
      return openLog(sessionLogUri(id, await nameOf(manager, id).then(logTitle)));
    },

    // A running agent's row (its click) or a failed item's row.
    'prodigy.openAgentLog': async (arg) => {
      const target = toAgentLogTarget(arg);
      if (!target) return undefined;
      // The row's label names the item ("gamma (#3)"); given only ids, the item's id does.
      const label = (arg as { label?: unknown } | undefined)?.label;
      return openLog(agentLogUri(target.sessionId, target.itemId, typeof label === 'string' ? label : undefined));
    },
  };
}
