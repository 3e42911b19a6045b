// Prodigy's computed values (docs/variables: standard-variables): `${env.X}`, `${file:path}`, `${cmd:command}`,
// `${json:path:from:var}` / `${json:path:file}`, `${date:%Y-%m-%d}`, `${uuid}`, resolved when a step is about to
// run; and the `:modifier` of a list variable (`${step.files_added:json}`, `${step.files_added:*.md}`).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../errors';

/** Where a step's placeholders resolve: its folder and environment; `strict` fails on what stays unresolved. */
export interface InterpolationScope {
  cwd: string;
  env: NodeJS.ProcessEnv;
  strict?: boolean;
  /** `${workflow.name}` (the file's name:, else "default") and `${workflow.id}` (the session id). */
  workflow?: { name: string; id: string };
  /** How a `${json:path:from:var}` reads `var` (the interpolation's own lookup, passed in to avoid a cycle). */
  resolve?: (path: string) => { found: boolean; value?: unknown };
}

export interface ComputedHit {
  found: boolean;
  value?: unknown;
  /** Why it could not be computed (a missing file, a failing command), for the step's error. */
  reason?: string;
}

// `${cmd:…}` is a command run while the step's text is built: it gets a minute, like a slow `git` would.
const CMD_TIMEOUT_MS = 60_000;

/** A computed value, or `found: false` (with the reason when the expression is a computed one that failed). */
export function resolveComputed(expr: string, vars: Record<string, unknown>, scope: InterpolationScope): ComputedHit {
  if (expr === 'uuid') return { found: true, value: randomUUID() };
  if (expr === 'workflow.iteration')
    return vars.ITERATION === undefined ? { found: false } : { found: true, value: vars.ITERATION };
  if (expr === 'workflow.name' || expr === 'workflow.id')
    return scope.workflow
      ? { found: true, value: scope.workflow[expr === 'workflow.name' ? 'name' : 'id'] }
      : { found: false };
  if (expr.startsWith('env.')) {
    const value = scope.env[expr.slice(4)];
    return value === undefined
      ? { found: false, reason: `the environment has no ${expr.slice(4)}` }
      : { found: true, value };
  }
  if (expr.startsWith('file:')) return readText(path.resolve(scope.cwd, expr.slice(5)));
  if (expr.startsWith('cmd:')) return runCommand(expr.slice(4), scope);
  if (expr.startsWith('date:')) return { found: true, value: formatDate(new Date(), expr.slice(5)) };
  if (expr.startsWith('json:')) return jsonValue(expr.slice(5), vars, scope);
  return { found: false };
}

function readText(file: string): ComputedHit {
  try {
    return { found: true, value: fs.readFileSync(file, 'utf8').replace(/\n+$/, '') };
  } catch (err) {
    return { found: false, reason: `cannot read ${file}: ${errorMessage(err)}` };
  }
}

