// Composable workflows (Prodigy docs, composition/): `extends`, `imports`, `template` and `parameters`, resolved
// before the normal load. Every file that takes part is read and loaded on its own (its steps keep positions in it and
// name it), after the parameters are substituted into it; the loaded parts are then merged:
// - extends: the child over its base, deep: maps merge key by key, a non-empty list (steps) replaces the base's,
//   a scalar replaces; bases may extend further;
// - imports, then template: added under the file: their steps run first (imports in order, then the template's),
//   maps merge with the file winning;
// so the order of precedence, lowest first, is base, imports, template, the file itself (troubleshooting.md's
// resolution order). A file that cannot be composed (a missing file, a cycle, an unknown template, a parameter
// without a value or of the wrong type) is refused at the place that says so, never run half-composed.
import * as path from 'node:path';
import { WorkflowLoadError } from './loadError';
import { isPlainMap, show, type LoadContext, type Path, type PlainMap } from './loadContext';
import {
  parameterDefs,
  resolveParameters,
  substitute,
  type ParamValues,
  type ParameterDef,
  type Resolved,
} from './composeParameters';
import { add, inherit, marked, type LoadedPart } from './composeMerge';
import { existing, findBase, findTemplate, resolvePath } from './composeSources';
import type { CompositionInfo } from './model';

export type { ParamValue, ParamValues } from './composeParameters';
export type { LoadedPart } from './composeMerge';

/** The keys that make a file composable; none of them reaches the normal load. */
export const COMPOSITION_KEYS = ['imports', 'extends', 'template', 'parameters', 'defaults'];

export interface ComposeHost {
  /** Reads and parses another file (never collecting: its first error is thrown, naming that file). */
  read(file: string): { ctx: LoadContext; data: unknown; text: string };
  /** The normal load of a file's keys (no composition keys left). */
  load(ctx: LoadContext, data: PlainMap): LoadedPart;
}

export interface ComposeOptions {
  /** Values for a run (`--param`, `--param-file`, a prompt, the session). Absent: validate or the editor,
   * where a required parameter without a value is left as written instead of refused. */
  params?: ParamValues;
}

export interface Composed {
  part: LoadedPart;
  /** The other files' texts, for the composed hash. */
  texts: string[];
  composition: CompositionInfo;
}

/**
 * Whether `data` needs composing: one of its keys, or parameter values given for the run. `defaults:` alone does not
 * make a file composable (as in Prodigy): it is a common holder of YAML anchors, and is then an unknown key.
 */
export function needsComposition(data: unknown, options: ComposeOptions): boolean {
  if (!isPlainMap(data)) return false;
  return COMPOSITION_KEYS.some((k) => k !== 'defaults' && k in data) || Object.keys(options.params ?? {}).length > 0;
}

/** One file of the composition and what it brings in. */
interface Node {
  ctx: LoadContext;
  data: PlainMap;
  file: string;
  root: boolean;
  /** The root file and the place in it (`extends:`, an import's path, `template.source`) that led here. */
  top: Top;
  base?: Node;
  imports: Node[];
  template?: Node;
}

interface Top {
  ctx: LoadContext;
  at: Path;
}

/** How a file was reached, for the cycle message: `a.yml extends b.yml`. */
interface Link {
  file: string;
  how: string;
}

/**
 * The composed workflow of the root file (`ctx`, `data`): every file it brings in read through `host`, parameter values
 * resolved and substituted, each file loaded on its own and the parts merged. Errors are thrown where they are (another
 * file's name them; collecting for the editor, they are re-placed at the root's line that brought that file in).
 */
