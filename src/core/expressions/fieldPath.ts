// Field paths inside work-item expressions (`filter`, `sort_by`, `distinct`, JSONPath filters):
// `a.b`, `tags[0]`, `a['odd key']`, `@` (the item itself) and `@.a`. Also the value helpers those
// expressions share: lookup (a missing field is `undefined`), JSON type checks, equality and ordering.
import { ExpressionKind, ExpressionSyntaxError, describeFound } from './syntaxError';

export type PathSegment = string | number;

/** A parsed field path; `segments` is empty for `@` (the item itself). */
export interface FieldPath {
  segments: PathSegment[];
  /** The path as written, for messages. */
  text: string;
}

/** Name characters: letters, digits, `_` and `-` (a name after `.` may start with a digit; a leading one may not). */
export const NAME_START = /[\p{L}_]/u;
export const NAME_CHAR = /[\p{L}\p{N}_-]/u;

/**
 * Reads a quoted string ('…' or "…") starting at `pos` (on the quote). The text is taken verbatim (so regexes
 * keep their backslashes: '\d+'), except that a backslash before the closing quote character puts that quote in.
 */
export function readQuoted(text: string, pos: number, kind: ExpressionKind): { value: string; end: number } {
  const quote = text[pos];
  let value = '';
  let i = pos + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === quote) return { value, end: i + 1 };
    if (c === '\\' && text[i + 1] === quote) {
      value += quote;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  throw new ExpressionSyntaxError(kind, text, pos, `unterminated string (no closing ${quote})`);
}

export function skipSpaces(text: string, pos: number): number {
  while (pos < text.length && /\s/.test(text[pos])) pos++;
  return pos;
}

export function readName(text: string, pos: number): number {
  while (pos < text.length && NAME_CHAR.test(text[pos])) pos++;
  return pos;
}

/**
 * Parses a field path at `pos`: `@`, or a name; then any of `.name`, `[n]`, `['key']`. Stops at the first
 * character that cannot continue the path and returns its offset. Errors carry the position.
 */
export function parseFieldPathAt(text: string, pos: number, kind: ExpressionKind): { path: FieldPath; end: number } {
  const start = pos;
  const segments: PathSegment[] = [];
  if (text[pos] === '@') {
    pos++;
  } else if (pos < text.length && NAME_START.test(text[pos])) {
    const end = readName(text, pos);
    segments.push(text.slice(pos, end));
    pos = end;
  } else {
    throw new ExpressionSyntaxError(kind, text, pos, `expected a field name, ${describeFound(text, pos)}`);
  }
  for (;;) {
    if (text[pos] === '.') {
      const end = readName(text, pos + 1);
      if (end === pos + 1)
        throw new ExpressionSyntaxError(
          kind,
          text,
          pos + 1,
          `expected a field name after ".", ${describeFound(text, pos + 1)}`,
        );
      segments.push(text.slice(pos + 1, end));
      pos = end;
    } else if (text[pos] === '[') {
      const inner = skipSpaces(text, pos + 1);
      let seg: PathSegment;
      let after: number;
      if (text[inner] === "'" || text[inner] === '"') {
        const q = readQuoted(text, inner, kind);
        seg = q.value;
        after = q.end;
      } else {
        const m = /^\d+/.exec(text.slice(inner));
        if (!m)
          throw new ExpressionSyntaxError(
            kind,
            text,
            inner,
            `expected an array index or a quoted key inside [ ], ${describeFound(text, inner)}`,
          );
        seg = Number(m[0]);
        after = inner + m[0].length;
      }
      after = skipSpaces(text, after);
      if (text[after] !== ']')
        throw new ExpressionSyntaxError(kind, text, after, `expected "]", ${describeFound(text, after)}`);
      segments.push(seg);
      pos = after + 1;
    } else {
      return { path: { segments, text: text.slice(start, pos) }, end: pos };
    }
  }
}

/** Parses a whole string as one field path (`distinct`); surrounding spaces are allowed. */
export function parseFieldPath(text: string, kind: ExpressionKind): FieldPath {
  const start = skipSpaces(text, 0);
  const { path, end } = parseFieldPathAt(text, start, kind);
  const rest = skipSpaces(text, end);
  if (rest < text.length)
    throw new ExpressionSyntaxError(
      kind,
      text,
      rest,
      `unexpected text after the field path, ${describeFound(text, rest)}`,
    );
  return path;
}

/** The value at `path`, or `undefined` when any step is missing (a field of a non-object, an index out of range). */
export function getPath(item: unknown, segments: readonly PathSegment[]): unknown {
  let current: unknown = item;
  for (const seg of segments) {
    if (typeof seg === 'number') {
      if (!Array.isArray(current) || seg >= current.length) return undefined;
      current = current[seg];
    } else {
      if (!isObject(current) || !Object.prototype.hasOwnProperty.call(current, seg)) return undefined;
      current = current[seg];
    }
  }
  return current;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON equality: same type and value (arrays and objects deeply, object key order ignored). 1 and 1.0 are equal. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length &&
      ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]))
    );
  }
  return false;
}

/** Compact JSON with object keys sorted, so equal values give equal text (a `distinct` key). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Strings ordered by Unicode code point (as Rust orders `str`), not by UTF-16 unit. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
}
