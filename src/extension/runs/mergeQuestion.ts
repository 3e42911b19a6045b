// The end-of-run question, as a notification that does not block the editor.
import * as vscode from 'vscode';

export type MergeAnswer = 'merge' | 'keep' | 'discard';

export async function askMerge(q: {
  sessionId: string;
  branch: string;
  target: string;
  commits: number;
}): Promise<MergeAnswer> {
  const merge = 'Merge';
  const keep = 'Keep Branch';
  const discard = 'Discard';
  const choice = await vscode.window.showInformationMessage(
    `Prodigy: session ${q.sessionId} finished with ${q.commits} new commit(s) on ${q.branch}. Merge them into ${q.target}?`,
    merge,
    keep,
    discard,
  );
  if (choice === merge) return 'merge';
  if (choice === discard) return 'discard';
  return 'keep';
}
