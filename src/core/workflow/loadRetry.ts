// Reading a retry configuration: a step's `retry:` / `retry_config:` (Prodigy's retry chapter) and a MapReduce
// job's `error_policy.retry_config` (its error-handling chapter). The docs write the same thing several ways
// (`attempts` or `max_attempts`; `backoff` as a word, a one-key map, a `type:` map or `backoff_type:`; `initial`
// inside the strategy or `initial_delay` beside it); every spelling is read into one `RetrySpec`.
import { isPlainMap, show, type LoadContext, type Path, type PlainMap } from './loadContext';
import type { Backoff, RetryMatcher, RetrySpec } from './model';

export const RETRY_DEFAULTS = { attempts: 3, initial_delay: 1_000, max_delay: 30_000, jitter_factor: 0.3 } as const;

const RETRY_KEYS = new Set([
  'attempts',
  'max_attempts',
  'backoff',
  'backoff_type',
  'initial_delay',
  'max_delay',
  'jitter',
  'jitter_factor',
  'retry_on',
  'retry_budget',
  'on_failure',
]);
const STRATEGIES = ['fixed', 'linear', 'exponential', 'fibonacci', 'custom'] as const;
type Strategy = (typeof STRATEGIES)[number];
/** The keys a strategy's own map may hold (`initial` is the retry's initial delay, written inside). */
const STRATEGY_KEYS: Record<Strategy, readonly string[]> = {
  fixed: ['delay', 'initial'],
  linear: ['increment', 'initial'],
  exponential: ['base', 'multiplier', 'initial'],
  fibonacci: ['initial'],
  custom: ['delays'],
};
const MATCHERS = ['network', 'timeout', 'server_error', 'rate_limit'] as const;

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  msec: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};
const DURATION_PART = /(\d+(?:\.\d+)?)\s*([a-zµ]+)/gy;

/**
 * A duration in milliseconds: a number (seconds, as `timeout:` is), humantime text (`500ms`, `30s`, `1h30m`) or
 * serde's `{secs, nanos}` (the docs' custom delays). Anything else is an error at the value.
 */
export function loadDuration(ctx: LoadContext, value: unknown, path: Path, name: string): number {
  const bad = (): never =>
    ctx.fail(
      path,
      `${name} must be a duration such as 500ms, 30s, 5m or 1h30m (a number is seconds), got ${show(value)}`,
    );
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1_000 : bad();
  if (isPlainMap(value) && 'secs' in value) {
    const secs = value.secs;
    const nanos = value.nanos ?? 0;
    if (typeof secs !== 'number' || typeof nanos !== 'number' || secs < 0 || nanos < 0) return bad();
    return secs * 1_000 + nanos / 1e6;
  }
  if (typeof value !== 'string') return bad();
  const text = value.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1_000;
  if (!text) return bad();
  let ms = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const at = DURATION_PART.lastIndex;
    const m = DURATION_PART.exec(text);
    if (!m || m.index !== at || !(m[2] in UNIT_MS)) return bad();
    ms += Number(m[1]) * UNIT_MS[m[2]];
    while (text[DURATION_PART.lastIndex] === ' ') DURATION_PART.lastIndex++;
  }
  return ms;
}

