// Composition root: builds the window's objects once, each owning what it registers. What depends on the
// Prodigy home reads it from ProdigyHomes (home.ts), the one place that follows the `prodigy.home` setting.
// Activation does no disk I/O before the view is registered; the first listing happens when VS Code asks
// the tree for its children.
import * as vscode from 'vscode';
import { setWording } from '../core';
import { registerAuthoring } from './authoring';
import { registerCommands } from './commands';
import { readSettings, type ExtensionSettings } from './config';
import { ClaudeTranscriptDocuments } from './documents/claudeTranscriptDocuments';
import { GIT_SCHEME, GitContentDocuments } from './documents/gitContentDocuments';
import { SessionLogDocuments } from './documents/sessionLogDocuments';
import { ProdigyHomes } from './home';
import { createLog } from './log';
import { logMessagesTo } from './messages/notify';
import { offerInterruptedRuns } from './runs/interruptedRuns';
import { RunController } from './runs/runController';
import { SessionsTreeProvider } from './sessionsTree/sessionsTreeProvider';
import { StatusBarController } from './statusBar';

/** What activate() returns: the integration tests look inside through it. */
export interface ProdigyExtensionApi {
  /** `homes.current` is the Prodigy home the window shows (replaced when `prodigy.home` changes). */
  readonly homes: ProdigyHomes;
  /** The Sessions tree; `tree.view` is its TreeView. */
  readonly tree: SessionsTreeProvider;
  readonly runs: RunController;
  /** The status bar item's controller (tests read its text). */
  readonly statusBar: StatusBarController;
  readonly log: vscode.LogOutputChannel;
  /** The settings as the extension reads them (fresh on every call). */
  settings(): ExtensionSettings;
  /** Milliseconds spent in activate(), measured by the extension itself. */
  readonly activationMs: number;
  /** How many times the tree had listed sessions when activate() returned (0: activation read no sessions). */
  readonly listingsAtActivation: number;
}

export function activate(context: vscode.ExtensionContext): ProdigyExtensionApi {
  const started = performance.now();
  // The core's messages (log lines, errors) name VS Code's commands in this window; detachedRun.ts tells runners.
  setWording('vscode');
  const log = createLog();
  context.subscriptions.push(log, logMessagesTo(log));

  // Disposed in this order when the window closes: runs stop first, the homes' managers close last.
  const runs = new RunController(log, vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath);
  const homes = new ProdigyHomes(log);
  const tree = new SessionsTreeProvider(homes, runs, log);
  const statusBar = new StatusBarController(runs, homes);
  context.subscriptions.push(
    runs,
    tree,
    statusBar,
    new SessionLogDocuments(homes, runs),
    new ClaudeTranscriptDocuments(runs),
    vscode.workspace.registerTextDocumentContentProvider(GIT_SCHEME, new GitContentDocuments()),
    registerCommands({ homes, tree, runs, log, extensionUri: context.extensionUri }),
    offerInterruptedRuns(tree.onDidListSessions, context.workspaceState),
    homes,
  );
  registerAuthoring(context, log);
  // Runs a detached runner still runs (the window was reloaded, the extension updated) are shown live again.
  // After activation returns: reading the home waits until the view is registered.
  setTimeout(() => {
    try {
      runs.attach(homes.current.manager);
    } catch (err) {
      log.error(`Could not attach to the runs still going: ${String(err)}`);
    }
  }, 0);

  const activationMs = performance.now() - started;
  log.info(`Activated in ${activationMs.toFixed(1)} ms; sessions from ${homes.current.folder}`);
  return {
    homes,
    tree,
    runs,
    statusBar,
    log,
    settings: readSettings,
    activationMs,
    listingsAtActivation: tree.listings,
  };
}

export function deactivate(): void {
  // Disposables registered on the context do the work.
}
