// The MapReduce parts of a workflow file (prodigy-workflows.md §2.3): setup, map, reduce and the
// error policy. Each phase takes a list of steps or the older `{commands: [...]}` map.
import { compileFilter } from '../expressions/filter';
import { parseFieldPath } from '../expressions/fieldPath';
import { compileJsonPath } from '../expressions/jsonPath';
import { compileSortBy } from '../expressions/sortBy';
import { ExpressionSyntaxError } from '../expressions/syntaxError';
import { compact, describePath, isPlainMap, show, type LoadContext, type Path, type PlainMap } from './loadContext';
import { ERROR_POLICY_KEYS, ERROR_POLICY_SHORTCUTS, ErrorPolicy, MapScalars, numberOrVar } from './loadSchemas';
import { loadPolicies, loadTimeoutConfig } from './loadMapPolicies';
import { loadStepList } from './loadSteps';
import type { MapReduceSpec, MapSpec, WorkflowStep } from './model';

export const MAPREDUCE_KEYS = ['setup', 'map', 'reduce', 'error_policy', ...ERROR_POLICY_SHORTCUTS];

const MAP_KEYS = new Set([...Object.keys(MapScalars.shape), 'agent_template', 'timeout_config']);
const SETUP_KEYS = new Set(['commands', 'timeout', 'capture_outputs']);

/** Stands for a map: that could not be read, when collecting errors (never run: the errors are reported). */
const UNREAD_MAP: MapSpec = { input: '', json_path: '', agent_template: [], max_parallel: 10 };

/** `doc` is the file's top-level map, already known to say `mode: mapreduce`. */
export function loadMapReduce(ctx: LoadContext, doc: PlainMap): MapReduceSpec {
  // Each phase fails on its own when collecting (the editor shows every error); the fallbacks are never run.
  const errorPolicy = ctx.recover(() => loadErrorPolicy(ctx, doc), {});
  // Where a policy key was written: at the top level (a shortcut) or in error_policy.
  const where = (key: string): Path =>
    (ERROR_POLICY_SHORTCUTS as readonly string[]).includes(key) && key in doc ? [key] : ['error_policy', key];
  return {
    setup: ctx.recover(() => loadSetup(ctx, doc.setup), { steps: [], capture_outputs: {} }),
    map: ctx.recover(() => loadMap(ctx, doc.map), UNREAD_MAP),
    reduce: ctx.recover(() => loadPhase(ctx, doc.reduce, ['reduce'], 'reduce '), []),
    error_policy: errorPolicy,
    policies: ctx.recover(() => loadPolicies(ctx, errorPolicy, where), { error_collection: { mode: 'aggregate' } }),
  };
}

function loadSetup(ctx: LoadContext, value: unknown): MapReduceSpec['setup'] {
  if (!isPlainMap(value)) return { steps: loadStepList(ctx, value, ['setup'], 'setup '), capture_outputs: {} };
  ctx.warnUnknownKeys(value, ['setup'], SETUP_KEYS, 'setup');
  const capture = value.capture_outputs;
  if (capture !== undefined && capture !== null && !isPlainMap(capture))
    ctx.fail(
      ['setup', 'capture_outputs'],
      `setup.capture_outputs must be a map of VAR: <step index or capture config>, got ${show(capture)}`,
    );
  return compact({
    steps: loadStepList(ctx, value.commands, ['setup', 'commands'], 'setup '),
    timeout: value.timeout !== undefined ? ctx.parse(numberOrVar(0), value.timeout, ['setup', 'timeout']) : undefined,
    capture_outputs: isPlainMap(capture) ? capture : {},
  });
}

