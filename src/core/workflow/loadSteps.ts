// Steps: every form a workflow file writes a step in, normalized to one `WorkflowStep`
// (prodigy-workflows.md §2.2, §3). Prodigy has two step schemas with different field sets; this is
// their union with the documented meaning, so a step means the same thing in every phase. The step's parts are
// read beside it: loadStepForms (legacy forms, test:, write_file:), loadCapture (capture_*, id:, outputs:),
// loadHandlers (on_failure, on_success, on_exit_code), loadValidate (validate:); loadStepParts has what they share.
import { closest, describePath, isPlainMap, show, type LoadContext, type Path, type PlainMap } from './loadContext';
import { loadEnv } from './loadEnv';
import { loadRetry } from './loadRetry';
import { FOREACH_OPTION_KEYS, loadForeach } from './loadForeach';
import { applyMetadata } from './loadMetadata';
import { captureFormat, loadCaptureStreams, loadOutputs, loadStepId } from './loadCapture';
import { commandsOf, loadOnExitCode, loadOnFailure as readOnFailure, loadOnSuccess } from './loadHandlers';
import { finish, newStep, notSupported, type Role, type StepSite } from './loadStepParts';
import { legacyName, legacyString, loadTest, loadWriteFile, slashCommand } from './loadStepForms';
import { loadValidate, validateDisplay } from './loadValidate';
import { compileCondition } from '../expressions/condition';
import { ExpressionSyntaxError } from '../expressions/syntaxError';
import { Bool, CaptureOutput, Label, NonEmptyStr, Seconds } from './loadSchemas';
import type { OnFailure, WorkflowStep } from './model';

export type { StepSite };

const COMMAND_KEYS = ['claude', 'shell', 'write_file', 'foreach', 'test', 'command'] as const;
const OPTION_KEYS = [
  'name',
  'commit_required',
  'timeout',
  'capture_output',
  'capture',
  'capture_format',
  'capture_streams',
  'id',
  'outputs',
  'output_file',
  'env',
  'working_dir',
  'clear_env',
  'temporary',
  'on_failure',
  'on_success',
  'validate',
  'retry',
  'retry_config',
  'when',
  'on_exit_code',
  'allow_failure',
];

// Keys Prodigy knows but this runner does not honour: each gets a warning saying what happens instead.
const UNSUPPORTED_STEP_KEYS: Record<string, string> = {
  analyze: 'analyze: was removed from Prodigy (v0.3.0), ignored',
  analysis: 'analysis: was removed from Prodigy (v0.3.0), ignored',
  auto_commit: notSupported('auto_commit', 'ignored (commit in the command itself)'),
  commit_config: notSupported('commit_config'),
  handler: notSupported('handler'),
  step_validate: notSupported('step_validate'),
  skip_validation: notSupported('skip_validation'),
  validation_timeout: notSupported('validation_timeout'),
  ignore_validation_failure: notSupported('ignore_validation_failure'),
  options: 'options: is legacy command data that Prodigy never reads (write the flags in the command); ignored',
};
// Keys Prodigy documents as descriptive only: accepted without a word.
const DESCRIPTIVE_KEYS = ['description'];
const STEP_KEYS = new Set<string>([
  ...COMMAND_KEYS,
  ...OPTION_KEYS,
  ...Object.keys(UNSUPPORTED_STEP_KEYS),
  ...FOREACH_OPTION_KEYS,
  ...DESCRIPTIVE_KEYS,
  'metadata',
  'args',
]);

/** A top-level list of steps (`commands:`, `setup:`, `reduce:`, ...). Absent or null: no steps. */
export function loadStepList(ctx: LoadContext, value: unknown, path: Path, labelPrefix = ''): WorkflowStep[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) ctx.fail(path, `${describePath(path)} must be a list of steps, got ${show(value)}`);
  const steps: WorkflowStep[] = [];
  value.forEach((item, i) => {
    const site = { path: [...path, i], label: `${labelPrefix}step ${i + 1}`, base: path.length + 1 };
    const step = ctx.recover(() => loadStep(ctx, item, site), undefined);
    if (step) steps.push(step);
  });
  return steps;
}

