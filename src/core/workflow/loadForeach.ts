// `foreach:` steps (prodigy-workflows.md §3.5): every documented spelling read into one `ForeachSpec`.
// The docs write the items four ways, all accepted: `foreach: {foreach: …}` (what Prodigy parses),
// `foreach: {items: …}`, `foreach: {input: …}` (with `input: {command: …}` or `{list: […]}`), and a list or a
// command given to `foreach:` itself with `do:`/`parallel:`/… beside it on the step. The steps per item are
// `do:` (or `commands:`, as the troubleshooting page writes them).
import { describePath, isPlainMap, show, type LoadContext, type Path, type PlainMap } from './loadContext';
import { Bool, NonEmptyStr, PositiveInt } from './loadSchemas';
import type { ForeachSpec, WorkflowStep } from './model';

/** The keys a foreach map takes (and, in the flat form, the step beside `foreach:`). */
export const FOREACH_OPTION_KEYS = ['do', 'commands', 'parallel', 'continue_on_error', 'max_items'] as const;
const SOURCE_KEYS = ['foreach', 'items', 'input'] as const;
const FOREACH_KEYS = new Set<string>([...SOURCE_KEYS, ...FOREACH_OPTION_KEYS]);

/** `parallel: true` runs this many items at once, as in Prodigy. */
export const DEFAULT_PARALLEL = 10;

/** Reads the steps to run per item (the loader's nested step lists: maps, or "/claude" and shell strings). */
export type LoadSteps = (value: unknown, path: Path) => WorkflowStep[];

/**
 * The foreach of a step `m` at `path` (`label` names the step in messages). Nested form: the options are read
 * from the foreach map; flat form (`foreach: [..]` or `foreach: "cmd"`): from the step itself.
 */
export function loadForeach(
  ctx: LoadContext,
  m: PlainMap,
  path: Path,
  label: string,
  base: number,
  loadSteps: LoadSteps,
): ForeachSpec {
  const at = [...path, 'foreach'];
  const value = m.foreach;
  let options: PlainMap;
  let source: { value: unknown; path: Path };
  // Where an option was written: inside the foreach map, or beside foreach: on the step.
  let inner: PlainMap = {};
  if (isPlainMap(value)) {
    inner = value;
    ctx.warnUnknownKeys(value, at, FOREACH_KEYS, `${label} foreach`);
    const present = SOURCE_KEYS.filter((k) => k in value);
    if (present.length > 1)
      ctx.fail(
        [...at, present[1]],
        `${label}: foreach has both ${present[0]}: and ${present[1]}: (the same items); keep one`,
        'key',
      );
    if (!present.length)
      ctx.fail(at, `${label}: foreach needs its items: items: [a, b] (a list) or items: "command" (one per line)`);
    source = { value: value[present[0]], path: [...at, present[0]] };
    for (const key of FOREACH_OPTION_KEYS)
      if (key in value && key in m)
        ctx.fail([...path, key], `${label}: ${key}: is given both inside foreach: and beside it; keep one`, 'key');
    options = { ...pick(m), ...value };
  } else {
    source = { value, path: at };
    options = m;
  }
  const opt = (key: string): Path => (key in inner ? [...at, key] : [...path, key]);

  const items = loadSource(ctx, source.value, source.path, label, base);
  const doKey = 'do' in options ? 'do' : 'commands' in options ? 'commands' : undefined;
  if ('do' in options && 'commands' in options)
    ctx.fail(opt('commands'), `${label}: foreach has both do: and commands: (the same steps); keep do:`, 'key');
  if (doKey === undefined || options[doKey] === null || options[doKey] === undefined)
    ctx.fail(at, `${label}: foreach needs do: (the steps to run for each item, with \${item})`, 'key');
  if (!Array.isArray(options[doKey]))
    ctx.fail(opt(doKey), `${label}: foreach ${doKey} must be a list of steps, got ${show(options[doKey])}`);
  const steps = loadSteps(options[doKey], opt(doKey));
  if (!steps.length) ctx.fail(opt(doKey), `${label}: foreach ${doKey}: has no steps to run`);
  return {
    ...items,
    do: steps,
    parallel: parallelOf(ctx, options.parallel, opt('parallel'), label),
    continue_on_error:
      options.continue_on_error !== undefined && options.continue_on_error !== null
        ? ctx.parse(Bool, options.continue_on_error, opt('continue_on_error'), base)
        : false,
    ...(options.max_items !== undefined && options.max_items !== null
      ? { max_items: ctx.parse(PositiveInt, options.max_items, opt('max_items'), base) }
      : {}),
  };
}

/** The flat-form options written beside `foreach:` on the step. */
function pick(m: PlainMap): PlainMap {
  const out: PlainMap = {};
  for (const key of FOREACH_OPTION_KEYS) if (key in m) out[key] = m[key];
  return out;
}

/** A list, a command string, or the docs' `{command: "…"}` / `{list: […]}`. */
function loadSource(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  label: string,
  base: number,
): Pick<ForeachSpec, 'list' | 'command'> {
  const name = describePath(path.slice(base)) || 'foreach';
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (item === null || item === undefined)
        ctx.fail([...path, i], `${label}: ${name}[${i}] is empty; an item is a string, a number or a map`);
    });
    return { list: value };
  }
  if (typeof value === 'string') return { command: ctx.parse(NonEmptyStr, value, path, base) };
  if (isPlainMap(value)) {
    ctx.warnUnknownKeys(value, path, new Set(['command', 'list']), `${label} ${name}`);
    if ('command' in value && 'list' in value)
      ctx.fail([...path, 'list'], `${label}: ${name} has both command: and list:; keep one`, 'key');
    if ('command' in value) return { command: ctx.parse(NonEmptyStr, value.command, [...path, 'command'], base) };
    if (Array.isArray(value.list)) return loadSource(ctx, value.list, [...path, 'list'], label, base);
  }
  return ctx.fail(
    path,
    `${label}: ${name} must be a list of items or a shell command printing one item per line, got ${show(value)}`,
  );
}

/** `parallel: false` (1, the default), `true` (10) or a number. */
function parallelOf(ctx: LoadContext, value: unknown, path: Path, label: string): number {
  if (value === undefined || value === null || value === false) return 1;
  if (value === true) return DEFAULT_PARALLEL;
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1) return n;
  return ctx.fail(path, `${label}: parallel must be true, false or a number (1 or more), got ${show(value)}`);
}
