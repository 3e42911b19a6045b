// `map.sort_by` (prodigy-workflows.md §6.8 item 2): `path [ASC|DESC] [NULLS FIRST|NULLS LAST], …`.
// Default ASC, nulls last. A missing field sorts as null. Where nulls go does not depend on ASC/DESC
// (`score DESC` still puts nulls last). Numbers compare numerically, strings by code point, booleans
// false < true; values of different types order null < bool < number < string < array < object; two arrays
// (or two objects) compare by size. Keys are case-insensitive; `ASCENDING`/`DESCENDING` are accepted.
// The comparator is used with Array.prototype.sort, which is stable: equal items keep their order.
import { ExpressionSyntaxError, describeFound } from './syntaxError';
import { NAME_CHAR, PathSegment, compareStrings, getPath, isObject, parseFieldPathAt, skipSpaces } from './fieldPath';

export type Comparator = (a: unknown, b: unknown) => number;

export interface SortKey {
  path: PathSegment[];
  descending: boolean;
  nullsFirst: boolean;
}

export function compileSortBy(spec: string): Comparator {
  const keys = parseSortBy(spec);
  return (a, b) => {
    for (const key of keys) {
      const order = compareByKey(getPath(a, key.path), getPath(b, key.path), key);
      if (order !== 0) return order;
    }
    return 0;
  };
}

export function parseSortBy(spec: string): SortKey[] {
  const keys: SortKey[] = [];
  let pos = 0;
  const word = (): { text: string; at: number } | undefined => {
    pos = skipSpaces(spec, pos);
    const at = pos;
    while (pos < spec.length && NAME_CHAR.test(spec[pos])) pos++;
    return pos > at ? { text: spec.slice(at, pos).toUpperCase(), at } : undefined;
  };
  for (;;) {
    pos = skipSpaces(spec, pos);
    const { path, end } = parseFieldPathAt(spec, pos, 'sort_by');
    if (path.segments.length === 0)
      throw new ExpressionSyntaxError('sort_by', spec, pos, 'expected a field name, found "@"');
    pos = end;
    const key: SortKey = { path: path.segments, descending: false, nullsFirst: false };
    let w = word();
    if (w && ['ASC', 'ASCENDING', 'DESC', 'DESCENDING'].includes(w.text)) {
      key.descending = w.text.startsWith('DESC');
      w = word();
    }
    if (w && w.text === 'NULLS') {
      const which = word();
      if (!which || (which.text !== 'FIRST' && which.text !== 'LAST')) {
        throw new ExpressionSyntaxError(
          'sort_by',
          spec,
          which?.at ?? pos,
          `expected FIRST or LAST after NULLS, ${describeFound(spec, which?.at ?? pos)}`,
        );
      }
      key.nullsFirst = which.text === 'FIRST';
      w = word();
    }
    if (w) {
      throw new ExpressionSyntaxError(
        'sort_by',
        spec,
        w.at,
        `expected ASC, DESC, NULLS FIRST, NULLS LAST or ",", ${describeFound(spec, w.at)}`,
      );
    }
    keys.push(key);
    pos = skipSpaces(spec, pos);
    if (pos >= spec.length) return keys;
    if (spec[pos] !== ',') {
      throw new ExpressionSyntaxError(
        'sort_by',
        spec,
        pos,
        `expected ASC, DESC, NULLS FIRST, NULLS LAST or ",", ${describeFound(spec, pos)}`,
      );
    }
    pos++;
  }
}

function compareByKey(a: unknown, b: unknown, key: SortKey): number {
  const aNull = a === undefined || a === null;
  const bNull = b === undefined || b === null;
  if (aNull || bNull) {
    if (aNull && bNull) return 0;
    return aNull === key.nullsFirst ? -1 : 1;
  }
  const order = compareValues(a, b);
  return key.descending ? -order : order;
}

const TYPE_RANK = (v: unknown): number =>
  typeof v === 'boolean'
    ? 1
    : typeof v === 'number'
      ? 2
      : typeof v === 'string'
        ? 3
        : Array.isArray(v)
          ? 4
          : isObject(v)
            ? 5
            : 0;

/** Orders two present, non-null JSON values (see the file comment). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = TYPE_RANK(a);
  const rb = TYPE_RANK(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const size = (v: unknown) => (Array.isArray(v) ? v.length : isObject(v) ? Object.keys(v).length : 0);
  return Math.sign(size(a) - size(b));
}
