// The pieces every part of the step loader shares: where a step sits (`StepSite`), a new step and its
// finished form, the names of a map inside a step for messages, and the type of the step loader itself, which
// the parts holding nested steps (handlers, validate:) are given rather than import back.
import { compact, describePath, type LoadContext, type Path, type PlainMap } from './loadContext';
import { Bool } from './loadSchemas';
import type { StepKind, WorkflowStep, WriteFileSpec } from './model';

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
export type Role = 'step' | 'handler';

/** loadStep (loadSteps.ts): reads one nested step; undefined for a step that is skipped (`analyze:`). */
export type StepLoader = (ctx: LoadContext, raw: unknown, site: StepSite, role?: Role) => WorkflowStep | undefined;

/** The warning for a key Prodigy knows but this runner does not honour: it says what happens instead. */
export const notSupported = (key: string, instead = 'ignored') => `${key}: is not supported, ${instead}`;

export function newStep(kind: StepKind, command: string, writeFile?: WriteFileSpec): WorkflowStep {
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
export function finish(step: WorkflowStep, position: { line: number; col: number }): WorkflowStep {
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

/** A key path from the step itself (not from the top-level step): for warnings next to the step's label. */
export function relative(site: StepSite, path: Path): string {
  return describePath(path.slice(site.path.length));
}

/** "step 4 on_failure": a map inside a step, named for warnings. */
export function within(site: StepSite, path: Path): string {
  const rest = relative(site, path);
  return rest ? `${site.label} ${rest}` : site.label;
}

export function nested(site: StepSite, path: Path): StepSite {
  return { path, label: `${site.label} ${describePath(path.slice(site.base))}`, base: site.base };
}

/** A handler's or validation's own `commit_required:` (undefined when not given), for each step it runs. */
export function commitRequiredOf(ctx: LoadContext, m: PlainMap, path: Path, site: StepSite): boolean | undefined {
  return m.commit_required !== undefined
    ? ctx.parse(Bool, m.commit_required, [...path, 'commit_required'], site.base)
    : undefined;
}
