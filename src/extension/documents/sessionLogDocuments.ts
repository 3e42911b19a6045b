// A session's log as a read-only document (`prodigy-log:/<id>.log`), read from H/vscode/logs and
// kept live while the session runs: from this window's engine events, or from the file changing
// when another process runs it.
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { isSafeId, type SessionManager } from '../../core';
import type { RunController } from '../runs/runController';

export const LOG_SCHEME = 'prodigy-log';

export function sessionLogUri(sessionId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${sessionId}.log` });
}

/** One MapReduce agent's log: `prodigy-log:/<session>/<item>.log`. */
export function agentLogUri(sessionId: string, itemId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${sessionId}/${itemId}.log` });
}

export class SessionLogDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;

  constructor(
    private readonly manager: () => SessionManager,
    runs: RunController,
  ) {
    this.disposables.push(
      this.changed,
      runs.onEngineEvent((e) => {
        if (e.sessionId && (e.type === 'output' || e.type === 'message' || e.type === 'session-finished'))
          this.touch(e.sessionId);
      }),
    );
  }

  /** Starts following log files written by other processes (called on first open, not at activation). */
  private follow(): void {
    if (this.watcher) return;
    const dir = this.manager().paths.logsDir;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*.log'));
    const onFile = (uri: vscode.Uri) => this.touch(path.basename(uri.fsPath, '.log'));
    this.watcher.onDidChange(onFile);
    this.watcher.onDidCreate(onFile);
    this.disposables.push(this.watcher);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    this.follow();
    const [first, second] = uri.path.slice(1).split('/');
    const id = second ? first : path.basename(first, '.log');
    const itemId = second ? path.basename(second, '.log') : undefined;
    if (!isSafeId(id) || (itemId !== undefined && !isSafeId(itemId))) return `Not a session log: ${uri.path}`;
    const file = itemId ? this.manager().paths.agentLogFile(id, itemId) : this.manager().paths.sessionLogFile(id);
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return `No log for session ${id} yet.\n\nLogs are kept in ${file} for runs started from this extension or the prodigy-vscode CLI.\nRuns of the prodigy CLI keep their Claude logs under ~/.prodigy/logs.`;
    }
  }

  private touch(sessionId: string): void {
    const uri = sessionLogUri(sessionId);
    if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) return;
    if (this.pending.has(sessionId)) return;
    // Batched: a chatty step must not re-render the document on every line.
    this.pending.set(
      sessionId,
      setTimeout(() => {
        this.pending.delete(sessionId);
        this.changed.fire(uri);
      }, 200),
    );
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