export function composeWorkflow(
  ctx: LoadContext,
  data: PlainMap,
  host: ComposeHost,
  options: ComposeOptions,
): Composed {
  const texts: string[] = [];
  const sources: string[] = [];
  const withValues: Record<string, Resolved> = {};
  const tops = new Map<string, Top>();
  try {
    return composeRoot();
  } catch (err) {
    // The editor lists the root file's problems: another file's error is shown at the place that brought it in.
    if (!(err instanceof WorkflowLoadError) || !ctx.collecting) throw err;
    const top = tops.get(path.resolve(err.file));
    if (top) throw ctx.errorAt(top.at, err.message);
    throw err;
  }

  function composeRoot(): Composed {
    const root = gather(ctx, data, path.resolve(ctx.file), { ctx, at: [] }, [], host, {
      texts,
      sources,
      withValues,
      tops,
    });

    // Parameters: the first definition of a name wins, from the file itself down to its bases.
    const defs: ParameterDef[] = [];
    const defaults: Record<string, Resolved> = {};
    walk(root, (node) => {
      for (const def of parameterDefs(node.ctx, node.data.parameters))
        if (!defs.some((d) => d.name === def.name)) defs.push(def);
      const d = node.data.defaults;
      if (d !== undefined && d !== null && !isPlainMap(d))
        node.ctx.fail(['defaults'], `defaults must be a map of values, got ${show(d)}`);
      for (const [k, v] of Object.entries(d ?? {}))
        if (!(k in defaults)) defaults[k] = { value: v, from: `defaults: in ${path.basename(node.file)}` };
    });
    const values = resolveParameters(defs, options.params ?? {}, withValues, defaults, options.params !== undefined);

    const part = loadNode(root, host, values, defaults);
    if (!part.steps.length && !part.mapreduce)
      ctx.warn([], 'the composed workflow has no steps: there is nothing to run', 'value');
    const parameters: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) parameters[k] = v.value;
    return {
      part,
      texts,
      composition: {
        parameters,
        declared: defs.map(({ ctx: _c, path: _p, validation: _v, ...info }) => info),
        sources,
      },
    };
  }
}

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  if (node.template) walk(node.template, visit);
  for (const i of node.imports) walk(i, visit);
  if (node.base) walk(node.base, visit);
}

// ---- Reading the files

interface Gathered {
  texts: string[];
  sources: string[];
  withValues: Record<string, Resolved>;
  tops: Map<string, Top>;
}

function gather(
  ctx: LoadContext,
  data: PlainMap,
  file: string,
  top: Top,
  chain: readonly Link[],
  host: ComposeHost,
  acc: Gathered,
): Node {
  const root = chain.length === 0;
  const { texts, sources, withValues } = acc;
  const node: Node = { ctx, data, file, root, top, imports: [] };
  const dir = path.dirname(file);
  const open = (target: string, how: string, at: Path): Node => {
    const here: Link = { file, how: `${how} ${path.basename(target)}` };
    const loop = [...chain, here];
    const cycleAt = loop.findIndex((l) => l.file === target);
    if (cycleAt !== -1 || target === file) {
      const steps = loop.slice(cycleAt === -1 ? loop.length - 1 : cycleAt);
      const names = [...steps.map((l) => path.basename(l.file)), path.basename(target)].join(' -> ');
      ctx.fail(
        at,
        `circular composition: ${names} (${steps.map((l) => `${path.basename(l.file)} ${l.how}`).join(', ')})`,
      );
    }
    const nextTop = root ? { ctx, at } : top;
    if (!acc.tops.has(target)) acc.tops.set(target, nextTop);
    const read = host.read(target);
    if (!isPlainMap(read.data))
      ctx.fail(at, `${target} must be a workflow map (name:, commands:, …) to be composed, got ${show(read.data)}`);
    if (!sources.includes(target)) {
      sources.push(target);
      texts.push(read.text);
    }
    return gather(read.ctx, read.data, target, nextTop, loop, host, acc);
  };

  if (data.extends !== undefined) {
    if (typeof data.extends !== 'string' || !data.extends.trim())
      ctx.fail(['extends'], `extends must be the path or name of a base workflow, got ${show(data.extends)}`);
    node.base = open(findBase(ctx, dir, data.extends), 'extends', ['extends']);
  }
  if (data.imports !== undefined && data.imports !== null) {
    if (!Array.isArray(data.imports))
      ctx.fail(['imports'], `imports must be a list of {path, alias, selective}, got ${show(data.imports)}`);
    data.imports.forEach((entry, i) => {
      const at = ['imports', i];
      if (!isPlainMap(entry) || typeof entry.path !== 'string' || !entry.path.trim())
        ctx.fail(at, `an import must be {path: FILE, alias?, selective?: [names]}, got ${show(entry)}`);
      ctx.warnUnknownKeys(entry, at, new Set(['path', 'alias', 'selective']), 'the import');
      const target = existing(ctx, [...at, 'path'], resolvePath(dir, entry.path), 'imported workflow');
      const imported = open(target, 'imports', [...at, 'path']);
      select(ctx, at, imported, entry);
      node.imports.push(imported);
    });
  }
  if (data.template !== undefined && data.template !== null) {
    const t = data.template;
    if (!isPlainMap(t)) ctx.fail(['template'], `template must be {name, source, with, override}, got ${show(t)}`);
    ctx.warnUnknownKeys(t, ['template'], new Set(['name', 'source', 'with', 'override']), 'template');
    if (t.with !== undefined && t.with !== null && !isPlainMap(t.with))
      ctx.fail(['template', 'with'], `template.with must be a map of parameter values, got ${show(t.with)}`);
    const target = findTemplate(ctx, dir, t.source);
    node.template = open(target, 'uses template', ['template', 'source']);
    const label = `template.with in ${path.basename(file)}`;
    for (const [k, v] of Object.entries(t.with ?? {}))
      if (!(k in withValues)) withValues[k] = { value: v, from: label };
    if (t.override !== undefined && t.override !== null) {
      if (!isPlainMap(t.override))
        ctx.fail(['template', 'override'], `template.override must be a map of fields, got ${show(t.override)}`);
      node.template.data = override(node.template.data, t.override);
    }
  }
  return node;
}

