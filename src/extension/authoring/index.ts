// Authoring workflow files: which documents are workflow files (workflowFiles.ts), their problems from our
// loader (workflowDiagnostics.ts) with the rename fix for a misspelt key (unknownKeyFix.ts), completion and
// hover from our schema without the YAML extension (schemaAssist.ts), the Run/summary lenses (runCodeLens.ts)
// and the `prodigy.isWorkflowFile` context key (workflowContextKey.ts). Registering does no I/O and reads no document; documents already
// open are looked at just after activation returns, others when they open.
import * as vscode from 'vscode';
import { CODELENS_SELECTOR, RunWorkflowCodeLensProvider } from './runCodeLens';
import { SCHEMA_ASSIST_SELECTOR, WorkflowSchemaAssist } from './schemaAssist';
import { RenameUnknownKeyFix } from './unknownKeyFix';
import { WorkflowContextKey } from './workflowContextKey';
import { WorkflowDiagnostics } from './workflowDiagnostics';
import { WorkflowFileDetector } from './workflowFiles';

export function registerAuthoring(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const detector = new WorkflowFileDetector();
  const diagnostics = new WorkflowDiagnostics(detector, log);
  const lenses = new RunWorkflowCodeLensProvider(detector, diagnostics);
  const contextKey = new WorkflowContextKey(detector, diagnostics);
  const assist = new WorkflowSchemaAssist(detector, context.asAbsolutePath('schemas/workflow.schema.json'), log);

  context.subscriptions.push(
    diagnostics,
    lenses,
    contextKey,
    vscode.languages.registerCodeLensProvider(CODELENS_SELECTOR, lenses),
    vscode.languages.registerCompletionItemProvider(SCHEMA_ASSIST_SELECTOR, assist),
    vscode.languages.registerHoverProvider(SCHEMA_ASSIST_SELECTOR, assist),
    vscode.languages.registerCodeActionsProvider(
      CODELENS_SELECTOR,
      new RenameUnknownKeyFix(),
      RenameUnknownKeyFix.metadata,
    ),
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (detector.isCandidate(doc)) diagnostics.validate(doc);
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length && detector.isCandidate(e.document)) diagnostics.schedule(e.document);
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (detector.isCandidate(doc)) diagnostics.validate(doc);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      detector.forget(doc.uri);
      diagnostics.forget(doc.uri);
    }),
  );

  // Activation on `onLanguage:yaml` means a YAML document is already open: look at those after activate().
  const initial = setTimeout(() => {
    for (const doc of vscode.workspace.textDocuments) if (detector.isCandidate(doc)) diagnostics.validate(doc);
    contextKey.update();
  }, 0);
  context.subscriptions.push({ dispose: () => clearTimeout(initial) });
}
