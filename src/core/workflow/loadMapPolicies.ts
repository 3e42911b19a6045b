// Reading a MapReduce job's timeout and failure policies as Prodigy's MapReduce and error-handling chapters write
// them: `map.timeout_config`, and `error_policy`'s `retry_config`, `error_collection` and `circuit_breaker`. The
// engine applies them in mapreduce/ (timeouts.ts, errorReport.ts, circuitBreaker.ts, failurePolicy.ts).
import { isPlainMap, show, type LoadContext, type Path, type PlainMap } from './loadContext';
import { loadDuration, loadRetry } from './loadRetry';
import { numberOrVar } from './loadSchemas';
import type { CircuitBreakerSpec, ErrorCollection, ErrorPolicySpec, MapTimeoutConfig } from './model';

const TIMEOUT_KEYS = new Set([
  'agent_timeout_secs',
  'timeout_policy',
  'command_timeouts',
  'timeout_action',
  'cleanup_grace_period_secs',
  'enable_monitoring',
]);
const POLICIES = ['per_agent', 'per_command', 'hybrid'] as const;
const ACTIONS = ['dlq', 'skip', 'fail', 'graceful_terminate'] as const;
const COMMAND_KEY = /^(claude|shell|write_file)(_\d+)?$/;
const BREAKER_KEYS = new Set(['failure_threshold', 'success_threshold', 'timeout', 'half_open_requests']);
export const BREAKER_DEFAULTS: CircuitBreakerSpec = {
  failure_threshold: 5,
  success_threshold: 3,
  timeout: 30_000,
  half_open_requests: 3,
};

/** `map.timeout_config`. */
export function loadTimeoutConfig(ctx: LoadContext, value: unknown, path: Path): MapTimeoutConfig {
  if (!isPlainMap(value))
    ctx.fail(
      path,
      `map.timeout_config must be a map such as {agent_timeout_secs: 600, timeout_action: dlq}, got ${show(value)}`,
    );
  ctx.warnUnknownKeys(value, path, TIMEOUT_KEYS, 'map.timeout_config');
  const at = (k: string): Path => [...path, k];
  const oneOf = <T extends string>(k: string, options: readonly T[], fallback: T): T => {
    const v = value[k];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
    return ctx.fail(at(k), `map.timeout_config.${k} must be one of ${options.join(', ')}, got ${show(v)}`);
  };
  const commands: Record<string, number | string> = {};
  const rawCommands = value.command_timeouts;
  if (rawCommands !== undefined && rawCommands !== null) {
    if (!isPlainMap(rawCommands))
      ctx.fail(
        at('command_timeouts'),
        `map.timeout_config.command_timeouts must be a map such as {claude: 300, shell: 60}, got ${show(rawCommands)}`,
      );
    for (const [k, v] of Object.entries(rawCommands)) {
      if (!COMMAND_KEY.test(k))
        ctx.fail(
          [...path, 'command_timeouts', k],
          `map.timeout_config.command_timeouts: ${k} is not a command kind; use claude, shell or write_file, or claude_0 for the first claude: step`,
          'key',
        );
      commands[k] = ctx.parse(numberOrVar(1), v, [...path, 'command_timeouts', k], path.length - 1);
    }
  }
  const grace = value.cleanup_grace_period_secs;
  const monitoring = value.enable_monitoring;
  if (monitoring !== undefined && typeof monitoring !== 'boolean')
    ctx.fail(
      at('enable_monitoring'),
      `map.timeout_config.enable_monitoring must be true or false, got ${show(monitoring)}`,
    );
  return {
    ...(value.agent_timeout_secs !== undefined
      ? {
          agent_timeout_secs: ctx.parse(
            numberOrVar(0),
            value.agent_timeout_secs,
            at('agent_timeout_secs'),
            path.length - 1,
          ),
        }
      : {}),
    timeout_policy: oneOf('timeout_policy', POLICIES, 'per_agent'),
    command_timeouts: commands,
    timeout_action: oneOf('timeout_action', ACTIONS, 'dlq'),
    ...(grace !== undefined && grace !== null
      ? {
          cleanup_grace_period_secs:
            loadDuration(ctx, grace, at('cleanup_grace_period_secs'), 'map.timeout_config.cleanup_grace_period_secs') /
            1_000,
        }
      : {}),
    enable_monitoring: monitoring !== false,
  };
}

