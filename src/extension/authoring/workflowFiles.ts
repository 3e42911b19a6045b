// Which documents are Prodigy workflow files. Two cheap tests, in order:
//   1. the path: the same places package.json's `yamlValidation` names (workflows/*.yml, *.workflow.yml,
//      .prodigy/*.yml, prodigy*.yml), except CI folders (.github/workflows/ holds GitHub Actions);
//   2. the content (YAML documents under 256 KB only): the top level is a list of steps, an object whose
//      `commands:`/`steps:` is a list of steps, or `mode: mapreduce` with `map:`.
// The content test reads the YAML syntax tree (no conversion to JS values, so no alias expansion) and is
// tolerant of a half-typed document. Results are cached per document version.
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import type * as vscode from 'vscode';

/** Larger YAML documents are never parsed to guess what they are (a path match still counts). */
export const MAX_SNIFF_BYTES = 256 * 1024;

// Mirrors package.json `contributes.yamlValidation[0].fileMatch` (and accepts .yaml where it says .yml).
const PATH_PATTERNS: readonly RegExp[] = [
  /\/workflows\/[^/]+\.ya?ml$/i,
  /\.workflow\.ya?ml$/i,
  /\/\.prodigy\/[^/]+\.ya?ml$/i,
  /\/prodigy[^/]*\.ya?ml$/i,
];
// `workflows/` folders that belong to CI systems, not to Prodigy.
const CI_WORKFLOW_FOLDERS = /\/\.(github|gitea|forgejo)\/workflows\/[^/]+$/i;
// Ansible keeps lists of `- name: …  shell: …` tasks in these folders; there, only a key that only Prodigy
// uses (claude:, write_file:, …) or a `/command` string makes a list a workflow.
const ANSIBLE_FOLDERS = /\/(roles|tasks|handlers|playbooks)\//i;

/** Keys that only Prodigy steps have: one of them makes a list item a step. */
const STRONG_STEP_KEYS = new Set(['claude', 'write_file', 'goal_seek', 'foreach']);
/** Keys that other tools use too (Ansible's `shell:`): a step only when every other key is a step key. */
const WEAK_STEP_KEYS = new Set(['shell', 'test']);
/** Every key a Prodigy step may have (src/core/workflow/loadSteps.ts STEP_KEYS). */
const STEP_KEYS = new Set([
  'claude',
  'shell',
  'write_file',
  'test',
  'command',
  'goal_seek',
  'foreach',
  'name',
  'commit_required',
  'timeout',
  'capture_output',
  'capture',
  'capture_format',
  'capture_streams',
  'output_file',
  'env',
  'working_dir',
  'on_failure',
  'on_success',
  'validate',
  'args',
  'when',
  'retry',
  'on_exit_code',
  'id',
  'outputs',
  'analyze',
  'analysis',
  'auto_commit',
  'commit_config',
  'handler',
  'step_validate',
  'skip_validation',
  'validation_timeout',
  'ignore_validation_failure',
  'continue_on_error',
  'options',
  'metadata',
]);

/** True when the path is one the workflow schema is registered for (a CI `workflows/` folder is not). */
export function isWorkflowPath(filePath: string): boolean {
  const p = filePath.replace(/\\/g, '/');
  if (CI_WORKFLOW_FOLDERS.test(p)) return false;
  return PATH_PATTERNS.some((re) => re.test(p));
}

type StepListVerdict = 'steps' | 'weak-steps' | 'no';

/** Whether YAML text reads as a Prodigy workflow (see the file comment). `filePath` only tightens the test. */
export function looksLikeWorkflow(text: string, filePath = ''): boolean {
  let doc;
  try {
    doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, keepSourceTokens: false });
  } catch {
    return false;
  }
  const strictFolder = ANSIBLE_FOLDERS.test(filePath.replace(/\\/g, '/'));
  const accept = (v: StepListVerdict) => v === 'steps' || (v === 'weak-steps' && !strictFolder);
  const top = doc.contents;
  if (isSeq(top)) return accept(stepList(top.items));
  if (!isMap(top)) return false;
  const keys = mapKeys(top);
  const mode = scalarAt(top, 'mode');
  if (typeof mode === 'string' && mode.trim().toLowerCase() === 'mapreduce' && keys.has('map')) return true;
  for (const key of ['commands', 'steps']) {
    const list = top.get(key, true);
    if (isSeq(list) && accept(stepList(list.items))) return true;
  }
  return false;
}

/** A list all of whose (non-empty) items are steps; 'weak-steps' when only shell:/test: said so. */
function stepList(items: readonly unknown[]): StepListVerdict {
  let seen = 0;
  let strong = false;
  for (const item of items) {
    if (isScalar(item)) {
      if (item.value === null || item.value === '') continue; // `- ` being typed
      if (typeof item.value === 'string' && item.value.startsWith('/')) {
        strong = true;
        seen++;
        continue;
      }
      return 'no';
    }
    if (!isMap(item)) return 'no';
    const keys = mapKeys(item);
    if ([...keys].some((k) => STRONG_STEP_KEYS.has(k))) strong = true;
    else if (![...keys].some((k) => WEAK_STEP_KEYS.has(k)) || ![...keys].every((k) => STEP_KEYS.has(k))) return 'no';
    seen++;
  }
  if (!seen) return 'no';
  return strong ? 'steps' : 'weak-steps';
}

function mapKeys(map: YAMLMap): Set<string> {
  const keys = new Set<string>();
  for (const pair of map.items) {
    const k = pair.key as unknown;
    if (isScalar(k)) keys.add(String(k.value));
    else if (typeof k === 'string') keys.add(k);
  }
  return keys;
}

function scalarAt(map: YAMLMap, key: string): unknown {
  const node = map.get(key, true);
  return isScalar(node) ? node.value : undefined;
}

/** Output channels, git's view of a file, diff sides and the like are not workflow files to edit. */
const SCHEMES = new Set(['file', 'untitled', 'vscode-remote']);

/**
 * Answers "is this document a workflow file?" once per document version. Once an open document has been
 * one, it stays one until it is closed: a half-typed step (`- sh`) must not make its diagnostics and
 * Run lens flicker away.
 */
export class WorkflowFileDetector {
  private readonly cache = new Map<string, { version: number; isWorkflow: boolean }>();

  isWorkflowFile(document: vscode.TextDocument): boolean {
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached && (cached.version === document.version || cached.isWorkflow)) return cached.isWorkflow;
    const isWorkflow = this.detect(document);
    this.cache.set(key, { version: document.version, isWorkflow });
    return isWorkflow;
  }

  /** Cheap (no parsing): could this document be a workflow file? Filters the editor's event stream. */
  isCandidate(document: vscode.TextDocument): boolean {
    if (!SCHEMES.has(document.uri.scheme)) return false;
    if (document.languageId === 'yaml' || this.cache.get(document.uri.toString())?.isWorkflow) return true;
    return document.uri.scheme !== 'untitled' && isWorkflowPath(document.uri.path);
  }

  /** The document was closed (or renamed): the next question decides afresh. */
  forget(uri: vscode.Uri): void {
    this.cache.delete(uri.toString());
  }

  private detect(document: vscode.TextDocument): boolean {
    const uri = document.uri;
    if (!SCHEMES.has(uri.scheme)) return false;
    if (uri.scheme !== 'untitled' && isWorkflowPath(uri.path)) return true;
    if (document.languageId !== 'yaml') return false;
    // The length in UTF-16 code units, known without copying the text out.
    const length = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
    if (length > MAX_SNIFF_BYTES) return false;
    return looksLikeWorkflow(document.getText(), uri.path);
  }
}
