// `map.json_path` (prodigy-workflows.md §6.8 item 2): a JSONPath subset, parsed once, with errors that point
// at the column. Supported: `$` (optional: `items[*]` means `$.items[*]`), `.name`, `['name']`, `[n]` (negative
// from the end), `[*]` / `.*`, `..name` / `..*` / `..[…]` (the node and all its descendants, document order),
// unions `[0,2]` / `['a','b']`, slices `[start:end:step]`, and filters `[?(…)]` / `[?…]` in the `filter`
// language with `@` as the candidate (`[?(@.score > 5 && @.type == 'bug')]`). A filter, `*` and slice apply to an
// array's elements and to an object's member values.
//
// The result is the list of selected nodes, except that a path that can select at most one node (only names
// and indices: "", `$`, `$.items`, `$.a.b[0]`) and selects an array gives that array's elements: the work items
// of `json_path: "$.items"` are the elements of `items`, as `""` gives the elements of a top-level array.
import { ExpressionSyntaxError, describeFound } from './syntaxError';
import { NAME_CHAR, NAME_START, isObject, readName, readQuoted, skipSpaces } from './fieldPath';
import { Predicate, parseFilterAt } from './filter';

type Selector =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'filter'; predicate: Predicate };

interface Step {
  descendants: boolean;
  selectors: Selector[];
}

export interface CompiledJsonPath {
  readonly expression: string;
  /** Only names and indices: selects at most one node. */
  readonly singular: boolean;
  select(document: unknown): unknown[];
}

/** Selects from `document`; see the file comment for the rules. Throws `ExpressionSyntaxError` on a bad path. */
export function evaluateJsonPath(document: unknown, path: string): unknown[] {
  return compileJsonPath(path).select(document);
}

export function compileJsonPath(expression: string): CompiledJsonPath {
  const steps = parseJsonPath(expression);
  const singular = steps.every(
    (s) =>
      !s.descendants && s.selectors.length === 1 && (s.selectors[0].kind === 'name' || s.selectors[0].kind === 'index'),
  );
  return {
    expression,
    singular,
    select(document: unknown): unknown[] {
      let nodes: unknown[] = [document];
      for (const step of steps) {
        const next: unknown[] = [];
        for (const node of nodes) {
          const targets = step.descendants ? descendantsOrSelf(node) : [node];
          for (const target of targets) for (const selector of step.selectors) applySelector(selector, target, next);
        }
        nodes = next;
      }
      if (singular && nodes.length === 1 && Array.isArray(nodes[0])) return [...nodes[0]];
      return nodes;
    },
  };
}

function parseJsonPath(text: string): Step[] {
  const steps: Step[] = [];
  const fail = (pos: number, problem: string): never => {
    throw new ExpressionSyntaxError('json_path', text, pos, problem);
  };
  let pos = skipSpaces(text, 0);
  if (text[pos] === '$') pos++;
  else if (pos < text.length && NAME_START.test(text[pos])) {
    // `items[*]`: a leading name is a child of the root.
    const end = readName(text, pos);
    steps.push({ descendants: false, selectors: [{ kind: 'name', name: text.slice(pos, end) }] });
    pos = end;
  } else if (pos < text.length && text[pos] !== '.' && text[pos] !== '[') {
    fail(pos, `a path starts with "$", ${describeFound(text, pos)}`);
  }

  const readDotted = (at: number, descendants: boolean): number => {
    if (text[at] === '*') {
      steps.push({ descendants, selectors: [{ kind: 'wildcard' }] });
      return at + 1;
    }
    const end = readName(text, at);
    if (end === at)
      fail(at, `expected a field name or "*" after "${descendants ? '..' : '.'}", ${describeFound(text, at)}`);
    steps.push({ descendants, selectors: [{ kind: 'name', name: text.slice(at, end) }] });
    return end;
  };

  for (;;) {
    if (pos >= text.length) break;
    if (text.startsWith('..', pos)) {
      pos += 2;
      if (text[pos] === '[') pos = parseBracket(text, pos, true, steps);
      else pos = readDotted(pos, true);
    } else if (text[pos] === '.') {
      pos = readDotted(pos + 1, false);
    } else if (text[pos] === '[') {
      pos = parseBracket(text, pos, false, steps);
    } else {
      const rest = skipSpaces(text, pos);
      if (rest >= text.length) break;
      fail(rest, `expected ".", ".." or "[", ${describeFound(text, rest)}`);
    }
  }
  return steps;
}

