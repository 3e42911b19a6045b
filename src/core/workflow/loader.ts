// Reads a workflow file into the normalized `Workflow` (model.ts). Lenient like Prodigy: unknown
// keys and known-but-unsupported ones are warnings with a position; only what cannot be run the
// way the author meant is an error, always one line `file:line:col: what is wrong`.
// Shapes (prodigy-workflows.md §2): a list of steps; an object with `commands:` (or `steps:`);
// an object whose parsed top-level `mode` is `mapreduce`.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, visit, type Document } from 'yaml';
import { composeWorkflow, needsComposition, type ComposeHost, type ComposeOptions } from './compose';
import { warnUndefinedPlaceholders } from './loadPlaceholders';
import { LoadContext, compact, isPlainMap, show, type PlainMap } from './loadContext';
import { loadSecrets, loadWorkflowEnv } from './loadEnv';
import { WorkflowLoadError } from './loadError';
import { MAPREDUCE_KEYS, loadMapReduce } from './loadMapReduce';
import { Label, Seconds } from './loadSchemas';
import { loadStepList } from './loadSteps';
import type { LoadWarning, MergeSpec, Workflow, WorkflowShape } from './model';

export { WorkflowLoadError } from './loadError';
export type { ComposeOptions, ParamValue, ParamValues } from './compose';

const SHAPE_HINT = 'expected a list of steps, or an object with `commands:` (or `mode: mapreduce`)';
// `description:` is documented as descriptive only (prodigy-workflows.md §1): accepted without a word.
const COMMON_KEYS = [
  'name',
  'description',
  'mode',
  'env',
  'secrets',
  'env_files',
  'profiles',
  'active_profile',
  'merge',
];
const STANDARD_KEYS = new Set([...COMMON_KEYS, 'commands', 'steps']);
const MAPREDUCE_TOP_KEYS = new Set([...COMMON_KEYS, ...MAPREDUCE_KEYS, 'commands', 'steps']);
// Sub-workflows (composition/sub-workflows.md): Prodigy's executor for them is a placeholder; not run here either.
const SUB_WORKFLOW_KEYS = ['workflows', 'sub_workflows'];

/**
 * Reads and loads a workflow file; the result's `path` is absolute. A composable file (imports, extends, template,
 * parameters) is composed first (compose.ts); `options.params` are the parameter values of a run.
 */
export function loadWorkflowFile(file: string, options: ComposeOptions = {}): Workflow {
  return loadWorkflowText(readWorkflowText(file), file, options);
}

function readWorkflowText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new WorkflowLoadError(file, readFailure(err));
  }
  return decodeUtf8(bytes, file);
}

/**
 * The file's text. Invalid UTF-8 is an error at the byte, never decoded to U+FFFD: validate would pass a file
 * whose commands then run with bytes other than the ones written (issue 12, b20).
 */
function decodeUtf8(bytes: Buffer, file: string): string {
  const at = firstInvalidUtf8(bytes);
  if (at === -1) return bytes.toString('utf8');
  const lineStart = bytes.lastIndexOf(0x0a, at - 1) + 1;
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < at; i = bytes.indexOf(0x0a, i + 1)) line++;
  const col = bytes.subarray(lineStart, at).toString('utf8').length + 1;
  const hex = bytes[at].toString(16).padStart(2, '0');
  throw new WorkflowLoadError(file, `is not valid UTF-8 (byte 0x${hex}); save the file as UTF-8`, line, col);
}

/** Where the first byte sequence that is not UTF-8 starts (-1: none), by the same rules as TextDecoder's. */
function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length;) {
    const lead = b[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    const more =
      lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (more === 0) return i;
    // The second byte's range rules out overlong forms, surrogates (ED A0–BF) and code points above U+10FFFF.
    const lo = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const hi = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= more; k++) {
      const next = b[i + k];
      if (next === undefined || next < (k === 1 ? lo : 0x80) || next > (k === 1 ? hi : 0xbf)) return i;
    }
    i += more + 1;
  }
  return -1;
}