/**
 * `selective: [names]` keeps the imported steps whose `id:` or `name:` is listed (the imported file's named items);
 * `alias: A` namespaces the imported steps' ids as `A_id` (`${A_id.output}`: a step id is one word), so two
 * imports can name steps alike.
 */
function select(ctx: LoadContext, at: Path, node: Node, entry: PlainMap): void {
  const key = 'commands' in node.data ? 'commands' : 'steps';
  let steps = Array.isArray(node.data[key]) ? (node.data[key] as unknown[]) : [];
  if (entry.selective !== undefined && entry.selective !== null) {
    const names = entry.selective;
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))
      ctx.fail([...at, 'selective'], `selective must be a list of step ids or names, got ${show(names)}`);
    const named = (s: unknown, n: string) => isPlainMap(s) && (s.id === n || s.name === n);
    names.forEach((n, i) => {
      if (!steps.some((s) => named(s, n)))
        ctx.fail(
          [...at, 'selective', i],
          `${path.basename(node.file)} has no step with id or name ${show(n)}` +
            ` (it has: ${steps.flatMap((s) => (isPlainMap(s) ? [s.id ?? s.name].filter(Boolean) : [])).join(', ') || 'none named'})`,
        );
    });
    steps = steps.filter((s) => names.some((n) => named(s, n)));
  }
  if (entry.alias !== undefined) {
    if (typeof entry.alias !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(entry.alias))
      ctx.fail([...at, 'alias'], `alias must be a word, got ${show(entry.alias)}`);
    const alias = entry.alias;
    steps = steps.map((s) => (isPlainMap(s) && typeof s.id === 'string' ? { ...s, id: `${alias}_${s.id}` } : s));
  }
  if (key in node.data) node.data = { ...node.data, [key]: steps };
}

/** `override:` (template-system.md): `commands`, `env`, `merge` replace; a dotted key `a.0.b` sets a nested value. */
function override(data: PlainMap, fields: PlainMap): PlainMap {
  const out = structuredClone(data);
  for (const [key, value] of Object.entries(fields)) {
    const segs = key.split('.');
    let target: Record<string, unknown> = out;
    for (const seg of segs.slice(0, -1)) {
      const next = target[seg];
      if (typeof next !== 'object' || next === null) target[seg] = {};
      target = target[seg] as Record<string, unknown>;
    }
    target[segs[segs.length - 1]] = value;
  }
  return out;
}