/** Parses `[ selector (, selector)* ]` at `pos` (on the "["); returns the offset after "]". */
function parseBracket(text: string, pos: number, descendants: boolean, steps: Step[]): number {
  const fail = (at: number, problem: string): never => {
    throw new ExpressionSyntaxError('json_path', text, at, problem);
  };
  const selectors: Selector[] = [];
  pos++;
  for (;;) {
    pos = skipSpaces(text, pos);
    const c = text[pos];
    if (c === '*') {
      selectors.push({ kind: 'wildcard' });
      pos++;
    } else if (c === "'" || c === '"') {
      const { value, end } = readQuoted(text, pos, 'json_path');
      selectors.push({ kind: 'name', name: value });
      pos = end;
    } else if (c === '?') {
      pos = skipSpaces(text, pos + 1);
      const parenthesised = text[pos] === '(';
      // `?(` … `)`: the parentheses are the filter's own, so `[?(a) || (b)]` still parses as one expression.
      const { predicate, end } = parseFilterAt(text, pos, 'json_path');
      selectors.push({ kind: 'filter', predicate });
      pos = end;
      if (!parenthesised && pos < text.length && text[pos] === ')') fail(pos, 'unbalanced ")" in the filter');
    } else if (c !== undefined && /[-\d:]/.test(c)) {
      pos = parseIndexOrSlice(text, pos, selectors);
    } else {
      fail(pos, `expected "*", a quoted name, an index, a slice or "?(…)" inside [ ], ${describeFound(text, pos)}`);
    }
    pos = skipSpaces(text, pos);
    if (text[pos] === ',') {
      pos++;
      continue;
    }
    if (text[pos] === ']') {
      steps.push({ descendants, selectors });
      return pos + 1;
    }
    fail(pos, `expected "," or "]", ${describeFound(text, pos)}`);
  }
}

/** `n`, or a slice `[start]:[end][:step]`, at `pos`; returns the offset after it. */
function parseIndexOrSlice(text: string, pos: number, selectors: Selector[]): number {
  const parts: (number | undefined)[] = [];
  let stepAt = pos;
  for (;;) {
    pos = skipSpaces(text, pos);
    stepAt = pos;
    const m = /^-?\d+/.exec(text.slice(pos));
    if (m) {
      if (NAME_CHAR.test(text[pos + m[0].length] ?? '')) {
        throw new ExpressionSyntaxError('json_path', text, pos, `expected an integer, ${describeFound(text, pos)}`);
      }
      parts.push(Number(m[0]));
      pos = skipSpaces(text, pos + m[0].length);
    } else {
      parts.push(undefined);
    }
    if (text[pos] !== ':' || parts.length === 3) break;
    pos++;
  }
  if (parts.length === 1) {
    if (parts[0] === undefined)
      throw new ExpressionSyntaxError('json_path', text, pos, `expected an integer, ${describeFound(text, pos)}`);
    selectors.push({ kind: 'index', index: parts[0] });
  } else {
    if (parts[2] === 0) throw new ExpressionSyntaxError('json_path', text, stepAt, 'a slice step cannot be 0');
    selectors.push({ kind: 'slice', start: parts[0], end: parts[1], step: parts[2] });
  }
  return pos;
}

function applySelector(selector: Selector, node: unknown, out: unknown[]): void {
  switch (selector.kind) {
    case 'name':
      if (isObject(node) && Object.prototype.hasOwnProperty.call(node, selector.name)) out.push(node[selector.name]);
      return;
    case 'index':
      if (Array.isArray(node)) {
        const i = selector.index < 0 ? node.length + selector.index : selector.index;
        if (i >= 0 && i < node.length) out.push(node[i]);
      }
      return;
    case 'wildcard':
      out.push(...children(node));
      return;
    case 'slice':
      if (Array.isArray(node)) out.push(...slice(node, selector.start, selector.end, selector.step ?? 1));
      return;
    case 'filter':
      for (const child of children(node)) if (selector.predicate(child)) out.push(child);
      return;
  }
}

function children(node: unknown): unknown[] {
  if (Array.isArray(node)) return node;
  if (isObject(node)) return Object.values(node);
  return [];
}

/** The node, then each descendant, depth first in document order. */
function descendantsOrSelf(node: unknown): unknown[] {
  const out: unknown[] = [];
  const visit = (n: unknown) => {
    out.push(n);
    for (const c of children(n)) visit(c);
  };
  visit(node);
  return out;
}

/** Python/RFC 9535 slice semantics. */
function slice(array: unknown[], start: number | undefined, end: number | undefined, step: number): unknown[] {
  const len = array.length;
  const norm = (i: number) => (i < 0 ? len + i : i);
  const out: unknown[] = [];
  if (step > 0) {
    const lo = Math.min(Math.max(norm(start ?? 0), 0), len);
    const hi = Math.min(Math.max(norm(end ?? len), 0), len);
    for (let i = lo; i < hi; i += step) out.push(array[i]);
  } else {
    const hi = Math.min(Math.max(norm(start ?? len - 1), -1), len - 1);
    const lo = Math.min(Math.max(end === undefined ? -1 : norm(end), -1), len - 1);
    for (let i = hi; i > lo; i += step) out.push(array[i]);
  }
  return out;
}