/** One step in any of its forms; undefined for a step that is skipped (`analyze:`). */
export function loadStep(
  ctx: LoadContext,
  raw: unknown,
  site: StepSite,
  role: Role = 'step',
): WorkflowStep | undefined {
  const { path, label } = site;
  const at = (key: string): Path => [...path, key];
  if (typeof raw === 'string') return legacyString(ctx, raw, site);
  if (raw === null || raw === undefined) ctx.fail(path, `${label} is empty: expected ${commandList(role)}`);
  if (!isPlainMap(raw))
    ctx.fail(path, `${label} must be a map with ${commandList(role)}, or a command string; got ${show(raw)}`);
  const m: PlainMap = raw;
  // Before anything can fail: a misspelt key is named (with its fix) even when the step cannot be read.
  ctx.warnUnknownKeys(m, path, STEP_KEYS, label);

  if ('goal_seek' in m)
    ctx.fail(
      at('goal_seek'),
      `${label}: goal_seek: was removed from Prodigy; use a claude: step with validate: and on_incomplete: instead`,
      'key',
    );

  const commandKeys = COMMAND_KEYS.filter((k) => k in m);
  if (commandKeys.length > 1) {
    const [first, second] = commandKeys;
    ctx.fail(
      at(second),
      `${label} has both ${first}: and ${second}:; a step runs one command, so make them two steps`,
      'key',
    );
  }

  // The command, in whichever form the step gives it.
  let step: WorkflowStep;
  let legacy = false; // legacy commands default to commit_required: true
  let onFailureRaw: { value: unknown; path: Path } | undefined =
    'on_failure' in m ? { value: m.on_failure, path: at('on_failure') } : undefined;
  switch (commandKeys[0]) {
    case 'claude':
    case 'shell':
      step = newStep(commandKeys[0], ctx.parse(NonEmptyStr, m[commandKeys[0]], at(commandKeys[0]), site.base));
      break;
    case 'write_file': {
      const spec = loadWriteFile(ctx, m.write_file, at('write_file'), site);
      step = newStep('write_file', '', spec);
      break;
    }
    case 'test': {
      const test = loadTest(ctx, m.test, at('test'), site);
      if (test.onFailure && onFailureRaw)
        ctx.fail(at('on_failure'), `${label} has both test.on_failure and on_failure; keep one`, 'key');
      onFailureRaw ??= test.onFailure;
      step = newStep('shell', test.command);
      break;
    }
    case 'foreach': {
      const spec = loadForeach(ctx, m, path, label, site.base, (v, p) => commandsOf(ctx, v, p, site, loadStep));
      step = newStep('foreach', spec.command ?? shortList(spec.list ?? []));
      step.foreach = spec;
      break;
    }
    case 'command':
      step = newStep('claude', slashCommand(ctx.parse(NonEmptyStr, m.command, at('command'), site.base)));
      ctx.warn(at('command'), `${label}: command: is a legacy key, read as claude: ${show(step.command)}`);
      legacy = true;
      break;
    default:
      if ('analyze' in m || 'analysis' in m) {
        const key = 'analyze' in m ? 'analyze' : 'analysis';
        ctx.warn(at(key), `${label}: ${key}: was removed from Prodigy (v0.3.0); the step is skipped`);
        return undefined;
      }
      // A standalone `- validate: {...}` (the docs' command-types page): the check is the step.
      if (m.validate !== undefined && m.validate !== null) {
        step = newStep('validate', '');
        break;
      }
      if ('name' in m) {
        step = legacyName(ctx, m, site);
        legacy = true;
        break;
      }
      ctx.fail(path, `${label} has no command (${commandList(role)})${typoHint(m, role)}`);
  }
  if (role === 'handler' && step.kind === 'write_file')
    ctx.fail(at('write_file'), `${label}: an on_failure handler must be a claude: or shell: command`, 'key');

  // Each option fails on its own when collecting, so one bad option does not hide the next.
  const option = (load: () => void) => ctx.recover(load, undefined);
  // A `name:` next to a command key is a label (Prodigy would run `/name` instead: a quirk not kept).
  option(() => {
    if ((commandKeys.length || step.kind === 'validate') && 'name' in m)
      step.name = ctx.parse(Label, m.name, at('name'), site.base);
  });
  option(() => {
    if (m.commit_required !== undefined)
      step.commit_required = ctx.parse(Bool, m.commit_required, at('commit_required'), site.base);
    else step.commit_required = legacy;
  });
  option(() => {
    if (m.timeout !== undefined) step.timeout = ctx.parse(Seconds, m.timeout, at('timeout'), site.base);
  });
  option(() => {
    if (m.capture_output !== undefined)
      step.capture_output = ctx.parse(CaptureOutput, m.capture_output, at('capture_output'), site.base);
  });
  option(() => {
    if (m.capture !== undefined) step.capture = ctx.parse(NonEmptyStr, m.capture, at('capture'), site.base);
  });
  step.capture_format = captureFormat(ctx, m.capture_format, at('capture_format'), label);
  option(() => {
    if (m.capture_streams !== undefined && m.capture_streams !== null)
      step.capture_streams = loadCaptureStreams(ctx, m.capture_streams, at('capture_streams'), label);
  });
  option(() => {
    if (m.id !== undefined && m.id !== null) step.id = loadStepId(ctx, m.id, at('id'), site);
    if (m.outputs !== undefined && m.outputs !== null)
      step.outputs = loadOutputs(ctx, m.outputs, at('outputs'), site, step.id);
  });
  option(() => {
    if (m.output_file !== undefined)
      step.output_file = ctx.parse(NonEmptyStr, m.output_file, at('output_file'), site.base);
  });
  option(() => {
    step.env = loadEnv(ctx, m.env, at('env'), site.base);
  });
  option(() => {
    if (m.working_dir !== undefined)
      step.working_dir = ctx.parse(NonEmptyStr, m.working_dir, at('working_dir'), site.base);
  });
  option(() => {
    // environment-example.yml: `clear_env: true` gives the command only the step's env: (steps/commands.ts).
    if (m.clear_env !== undefined) step.clear_env = ctx.parse(Bool, m.clear_env, at('clear_env'), site.base);
    // `temporary: true` ("the environment is restored after this step"): a step's env: never outlives it anyway.
    if (m.temporary !== undefined) ctx.parse(Bool, m.temporary, at('temporary'), site.base);
  });
  option(() => {
    if (onFailureRaw) step.on_failure = loadOnFailure(ctx, onFailureRaw.value, onFailureRaw.path, site);
  });
  option(() => {
    if (m.on_success !== undefined && m.on_success !== null)
      step.on_success = loadOnSuccess(ctx, m.on_success, at('on_success'), site, loadStep);
  });
  option(() => {
    if (m.validate !== undefined && m.validate !== null)
      step.validate = loadValidate(ctx, m.validate, at('validate'), site, loadStep);
    if (step.kind === 'validate' && step.validate) {
      // What the log and a dry run show as the step's command: the check it runs (never run as a command).
      step.command = step.validate.commands[0]?.command ?? step.validate.result_file ?? '';
      step.display = validateDisplay(step.validate);
    }
  });
  option(() => {
    // `retry:` (the step reference) and `retry_config:` (the retry chapter) are the same option.
    if ('retry' in m && 'retry_config' in m)
      ctx.fail(at('retry_config'), `${label} has both retry: and retry_config: (the same option); keep one`, 'key');
    const key = 'retry' in m ? 'retry' : 'retry_config';
    if (m[key] !== undefined && m[key] !== null) step.retry = loadRetry(ctx, m[key], at(key), `${label}: ${key}`);
  });
  option(() => {
    if (m.when !== undefined && m.when !== null) step.when = loadWhen(ctx, m.when, at('when'), site);
  });
  option(() => {
    if (m.on_exit_code !== undefined && m.on_exit_code !== null)
      step.on_exit_code = loadOnExitCode(ctx, m.on_exit_code, at('on_exit_code'), site, loadStep);
  });
  option(() => {
    if (m.allow_failure !== undefined && m.allow_failure !== null)
      step.allow_failure = ctx.parse(Bool, m.allow_failure, at('allow_failure'), site.base);
  });

  option(() => {
    if ('metadata' in m)
      applyMetadata(ctx, m.metadata, at('metadata'), label, site.base, step, new Set(Object.keys(m)));
  });

  for (const key of Object.keys(m)) {
    if (UNSUPPORTED_STEP_KEYS[key]) ctx.warn(at(key), `${label}: ${UNSUPPORTED_STEP_KEYS[key]}`);
    else if ((FOREACH_OPTION_KEYS as readonly string[]).includes(key) && step.kind !== 'foreach')
      ctx.warn(at(key), `${label}: ${key}: is only read in a foreach: step, ignored`);
    else if (key === 'args' && !(legacy && 'name' in m))
      ctx.warn(at(key), `${label}: args: is only read with a legacy name: command, ignored`);
  }
  return finish(step, ctx.position(path));
}

