// What every part of the loader shares while it reads one file: the parsed YAML document (for
// positions), the warnings so far, and the helpers that turn "this path in the data is wrong" into
// a `file:line:col:` error or warning. The loader works on plain JS values (`doc.toJS()`) and
// carries the path of each value, so any value can be located in the text.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type * as z from 'zod';
import { WorkflowLoadError } from './loadError';
import type { LoadWarning, SourcePosition } from './model';

export type Path = ReadonlyArray<string | number>;
export type PlainMap = Record<string, unknown>;

/** Point at a value, or at the key that holds it (unknown keys, "X is not supported"). */
export type Anchor = 'value' | 'key';

export class LoadContext {
  readonly warnings: LoadWarning[] = [];
  /** Errors recorded by `recover` (collecting only: otherwise the first error is thrown and ends the load). */
  readonly errors: WorkflowLoadError[] = [];

  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    /** The text `doc` was parsed from (offsets in `doc` point into it). */
    private readonly text: string,
    /** Read on past errors to report every one (the editor); a run stops at the first. */
    readonly collecting = false,
  ) {}

  /**
   * Runs `load`. When collecting, a load error in it is recorded and `fallback` returned, so the rest of the
   * file is still read; otherwise the error propagates unchanged. Wraps parts that fail on their own (a step,
   * an option, a phase), so one mistake does not hide the next.
   */
  recover<T>(load: () => T, fallback: T): T {
    if (!this.collecting) return load();
    try {
      return load();
    } catch (err) {
      if (!(err instanceof WorkflowLoadError)) throw err;
      this.errors.push(err);
      return fallback;
    }
  }

  /** Where the value at `path` (or its key) starts; the nearest enclosing node if it is missing. */
  position(path: Path, anchor: Anchor = 'value'): SourcePosition {
    let node: unknown = this.doc.contents;
    let best = this.rangeOf(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      node = this.resolve(node);
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p) === String(path[i]));
        if (!pair) break;
        const keyStart = this.rangeOf(pair.key);
        if (keyStart !== undefined) best = keyStart;
        if (i === path.length - 1 && anchor === 'key') return this.linePos(best);
        // `key:` with nothing after it: point at the key, not at the end of the line.
        if (isScalar(pair.value) && pair.value.value === null && !pair.value.source) return this.linePos(best);
        next = pair.value;
      } else if (isSeq(node) && typeof path[i] === 'number') {
        next = node.items[path[i] as number];
      } else break;
      const start = this.rangeOf(next);
      if (start === undefined) break;
      best = start;
      node = next;
    }
    return this.linePos(best);
  }

  /**
   * Where character `offset` of the string value at `path` is: exact for a one-line plain or quoted scalar
   * (quotes and escapes counted); the value's start for block and multi-line scalars.
   */
  positionInString(path: Path, offset: number): SourcePosition {
    const node = this.nodeAt(path);
    if (!isScalar(node) || !node.range) return this.position(path);
    const [start, end] = node.range;
    const inSource = sourceOffset(node.type, this.text.slice(start, end), offset);
    return inSource === undefined ? this.position(path) : this.linePos(start + inSource);
  }

  warn(path: Path, message: string, anchor: Anchor = 'key'): void {
    this.warnings.push({ ...this.position(path, anchor), message });
  }

  warnAt(position: SourcePosition, message: string): void {
    this.warnings.push({ ...position, message });
  }

  fail(path: Path, reason: string, anchor: Anchor = 'value'): never {
    throw this.errorAt(path, reason, anchor);
  }

  errorAt(path: Path, reason: string, anchor: Anchor = 'value'): WorkflowLoadError {
    const { line, col } = this.position(path, anchor);
    return new WorkflowLoadError(this.file, reason, line, col);
  }

  failAt(position: SourcePosition | undefined, reason: string): never {
    throw new WorkflowLoadError(this.file, reason, position?.line, position?.col);
  }

  /**
   * Checks `value` (found at `path`) against a schema built from `loadSchemas` leaves, and returns
   * the parsed value. The first problem becomes an error at the offending value:
   * `on_failure.max_attempts must be a number (1 or more), got "three"`. `base` is how much of
   * the path to leave out of the key name (the path of the step the key belongs to). A missing key is
   * reported on the key of the map that lacks it (`map:`), never on a neighbouring key. When collecting,
   * every other problem of the value is recorded too.
   */
  parse<S extends z.ZodType>(schema: S, value: unknown, path: Path, base = 0): z.output<S> {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const [first, ...rest] = result.error.issues.map((issue) => this.issueError(value, path, base, issue));
    if (this.collecting) this.errors.push(...rest);
    throw first;
  }

  private issueError(value: unknown, path: Path, base: number, issue: z.ZodError['issues'][number]): WorkflowLoadError {
    const where = [...path, ...(issue.path as Array<string | number>)];
    const found = valueAt(value, issue.path as Array<string | number>);
    const name = describePath(where.slice(base)) || describePath(where);
    if (found === undefined) return this.errorAt(where.slice(0, -1), `${name} is required (${issue.message})`, 'key');
    return this.errorAt(where, `${name} must be ${issue.message}, got ${show(found)}`);
  }

  /** Warns once per key of `map` that is not in `known`, at the key, with a "did you mean" when one is close. */
  warnUnknownKeys(map: PlainMap, path: Path, known: ReadonlySet<string>, where: string): void {
    for (const key of Object.keys(map)) {
      if (known.has(key)) continue;
      this.warn([...path, key], unknownKeyMessage(key, where, closest(key, known)));
    }
  }

  /** The node at `path`, or undefined when the path does not lead to one. */
  private nodeAt(path: Path): unknown {
    let node: unknown = this.resolve(this.doc.contents);
    for (const seg of path) {
      if (isMap(node)) node = node.items.find((p) => keyText(p) === String(seg))?.value;
      else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
      else return undefined;
      node = this.resolve(node);
    }
    return node;
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  private rangeOf(node: unknown): number | undefined {
    const n = node as Node | null | undefined;
    return n && typeof n === 'object' && 'range' in n && Array.isArray(n.range) ? n.range[0] : undefined;
  }

  private linePos(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }
}