// ---- Loading and merging the parts

function loadNode(
  node: Node,
  host: ComposeHost,
  values: Record<string, Resolved>,
  defaults: Record<string, Resolved>,
): LoadedPart {
  const own = loadOwn(node, host, values, defaults);
  let result = own.part;
  // Lowest first: the file's own keys over its template, over its imports (imports[0] lowest), over its base.
  const layers: Array<{ part: LoadedPart; hasSteps: boolean }> = [];
  for (const i of node.imports) layers.push(loaded(i, host, values, defaults));
  if (node.template) layers.push(loaded(node.template, host, values, defaults));
  let below: { part: LoadedPart; hasSteps: boolean } | undefined;
  for (const layer of layers)
    below = below ? { part: add(below.part, layer.part), hasSteps: below.hasSteps || layer.hasSteps } : layer;
  let hasSteps = own.hasSteps;
  if (below) {
    result = add(below.part, result);
    hasSteps = hasSteps || below.hasSteps;
    if (!own.hasSteps) result = { ...result, shape: below.part.shape };
  }
  if (node.base) {
    const base = loaded(node.base, host, values, defaults);
    result = inherit(base.part, result, hasSteps);
  }
  return result;
}

function loaded(node: Node, host: ComposeHost, values: Record<string, Resolved>, defaults: Record<string, Resolved>) {
  const part = loadNode(node, host, values, defaults);
  return { part, hasSteps: part.steps.length > 0 || part.mapreduce !== undefined };
}

/** One file's own keys through the normal load, parameters substituted, its steps marked with their file. */
function loadOwn(node: Node, host: ComposeHost, values: Record<string, Resolved>, defaults: Record<string, Resolved>) {
  const data: PlainMap = {};
  for (const [k, v] of Object.entries(node.data)) if (!COMPOSITION_KEYS.includes(k)) data[k] = substitute(v, values);
  const hasSteps =
    'commands' in data || 'steps' in data || (typeof data.mode === 'string' && /mapreduce/i.test(data.mode));
  // A base or a template may hold only some keys (a shared env, a setup): its step list is then empty.
  if (!hasSteps) data.commands = [];
  // `defaults:` also set environment variables the file does not set (default-values.md, troubleshooting.md).
  if (node.root && Object.keys(defaults).length) {
    const env = isPlainMap(data.env) ? { ...data.env } : {};
    for (const [k, v] of Object.entries(defaults))
      if (!(k in env) && v.value !== null && typeof v.value !== 'object') env[k] = String(v.value);
    if (data.env === undefined || isPlainMap(data.env)) data.env = env;
  }
  const before = node.ctx.warnings.length;
  const part = host.load(node.ctx, data);
  const added = node.ctx.warnings.splice(before);
  // Whether the composed workflow has steps is said once, of the whole.
  const kept = added.filter((w) => !w.message.startsWith('the workflow has no steps'));
  if (node.root) node.ctx.warnings.push(...kept);
  // Another file's warnings are the root's too, at the place that brought the file in, naming where they are.
  else {
    for (const w of [...node.ctx.warnings, ...kept])
      node.top.ctx.warn(node.top.at, `${node.file}:${w.line}:${w.col}: ${w.message}`, 'value');
    node.ctx.warnings.length = 0;
  }
  return { part: node.root ? part : marked(part, node.file), hasSteps };
}

/** The parameter values a session recorded when it started: its resume (and merge) composes the same workflow. */
export function sessionParameters(metadata: Record<string, unknown>): ComposeOptions {
  const recorded = isPlainMap(metadata.parameters) ? metadata.parameters : {};
  const params: ParamValues = {};
  for (const [k, v] of Object.entries(recorded)) params[k] = { value: v, from: 'the session' };
  return { params };
}
