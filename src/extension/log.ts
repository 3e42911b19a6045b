import * as vscode from 'vscode';

/** One LogOutputChannel for the extension; its level follows "Developer: Set Log Level…". */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Prodigy', { log: true });
}