/** A step's `retry:` or `retry_config:` (`key` says which), or a job's `error_policy.retry_config`. */
export function loadRetry(ctx: LoadContext, value: unknown, path: Path, key: string): RetrySpec {
  if (!isPlainMap(value))
    ctx.fail(path, `${key} must be a map such as {attempts: 3, backoff: exponential}, got ${show(value)}`);
  ctx.warnUnknownKeys(value, path, RETRY_KEYS, key);
  const at = (k: string): Path => [...path, k];
  const m: PlainMap = value;
  if ('attempts' in m && 'max_attempts' in m)
    ctx.fail(at('max_attempts'), `${key} has both attempts: and max_attempts: (the same thing); keep one`, 'key');
  const attemptsKey = 'max_attempts' in m ? 'max_attempts' : 'attempts';
  let attempts: number = RETRY_DEFAULTS.attempts;
  if (m[attemptsKey] !== undefined) {
    const n = m[attemptsKey];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
      ctx.fail(at(attemptsKey), `${key}.${attemptsKey} must be a whole number (1 or more), got ${show(n)}`);
    attempts = n;
  }
  if ('backoff' in m && 'backoff_type' in m)
    ctx.fail(at('backoff_type'), `${key} has both backoff: and backoff_type:; keep one`, 'key');
  const backoffKey = 'backoff_type' in m ? 'backoff_type' : 'backoff';
  const read =
    m[backoffKey] === undefined || m[backoffKey] === null
      ? { backoff: { kind: 'exponential', base: 2 } as Backoff }
      : loadBackoff(ctx, m[backoffKey], at(backoffKey), `${key}.${backoffKey}`);
  let initial = read.initial ?? RETRY_DEFAULTS.initial_delay;
  if (m.initial_delay !== undefined) {
    if (read.initial !== undefined)
      ctx.warn(
        at('initial_delay'),
        `${key}: initial_delay: and the backoff's own initial: are both set; initial_delay: is used`,
      );
    initial = loadDuration(ctx, m.initial_delay, at('initial_delay'), `${key}.initial_delay`);
  }
  const maxDelay =
    m.max_delay !== undefined
      ? loadDuration(ctx, m.max_delay, at('max_delay'), `${key}.max_delay`)
      : RETRY_DEFAULTS.max_delay;
  return {
    attempts,
    backoff: read.backoff,
    initial_delay: initial,
    max_delay: Math.max(maxDelay, 0),
    jitter: loadJitter(ctx, m, path, key),
    retry_on: loadRetryOn(ctx, m.retry_on, at('retry_on'), `${key}.retry_on`),
    ...(m.retry_budget !== undefined && m.retry_budget !== null
      ? { retry_budget: loadDuration(ctx, m.retry_budget, at('retry_budget'), `${key}.retry_budget`) }
      : {}),
    on_failure: loadOnFailure(ctx, m.on_failure, at('on_failure'), `${key}.on_failure`),
  };
}

/**
 * `backoff:` in each documented spelling: `exponential`; `{exponential: {base: 2}}` / `{exponential: {initial: 1s,
 * multiplier: 2}}`; `{type: exponential, base: 2}`; `{fixed: {delay: 1s}}`; `{custom: {delays: [1s, …]}}`.
 */
function loadBackoff(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  name: string,
): { backoff: Backoff; initial?: number } {
  const expected = `${name} must be fixed, linear, exponential, fibonacci or a map such as {exponential: {base: 2}}`;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    const strategy = word === 'constant' ? 'fixed' : word;
    if (strategy === 'custom') ctx.fail(path, `${name}: custom needs its delays: {custom: {delays: [1s, 5s]}}`);
    if (!isStrategy(strategy)) ctx.fail(path, `${expected}, got ${show(value)}`);
    return { backoff: strategyOf(ctx, strategy, {}, path, name) };
  }
  if (!isPlainMap(value)) ctx.fail(path, `${expected}, got ${show(value)}`);
  let strategy: unknown;
  let fields: PlainMap;
  let fieldsPath: Path;
  if ('type' in value) {
    strategy = value.type;
    fields = Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'type'));
    fieldsPath = path;
    if (typeof strategy !== 'string' || !isStrategy(strategy))
      ctx.fail(
        [...path, 'type'],
        `${name}.type must be fixed, linear, exponential, fibonacci or custom, got ${show(strategy)}`,
      );
  } else {
    const keys = Object.keys(value);
    if (keys.length !== 1 || !isStrategy(keys[0])) ctx.fail(path, `${expected}, got ${show(value)}`);
    strategy = keys[0];
    const inner = value[keys[0]];
    if (inner !== null && inner !== undefined && !isPlainMap(inner))
      ctx.fail([...path, keys[0]], `${name}.${keys[0]} must be a map of its settings, got ${show(inner)}`);
    fields = inner ?? {};
    fieldsPath = [...path, keys[0]];
  }
  const s = strategy as Strategy;
  const known = new Set(STRATEGY_KEYS[s]);
  for (const k of Object.keys(fields))
    if (!known.has(k))
      ctx.fail([...fieldsPath, k], `${name}: ${s} backoff has no ${k}: (it takes ${[...known].join(', ')})`, 'key');
  const initialRaw = fields.initial ?? (s === 'fixed' ? fields.delay : undefined);
  const initial =
    initialRaw === undefined
      ? undefined
      : loadDuration(ctx, initialRaw, [...fieldsPath, 'initial' in fields ? 'initial' : 'delay'], `${name} initial`);
  return { backoff: strategyOf(ctx, s, fields, fieldsPath, name), ...(initial !== undefined ? { initial } : {}) };
}

