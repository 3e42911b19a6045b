// The steps a step runs around its own command: `on_failure:` (§3.6), `on_success:` and `on_exit_code:`
// (§3.7), and the nested step lists they and validate: share (`commandsOf`). Nested maps are read by the step
// loader they are given (`loadStep`), so this file does not import loadSteps.ts back.
import { describePath, isPlainMap, show, type LoadContext, type Path } from './loadContext';
import { Bool, Count, NonEmptyStr, PositiveInt } from './loadSchemas';
import {
  commitRequiredOf,
  finish,
  nested,
  newStep,
  notSupported,
  relative,
  within,
  type StepLoader,
  type StepSite,
} from './loadStepParts';
import type { OnFailure, WorkflowStep } from './model';

// ---- on_failure (§3.6) ----------------------------------------------------------------------

const ON_FAILURE_KEYS = new Set([
  'claude',
  'shell',
  'commands',
  'max_attempts',
  'max_retries',
  'fail_workflow',
  'retry_original',
  'commit_required',
  'strategy',
  'timeout',
  'capture',
  'handler_failure_fatal',
]);
const ON_FAILURE_UNSUPPORTED = ['strategy', 'timeout', 'capture', 'handler_failure_fatal'];

/**
 * Every on_failure form, one meaning: `handlers` run after each failed attempt, the step runs up
 * to `max_attempts` times in all, then fails the workflow only if `fail_workflow`.
 */
export function loadOnFailure(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  site: StepSite,
  loadStep: StepLoader,
): OnFailure | undefined {
  const name = describePath(path.slice(site.base));
  if (value === undefined || value === null || value === false) return undefined;
  if (value === true) return { ignore: true, handlers: [], max_attempts: 1, fail_workflow: false };
  if (typeof value === 'string')
    return {
      ignore: false,
      handlers: [handlerFromString(ctx, value, path, site)],
      max_attempts: 1,
      fail_workflow: false,
    };
  if (Array.isArray(value)) {
    // Strings (Prodigy's form) and maps (the docs' form, which Prodigy fails to parse) alike.
    const handlers = value.map((h, i) => handler(ctx, h, [...path, i], site, loadStep));
    return { ignore: false, handlers, max_attempts: 1, fail_workflow: false };
  }
  if (!isPlainMap(value))
    ctx.fail(
      path,
      `${name} must be true/false, a command, a list of commands or a map with claude:/shell:/commands:, got ${show(value)}`,
    );

  const m = value;
  ctx.warnUnknownKeys(m, path, ON_FAILURE_KEYS, within(site, path));
  const commitRequired = commitRequiredOf(ctx, m, path, site);
  const handlers: WorkflowStep[] = [];
  // claude:/shell: run in the order they are written, before any commands: list.
  for (const key of Object.keys(m)) {
    if (key !== 'claude' && key !== 'shell') continue;
    const command = ctx.parse(NonEmptyStr, m[key], [...path, key], site.base);
    const step = newStep(key, command);
    if (commitRequired !== undefined) step.commit_required = commitRequired;
    handlers.push(finish(step, ctx.position([...path, key], 'key')));
  }
  if (m.commands !== undefined && m.commands !== null) {
    if (!Array.isArray(m.commands))
      ctx.fail([...path, 'commands'], `${name}.commands must be a list of commands, got ${show(m.commands)}`);
    m.commands.forEach((h, i) => handlers.push(handler(ctx, h, [...path, 'commands', i], site, loadStep)));
  }
  const maxAttempts =
    m.max_attempts !== undefined
      ? ctx.parse(PositiveInt, m.max_attempts, [...path, 'max_attempts'], site.base)
      : undefined;
  const maxRetries =
    m.max_retries !== undefined ? ctx.parse(Count, m.max_retries, [...path, 'max_retries'], site.base) : undefined;
  if (maxAttempts !== undefined && maxRetries !== undefined)
    ctx.warn(
      [...path, 'max_retries'],
      `${within(site, path)} has both max_attempts and max_retries; max_attempts (${maxAttempts}) is used`,
    );
  const failWorkflow =
    m.fail_workflow !== undefined ? ctx.parse(Bool, m.fail_workflow, [...path, 'fail_workflow'], site.base) : false;
  if (m.retry_original !== undefined) ctx.parse(Bool, m.retry_original, [...path, 'retry_original'], site.base);
  for (const key of ON_FAILURE_UNSUPPORTED)
    if (key in m) ctx.warn([...path, key], `${site.label}: ${relative(site, path)}.${notSupported(key)}`);
  return {
    ignore: false,
    handlers,
    // max_attempts counts runs of the step; max_retries (Prodigy's map form) counts re-runs.
    max_attempts: maxAttempts ?? (maxRetries !== undefined ? maxRetries + 1 : handlers.length ? 3 : 1),
    fail_workflow: failWorkflow,
  };
}

