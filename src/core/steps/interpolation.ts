// Prodigy's variable interpolation (prodigy-workflows.md §4.1, §4.2): `${path}`, `${path:-default}`,
// `$NAME` and `$1` placeholders, resolved against one flat map of JSON values, rendered as Prodigy does.
// Plain Node: never imports vscode.
import { ProdigyError } from '../errors';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './jsonDepth';
import { isComputed, namesProdigyVariable, PLACEHOLDER, splitDefault } from '../expressions/placeholders';
import { applyListModifier, resolveComputed, type InterpolationScope } from './computedValues';

export type { InterpolationScope } from './computedValues';

/** Variables in scope for one interpolation. Values are JSON values; keys may contain dots (`map.successful`). */
export type Variables = Record<string, unknown>;

// A walkable path: a name, then `.name` or `[n]` segments. Anything else only resolves as a flat key.
const PATH_SHAPE = /^[^.[\]]+(?:\.[^.[\]]+|\[\d+\])*$/;
const PATH_SEGMENT = /\.?([^.[\]]+)|\[(\d+)\]/g;

interface Segment {
  /** Object field name, or array index. */
  key: string | number;
  /** Offset just past this segment in the path text, so a prefix can be tried as a flat key. */
  end: number;
}

/**
 * Replaces every placeholder in one pass (a value containing `${...}` is inserted as is, not re-read).
 * `${x:-d}` gives `d` when `x` is unresolved or renders empty (bash's `:-`; Prodigy itself only uses the default
 * when unresolved). An unresolved placeholder without default is kept, re-rendered as `${path}`, so `$FOO`
 * becomes `${FOO}`: a shell may still expand it, a prompt sees it literally. No `$$` escape exists.
 *
 * With a `scope` (a step about to run), the computed values resolve too (`${env.X}`, `${file:…}`, `${cmd:…}`,
 * `${json:…}`, `${date:…}`, `${uuid}`), and with `scope.strict` an unresolved placeholder that names a Prodigy
 * variable (a dotted or indexed path, or a computed value) throws UnresolvedPlaceholderError instead: a shell
 * would fail on it with "Bad substitution", a prompt would carry it literally. A plain `${NAME}` stays for
 * the shell, which expands it from the environment (or its own variables: `${f%.md}` is shell syntax).
 */
export function interpolate(template: string, vars: Variables, scope?: InterpolationScope): string {
  return template.replace(PLACEHOLDER, (match: string, braced: string | undefined, bare: string | undefined) => {
    const { path, fallback } = splitDefault(braced ?? bare ?? '');
    const hit = path ? lookup(path, vars, scope) : { found: false };
    const text = hit.found ? renderValue(hit.value) : undefined;
    if (fallback !== undefined && (text === undefined || text === '')) return fallback;
    if (text !== undefined) return text;
    if (scope?.strict && braced !== undefined && namesProdigyVariable(path))
      throw new UnresolvedPlaceholderError(match, hit.reason);
    return `\${${path}}`;
  });
}

/** A placeholder that names a Prodigy variable no step, capture or built-in has set: the step cannot run. */
export class UnresolvedPlaceholderError extends ProdigyError {
  constructor(
    readonly placeholder: string,
    reason?: string,
  ) {
    super(
      reason
        ? `${placeholder} cannot be resolved: ${reason}`
        : `${placeholder} is not set: no earlier step, capture, id:, env or built-in variable defines it`,
    );
  }
}

// A variable (flat key, nested walk), else a list with a `:modifier` (`${step.files_added:*.md}`), else a
// computed value when a step is about to run.
function lookup(
  path: string,
  vars: Variables,
  scope: InterpolationScope | undefined,
): { found: boolean; value?: unknown; reason?: string } {
  const hit = resolveVariable(path, vars);
  if (hit.found) return hit;
  const colon = path.indexOf(':');
  if (colon > 0 && !isComputed(path)) {
    const list = resolveVariable(path.slice(0, colon), vars);
    if (list.found) return { found: true, value: applyListModifier(list.value, path.slice(colon + 1)) };
  }
  return scope ? resolveComputed(path, vars, { ...scope, resolve: (p) => resolveVariable(p, vars) }) : hit;
}

/**
 * Prodigy's rendering of a value: string as is; number as JSON number text; true/false; null → '';
 * an array of strings (including an empty one) joined with ", "; any other array or object as compact JSON.
 * Numbers are JS numbers, so `8` renders `8`: we do not mimic Prodigy's f64 captures rendering as `8.0`.
 */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ');
  // JSON.stringify recurses: a deep value (a work item read from a file) would overflow the stack.
  if (nestedDeeperThan(value))
    throw new ProdigyError(`A value nested more than ${MAX_JSON_DEPTH} levels deep cannot be rendered`);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value); // number, boolean (and, defensively, bigint)
}

/**
 * Looks a path up: first the whole path as a flat key (`map.successful`), then the longest flat-key prefix
 * with the rest walked as `.field` (objects) and `[n]` (arrays), e.g. `item.a.b` or `map.results[0].output`.
 * A walk that meets a string holding a JSON object/array (captured JSON kept as text) parses it to go on;
 * a string is never parsed when it is the final value. A missing field or out-of-range index is unresolved.
 */
export function resolveVariable(path: string, vars: Variables): { found: boolean; value?: unknown } {
  if (hasOwn(vars, path) && vars[path] !== undefined) return { found: true, value: vars[path] };
  const segments = parsePath(path);
  if (!segments) return { found: false };
  // Longest prefix first: a flat `map.results` wins over a nested `map` → `results`.
  for (let n = segments.length - 1; n >= 1; n--) {
    const key = path.slice(0, segments[n - 1].end);
    if (!hasOwn(vars, key)) continue;
    const hit = walk(vars[key], segments.slice(n));
    if (hit.found) return hit;
  }
  return { found: false };
}

/** The variable paths a template references (defaults stripped), in order of first use, without duplicates. */
export function referencedVariables(template: string): string[] {
  const seen = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) {
    const { path } = splitDefault(m[1] ?? m[2]);
    if (path) seen.add(path);
  }
  return [...seen];
}

function parsePath(path: string): Segment[] | null {
  if (!PATH_SHAPE.test(path)) return null;
  return [...path.matchAll(PATH_SEGMENT)].map((m) => ({
    key: m[1] !== undefined ? m[1] : Number(m[2]),
    end: m.index! + m[0].length,
  }));
}

function walk(value: unknown, segments: Segment[]): { found: boolean; value?: unknown } {
  let current = value;
  for (const { key } of segments) {
    current = parseJsonText(current);
    if (typeof key === 'number') {
      if (!Array.isArray(current) || key >= current.length) return { found: false };
      current = current[key];
    } else {
      if (!isPlainObject(current) || !hasOwn(current, key)) return { found: false };
      current = current[key];
    }
    if (current === undefined) return { found: false };
  }
  return { found: true, value: current };
}

// Only for walking into a value: a string that holds a JSON object or array becomes that value, unless it
// nests deeper than captured JSON may (then the walk stops there, unresolved).
function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return nestedDeeperThan(parsed) ? value : parsed;
  } catch {
    return value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Own keys only, so `${constructor}` or `${toString}` never resolve to prototype members.
function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}