/** Escapes of a double-quoted YAML scalar that stand for one character, by their source length. */
const ESCAPE_LENGTH: Record<string, number> = { x: 4, u: 6, U: 10 };

/**
 * The offset in a scalar's source (`src`, from its first character) of character `offset` of its value; undefined
 * when the mapping is not simple (block scalars, line folding).
 */
function sourceOffset(type: string | undefined, src: string, offset: number): number | undefined {
  if (type === 'PLAIN') return src.includes('\n') || offset > src.length ? undefined : offset;
  if (type !== 'QUOTE_SINGLE' && type !== 'QUOTE_DOUBLE') return undefined;
  let i = 1; // after the opening quote
  for (let n = 0; n < offset; n++) {
    if (i >= src.length - 1 || src[i] === '\n') return undefined;
    if (type === 'QUOTE_SINGLE') i += src.startsWith("''", i) ? 2 : 1;
    else i += src[i] === '\\' ? (ESCAPE_LENGTH[src[i + 1]] ?? 2) : 1;
  }
  return i;
}

function keyText(pair: Pair): string | undefined {
  if (!isPair(pair)) return undefined;
  const key = pair.key as unknown;
  if (isScalar(key)) return String(key.value);
  return key === null || key === undefined ? undefined : String(key);
}

export function isPlainMap(value: unknown): value is PlainMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `on_failure.commands[0].timeout` */
export function describePath(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

/** A value as it reads in an error message: strings quoted, collections named. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') {
    const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(text);
  }
  return String(value);
}

export function valueAt(value: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/**
 * `Unknown key \`agent_templat\` in map: did you mean \`agent_template\`?` (the editor's quick fix reads it back
 * with `unknownKeySuggestion`), or `Unknown key \`colour\` in step 1, ignored` when no known key is close.
 */
export function unknownKeyMessage(key: string, where: string, suggestion: string | undefined): string {
  return suggestion
    ? `Unknown key \`${key}\` in ${where}: did you mean \`${suggestion}\`?`
    : `Unknown key \`${key}\` in ${where}, ignored`;
}

/** The key and its suggested replacement, from a message `unknownKeyMessage` wrote with a suggestion. */
export function unknownKeySuggestion(message: string): { key: string; suggestion: string } | undefined {
  const m = /^Unknown key `([^`]+)` in .*: did you mean `([^`]+)`\?$/.exec(message);
  return m ? { key: m[1], suggestion: m[2] } : undefined;
}

/**
 * The known key closest to `key` that is close enough to be a typo (`shel:`, `on_failur:`, `agent_templat:`,
 * `max_paralell:`): at most 1 edit for keys up to 5 characters, 2 up to 8, 3 beyond (a third of the length,
 * so short keys do not match everything). An edit is an insertion, deletion, substitution or swap of two
 * neighbours (Damerau); case is ignored. Ties go to the first known key.
 */
export function closest(key: string, known: Iterable<string>): string | undefined {
  const lower = key.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(lower.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    if (Math.abs(k.length - lower.length) >= bestDistance) continue;
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: Levenshtein plus the swap of two adjacent characters. */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      row.push(d);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length];
}

/** Drops keys whose value is undefined, so results compare and print without `key: undefined`. */
export function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
