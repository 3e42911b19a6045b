// Steps: every form a workflow file writes a step in, normalized to one `WorkflowStep`
// (prodigy-workflows.md §2.2, §3). Prodigy has two step schemas with different field sets; this is
// their union with the documented meaning, so a step means the same thing in every phase.
import {
  closest,
  compact,
  describePath,
  isPlainMap,
  show,
  type LoadContext,
  type Path,
  type PlainMap,
} from './loadContext';
import { loadEnv } from './loadEnv';
import { loadRetry } from './loadRetry';
import { FOREACH_OPTION_KEYS, loadForeach } from './loadForeach';
import { applyMetadata } from './loadMetadata';
import { compileCondition } from '../expressions/condition';
import { ExpressionSyntaxError } from '../expressions/syntaxError';
import {
  Bool,
  CaptureOutput,
  Label,
  NonEmptyStr,
  PositiveInt,
  Count,
  Percent,
  Seconds,
  Str,
  WRITE_FILE_KEYS,
  WriteFileSpec as WriteFileSchema,
} from './loadSchemas';
import type {
  CaptureFormat,
  CaptureStreams,
  StepOutput,
  OnFailure,
  OnIncomplete,
  StepKind,
  ValidationSpec,
  WorkflowStep,
  WriteFileSpec,
} from './model';

/**
 * Where a step sits. `label` names it in messages ("step 3", "setup step 1",
 * "step 3 on_failure.commands[0]"); key names in messages are relative to the top-level step
 * (`on_failure.max_attempts`), so `base` is the length of that step's path.
 */
export interface StepSite {
  path: Path;
  label: string;
  base: number;
}

/** Handlers (on_failure) run a command and nothing else: claude or shell. */
type Role = 'step' | 'handler';

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
const notSupported = (key: string, instead = 'ignored') => `${key}: is not supported, ${instead}`;
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

