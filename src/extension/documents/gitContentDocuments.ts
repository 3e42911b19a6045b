// File contents at a commit (`prodigy-git:/<path>?<query>`), for the diffs of Restore Checkpoint
// and Show Checkpoint Changes; and the name of a restore's diff (`prodigy-restore:/<session>/<checkpoint>`), which
// its editor title's Restore to Here reads back.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runGit } from '../../core';

export const GIT_SCHEME = 'prodigy-git';
/** The scheme of a restore's multi-file diff: package.json shows Restore to Here on editors of it. */
export const RESTORE_SCHEME = 'prodigy-restore';

/** A restore's diff, by what it would restore: the same restore opens the same editor again. */
export function restoreDiffUri(sessionId: string, checkpointId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RESTORE_SCHEME, path: `/${sessionId}/${checkpointId}` });
}

/** The session and checkpoint a restore diff's URI names (undefined: not one). */
export function fromRestoreDiffUri(uri: vscode.Uri): { sessionId: string; checkpointId: string } | undefined {
  if (uri.scheme !== RESTORE_SCHEME) return undefined;
  const [sessionId, checkpointId, ...rest] = uri.path.slice(1).split('/');
  return sessionId && checkpointId && rest.length === 0 ? { sessionId, checkpointId } : undefined;
}

export function gitFileUri(cwd: string, ref: string, file: string): vscode.Uri {
  return vscode.Uri.from({ scheme: GIT_SCHEME, path: `/${file}`, query: JSON.stringify({ cwd, ref }) });
}

/**
 * One row of a multi-file diff (`vscode.changes`) between two commits: a side the file does not
 * exist on is left out, so the editor shows it as added or deleted rather than as an empty file.
 */
export function changeRow(
  cwd: string,
  file: { status: string; path: string; oldPath?: string },
  before: string,
  after: string,
): [vscode.Uri, vscode.Uri | undefined, vscode.Uri | undefined] {
  return [
    vscode.Uri.file(path.join(cwd, file.path)),
    file.status === 'A' ? undefined : gitFileUri(cwd, before, file.oldPath ?? file.path),
    file.status === 'D' ? undefined : gitFileUri(cwd, after, file.path),
  ];
}

export class GitContentDocuments implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { cwd, ref } = JSON.parse(uri.query) as { cwd: string; ref: string };
    const r = await runGit(cwd, ['show', `${ref}:${uri.path.slice(1)}`], { allowFail: true });
    return r.code === 0 ? r.stdout : '';
  }
}
