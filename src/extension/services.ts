import type * as vscode from 'vscode';
import type { SessionManager } from '../core';
import type { ExtensionSettings } from './config';
import type { RunController } from './runs/runController';
import type { SessionsTreeProvider } from './sessionsTree/sessionsTreeProvider';

/** What commands need, handed over by the composition root. */
export interface ExtensionServices {
  /** The current manager (it is replaced when `prodigy.home` changes). */
  manager(): SessionManager;
  /** The current settings (read on use, so changes apply without a reload). */
  settings(): ExtensionSettings;
  tree: SessionsTreeProvider;
  view: vscode.TreeView<unknown>;
  log: vscode.LogOutputChannel;
  runs: RunController;
}