const CAPTURE_FORMATS: readonly CaptureFormat[] = ['string', 'json', 'lines', 'number', 'boolean'];

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
      const spec = loadForeach(ctx, m, path, label, site.base, (v, p) => commandsOf(ctx, v, p, site));
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
      step.on_success = loadOnSuccess(ctx, m.on_success, at('on_success'), site);
  });
  option(() => {
    if (m.validate !== undefined && m.validate !== null)
      step.validate = loadValidate(ctx, m.validate, at('validate'), site);
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
      step.on_exit_code = loadOnExitCode(ctx, m.on_exit_code, at('on_exit_code'), site);
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

/** `validate: shell: cargo test` / `validate: .prodigy/result.json`: what a standalone validate step checks. */
function validateDisplay(spec: ValidationSpec): string {
  return `validate: ${spec.commands[0]?.display ?? spec.result_file ?? ''}`;
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

function newStep(kind: StepKind, command: string, writeFile?: WriteFileSpec): WorkflowStep {
  return {
    kind,
    command,
    write_file: writeFile,
    display: kind === 'write_file' ? `write_file: ${writeFile?.path}` : `${kind}: ${command}`,
    commit_required: false,
    capture_output: false,
    capture_format: 'string',
    env: {},
  };
}

/** The step's fields in the model's order, with no `key: undefined`. */
function finish(step: WorkflowStep, position: { line: number; col: number }): WorkflowStep {
  return compact({
    kind: step.kind,
    command: step.command,
    write_file: step.write_file,
    name: step.name,
    display: step.display,
    commit_required: step.commit_required,
    timeout: step.timeout,
    capture_output: step.capture_output,
    capture: step.capture,
    capture_format: step.capture_format,
    capture_streams: step.capture_streams,
    id: step.id,
    outputs: step.outputs,
    output_file: step.output_file,
    env: step.env,
    working_dir: step.working_dir,
    clear_env: step.clear_env,
    on_failure: step.on_failure,
    on_success: step.on_success,
    validate: step.validate,
    foreach: step.foreach,
    retry: step.retry,
    when: step.when,
    on_exit_code: step.on_exit_code,
    allow_failure: step.allow_failure,
    position,
  });
}

function slashCommand(text: string): string {
  const t = text.trim();
  return t.startsWith('/') ? t : `/${t}`;
}

/**
 * `- prodigy-lint` / `- "/prodigy-lint --fast"`: a legacy Claude slash command. The arguments are
 * kept (Prodigy drops them, a quirk nobody relies on), and it must commit, as in Prodigy.
 */
function legacyString(ctx: LoadContext, text: string, site: StepSite): WorkflowStep {
  if (!text.trim()) ctx.fail(site.path, `${site.label} is an empty string: expected a command such as /prodigy-lint`);
  const step = newStep('claude', slashCommand(text));
  step.commit_required = true;
  return finish(step, ctx.position(site.path));
}

/** `{name: prodigy-lint, args: [...], commit_required?}`: the legacy object form of the same. */
function legacyName(ctx: LoadContext, m: PlainMap, site: StepSite): WorkflowStep {
  const name = ctx.parse(NonEmptyStr, m.name, [...site.path, 'name'], site.base);
  let args = '';
  if (m.args !== undefined && m.args !== null) {
    const list = Array.isArray(m.args) ? m.args : [m.args];
    args = list
      .map((a, i) =>
        ctx.parse(Label, a, Array.isArray(m.args) ? [...site.path, 'args', i] : [...site.path, 'args'], site.base),
      )
      .join(' ');
  }
  return newStep('claude', slashCommand(args ? `${name} ${args}` : name));
}

/** `test: {command, on_failure}`: deprecated, the same as shell: + on_failure. */
function loadTest(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  site: StepSite,
): { command: string; onFailure?: { value: unknown; path: Path } } {
  if (!isPlainMap(value))
    ctx.fail(path, `${describePath(path.slice(site.base))} must be a map {command, on_failure?}, got ${show(value)}`);
  ctx.warnUnknownKeys(value, path, new Set(['command', 'on_failure']), within(site, path));
  const command = ctx.parse(NonEmptyStr, value.command, [...path, 'command'], site.base);
  ctx.warn(path, `${site.label}: test: is deprecated, read as shell: ${show(command)} with its on_failure`);
  return {
    command,
    onFailure: 'on_failure' in value ? { value: value.on_failure, path: [...path, 'on_failure'] } : undefined,
  };
}

function loadWriteFile(ctx: LoadContext, value: unknown, path: Path, site: StepSite): WriteFileSpec {
  const name = describePath(path.slice(site.base));
  if (!isPlainMap(value))
    ctx.fail(path, `${name} must be a map {path, content, format?, mode?, create_dirs?}, got ${show(value)}`);
  ctx.warnUnknownKeys(value, path, WRITE_FILE_KEYS, within(site, path));
  const spec = ctx.parse(WriteFileSchema, value, path, site.base);
  // Only a literal `..` can be refused here; the engine checks the path again after interpolation.
  if (spec.path.split(/[\\/]/).includes('..'))
    ctx.fail(
      [...path, 'path'],
      `${name}.path must stay inside the working directory, got ${show(spec.path)} (a ".." segment)`,
    );
  return compact({
    path: spec.path,
    content: spec.content,
    format: spec.format ?? 'text',
    mode: spec.mode,
    create_dirs: spec.create_dirs ?? false,
  });
}

/** Prodigy's formats, plus the documented `text` (an alias of string). Anything else: string, with a warning. */
function captureFormat(ctx: LoadContext, value: unknown, path: Path, label: string): CaptureFormat {
  if (value === undefined || value === null) return 'string';
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if ((CAPTURE_FORMATS as readonly string[]).includes(text)) return text as CaptureFormat;
  if (text === 'text') return 'string';
  ctx.warn(
    path,
    `${label}: capture_format must be one of ${CAPTURE_FORMATS.join(', ')}; got ${show(value)}, using string`,
    'value',
  );
  return 'string';
}

const STREAM_KEYS = ['stdout', 'stderr', 'exit_code', 'success', 'duration'] as const;

/**
 * Both Prodigy forms: the standard schema's string (`stdout`, `stderr`, `both`: which streams make the captured
 * value) and the map of booleans (the docs' form; defaults stdout, exit_code, success, duration on, stderr off).
 */
function loadCaptureStreams(ctx: LoadContext, value: unknown, path: Path, label: string): CaptureStreams {
  const meta = { exit_code: true, success: true, duration: true };
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'stdout' || v === 'stderr' || v === 'both')
      return { stdout: v !== 'stderr', stderr: v !== 'stdout', ...meta };
  } else if (isPlainMap(value)) {
    ctx.warnUnknownKeys(value, path, new Set(STREAM_KEYS), `${label} capture_streams`);
    const out: CaptureStreams = { stdout: true, stderr: false, ...meta };
    for (const key of STREAM_KEYS)
      if (value[key] !== undefined && value[key] !== null) out[key] = ctx.parse(Bool, value[key], [...path, key]);
    return out;
  }
  ctx.fail(
    path,
    `${label}: capture_streams must be stdout, stderr, both or a map {stdout, stderr, exit_code, success, duration} of true/false, got ${show(value)}`,
  );
}

/** `id:` names the step's variables (`${id.output}`): a name, as the docs advise, without dots or spaces. */
function loadStepId(ctx: LoadContext, value: unknown, path: Path, site: StepSite): string {
  const id = ctx.parse(NonEmptyStr, value, path, site.base).trim();
  if (!/^[A-Za-z_][\w-]*$/.test(id))
    ctx.fail(
      path,
      `${site.label}: id must be letters, digits, _ and - (it is read as \${${id}.output}), got ${show(value)}`,
    );
  return id;
}

/** `outputs: {name: {file_pattern: "*.md"}}` (a bare string is the pattern). Needs the step's `id:`. */
function loadOutputs(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  site: StepSite,
  id: string | undefined,
): Record<string, StepOutput> {
  if (!isPlainMap(value))
    ctx.fail(path, `${site.label}: outputs must be a map {name: {file_pattern: "..."}}, got ${show(value)}`);
  if (id === undefined)
    ctx.fail(path, `${site.label}: outputs: needs an id: on the step (its outputs are read as \${id.name})`, 'key');
  const out: Record<string, StepOutput> = {};
  for (const [name, spec] of Object.entries(value)) {
    const at = [...path, name];
    if (typeof spec === 'string') {
      out[name] = { file_pattern: ctx.parse(NonEmptyStr, spec, at, site.base) };
      continue;
    }
    if (!isPlainMap(spec))
      ctx.fail(at, `${site.label}: outputs.${name} must be a map {file_pattern: "..."}, got ${show(spec)}`);
    ctx.warnUnknownKeys(spec, at, new Set(['file_pattern']), `${site.label} outputs.${name}`);
    if (spec.file_pattern === undefined)
      ctx.fail(at, `${site.label}: outputs.${name} needs file_pattern: (the file it names, e.g. "*-spec.md")`, 'key');
    out[name] = { file_pattern: ctx.parse(NonEmptyStr, spec.file_pattern, [...at, 'file_pattern'], site.base) };
  }
  return out;
}

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
export function loadOnFailure(ctx: LoadContext, value: unknown, path: Path, site: StepSite): OnFailure | undefined {
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
    const handlers = value.map((h, i) => handler(ctx, h, [...path, i], site));
    return { ignore: false, handlers, max_attempts: 1, fail_workflow: false };
  }
  if (!isPlainMap(value))
    ctx.fail(
      path,
      `${name} must be true/false, a command, a list of commands or a map with claude:/shell:/commands:, got ${show(value)}`,
    );

  const m = value;
  ctx.warnUnknownKeys(m, path, ON_FAILURE_KEYS, within(site, path));
  const commitRequired =
    m.commit_required !== undefined
      ? ctx.parse(Bool, m.commit_required, [...path, 'commit_required'], site.base)
      : undefined;
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
    m.commands.forEach((h, i) => handlers.push(handler(ctx, h, [...path, 'commands', i], site)));
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

function handler(ctx: LoadContext, raw: unknown, path: Path, site: StepSite): WorkflowStep {
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

/** A key path from the step itself (not from the top-level step): for warnings next to the step's label. */
function relative(site: StepSite, path: Path): string {
  return describePath(path.slice(site.path.length));
}

/** "step 4 on_failure": a map inside a step, named for warnings. */
function within(site: StepSite, path: Path): string {
  const rest = relative(site, path);
  return rest ? `${site.label} ${rest}` : site.label;
}

function nested(site: StepSite, path: Path): StepSite {
  return { path, label: `${site.label} ${describePath(path.slice(site.base))}`, base: site.base };
}

// ---- on_success (§3.7) ----------------------------------------------------------------------

function loadOnSuccess(ctx: LoadContext, value: unknown, path: Path, site: StepSite): WorkflowStep | undefined {
  if (typeof value === 'string') return handlerFromString(ctx, value, path, site);
  return loadStep(ctx, value, nested(site, path));
}

// ---- when, on_exit_code (§3.7) ----------------------------------------------------------------

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

/** `{0: step, 101: step}`: keys are exit codes; each value is a step in any form (a string: a handler command). */
function loadOnExitCode(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  site: StepSite,
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

// ---- validate / on_incomplete (§3.10) ---------------------------------------------------------

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

function loadValidate(ctx: LoadContext, value: unknown, path: Path, site: StepSite): ValidationSpec {
  const name = describePath(path.slice(site.base));
  if (Array.isArray(value) || typeof value === 'string')
    return { commands: commandsOf(ctx, value, path, site), threshold: 100 };
  if (!isPlainMap(value))
    ctx.fail(path, `${name} must be a map with claude:, shell: or commands:, or a list of steps; got ${show(value)}`);
  const m = value;
  ctx.warnUnknownKeys(m, path, VALIDATE_KEYS, within(site, path));
  // `command:` is Prodigy's deprecated spelling of `shell:` here.
  const commands = oneCommandSource(ctx, m, path, site, ['claude', 'shell', 'command', 'commands'], undefined);
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
        ? loadOnIncomplete(ctx, m.on_incomplete, [...path, 'on_incomplete'], site)
        : undefined,
  });
}

function loadOnIncomplete(ctx: LoadContext, value: unknown, path: Path, site: StepSite): OnIncomplete {
  const name = describePath(path.slice(site.base));
  if (Array.isArray(value) || typeof value === 'string')
    return { commands: commandsOf(ctx, value, path, site), max_attempts: 2, fail_workflow: true };
  if (!isPlainMap(value))
    ctx.fail(path, `${name} must be a map with claude:, shell: or commands:, or a list of steps; got ${show(value)}`);
  const m = value;
  ctx.warnUnknownKeys(m, path, ON_INCOMPLETE_KEYS, within(site, path));
  const commitRequired =
    m.commit_required !== undefined
      ? ctx.parse(Bool, m.commit_required, [...path, 'commit_required'], site.base)
      : undefined;
  const commands = oneCommandSource(ctx, m, path, site, ['claude', 'shell', 'commands'], commitRequired);
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
  if (key === 'commands') return commandsOf(ctx, m.commands, [...path, 'commands'], site);
  const command = ctx.parse(NonEmptyStr, m[key], [...path, key], site.base);
  const step = newStep(key === 'claude' ? 'claude' : 'shell', command);
  if (commitRequired !== undefined) step.commit_required = commitRequired;
  return [finish(step, ctx.position([...path, key], 'key'))];
}

/** A nested list of steps (strings are commands: `/x` Claude, else shell), or one such string. */
function commandsOf(ctx: LoadContext, value: unknown, path: Path, site: StepSite): WorkflowStep[] {
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
