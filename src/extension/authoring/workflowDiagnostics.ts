// Problems for workflow files, from our own loader (the one `Run Workflow` uses), so the editor says
// exactly what a run would: every load error (each an Error at its own line:col, not only the first a run
// stops at) and every warning. Validated when a document opens or is saved, 300 ms after the last change
// while typing; cleared when it closes. The result of loading one document version (`Analysis`) is kept
// for the CodeLens and the quick fixes.
import * as vscode from 'vscode';
import { analyzeWorkflowText, unknownKeySuggestion, WorkflowLoadError, type Workflow } from '../../core';
import type { WorkflowFileDetector } from './workflowFiles';

export const DIAGNOSTIC_SOURCE = 'prodigy';
export const CHANGE_DEBOUNCE_MS = 300;
/** The code of an unknown-key warning that names a close known key (the quick fix renames it). */
export const UNKNOWN_KEY_CODE = 'unknown-key';

export interface Problem {
  readonly message: string;
  readonly line?: number;
  readonly col?: number;
}

/** One document version's load result. Not ok: `reason`/`line`/`col` are the first error in the file. */
export type Analysis =
  | {
      readonly ok: true;
      readonly version: number;
      readonly workflow: Workflow;
      readonly errors: readonly Problem[];
      readonly warnings: readonly Problem[];
    }
  | {
      readonly ok: false;
      readonly version: number;
      readonly reason: string;
      readonly line?: number;
      readonly col?: number;
      readonly errors: readonly Problem[];
      readonly warnings: readonly Problem[];
    };

export class WorkflowDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('prodigy');
  private readonly analyses = new Map<string, Analysis>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly updated = new vscode.EventEmitter<vscode.Uri>();
  /** A document's problems were published or cleared (also when it stopped or started being a workflow). */
  readonly onDidUpdate = this.updated.event;

  constructor(
    private readonly detector: WorkflowFileDetector,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Loads the document (if it is a workflow file) and publishes its problems now. */
  validate(document: vscode.TextDocument): void {
    this.cancel(document.uri);
    if (document.isClosed) return;
    const key = document.uri.toString();
    if (!this.detector.isWorkflowFile(document)) {
      if (this.analyses.delete(key) || this.collection.has(document.uri)) {
        this.collection.delete(document.uri);
        this.updated.fire(document.uri);
      }
      return;
    }
    const analysis = this.analysisFor(document);
    this.collection.set(document.uri, toDiagnostics(document, analysis));
    this.updated.fire(document.uri);
  }

  /** Validates after the document has been quiet for CHANGE_DEBOUNCE_MS. */
  schedule(document: vscode.TextDocument): void {
    this.cancel(document.uri);
    const key = document.uri.toString();
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.validate(document);
      }, CHANGE_DEBOUNCE_MS),
    );
  }

  /** The document was closed: its problems go, and nothing about it is kept. */
  forget(uri: vscode.Uri): void {
    this.cancel(uri);
    const had = this.analyses.delete(uri.toString()) || this.collection.has(uri);
    this.collection.delete(uri);
    if (had) this.updated.fire(uri);
  }

  /** The load result for the document's current version (loads it if not yet done; publishes nothing). */
  analysisFor(document: vscode.TextDocument): Analysis {
    const key = document.uri.toString();
    const cached = this.analyses.get(key);
    if (cached && cached.version === document.version) return cached;
    const analysis = this.load(document);
    this.analyses.set(key, analysis);
    return analysis;
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.analyses.clear();
    this.collection.dispose();
    this.updated.dispose();
  }

  private load(document: vscode.TextDocument): Analysis {
    const version = document.version;
    try {
      const result = analyzeWorkflowText(document.getText(), loaderFileName(document));
      const errors = result.errors.map(toProblem);
      const warnings = result.warnings;
      if (result.workflow && !errors.length) return { ok: true, version, workflow: result.workflow, errors, warnings };
      const first = result.errors[0];
      return { ok: false, version, reason: first.reason, line: first.line, col: first.col, errors, warnings };
    } catch (err) {
      // Not a problem in the file but in the loader: say so where it can be reported.
      const message = err instanceof Error ? err.message : String(err);
      const details = err instanceof Error && err.stack ? err.stack : message;
      this.log.error(`Loading ${document.uri.toString(true)} failed unexpectedly: ${details}`);
      const reason = `the workflow could not be read (${message})`;
      return { ok: false, version, reason, errors: [{ message: reason }], warnings: [] };
    }
  }

  private cancel(uri: vscode.Uri): void {
    const key = uri.toString();
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }
}

/** The loader reads `.yml`/`.yaml` names as YAML and anything else as JSON: give YAML documents a YAML name. */
export function loaderFileName(document: vscode.TextDocument): string {
  const name = document.uri.scheme === 'file' ? document.uri.fsPath : document.uri.path || 'untitled';
  return /\.ya?ml$/i.test(name) || document.languageId !== 'yaml' ? name : `${name}.yml`;
}

function toProblem(err: WorkflowLoadError): Problem {
  return { message: err.reason, line: err.line, col: err.col };
}

/** Every error and every warning, each on the token at its own position. */
export function toDiagnostics(document: vscode.TextDocument, analysis: Analysis): vscode.Diagnostic[] {
  const diagnostic = (p: Problem, severity: vscode.DiagnosticSeverity) => {
    const d = new vscode.Diagnostic(tokenRange(document, p.line ?? 1, p.col ?? 1), p.message, severity);
    d.source = DIAGNOSTIC_SOURCE;
    if (unknownKeySuggestion(p.message)) d.code = UNKNOWN_KEY_CODE;
    return d;
  };
  return [
    ...analysis.errors.map((p) => diagnostic(p, vscode.DiagnosticSeverity.Error)),
    ...analysis.warnings.map((p) => diagnostic(p, vscode.DiagnosticSeverity.Warning)),
  ];
}

/**
 * The range to underline for a 1-based line:col: the token that starts there (up to whitespace, a comma or
 * the colon that ends a key; a quoted string to its closing quote). Where nothing starts (end of a line,
 * blank space) the line's text; on an empty line, the position itself. Positions past the end are clamped.
 */
export function tokenRange(document: vscode.TextDocument, line: number, col: number): vscode.Range {
  const l = Math.min(Math.max(line - 1, 0), Math.max(document.lineCount - 1, 0));
  const text = document.lineAt(l).text;
  const start = Math.min(Math.max(col - 1, 0), text.length);
  const end = tokenEnd(text, start);
  if (end > start) return new vscode.Range(l, start, l, end);
  const first = text.search(/\S/);
  if (first < 0) return new vscode.Range(l, start, l, start);
  return new vscode.Range(l, first, l, text.trimEnd().length);
}

function tokenEnd(text: string, start: number): number {
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, start + 1);
    return close < 0 ? text.trimEnd().length : close + 1;
  }
  let end = start;
  while (end < text.length) {
    const c = text[end];
    if (/\s/.test(c) || c === ',') break;
    if (c === ':' && (end + 1 === text.length || /\s/.test(text[end + 1]))) break;
    end++;
  }
  return end;
}