/** Loads workflow text; `file` decides the format (.yml/.yaml: YAML, else JSON) and names it in messages. */
export function loadWorkflowText(text: string, file: string, options: ComposeOptions = {}): Workflow {
  // Not collecting, the first error is thrown where it is found: the result always has a workflow.
  return readWorkflow(text, file, false, options).workflow as Workflow;
}

/** Every problem of a workflow file at once, for the editor: all errors (not just the first) and all warnings. */
export interface WorkflowAnalysis {
  /** The loaded workflow, when there is no error. */
  readonly workflow?: Workflow;
  /** In the order of the file; `loadWorkflowText` throws one of them (the first it meets). */
  readonly errors: WorkflowLoadError[];
  readonly warnings: LoadWarning[];
}

/**
 * Reads workflow text as `loadWorkflowText` does, but goes on past an error to report every one: each step, each
 * option of a step and each part of the file (name, env, merge, setup, map, reduce, ...) fails on its own.
 */
export function analyzeWorkflowText(text: string, file: string): WorkflowAnalysis {
  try {
    return readWorkflow(text, file, true);
  } catch (err) {
    if (err instanceof WorkflowLoadError) return { errors: [err], warnings: [] };
    throw err;
  }
}

function readWorkflow(text: string, file: string, collecting: boolean, options: ComposeOptions = {}): WorkflowAnalysis {
  const parsed = parseWorkflow(text, file, collecting);
  if (!('ctx' in parsed)) return parsed;
  const { ctx, data, format } = parsed;

  // What cannot be recovered from (the file's shape) ends the load here too, after what was recorded.
  // A composable file is composed first, and never loaded uncomposed (compose.ts).
  const composing = needsComposition(data, options);
  const composed = composing
    ? ctx.recover(() => composeWorkflow(ctx, data as PlainMap, composeHost, options), undefined)
    : undefined;
  const workflow = composing ? composed?.part : ctx.recover(() => loadDocument(ctx, data), undefined);
  if (workflow && !composing) warnUndefinedPlaceholders(ctx, data);
  const warnings = ctx.warnings.sort(byPosition);
  const errors = uniqueErrors(ctx.errors).sort(byPosition);
  if (errors.length || !workflow) return { errors, warnings };
  const hash = createHash('sha256').update(text, 'utf8');
  // Composed: every file read and the parameter values, so a resume can tell that anything changed.
  if (composed)
    for (const t of [...composed.texts, JSON.stringify(composed.composition.parameters)]) hash.update(`\0${t}`);
  return {
    workflow: {
      path: path.resolve(file),
      format,
      ...workflow,
      warnings,
      hash: hash.digest('hex'),
      ...(composed ? { composition: composed.composition } : {}),
    },
    errors,
    warnings,
  };
}

/** The other files of a composition: read and parsed as a workflow file is, their first error thrown. */
const composeHost: ComposeHost = {
  read(file) {
    const text = readWorkflowText(file);
    const parsed = parseWorkflow(text, file, false);
    if (!('ctx' in parsed)) throw parsed.errors[0];
    return { ctx: parsed.ctx, data: parsed.data, text };
  },
  load: (ctx, data) => loadDocument(ctx, data),
};

