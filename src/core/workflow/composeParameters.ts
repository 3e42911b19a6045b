// A composable workflow's `parameters:` (Prodigy docs, composition/parameter-definitions.md): their definitions in
// every documented form, the value each one gets (command line, parameter file, template `with:`, defaults), the
// type check, the documented validation expressions, and the `${name}` substitution into the file's values.
import { isPlainMap, show, type LoadContext, type Path, type PlainMap } from './loadContext';
import type { ParameterInfo, ParameterType } from './model';

/** A value offered for a parameter, and where it came from (for messages). */
export interface ParamValue {
  value: unknown;
  /** `--param timeout=abc`, `params.json`, `the session`, `the prompt`. */
  from: string;
  /** Typed text (the command line, a prompt): read by the parameter's declared type, else inferred. */
  text?: boolean;
}
export type ParamValues = Record<string, ParamValue>;

/** One declared parameter, with where it was declared. */
export interface ParameterDef extends ParameterInfo {
  ctx: LoadContext;
  path: Path;
  validation?: string;
}

const TYPES: Record<string, ParameterType> = {
  string: 'String',
  number: 'Number',
  integer: 'Number',
  boolean: 'Boolean',
  array: 'Array',
  object: 'Object',
  any: 'Any',
};

/**
 * Every documented spelling: `required:`/`optional:` lists of names or `{name, type, description, default,
 * validation}`, and the `definitions: {name: {type, required, default, …}}` map (required only when it says so).
 */
export function parameterDefs(ctx: LoadContext, value: unknown): ParameterDef[] {
  if (value === undefined || value === null) return [];
  const where = ['parameters'];
  if (!isPlainMap(value))
    ctx.fail(where, `parameters must be a map with required:, optional: or definitions:, got ${show(value)}`);
  ctx.warnUnknownKeys(value, where, new Set(['required', 'optional', 'definitions']), 'parameters');
  const defs: ParameterDef[] = [];
  for (const group of ['required', 'optional'] as const) {
    const list = value[group];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list))
      ctx.fail([...where, group], `parameters.${group} must be a list of parameters, got ${show(list)}`);
    list.forEach((entry, i) => {
      const at = [...where, group, i];
      if (typeof entry === 'string') defs.push(definition(ctx, at, entry, {}, group === 'required'));
      else if (isPlainMap(entry) && typeof entry.name === 'string')
        defs.push(definition(ctx, at, entry.name, entry, group === 'required'));
      else ctx.fail(at, `a parameter must be a name or {name, type, description, default}, got ${show(entry)}`);
    });
  }
  const map = value.definitions;
  if (map !== undefined && map !== null) {
    if (!isPlainMap(map))
      ctx.fail([...where, 'definitions'], `parameters.definitions must be a map of parameters, got ${show(map)}`);
    for (const [name, entry] of Object.entries(map)) {
      const at = [...where, 'definitions', name];
      if (entry !== null && !isPlainMap(entry))
        ctx.fail(at, `parameter ${name} must be a map {type, description, default, required}, got ${show(entry)}`);
      defs.push(definition(ctx, at, name, entry ?? {}, entry?.required === true));
    }
  }
  return defs;
}

function definition(ctx: LoadContext, at: Path, name: string, entry: PlainMap, required: boolean): ParameterDef {
  const known = new Set(['name', 'type', 'description', 'default', 'validation', 'required']);
  ctx.warnUnknownKeys(entry, at, known, `parameter ${name}`);
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name))
    ctx.fail(
      typeof entry.name === 'string' ? [...at, 'name'] : at,
      `a parameter name must be a word, got ${show(name)}`,
    );
  let type: ParameterType = 'Any';
  if (entry.type !== undefined) {
    const t = typeof entry.type === 'string' ? TYPES[entry.type.toLowerCase()] : undefined;
    if (!t)
      ctx.fail(
        [...at, 'type'],
        `parameter ${name}: type must be String, Number, Boolean, Array, Object or Any, got ${show(entry.type)}`,
      );
    type = t;
  }
  if (entry.required !== undefined && typeof entry.required !== 'boolean')
    ctx.fail([...at, 'required'], `parameter ${name}: required must be true or false, got ${show(entry.required)}`);
  if (entry.description !== undefined && typeof entry.description !== 'string')
    ctx.fail([...at, 'description'], `parameter ${name}: description must be a string, got ${show(entry.description)}`);
  if (entry.validation !== undefined && typeof entry.validation !== 'string')
    ctx.fail([...at, 'validation'], `parameter ${name}: validation must be a string, got ${show(entry.validation)}`);
  const def: ParameterDef = {
    name,
    type,
    required,
    ctx,
    path: at,
    hasValue: false,
    ...(typeof entry.description === 'string' ? { description: entry.description } : {}),
    ...('default' in entry ? { default: entry.default } : {}),
    ...(typeof entry.validation === 'string' ? { validation: entry.validation } : {}),
  };
  if ('default' in entry) {
    const problem = typeProblem(type, entry.default, entry.type === 'integer' || entry.type === 'Integer');
    if (problem) ctx.fail([...at, 'default'], `parameter ${name}: default ${problem}`);
  }
  if (def.validation !== undefined && !validator(def.validation))
    ctx.warn(
      [...at, 'validation'],
      `parameter ${name}: validation ${show(def.validation)} is not checked: the forms checked are ` +
        "matches('regex'), in(['a', 'b']) and comparisons of value with numbers joined by && or ||",
      'value',
    );
  return def;
}

/** Where a value came from, after the precedence is applied. */
export interface Resolved {
  value: unknown;
  from: string;
}

