// Which workflow files this window is running now, and how far each run is: what the editor shows of a run (the
// CodeLens `$(sync~spin) step 2/4 · Stop · Show Log`, the title button turning into Stop) and what the double-run
// guard asks about. The run controller keeps it; the editor parts only read it.
import * as path from 'node:path';
import * as vscode from 'vscode';

export interface RunningFile {
  sessionId: string;
  workflowName: string;
  /** 1-based step running now (0 before the first); 0 total for a MapReduce job. */
  step: number;
  total: number;
  /** What runs now: the tool Claude runs, else the step. */
  doing: string;
}

/** Context key: the active editor's workflow file is running in this window (its title button is Stop). */
export const RUNNING_CONTEXT_KEY = 'prodigy.workflowFileRunning';

class RunningFiles {
  private readonly files = new Map<string, RunningFile>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  get(file: string): RunningFile | undefined {
    return this.files.get(key(file));
  }

  set(file: string, run: RunningFile | undefined): void {
    if (run) this.files.set(key(file), run);
    else this.files.delete(key(file));
    this.changed.fire();
    this.updateContextKey();
  }

  /** The run of the active editor's file, if it runs here. */
  ofActiveEditor(): RunningFile | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    return doc?.uri.scheme === 'file' ? this.get(doc.uri.fsPath) : undefined;
  }

  updateContextKey(): void {
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, this.ofActiveEditor() !== undefined);
  }
}

function key(file: string): string {
  return path.resolve(file);
}

export const runningFiles = new RunningFiles();