function runCommand(command: string, scope: InterpolationScope): ComputedHit {
  const r = spawnSync('sh', ['-c', command], {
    cwd: scope.cwd,
    env: scope.env,
    encoding: 'utf8',
    timeout: CMD_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) return { found: false, reason: `the command could not run: ${r.error.message}` };
  if (r.status !== 0) {
    const detail = (r.stderr || '').trim().split('\n').pop();
    return { found: false, reason: `the command exited with ${r.status ?? r.signal}${detail ? `: ${detail}` : ''}` };
  }
  return { found: true, value: r.stdout.replace(/\n+$/, '') };
}

/**
 * The docs write it two ways: `${json:path:from:variable}` (standard-variables) and `${json:path:file.json}`
 * (workflow-basics/variables). Both are read: `:from:` names a variable, anything else after the last `:` a file.
 * The path is dot notation (`items.0.name`) or brackets (`items[1].name`).
 */
function jsonValue(rest: string, vars: Record<string, unknown>, scope: InterpolationScope): ComputedHit {
  const from = rest.indexOf(':from:');
  let source: unknown;
  let field: string;
  if (from >= 0) {
    field = rest.slice(0, from);
    const name = rest.slice(from + 6);
    const hit = scope.resolve ? scope.resolve(name) : { found: name in vars, value: vars[name] };
    if (!hit.found) return { found: false, reason: `no variable ${name} to read JSON from` };
    source = hit.value;
  } else {
    const at = rest.lastIndexOf(':');
    if (at <= 0) return { found: false, reason: 'expected ${json:path:from:variable} or ${json:path:file}' };
    field = rest.slice(0, at);
    const text = readText(path.resolve(scope.cwd, rest.slice(at + 1)));
    if (!text.found) return text;
    source = text.value;
  }
  if (typeof source === 'string') {
    try {
      source = JSON.parse(source);
    } catch (err) {
      return { found: false, reason: `the source is not JSON: ${errorMessage(err)}` };
    }
  }
  let current = source;
  for (const seg of field
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)) {
    if (Array.isArray(current) && /^\d+$/.test(seg)) current = current[Number(seg)];
    else if (current && typeof current === 'object' && Object.prototype.hasOwnProperty.call(current, seg))
      current = (current as Record<string, unknown>)[seg];
    else current = undefined;
    if (current === undefined) return { found: false, reason: `the JSON has no ${field}` };
  }
  return { found: true, value: current };
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** chrono's strftime specifiers that the docs use and their common neighbours, in local time; others stay as written. */
export function formatDate(d: Date, format: string): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const offset = -d.getTimezoneOffset();
  const tz = `${offset >= 0 ? '+' : '-'}${p(Math.floor(Math.abs(offset) / 60))}${p(Math.abs(offset) % 60)}`;
  const dayOfYear = Math.floor((d.getTime() - new Date(d.getFullYear(), 0, 1).getTime()) / 86_400_000) + 1;
  const spec: Record<string, () => string> = {
    Y: () => String(d.getFullYear()),
    y: () => p(d.getFullYear() % 100),
    m: () => p(d.getMonth() + 1),
    d: () => p(d.getDate()),
    e: () => String(d.getDate()).padStart(2, ' '),
    H: () => p(d.getHours()),
    I: () => p(d.getHours() % 12 || 12),
    p: () => (d.getHours() < 12 ? 'AM' : 'PM'),
    M: () => p(d.getMinutes()),
    S: () => p(d.getSeconds()),
    f: () => p(d.getMilliseconds() * 1_000_000, 9),
    j: () => p(dayOfYear, 3),
    a: () => DAYS[d.getDay()].slice(0, 3),
    A: () => DAYS[d.getDay()],
    b: () => MONTHS[d.getMonth()].slice(0, 3),
    B: () => MONTHS[d.getMonth()],
    F: () => `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`,
    T: () => `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`,
    s: () => String(Math.floor(d.getTime() / 1000)),
    z: () => tz,
    '%': () => '%',
  };
  return format.replace(/%(.)/g, (m, c: string) => (spec[c] ? spec[c]() : m));
}

// ---- list modifiers (docs/variables/available-variables/git-merge-variables.md) ------------------

/**
 * `json` (a JSON array), `lines`, `csv`, or globs separated by commas (`*.rs,*.toml`, `src/**\/*.rs`), which keep
 * the matching entries space-separated. A list is a space-separated string (the git variables), an array of
 * strings, or an array of objects (`merge.commits`, `merge.modified_files`: their `path`, else `id`).
 */
export function applyListModifier(value: unknown, modifier: string): string {
  const items = listItems(value);
  switch (modifier) {
    case 'json':
      return JSON.stringify(items);
    case 'lines':
      return items.join('\n');
    case 'csv':
      return items.join(',');
    default: {
      const globs = modifier
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean);
      return items.filter((f) => globs.some((g) => matchesGlob(f, g))).join(' ');
    }
  }
}

function listItems(value: unknown): string[] {
  let v = value;
  if (typeof v === 'string' && /^\s*\[/.test(v)) {
    try {
      v = JSON.parse(v);
    } catch {
      // a space-separated list that starts with "[": read it as words
    }
  }
  if (Array.isArray(v))
    return v.map((x) => {
      if (x && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        return String(o.path ?? o.id ?? JSON.stringify(x));
      }
      return String(x);
    });
  if (v === null || v === undefined) return [];
  return String(v).split(/\s+/).filter(Boolean);
}

/**
 * A glob in Prodigy's sense: without a `/` it matches the file's name (`*.rs` matches `src/a.rs`), with one the
 * whole path; `**` crosses folders, `*` and `?` do not, `{a,b}` is either.
 */
export function matchesGlob(file: string, glob: string): boolean {
  const subject = glob.includes('/') ? file : path.posix.basename(file);
  return globRegExp(glob).test(subject);
}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches no folder too
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${glob
          .slice(i + 1, end)
          .split(',')
          .map((alt) => alt.replace(/[.+^$()|[\]\\*?]/g, '\\$&'))
          .join('|')})`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
