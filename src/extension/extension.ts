// Composition root: builds the services, registers views and commands, wires events.
// Activation does no disk I/O before the view is registered; the first listing happens
// when VS Code asks the tree for its children.
import * as vscode from 'vscode';
import { SessionManager } from '../core';
import { registerAuthoring } from './authoring';
import { runCommands } from './commands/runCommands';
import { sessionCommands } from './commands/sessionCommands';
import { GIT_SCHEME, GitContentDocuments } from './documents/gitContentDocuments';
import { LOG_SCHEME, SessionLogDocuments } from './documents/sessionLogDocuments';
import { offerInterruptedRuns } from './runs/interruptedRuns';
import { RunController } from './runs/runController';
import { StatusBarController } from './statusBar';
import { readSettings, SECTION } from './config';
import { createLog } from './log';
import type { ExtensionServices } from './services';
import { watchSessionsFolder } from './sessionsWatcher';
import { SessionsTreeProvider } from './sessionsTree/sessionsTreeProvider';
import type { TreeNode } from './sessionsTree/nodes';

export interface ProdigyExtensionApi {
  readonly services: ExtensionServices;
  /** Milliseconds spent in activate(), measured by the extension itself. */
  readonly activationMs: number;
  /** How many times the tree had listed sessions when activate() returned (0: activation read no sessions). */
  readonly listingsAtActivation: number;
  /** The status bar item's controller (tests read its text). */
  readonly statusBar: StatusBarController;
}

export function activate(context: vscode.ExtensionContext): ProdigyExtensionApi {
  const started = performance.now();
  const log = createLog();
  context.subscriptions.push(log);

  let settings = readSettings();
  let manager = new SessionManager({ home: settings.home });
  const tree = new SessionsTreeProvider(manager, settings.pageSize, log);
  const view = vscode.window.createTreeView<TreeNode>('prodigy.sessions', {
    treeDataProvider: tree,
    showCollapseAll: true,
    canSelectMany: true,
  });
  context.subscriptions.push(tree, view);

  const runs = new RunController(() => manager, readSettings, log);
  tree.setLiveness((id) => runs.liveness(id));
  tree.setRunningAgents((id) => runs.active().find((r) => r.sessionId === id)?.job?.agents ?? new Map());
  const statusBar = new StatusBarController(runs, () => manager);
  let unwatchStatus = statusBar.watch(manager);
  const logDocuments = new SessionLogDocuments(() => manager, runs);
  context.subscriptions.push(
    runs,
    statusBar,
    logDocuments,
    { dispose: () => unwatchStatus() },
    vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, logDocuments),
    vscode.workspace.registerTextDocumentContentProvider(GIT_SCHEME, new GitContentDocuments()),
    // A run starting or ending changes whether its row is live, stoppable, resumable.
    runs.onDidChangeRuns(() =>
      tree.refreshSessions([
        ...runs.active().map((r) => r.sessionId),
        ...(runs.lastSessionId ? [runs.lastSessionId] : []),
      ]),
    ),
    vscode.workspace.onDidGrantWorkspaceTrust(() => tree.refresh()),
  );

  const services: ExtensionServices = {
    manager: () => manager,
    settings: readSettings,
    tree,
    view: view as vscode.TreeView<unknown>,
    log,
    runs,
  };
  for (const [id, handler] of Object.entries({ ...sessionCommands(services), ...runCommands(services) })) {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  }

  registerAuthoring(context, services);
  context.subscriptions.push(offerInterruptedRuns(tree.onDidListSessions, context.workspaceState));

  let watcher = watchSessionsFolder(manager.paths.sessionsDir, () => tree.rescan());
  context.subscriptions.push({ dispose: () => watcher.dispose() });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const next = readSettings();
      if (next.home !== settings.home) {
        manager.close();
        manager = new SessionManager({ home: next.home });
        watcher.dispose();
        watcher = watchSessionsFolder(manager.paths.sessionsDir, () => tree.rescan());
        tree.setManager(manager);
        unwatchStatus();
        unwatchStatus = statusBar.watch(manager);
        log.info(`Prodigy home is now ${manager.home}`);
      }
      if (next.pageSize !== settings.pageSize) tree.setPageSize(next.pageSize);
      settings = next;
    }),
    { dispose: () => manager.close() },
  );

  const activationMs = performance.now() - started;
  log.info(`Activated in ${activationMs.toFixed(1)} ms; sessions from ${manager.home}`);
  return { services, activationMs, listingsAtActivation: tree.listings, statusBar };
}

export function deactivate(): void {
  // Disposables registered on the context do the work.
}