/** `a, b, c` (and how many more): a list of foreach items as the step's display text. */
function shortList(list: unknown[]): string {
  const shown = list.slice(0, 3).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return list.length > 3 ? `${shown.join(', ')}, … (${list.length} items)` : shown.join(', ');
}

function commandList(role: Role): string {
  return role === 'handler' ? 'claude: or shell:' : 'claude:, shell: or write_file:';
}

/** `; did you mean shell: instead of shel:?` when the step has a misspelt command key. */
function typoHint(m: PlainMap, role: Role): string {
  const commands = role === 'handler' ? ['claude', 'shell'] : ['claude', 'shell', 'write_file'];
  for (const key of Object.keys(m)) {
    if (STEP_KEYS.has(key)) continue;
    const guess = closest(key, commands);
    if (guess) return `; did you mean ${guess}: instead of ${key}:?`;
  }
  return '';
}

/** Every on_failure form, one meaning (loadHandlers.ts); its handler steps are read by loadStep. */
export function loadOnFailure(ctx: LoadContext, value: unknown, path: Path, site: StepSite): OnFailure | undefined {
  return readOnFailure(ctx, value, path, site, loadStep);
}

// ---- when (§3.7) ------------------------------------------------------------------------------

/**
 * `when:` is parsed now, so a malformed condition is a load error at its column in the file; the text is kept
 * and evaluated just before the step runs. `when: true`/`false` (YAML booleans) are those conditions.
 */
function loadWhen(ctx: LoadContext, value: unknown, path: Path, site: StepSite): string {
  if (typeof value === 'boolean') return String(value);
  if (typeof value !== 'string')
    ctx.fail(path, `${site.label}: when must be a condition such as "\${build.success}", got ${show(value)}`);
  if (!value.trim()) ctx.fail(path, `${site.label}: when is empty: write a condition such as "\${x} == 'yes'"`);
  try {
    compileCondition(value);
  } catch (err) {
    if (!(err instanceof ExpressionSyntaxError)) throw err;
    ctx.failAt(ctx.positionInString(path, err.position), `${site.label}: ${err.message}`);
  }
  return value;
}
