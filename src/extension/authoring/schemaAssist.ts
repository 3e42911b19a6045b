// Completion and hover for workflow files from our own schema, so authoring works without the YAML extension:
// at a key position, the keys valid there (top level, a step, map:, setup:, on_failure:, validate:, ...) with
// their descriptions; on a key, its description. When Red Hat's YAML extension (redhat.vscode-yaml) is
// installed, it already offers the same schema (package.json `yamlValidation`), so these stay silent rather
// than list every key twice; checked on each request, so installing or removing it needs no reload.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { keyAt, keyPositionAt } from './yamlKeyPath';
import { WorkflowSchema, type KeyInfo } from './workflowSchema';
import type { WorkflowFileDetector } from './workflowFiles';

export const YAML_EXTENSION_ID = 'redhat.vscode-yaml';
export const SCHEMA_ASSIST_SELECTOR: vscode.DocumentSelector = [
  { language: 'yaml', scheme: 'file' },
  { language: 'yaml', scheme: 'untitled' },
  { language: 'yaml', scheme: 'vscode-remote' },
];

export class WorkflowSchemaAssist implements vscode.CompletionItemProvider, vscode.HoverProvider {
  private schema: WorkflowSchema | undefined;

  constructor(
    private readonly detector: WorkflowFileDetector,
    private readonly schemaFile: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] {
    const schema = this.schemaFor(document);
    if (!schema) return [];
    const at = keyPositionAt(lines(document), position.line, position.character);
    if (!at) return [];
    const range = new vscode.Range(position.line, at.col, position.line, position.character);
    return schema
      .keysAt(at.path)
      .filter((k) => !at.siblings.has(k.key))
      .map((k, i) => completionItem(k, range, i));
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const schema = this.schemaFor(document);
    if (!schema) return undefined;
    const at = keyAt(lines(document), position.line, position.character);
    const info = at && schema.keyInfo(at.path, at.key);
    if (!at || !info?.description) return undefined;
    return new vscode.Hover(documentation(info), new vscode.Range(position.line, at.start, position.line, at.end));
  }

  /** The schema, when this document is a workflow file and nothing else answers for it. */
  private schemaFor(document: vscode.TextDocument): WorkflowSchema | undefined {
    if (vscode.extensions.getExtension(YAML_EXTENSION_ID)) return undefined;
    if (!this.detector.isWorkflowFile(document)) return undefined;
    if (!this.schema) {
      try {
        this.schema = WorkflowSchema.parse(fs.readFileSync(this.schemaFile, 'utf8'));
      } catch (err) {
        this.log.error(`Cannot read the workflow schema ${this.schemaFile}: ${String(err)}`);
        return undefined;
      }
    }
    return this.schema;
  }
}

function lines(document: vscode.TextDocument): string[] {
  return document.getText().split(/\r?\n/);
}

function completionItem(info: KeyInfo, range: vscode.Range, order: number): vscode.CompletionItem {
  const item = new vscode.CompletionItem(info.key, vscode.CompletionItemKind.Property);
  item.insertText = `${info.key}: `;
  item.range = range;
  item.detail = 'Prodigy workflow';
  item.documentation = documentation(info);
  // The schema's order (command keys first in a step), not the alphabet.
  item.sortText = String(order).padStart(3, '0');
  if (info.deprecated) item.tags = [vscode.CompletionItemTag.Deprecated];
  return item;
}

function documentation(info: KeyInfo): vscode.MarkdownString {
  const text = new vscode.MarkdownString();
  text.appendMarkdown(`**${info.key}**`);
  if (info.description) text.appendMarkdown(`\n\n${info.description}`);
  if (info.deprecated) text.appendMarkdown(`\n\n*Deprecated:* ${info.deprecated}`);
  return text;
}