/** The text parsed (positions kept), or its syntax errors (collecting; otherwise the first is thrown). */
function parseWorkflow(
  text: string,
  file: string,
  collecting: boolean,
): { ctx: LoadContext; data: unknown; format: 'yaml' | 'json' } | { errors: WorkflowLoadError[]; warnings: [] } {
  const format = /\.ya?ml$/i.test(file) ? 'yaml' : 'json';
  const lines = new LineCounter();
  // JSON is YAML 1.2, so one parser gives positions for both. `merge` honours `<<:` keys.
  const source = text.replace(/^\uFEFF/, '');
  // YAML allows no NUL, but the parser reads on past one; a command cannot hold it (spawn refuses it).
  const nul = source.indexOf('\0');
  if (nul !== -1) {
    const line = source.slice(0, nul).split('\n').length;
    throw new WorkflowLoadError(
      file,
      'contains a NUL byte, which no command or value can hold',
      line,
      nul - source.lastIndexOf('\n', nul - 1),
    );
  }
  const doc = parseDocument(source, {
    lineCounter: lines,
    prettyErrors: false,
    merge: true,
    uniqueKeys: true,
  });
  if (doc.errors.length) {
    const syntaxErrors = doc.errors.map((e) => {
      const { line, col } = lines.linePos(e.pos[0]);
      return new WorkflowLoadError(file, yamlReason(e.message, format), line, col);
    });
    if (!collecting) throw syntaxErrors[0];
    return { errors: syntaxErrors, warnings: [] };
  }
  const escapedNul = nulInValues(doc, source);
  if (escapedNul !== undefined) {
    const { line, col } = lines.linePos(escapedNul);
    throw new WorkflowLoadError(file, 'a NUL character (\\0) cannot be part of a command or value', line, col);
  }
  const ctx = new LoadContext(file, doc, lines, source, collecting);
  for (const w of doc.warnings) ctx.warnAt(lines.linePos(w.pos[0]), yamlReason(w.message, format));
  if (format === 'json') checkStrictJson(ctx, text);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new WorkflowLoadError(
      file,
      `cannot read the document: ${err instanceof Error ? err.message : String(err)}`,
      1,
      1,
    );
  }

  return { ctx, data, format };
}

function byPosition(a: { line?: number; col?: number }, b: { line?: number; col?: number }): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);
}

