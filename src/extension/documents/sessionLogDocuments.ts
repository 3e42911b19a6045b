// A session's log as a read-only document (`prodigy-log:/<id>.log`), read from H/vscode/logs of the
// current home and kept live while the session runs: from this window's engine events, or from the
// file changing when another process runs it.
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { isSafeId } from '../../core';
import type { ProdigyHomes } from '../home';
import { Disposable, MutableDisposable, toDisposable } from '../lifecycle';
import type { RunController } from '../runs/runController';

export const LOG_SCHEME = 'prodigy-log';

export function sessionLogUri(sessionId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${sessionId}.log` });
}

/** One MapReduce agent's log: `prodigy-log:/<session>/<item>.log`. */
export function agentLogUri(sessionId: string, itemId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${sessionId}/${itemId}.log` });
}

export class SessionLogDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** The watcher on the current home's logs folder, made when a log is first opened. */
  private readonly watcher = this._register(new MutableDisposable());

  constructor(
    private readonly homes: ProdigyHomes,
    runs: RunController,
  ) {
    super();
    this._register(
      toDisposable(() => {
        for (const t of this.pending.values()) clearTimeout(t);
      }),
    );
    this._register(
      runs.onEngineEvent((e) => {
        if (e.sessionId && (e.type === 'output' || e.type === 'message' || e.type === 'session-finished'))
          this.touch(e.sessionId);
      }),
    );
    // Another home has other logs: the next document opened watches that home's folder.
    this._register(
      homes.onDidChangeHome(() => {
        this.watcher.value = undefined;
      }),
    );
    this._register(vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, this));
  }

  /** Starts following log files written by other processes (called on first open, not at activation). */
  private follow(): void {
    if (this.watcher.value) return;
    const dir = this.homes.current.manager.paths.logsDir;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*.log'));
    const onFile = (uri: vscode.Uri) => this.touch(path.basename(uri.fsPath, '.log'));
    watcher.onDidChange(onFile);
    watcher.onDidCreate(onFile);
    this.watcher.value = watcher;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    this.follow();
    const [first, second] = uri.path.slice(1).split('/');
    const id = second ? first : path.basename(first, '.log');
    const itemId = second ? path.basename(second, '.log') : undefined;
    if (!isSafeId(id) || (itemId !== undefined && !isSafeId(itemId))) return `Not a session log: ${uri.path}`;
    const { paths } = this.homes.current.manager;
    const file = itemId ? paths.agentLogFile(id, itemId) : paths.sessionLogFile(id);
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return (
        `No log for session ${id} yet.\n\n` +
        `Logs are kept in ${file} for runs started from this extension or the prodigy-vscode CLI.\n` +
        'Runs of the prodigy CLI keep their Claude logs under ~/.prodigy/logs.'
      );
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
}
