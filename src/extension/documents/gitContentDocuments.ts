// File contents at a commit (`prodigy-git:/<path>?<query>`), for the diffs of Restore Checkpoint
// and Show Checkpoint Changes.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runGit } from '../../core';

export const GIT_SCHEME = 'prodigy-git';

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