/** One error per place and reason (a value read twice, as `test.on_failure` is, reports once). */
function uniqueErrors(errors: readonly WorkflowLoadError[]): WorkflowLoadError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.line}:${e.col}:${e.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Loaded = Omit<Workflow, 'path' | 'format' | 'warnings' | 'hash'>;

function loadDocument(ctx: LoadContext, data: unknown): Loaded {
  if (data === null || data === undefined) ctx.failAt({ line: 1, col: 1 }, `the file is empty: ${SHAPE_HINT}`);
  if (Array.isArray(data)) {
    const steps = loadStepList(ctx, data, []);
    if (!steps.length) ctx.warnAt(ctx.position([]), 'the workflow has no steps: there is nothing to run');
    return { shape: 'list', name: '', env: {}, secrets: {}, steps };
  }
  if (!isPlainMap(data)) ctx.fail([], `${SHAPE_HINT}, got ${show(data)}`);

  const shape = shapeOf(ctx, data);
  // undefined only when collecting and name: is not a string (already reported).
  const name = ctx.recover(
    () => (data.name !== undefined && data.name !== null ? ctx.parse(Label, data.name, ['name']) : ''),
    undefined,
  );
  const base = {
    shape,
    name: name ?? '',
    ...ctx.recover(() => loadWorkflowEnv(ctx, data), { env: {} }),
    secrets: ctx.recover(() => loadSecrets(ctx, data.secrets, ['secrets']), {}),
  };
  for (const key of SUB_WORKFLOW_KEYS)
    if (key in data)
      ctx.warn([key], `${key}: sub-workflows are not run (Prodigy's executor for them is a placeholder); ignored`);
  const merge = ctx.recover(() => loadMerge(ctx, data.merge), undefined);

  if (shape === 'mapreduce') {
    if (name === '') ctx.recover(() => ctx.fail([], 'a MapReduce workflow needs name:'), undefined);
    if ('commands' in data || 'steps' in data)
      ctx.warn(
        ['commands' in data ? 'commands' : 'steps'],
        'a MapReduce workflow runs setup:, map.agent_template: and reduce:; this list is ignored',
      );
    warnUnknownTopKeys(ctx, data, MAPREDUCE_TOP_KEYS);
    return compact({ ...base, steps: [], merge, mapreduce: loadMapReduce(ctx, data) });
  }

  const key = 'commands' in data ? 'commands' : 'steps';
  const steps = ctx.recover(() => loadStepList(ctx, data[key], [key]), undefined);
  if (steps && !steps.length) ctx.warn([key], 'the workflow has no steps: there is nothing to run');
  for (const k of MAPREDUCE_KEYS)
    if (k in data) ctx.warn([k], `${k}: is only read in a MapReduce workflow (mode: mapreduce), ignored`);
  warnUnknownTopKeys(ctx, data, new Set([...STANDARD_KEYS, ...MAPREDUCE_KEYS]));
  return compact({ ...base, steps: steps ?? [], merge });
}

/** By the parsed top-level `mode` (Prodigy matches `mode: mapreduce` anywhere in the text, comments included). */
function shapeOf(ctx: LoadContext, data: PlainMap): WorkflowShape {
  const mode = typeof data.mode === 'string' ? data.mode.trim().toLowerCase() : data.mode;
  if (mode === 'mapreduce') return 'mapreduce';
  if (mode !== undefined && mode !== null && mode !== 'standard')
    ctx.warn(
      ['mode'],
      `mode must be standard or mapreduce, got ${show(data.mode)}; read as a standard workflow`,
      'value',
    );
  if ('commands' in data && 'steps' in data)
    ctx.fail(['steps'], 'the workflow has both commands: and steps: (the same list); keep one', 'key');
  if ('commands' in data || 'steps' in data) return 'commands';
  const hint = 'map' in data ? ' (this file has map:; add mode: mapreduce?)' : '';
  ctx.fail([], `${SHAPE_HINT}; found none of these keys${hint}`);
}

function warnUnknownTopKeys(ctx: LoadContext, data: PlainMap, known: ReadonlySet<string>): void {
  const rest: PlainMap = {};
  for (const [k, v] of Object.entries(data)) if (!SUB_WORKFLOW_KEYS.includes(k)) rest[k] = v;
  ctx.warnUnknownKeys(rest, [], known, 'the workflow');
}

/** `merge:` a list of steps, or `{commands: [...], timeout}`: the custom merge-back workflow (§6.9). */
function loadMerge(ctx: LoadContext, value: unknown): MergeSpec | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return { steps: loadStepList(ctx, value, ['merge'], 'merge ') };
  if (!isPlainMap(value))
    ctx.fail(['merge'], `merge must be a list of steps or {commands: [...], timeout}, got ${show(value)}`);
  ctx.warnUnknownKeys(value, ['merge'], new Set(['commands', 'timeout']), 'merge');
  if (!('commands' in value))
    ctx.fail(['merge'], 'merge must be a list of steps or {commands: [...], timeout}; commands: is missing', 'key');
  return compact({
    steps: loadStepList(ctx, value.commands, ['merge', 'commands'], 'merge '),
    timeout: value.timeout !== undefined ? ctx.parse(Seconds, value.timeout, ['merge', 'timeout']) : undefined,
  });
}

/** yaml's message without its " at line X, column Y" tail (our prefix says where). */
function yamlReason(message: string, format: 'yaml' | 'json'): string {
  const reason = message
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
  return format === 'json' ? `invalid JSON: ${reason}` : reason;
}

/** JSON files are read by the YAML parser (for positions); say so when the text is not plain JSON. */
function checkStrictJson(ctx: LoadContext, text: string): void {
  try {
    JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    ctx.warnAt({ line: 1, col: 1 }, `not strict JSON (${detail}); read leniently (JSON is a subset of YAML)`);
  }
}

/**
 * Where a string value holds a NUL, written as an escape (YAML `"\\0"`, JSON `"\\u0000"`): the escape's
 * offset in `source` (else the value's). `run` could never pass it to a process, so validate refuses it too.
 */
function nulInValues(doc: Document, source: string): number | undefined {
  let at: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('\0') || !node.range) return undefined;
      const [start, end] = node.range;
      const escape = /\\(?:0|x00|u0000|U00000000)/.exec(source.slice(start, end));
      at = start + (escape?.index ?? 0);
      return visit.BREAK;
    },
  });
  return at;
}

function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'workflow file not found';
  if (code === 'EISDIR') return 'is a directory, not a workflow file';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read the workflow file: permission denied';
  return `cannot read the workflow file: ${err instanceof Error ? err.message : String(err)}`;
}
