// STUB: being implemented (diagnostics from our loader, Run CodeLens, the workflow-file context key).
import type * as vscode from 'vscode';
import type { ExtensionServices } from '../services';

export function registerAuthoring(_context: vscode.ExtensionContext, _services: ExtensionServices): void {
  // filled in by the authoring module
}