/**
 * The value of every declared parameter: `--param` > `--param-file` (both in `given`, the caller merged them) >
 * template `with:` > the parameter's own `default:` > the workflow's `defaults:`. Each value is type-checked and
 * validated; a failure is an error at the parameter's declaration naming the value's source. `running`: a required
 * parameter with no value is refused (validate and the editor leave it unresolved instead). Values given for
 * names no file declares are kept too (inferred types), as Prodigy passes every `--param` on.
 */
export function resolveParameters(
  defs: readonly ParameterDef[],
  given: ParamValues,
  withValues: Record<string, Resolved>,
  defaults: Record<string, Resolved>,
  running: boolean,
): Record<string, Resolved> {
  const out: Record<string, Resolved> = {};
  for (const def of defs) {
    const offered: ParamValue | undefined = given[def.name] ?? withValues[def.name];
    let resolved: Resolved | undefined;
    if (offered)
      resolved = { value: offered.text ? fromText(def.type, offered.value) : offered.value, from: offered.from };
    else if ('default' in def) resolved = { value: def.default, from: 'its default' };
    else if (def.name in defaults) resolved = defaults[def.name];
    if (!resolved) {
      if (def.required && running)
        def.ctx.fail(
          def.path,
          `required parameter ${def.name} has no value: pass --param ${def.name}=VALUE` +
            (def.type !== 'Any' ? ` (${def.type})` : '') +
            (def.description ? `: ${def.description}` : ''),
        );
      continue;
    }
    const problem = typeProblem(def.type, resolved.value, false);
    if (problem) def.ctx.fail(def.path, `parameter ${def.name} ${problem} (from ${resolved.from})`);
    if (def.validation !== undefined) {
      const check = validator(def.validation);
      if (check && !check(resolved.value))
        def.ctx.fail(
          def.path,
          `parameter ${def.name} = ${show(resolved.value)} (from ${resolved.from}) fails its validation ${def.validation}`,
        );
    }
    def.hasValue = true;
    out[def.name] = resolved;
  }
  for (const [name, v] of Object.entries(given))
    if (!(name in out)) out[name] = { value: v.text ? fromText('Any', v.value) : v.value, from: v.from };
  return out;
}

/**
 * Text from the command line or a prompt, read by the declared type: a String parameter takes the text as typed
 * (the shell cannot quote a number into a string), Number and Boolean parse it, Array and Object read JSON; an
 * untyped parameter infers, as Prodigy's `--param`: a number, true/false, else the text.
 */
function fromText(type: ParameterType, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const t = raw.trim();
  switch (type) {
    case 'String':
      return raw;
    case 'Number':
      return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t) ? Number(t) : raw;
    case 'Boolean':
      return t === 'true' ? true : t === 'false' ? false : raw;
    case 'Array':
    case 'Object':
      try {
        return JSON.parse(t);
      } catch {
        return raw;
      }
    default:
      if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
      if (t === 'true' || t === 'false') return t === 'true';
      return raw;
  }
}

function typeProblem(type: ParameterType, value: unknown, integer: boolean): string | undefined {
  const ok =
    type === 'Any' ||
    (type === 'String' && typeof value === 'string') ||
    (type === 'Number' &&
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!integer || Number.isInteger(value))) ||
    (type === 'Boolean' && typeof value === 'boolean') ||
    (type === 'Array' && Array.isArray(value)) ||
    (type === 'Object' && isPlainMap(value));
  return ok ? undefined : `must be ${integer ? 'an integer' : `a ${type}`}, got ${show(value)}`;
}

/**
 * The documented validation forms: `matches('regex')`, `in(['a', 'b'])`, and `value OP number` joined by `&&`/`||`
 * (`&&` binds tighter). Undefined: another form (warned once at load, not checked).
 */
export function validator(expr: string): ((value: unknown) => boolean) | undefined {
  const e = expr.trim();
  const m = /^matches\(\s*(['"])(.*)\1\s*\)$/s.exec(e);
  if (m) {
    let re: RegExp;
    try {
      re = new RegExp(m[2].replace(/\\\\/g, '\\'));
    } catch {
      return undefined;
    }
    return (v) => typeof v === 'string' && re.test(v);
  }
  const inList = /^in\(\s*(\[.*\])\s*\)$/s.exec(e);
  if (inList) {
    let list: unknown;
    try {
      list = JSON.parse(inList[1].replace(/'/g, '"'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(list)) return undefined;
    return (v) => (list as unknown[]).some((x) => x === v);
  }
  const alternatives = e.split('||').map((alt) => alt.split('&&').map(comparison));
  if (alternatives.some((alt) => alt.some((c) => !c))) return undefined;
  return (v) => alternatives.some((alt) => alt.every((c) => c!(v)));
}

function comparison(text: string): ((v: unknown) => boolean) | undefined {
  const m = /^\s*value\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[2]);
  const op = m[1];
  return (v) =>
    typeof v === 'number' &&
    (op === '>='
      ? v >= n
      : op === '<='
        ? v <= n
        : op === '>'
          ? v > n
          : op === '<'
            ? v < n
            : op === '=='
              ? v === n
              : v !== n);
}

/** A parameter's value as it reads inside a string: text as is, numbers and booleans printed, the rest as JSON. */
export function paramText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * `${name}` replaced by the value of parameter `name` in every string of `data` (keys kept). Only known names:
 * `${item}`, `${shell.output}` and the rest stay for the run's own interpolation.
 */
export function substitute(data: unknown, values: Record<string, Resolved>): unknown {
  if (typeof data === 'string')
    return data.replace(/\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g, (whole, name: string) =>
      name in values ? paramText(values[name].value) : whole,
    );
  if (Array.isArray(data)) return data.map((d) => substitute(d, values));
  if (isPlainMap(data)) {
    const out: PlainMap = {};
    for (const [k, v] of Object.entries(data)) out[k] = substitute(v, values);
    return out;
  }
  return data;
}