/** error_policy's retry_config, error_collection and circuit_breaker (the top-level shortcut already merged in). */
export function loadPolicies(ctx: LoadContext, policy: PlainMap, where: (key: string) => Path): ErrorPolicySpec {
  if (policy.retry_config !== undefined && policy.on_item_failure !== 'retry')
    ctx.warn(
      where('retry_config'),
      'error_policy.retry_config applies with on_item_failure: retry; without it a failed item is not run again',
    );
  return {
    ...(policy.retry_config !== undefined && policy.retry_config !== null
      ? { retry_config: loadRetry(ctx, policy.retry_config, where('retry_config'), 'error_policy.retry_config') }
      : {}),
    error_collection: loadErrorCollection(ctx, policy.error_collection, where('error_collection')),
    ...(policy.circuit_breaker !== undefined && policy.circuit_breaker !== null
      ? { circuit_breaker: loadCircuitBreaker(ctx, policy.circuit_breaker, where('circuit_breaker')) }
      : {}),
  };
}

/** `aggregate` (default), `immediate`, `batched:N`, or the nested `{batched: {size: N}}`. */
function loadErrorCollection(ctx: LoadContext, value: unknown, path: Path): ErrorCollection {
  const expected = 'error_collection must be aggregate, immediate, batched:N or {batched: {size: N}}';
  if (value === undefined || value === null) return { mode: 'aggregate' };
  const size = (n: unknown, at: Path): number => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
      ctx.fail(at, `error_collection batch size must be a whole number (1 or more), got ${show(n)}`);
    return n;
  };
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === 'aggregate' || text === 'immediate') return { mode: text };
    const batched = /^batched\s*:\s*(\S+)$/.exec(text);
    if (batched)
      return { mode: 'batched', size: size(/^\d+$/.test(batched[1]) ? Number(batched[1]) : batched[1], path) };
    return ctx.fail(path, `${expected}, got ${show(value)}`);
  }
  if (isPlainMap(value) && Object.keys(value).length === 1 && 'batched' in value) {
    const inner = value.batched;
    if (typeof inner === 'number') return { mode: 'batched', size: size(inner, [...path, 'batched']) };
    if (isPlainMap(inner) && 'size' in inner)
      return { mode: 'batched', size: size(inner.size, [...path, 'batched', 'size']) };
  }
  return ctx.fail(path, `${expected}, got ${show(value)}`);
}

function loadCircuitBreaker(ctx: LoadContext, value: unknown, path: Path): CircuitBreakerSpec {
  if (!isPlainMap(value))
    ctx.fail(
      path,
      `error_policy.circuit_breaker must be a map such as {failure_threshold: 5, timeout: 30s}, got ${show(value)}`,
    );
  ctx.warnUnknownKeys(value, path, BREAKER_KEYS, 'error_policy.circuit_breaker');
  const count = (k: keyof CircuitBreakerSpec): number => {
    const v = value[k];
    if (v === undefined || v === null) return BREAKER_DEFAULTS[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      ctx.fail([...path, k], `error_policy.circuit_breaker.${k} must be a whole number (1 or more), got ${show(v)}`);
    return v;
  };
  return {
    failure_threshold: count('failure_threshold'),
    success_threshold: count('success_threshold'),
    timeout:
      value.timeout === undefined || value.timeout === null
        ? BREAKER_DEFAULTS.timeout
        : loadDuration(ctx, value.timeout, [...path, 'timeout'], 'error_policy.circuit_breaker.timeout'),
    half_open_requests: count('half_open_requests'),
  };
}
