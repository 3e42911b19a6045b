// The extension's one output channel, "Prodigy": run output, notifications (messages/notify.ts) and errors.
import * as vscode from 'vscode';

/** A LogOutputChannel: its level follows "Developer: Set Log Level…". */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Prodigy', { log: true });
}
