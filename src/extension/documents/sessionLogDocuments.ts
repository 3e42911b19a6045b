// A session's log as a read-only document, read from H/vscode/logs of the current home and kept live while the
// session runs: from this window's engine events, or from the file changing when another process runs it. Its
// address ends in a readable name, which is the editor tab's title: `prodigy-log:/<id>/fix-tests (started 14:02).log`,
// an agent's `prodigy-log:/<id>/items/<item>/gamma (#3).log` (the plain `prodigy-log:/<id>.log` is read too).
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { isSafeId } from '../../core';
import type { ProdigyHomes } from '../home';
import { Disposable, MutableDisposable, toDisposable } from '../lifecycle';
import type { RunController } from '../runs/runController';

export const LOG_SCHEME = 'prodigy-log';

/** A title as the last segment of a path: no separator, no leading dot. */
function asSegment(title: string): string {
  return title.replace(/[/\\]/g, '∕').replace(/^\.+/, '').trim() || 'log';
}

/** A session's log; `title` (the workflow and its start time) names its tab. */
export function sessionLogUri(sessionId: string, title?: string): vscode.Uri {
  const path = title ? `/${sessionId}/${asSegment(title)}.log` : `/${sessionId}.log`;
  return vscode.Uri.from({ scheme: LOG_SCHEME, path });
}

/** One MapReduce agent's log; `title` (the item's label, `gamma (#3)`) names its tab. */
export function agentLogUri(sessionId: string, itemId: string, title?: string): vscode.Uri {
  return vscode.Uri.from({
    scheme: LOG_SCHEME,
    path: `/${sessionId}/items/${itemId}/${asSegment(title ?? itemId)}.log`,
  });
}

/** Whose log an address is: a session's, or one of its agents'. */
export function logOf(uri: vscode.Uri): { sessionId: string; itemId?: string } {
  const parts = uri.path.slice(1).split('/');
  if (parts[1] === 'items' && parts.length >= 3) return { sessionId: parts[0], itemId: parts[2].replace(/\.log$/, '') };
  return { sessionId: parts.length === 1 ? path.basename(parts[0], '.log') : parts[0] };
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
    const { sessionId: id, itemId } = logOf(uri);
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
    if (this.pending.has(sessionId)) return;
    const open = vscode.workspace.textDocuments
      .map((d) => d.uri)
      .filter((u) => u.scheme === LOG_SCHEME && logOf(u).sessionId === sessionId && !logOf(u).itemId);
    if (open.length === 0) return;
    // Batched: a chatty step must not re-render the document on every line.
    this.pending.set(
      sessionId,
      setTimeout(() => {
        this.pending.delete(sessionId);
        for (const uri of open) this.changed.fire(uri);
      }, 200),
    );
  }
}
