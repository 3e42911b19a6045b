// File contents at a commit (`prodigy-git:/<path>?<query>`), for the diffs of Restore Checkpoint
// and Show Checkpoint Changes.
import * as vscode from 'vscode';
import { runGit } from '../../core';

export const GIT_SCHEME = 'prodigy-git';

/** `ref` null: the file does not exist on that side (an empty document). */
export function gitFileUri(cwd: string, ref: string | null, file: string): vscode.Uri {
  return vscode.Uri.from({ scheme: GIT_SCHEME, path: `/${file}`, query: JSON.stringify({ cwd, ref }) });
}

export class GitContentDocuments implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { cwd, ref } = JSON.parse(uri.query) as { cwd: string; ref: string | null };
    if (!ref) return '';
    const r = await runGit(cwd, ['show', `${ref}:${uri.path.slice(1)}`], { allowFail: true });
    return r.code === 0 ? r.stdout : '';
  }
}