function loadMap(ctx: LoadContext, value: unknown): MapSpec {
  if (value === undefined) ctx.fail([], 'a MapReduce workflow needs map: (input: and agent_template:)');
  if (!isPlainMap(value)) ctx.fail(['map'], `map must be a map {input, agent_template, ...}, got ${show(value)}`);
  // Before anything can fail: a misspelt `agent_templat:` is named even when the error is that none is there.
  ctx.warnUnknownKeys(value, ['map'], MAP_KEYS, 'map');
  const timeoutConfig =
    value.timeout_config === undefined || value.timeout_config === null
      ? undefined
      : ctx.recover(() => loadTimeoutConfig(ctx, value.timeout_config, ['map', 'timeout_config']), undefined);
  const scalars = ctx.recover(() => ctx.parse(MapScalars, value, ['map']), undefined);
  if (scalars) ctx.recover(() => checkExpressions(ctx, scalars), undefined);
  const agent = ctx.recover(() => {
    if (value.agent_template === undefined)
      ctx.fail(['map'], 'map.agent_template is required (the steps run for each item)', 'key');
    return loadPhase(ctx, value.agent_template, ['map', 'agent_template'], 'agent_template ');
  }, undefined);
  if (agent && !agent.length)
    ctx.warn(['map', 'agent_template'], 'map.agent_template has no steps: each item would run nothing');
  // Only when collecting can a part be missing here, and then the errors are reported, not this result.
  if (!scalars || !agent) return UNREAD_MAP;
  return compact({
    input: scalars.input,
    json_path: scalars.json_path ?? '',
    agent_template: agent,
    max_parallel: scalars.max_parallel ?? 10,
    filter: scalars.filter,
    sort_by: scalars.sort_by,
    max_items: scalars.max_items,
    offset: scalars.offset,
    distinct: scalars.distinct,
    agent_timeout_secs: scalars.agent_timeout_secs,
    timeout_config: timeoutConfig,
  });
}

/** The work-item expressions, each compiled as the run will compile it. */
const EXPRESSIONS = {
  json_path: compileJsonPath,
  filter: compileFilter,
  sort_by: compileSortBy,
  distinct: (text: string) => parseFieldPath(text, 'distinct'),
} as const;

/**
 * Compiles `json_path`, `filter`, `sort_by` and `distinct` now, so a typo is reported at its exact column in the
 * file (by `validate`, in the Problems panel, before a run starts) rather than after the setup phase has run.
 */
function checkExpressions(ctx: LoadContext, scalars: Partial<Record<keyof typeof EXPRESSIONS, unknown>>): void {
  for (const [key, compile] of Object.entries(EXPRESSIONS)) {
    const text = scalars[key as keyof typeof EXPRESSIONS];
    if (typeof text !== 'string' || text.trim() === '') continue;
    try {
      compile(text);
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      ctx.failAt(ctx.positionInString(['map', key], err.position), `map.${key}: ${err.message}`);
    }
  }
}

/** A phase: a list of steps, or the older `{commands: [...]}` form. */
function loadPhase(ctx: LoadContext, value: unknown, path: Path, labelPrefix: string): WorkflowStep[] {
  if (!isPlainMap(value)) return loadStepList(ctx, value, path, labelPrefix);
  const name = describePath(path);
  ctx.warnUnknownKeys(value, path, new Set(['commands']), name);
  if (!('commands' in value))
    ctx.fail(path, `${name} must be a list of steps or {commands: [...]}, got a map without commands:`, 'key');
  return loadStepList(ctx, value.commands, [...path, 'commands'], labelPrefix);
}

/** `error_policy:` with the top-level shortcut keys merged in (the shortcuts win). Kept as written. */
function loadErrorPolicy(ctx: LoadContext, doc: PlainMap): Record<string, unknown> {
  let policy: Record<string, unknown> = {};
  const block = doc.error_policy;
  if (block !== undefined && block !== null) {
    if (!isPlainMap(block)) ctx.fail(['error_policy'], `error_policy must be a map, got ${show(block)}`);
    policy = ctx.parse(ErrorPolicy, block, ['error_policy']);
    ctx.warnUnknownKeys(block, ['error_policy'], ERROR_POLICY_KEYS, 'error_policy');
  }
  const shortcuts: PlainMap = {};
  for (const key of ERROR_POLICY_SHORTCUTS) {
    if (!(key in doc)) continue;
    if (key in policy)
      ctx.warn([key], `${key} is set both at the top level and in error_policy; the top-level value is used`);
    shortcuts[key] = doc[key];
  }
  return { ...policy, ...ctx.parse(ErrorPolicy, shortcuts, []) };
}
