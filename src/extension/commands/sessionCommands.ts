// Commands on the Sessions view. Anything that asks the user (quick pick, confirmation)
// also takes its answer as an argument, so integration tests drive it without a UI.
import * as vscode from 'vscode';
import { SESSION_STATUSES, errorMessage, type SessionStatus } from '../../core';
import type { ExtensionServices } from '../services';
import { SessionNode, UnreadableNode } from '../sessionsTree/nodes';

export interface FilterArgs {
  status?: SessionStatus[];
  text?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers take tree nodes, ids or args objects
export function sessionCommands(services: ExtensionServices): Record<string, (...args: any[]) => unknown> {
  const { tree, log } = services;
  return {
    'prodigy.refreshSessions': () => tree.refresh(),
    'prodigy.loadMoreSessions': () => tree.loadMore(),
    'prodigy.showLog': () => log.show(),
    'prodigy.clearFilter': () => tree.setFilter({}),

    'prodigy.filterSessions': async (args?: FilterArgs) => {
      if (args) {
        tree.setFilter({ status: args.status?.length ? args.status : undefined, text: args.text || undefined });
        return undefined;
      }
      const current = tree.getFilter();
      const currentStatuses = new Set(
        Array.isArray(current.status) ? current.status : current.status ? [current.status] : [],
      );
      const picked = await vscode.window.showQuickPick(
        SESSION_STATUSES.map((s) => ({ label: s, picked: currentStatuses.has(s) })),
        {
          canPickMany: true,
          title: 'Filter Sessions (1/2): statuses to show',
          placeHolder: 'Pick none to show every status',
        },
      );
      if (!picked) return undefined;
      const text = await vscode.window.showInputBox({
        title: 'Filter Sessions (2/2): text',
        prompt: 'Matches id, workflow name, workflow file, worktree and error. Leave empty for none.',
        value: current.text ?? '',
      });
      if (text === undefined) return undefined;
      tree.setFilter({
        status: picked.length ? picked.map((p) => p.label as SessionStatus) : undefined,
        text: text || undefined,
      });
      return undefined;
    },

    'prodigy.openSessionFile': async (node?: SessionNode | UnreadableNode) => {
      const file =
        node instanceof SessionNode ? node.summary.file : node instanceof UnreadableNode ? node.file.file : undefined;
      if (!file) return;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      await vscode.window.showTextDocument(doc, { preview: true });
    },

    'prodigy.copySessionId': async (node?: SessionNode) => {
      if (node instanceof SessionNode) await vscode.env.clipboard.writeText(node.summary.id);
    },

    'prodigy.quarantineUnreadable': async (args?: { confirm?: boolean }) => {
      const listing = await services.manager().listSessions({ limit: 0 });
      if (listing.unreadable.length === 0) {
        void vscode.window.showInformationMessage('Prodigy: there are no unreadable session files.');
        return undefined;
      }
      if (!args?.confirm) {
        const choice = await vscode.window.showWarningMessage(
          `Move ${listing.unreadable.length} unreadable session file(s) to ${services.manager().paths.quarantineDir}?`,
          {
            modal: true,
            detail:
              listing.unreadable.map((u) => `${u.name}: ${u.reason}`).join('\n') +
              '\n\nNothing is deleted; the files can be moved back.',
          },
          'Move Aside',
        );
        if (choice !== 'Move Aside') return undefined;
      }
      try {
        const result = await services.manager().quarantineUnreadable();
        log.info(`Quarantined ${result.moved.length} file(s) into ${result.folder}`);
        for (const s of result.skipped) log.warn(`Left ${s.file}: ${s.reason}`);
        if (result.moved.length) {
          const reveal = 'Reveal Folder';
          void vscode.window
            .showInformationMessage(
              `Prodigy: moved ${result.moved.length} unreadable file(s) to ${result.folder}.`,
              reveal,
            )
            .then((c) => {
              if (c === reveal) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(result.folder));
            });
        }
        tree.refresh();
        return result;
      } catch (err) {
        log.error(`Quarantine failed: ${errorMessage(err)}`);
        void vscode.window.showErrorMessage(`Prodigy: could not quarantine files: ${errorMessage(err)}`);
        return undefined;
      }
    },
  };
}
