// The `prodigy.isWorkflowFile` context key (the Run button in the editor title) for the active editor:
// set when the active editor changes and whenever the active document's problems are re-published
// (that is, 300 ms after it stops changing, on save, and when it starts or stops being a workflow file).
import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';
import type { WorkflowDiagnostics } from './workflowDiagnostics';
import type { WorkflowFileDetector } from './workflowFiles';

export const IS_WORKFLOW_FILE = 'prodigy.isWorkflowFile';

export class WorkflowContextKey extends Disposable {
  private current: boolean | undefined;

  constructor(
    private readonly detector: WorkflowFileDetector,
    diagnostics: WorkflowDiagnostics,
  ) {
    super();
    this._register(vscode.window.onDidChangeActiveTextEditor(() => this.update()));
    this._register(
      diagnostics.onDidUpdate((uri) => {
        if (vscode.window.activeTextEditor?.document.uri.toString() === uri.toString()) this.update();
      }),
    );
  }

  /** Recomputes the key for the active editor; sets it only when the value changes. */
  update(): void {
    const document = vscode.window.activeTextEditor?.document;
    const value = !!document && !document.isClosed && this.detector.isWorkflowFile(document);
    if (value === this.current) return;
    this.current = value;
    void vscode.commands.executeCommand('setContext', IS_WORKFLOW_FILE, value);
  }
}
