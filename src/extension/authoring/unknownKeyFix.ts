// The quick fix for a misspelt key: the loader's warning "Unknown key `agent_templat` in map: did you mean
// `agent_template`?" sits on the key itself, and this renames it to the suggestion.
import * as vscode from 'vscode';
import { unknownKeySuggestion } from '../../core';
import { DIAGNOSTIC_SOURCE, UNKNOWN_KEY_CODE } from './workflowDiagnostics';

export class RenameUnknownKeyFix implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
  };

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE || diagnostic.code !== UNKNOWN_KEY_CODE) continue;
      const fix = unknownKeySuggestion(diagnostic.message);
      if (!fix) continue;
      // The range is the key as written, possibly quoted; after an edit it may no longer be (then no fix).
      const written = document.getText(diagnostic.range);
      const quoted = written.length > 1 && /^(["']).*\1$/.test(written);
      if ((quoted ? written.slice(1, -1) : written) !== fix.key) continue;
      const range = quoted
        ? new vscode.Range(diagnostic.range.start.translate(0, 1), diagnostic.range.end.translate(0, -1))
        : diagnostic.range;
      const action = new vscode.CodeAction(
        `Rename \`${fix.key}\` to \`${fix.suggestion}\``,
        vscode.CodeActionKind.QuickFix,
      );
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(document.uri, range, fix.suggestion);
      action.diagnostics = [diagnostic];
      action.isPreferred = true;
      actions.push(action);
    }
    return actions;
  }
}
