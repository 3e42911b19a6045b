// `validate:` and its `on_incomplete:` (§3.10): the check a step's result must pass, and what runs while it
// does not. Their nested steps are read by the step loader they are given (`loadStep`).
import { compact, describePath, isPlainMap, show, type LoadContext, type Path, type PlainMap } from './loadContext';
import { Bool, NonEmptyStr, Percent, PositiveInt, Seconds, Str } from './loadSchemas';
import { commandsOf } from './loadHandlers';
import {
  commitRequiredOf,
  finish,
  newStep,
  notSupported,
  relative,
  within,
  type StepLoader,
  type StepSite,
} from './loadStepParts';
import type { OnIncomplete, ValidationSpec, WorkflowStep } from './model';

const VALIDATE_KEYS = new Set([
  'claude',
  'shell',
  'command',
  'commands',
  'result_file',
  'threshold',
  'timeout',
  'on_incomplete',
  'expected_schema',
]);
const ON_INCOMPLETE_KEYS = new Set([
  'claude',
  'shell',
  'commands',
  'max_attempts',
  'fail_workflow',
  'prompt',
  'commit_required',
]);

export function loadValidate(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  site: StepSite,
  loadStep: StepLoader,
): ValidationSpec {
  const name = describePath(path.slice(site.base));
  if (Array.isArray(value) || typeof value === 'string')
    return { commands: commandsOf(ctx, value, path, site, loadStep), threshold: 100 };
  if (!isPlainMap(value))
    ctx.fail(path, `${name} must be a map with claude:, shell: or commands:, or a list of steps; got ${show(value)}`);
  const m = value;
  ctx.warnUnknownKeys(m, path, VALIDATE_KEYS, within(site, path));
  // `command:` is Prodigy's deprecated spelling of `shell:` here.
  const commands = oneCommandSource(
    ctx,
    m,
    path,
    site,
    ['claude', 'shell', 'command', 'commands'],
    undefined,
    loadStep,
  );
  // Only result_file: the step's own command writes the result (spec.yml); there is nothing else to run.
  if (!commands.length && (m.result_file === undefined || m.result_file === null))
    ctx.fail(path, `${name} needs claude:, shell: or commands: (the check to run), or result_file:`, 'key');
  if ('expected_schema' in m)
    ctx.warn([...path, 'expected_schema'], `${site.label}: ${relative(site, path)}.${notSupported('expected_schema')}`);
  return compact({
    commands,
    result_file:
      m.result_file !== undefined
        ? ctx.parse(NonEmptyStr, m.result_file, [...path, 'result_file'], site.base)
        : undefined,
    threshold: m.threshold !== undefined ? ctx.parse(Percent, m.threshold, [...path, 'threshold'], site.base) : 100,
    timeout: m.timeout !== undefined ? ctx.parse(Seconds, m.timeout, [...path, 'timeout'], site.base) : undefined,
    on_incomplete:
      m.on_incomplete !== undefined && m.on_incomplete !== null
        ? loadOnIncomplete(ctx, m.on_incomplete, [...path, 'on_incomplete'], site, loadStep)
        : undefined,
  });
}

function loadOnIncomplete(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  site: StepSite,
  loadStep: StepLoader,
): OnIncomplete {
  const name = describePath(path.slice(site.base));
  if (Array.isArray(value) || typeof value === 'string')
    return { commands: commandsOf(ctx, value, path, site, loadStep), max_attempts: 2, fail_workflow: true };
  if (!isPlainMap(value))
    ctx.fail(path, `${name} must be a map with claude:, shell: or commands:, or a list of steps; got ${show(value)}`);
  const m = value;
  ctx.warnUnknownKeys(m, path, ON_INCOMPLETE_KEYS, within(site, path));
  const commitRequired = commitRequiredOf(ctx, m, path, site);
  const commands = oneCommandSource(ctx, m, path, site, ['claude', 'shell', 'commands'], commitRequired, loadStep);
  const prompt = m.prompt !== undefined ? ctx.parse(Str, m.prompt, [...path, 'prompt'], site.base) : undefined;
  if (!commands.length && prompt === undefined)
    ctx.fail(path, `${name} needs claude:, shell:, commands: or prompt:`, 'key');
  return compact({
    commands,
    max_attempts:
      m.max_attempts !== undefined ? ctx.parse(PositiveInt, m.max_attempts, [...path, 'max_attempts'], site.base) : 2,
    fail_workflow:
      m.fail_workflow !== undefined ? ctx.parse(Bool, m.fail_workflow, [...path, 'fail_workflow'], site.base) : true,
    prompt,
  });
}

/** The commands of validate/on_incomplete: exactly one of claude:, shell: (command:) or commands:. */
function oneCommandSource(
  ctx: LoadContext,
  m: PlainMap,
  path: Path,
  site: StepSite,
  keys: string[],
  commitRequired: boolean | undefined,
  loadStep: StepLoader,
): WorkflowStep[] {
  const present = keys.filter((k) => k in m && m[k] !== null);
  if (present.length > 1)
    ctx.fail(
      [...path, present[1]],
      `${describePath(path.slice(site.base))} has both ${present[0]}: and ${present[1]}:; use commands: [...] to run several`,
      'key',
    );
  const key = present[0];
  if (key === undefined) return [];
  if (key === 'commands') return commandsOf(ctx, m.commands, [...path, 'commands'], site, loadStep);
  const command = ctx.parse(NonEmptyStr, m[key], [...path, key], site.base);
  const step = newStep(key === 'claude' ? 'claude' : 'shell', command);
  if (commitRequired !== undefined) step.commit_required = commitRequired;
  return [finish(step, ctx.position([...path, key], 'key'))];
}

/** `validate: shell: cargo test` / `validate: .prodigy/result.json`: what a standalone validate step checks. */
export function validateDisplay(spec: ValidationSpec): string {
  return `validate: ${spec.commands[0]?.display ?? spec.result_file ?? ''}`;
}
