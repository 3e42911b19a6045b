// The command forms of a step besides claude:/shell:: the legacy slash-command string and `name:` map,
// the deprecated `test:`, and `write_file:`. Each becomes the same `WorkflowStep` (or its parts).
import { compact, describePath, isPlainMap, show, type LoadContext, type Path, type PlainMap } from './loadContext';
import { Label, NonEmptyStr, WRITE_FILE_KEYS, WriteFileSpec as WriteFileSchema } from './loadSchemas';
import { finish, newStep, within, type StepSite } from './loadStepParts';
import type { WorkflowStep, WriteFileSpec } from './model';

export function slashCommand(text: string): string {
  const t = text.trim();
  return t.startsWith('/') ? t : `/${t}`;
}

/**
 * `- prodigy-lint` / `- "/prodigy-lint --fast"`: a legacy Claude slash command. The arguments are
 * kept (Prodigy drops them, a quirk nobody relies on), and it must commit, as in Prodigy.
 */
export function legacyString(ctx: LoadContext, text: string, site: StepSite): WorkflowStep {
  if (!text.trim()) ctx.fail(site.path, `${site.label} is an empty string: expected a command such as /prodigy-lint`);
  const step = newStep('claude', slashCommand(text));
  step.commit_required = true;
  return finish(step, ctx.position(site.path));
}

/** `{name: prodigy-lint, args: [...], commit_required?}`: the legacy object form of the same. */
export function legacyName(ctx: LoadContext, m: PlainMap, site: StepSite): WorkflowStep {
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
export function loadTest(
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

export function loadWriteFile(ctx: LoadContext, value: unknown, path: Path, site: StepSite): WriteFileSpec {
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