function handler(ctx: LoadContext, raw: unknown, path: Path, site: StepSite, loadStep: StepLoader): WorkflowStep {
  if (typeof raw === 'string') return handlerFromString(ctx, raw, path, site);
  // loadStep returns undefined only for analyze: steps, which are no command at all here.
  const step = loadStep(ctx, raw, nested(site, path), 'handler');
  if (!step) ctx.fail(path, `${nested(site, path).label} has no command (claude: or shell:)`);
  return step;
}

/** "/fix-it" is a Claude command, anything else a shell command (Prodigy's rule). */
function handlerFromString(ctx: LoadContext, text: string, path: Path, site: StepSite): WorkflowStep {
  const command = ctx.parse(NonEmptyStr, text, path, site.base).trim();
  return finish(newStep(command.startsWith('/') ? 'claude' : 'shell', command), ctx.position(path));
}

// ---- on_success (§3.7) ----------------------------------------------------------------------

export function loadOnSuccess(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  site: StepSite,
  loadStep: StepLoader,
): WorkflowStep | undefined {
  if (typeof value === 'string') return handlerFromString(ctx, value, path, site);
  return loadStep(ctx, value, nested(site, path));
}

// ---- on_exit_code (§3.7) ----------------------------------------------------------------------

/** `{0: step, 101: step}`: keys are exit codes; each value is a step in any form (a string: a handler command). */
export function loadOnExitCode(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  site: StepSite,
  loadStep: StepLoader,
): Record<number, WorkflowStep> | undefined {
  if (!isPlainMap(value))
    ctx.fail(
      path,
      `${site.label}: on_exit_code must be a map of exit codes to steps ({1: {shell: ...}}), got ${show(value)}`,
    );
  const out: Record<number, WorkflowStep> = {};
  for (const [key, raw] of Object.entries(value)) {
    ctx.recover(() => {
      const at = [...path, key];
      if (!/^-?\d+$/.test(key.trim()))
        ctx.fail(at, `${site.label}: on_exit_code keys must be exit codes (whole numbers), got ${show(key)}`, 'key');
      const step =
        typeof raw === 'string' ? handlerFromString(ctx, raw, at, site) : loadStep(ctx, raw, nested(site, at));
      if (step) out[Number(key)] = step;
    }, undefined);
  }
  return Object.keys(out).length ? out : undefined;
}

/** A nested list of steps (strings are commands: `/x` Claude, else shell), or one such string. */
export function commandsOf(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  site: StepSite,
  loadStep: StepLoader,
): WorkflowStep[] {
  if (typeof value === 'string') return [handlerFromString(ctx, value, path, site)];
  if (!Array.isArray(value))
    ctx.fail(path, `${describePath(path.slice(site.base))} must be a list of steps, got ${show(value)}`);
  const steps: WorkflowStep[] = [];
  value.forEach((raw, i) => {
    const step =
      typeof raw === 'string'
        ? handlerFromString(ctx, raw, [...path, i], site)
        : loadStep(ctx, raw, nested(site, [...path, i]));
    if (step) steps.push(step);
  });
  return steps;
}
