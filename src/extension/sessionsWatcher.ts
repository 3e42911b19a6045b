// Notices sessions written by other processes (the CLI, another window, real prodigy):
// one non-recursive watcher on H/sessions, debounced into a rescan. No polling.
import * as vscode from 'vscode';

export function watchSessionsFolder(sessionsDir: string, onChange: () => void, debounceMs = 100): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(
    new vscode.RelativePattern(vscode.Uri.file(sessionsDir), '*.json'),
  );
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
  };
  const subs = [watcher.onDidCreate(schedule), watcher.onDidChange(schedule), watcher.onDidDelete(schedule)];
  return new vscode.Disposable(() => {
    if (timer) clearTimeout(timer);
    for (const s of subs) s.dispose();
    watcher.dispose();
  });
}