function strategyOf(ctx: LoadContext, s: Strategy, fields: PlainMap, path: Path, name: string): Backoff {
  switch (s) {
    case 'fixed':
      return { kind: 'fixed' };
    case 'fibonacci':
      return { kind: 'fibonacci' };
    case 'linear':
      return {
        kind: 'linear',
        increment:
          fields.increment === undefined
            ? RETRY_DEFAULTS.initial_delay
            : loadDuration(ctx, fields.increment, [...path, 'increment'], `${name} increment`),
      };
    case 'exponential': {
      const key = 'multiplier' in fields ? 'multiplier' : 'base';
      const base = fields[key] ?? 2;
      if (typeof base !== 'number' || !(base >= 1))
        ctx.fail([...path, key], `${name} ${key} must be a number (1 or more), got ${show(base)}`);
      return { kind: 'exponential', base };
    }
    case 'custom': {
      const list = fields.delays;
      if (!Array.isArray(list))
        ctx.fail([...path, 'delays'], `${name}: custom needs delays: [1s, 5s, …], got ${show(list)}`);
      return {
        kind: 'custom',
        delays: list.map((d, i) => loadDuration(ctx, d, [...path, 'delays', i], `${name} delays[${i}]`)),
      };
    }
  }
}

function isStrategy(s: string): s is Strategy {
  return (STRATEGIES as readonly string[]).includes(s);
}

/** `jitter: true` (with `jitter_factor`, default 0.3), `jitter: false`, or `jitter: 0.5` (the factor itself). */
function loadJitter(ctx: LoadContext, m: PlainMap, path: Path, key: string): number {
  const factor = (v: unknown, k: string): number => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      ctx.fail([...path, k], `${key}.${k} must be a number from 0 to 1, got ${show(v)}`);
    return v;
  };
  const j = m.jitter;
  if (j === undefined || j === null || j === false) return 0;
  if (j === true)
    return m.jitter_factor === undefined ? RETRY_DEFAULTS.jitter_factor : factor(m.jitter_factor, 'jitter_factor');
  if (typeof j === 'number') return factor(j, 'jitter');
  return ctx.fail([...path, 'jitter'], `${key}.jitter must be true, false or a factor from 0 to 1, got ${show(j)}`);
}

function loadRetryOn(ctx: LoadContext, value: unknown, path: Path, name: string): RetryMatcher[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((entry, i) => {
    const at = Array.isArray(value) ? [...path, i] : path;
    const expected = `${name} entries are network, timeout, server_error, rate_limit or {pattern: "regex"}`;
    if (typeof entry === 'string') {
      const word = entry.trim().toLowerCase();
      if ((MATCHERS as readonly string[]).includes(word)) return { kind: word as (typeof MATCHERS)[number] };
      return ctx.fail(at, `${expected}, got ${show(entry)}`);
    }
    if (isPlainMap(entry) && Object.keys(entry).length === 1 && typeof entry.pattern === 'string')
      return compilePattern(ctx, entry.pattern, [...at, 'pattern'], name);
    return ctx.fail(at, `${expected}, got ${show(entry)}`);
  });
}

/** A regular expression as the docs write it: Rust syntax, where a leading `(?i)` makes it case-insensitive. */
function compilePattern(ctx: LoadContext, text: string, path: Path, name: string): RetryMatcher {
  const insensitive = text.startsWith('(?i)');
  const pattern = insensitive ? text.slice(4) : text;
  const flags = insensitive ? 'i' : '';
  try {
    new RegExp(pattern, flags);
  } catch (err) {
    ctx.fail(path, `${name} pattern is not a valid regular expression (${(err as Error).message}): ${show(text)}`);
  }
  return { kind: 'pattern', pattern, flags };
}

function loadOnFailure(ctx: LoadContext, value: unknown, path: Path, name: string): 'stop' | 'continue' {
  if (value === undefined || value === null || value === 'stop') return 'stop';
  if (value === 'continue') return 'continue';
  if (isPlainMap(value) && 'fallback' in value) {
    ctx.warn(path, `${name}: fallback: is not supported; when the attempts are used up the step fails (stop)`);
    return 'stop';
  }
  return ctx.fail(path, `${name} must be stop or continue, got ${show(value)}`);
}
