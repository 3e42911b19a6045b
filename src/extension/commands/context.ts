// What every command file shares: the objects the commands act on, and the helpers that keep handlers to
// their point (trust before anything runs, a failure as one message, a log opened as a document).
import * as vscode from 'vscode';
import { runsByRecord, type HomePaths, type Liveness, type SessionManager, type SessionSummary } from '../../core';
import type { ProdigyHomes } from '../home';
import { showCommandFailed, showUntrusted } from '../messages/commands';
import { describeSession } from '../messages/words';
import type { RunController } from '../runs/runController';
import type { SessionsTreeProvider } from '../sessionsTree/sessionsTreeProvider';

export interface CommandContext {
  /** Commands act on `homes.current`, read when they are invoked. */
  readonly homes: ProdigyHomes;
  readonly tree: SessionsTreeProvider;
  readonly runs: RunController;
  readonly log: vscode.LogOutputChannel;
  /** The extension's folder: files it ships (the demo workflow) are read from there. */
  readonly extensionUri: vscode.Uri;
}

/** A command's handler: it takes whatever its caller passed, and turns it into a target itself. */
export type CommandHandler = (...args: unknown[]) => unknown;
export type CommandTable = Record<string, CommandHandler>;

/** Runs `fn`; a failure becomes one error message (and a log line), and the result undefined. */
export async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    showCommandFailed(what, err);
    return undefined;
  }
}

/** Workflows run shell commands and Claude: in an untrusted workspace, nothing runs, and the user is told why. */
export function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  showUntrusted();
  return false;
}

/**
 * A session as every message names it, its workflow and start time (`"fix-tests" (started 14:02)`), read from
 * its record; `session <id>` only when there is no record to read.
 */
export async function nameOf(manager: SessionManager, id: string): Promise<string> {
  return manager.getSession(id).then(describeSession, () => `session ${id}`);
}

/** Who runs a Running session (this window, another process, nobody: interrupted), as its row works it out. */
export function livenessOf(runs: RunController, paths: HomePaths): (s: SessionSummary) => Liveness | undefined {
  return (s) => (runsByRecord(s.status) ? runs.liveness(s.id, paths) : undefined);
}

/** A log as a read-only document with log highlighting. */
export async function openLog(uri: vscode.Uri): Promise<vscode.Uri> {
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.languageId !== 'log')
    await vscode.languages.setTextDocumentLanguage(doc, 'log').then(undefined, () => undefined);
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc.uri;
}
