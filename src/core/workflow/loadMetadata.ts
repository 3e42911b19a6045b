// A step's legacy `metadata:` map (Prodigy's CommandMetadata; docs/configuration/workflow-configuration.md shows
// `metadata: {continue_on_error, retries, timeout}`), read as the step options that mean the same, each only where
// the step does not set that option itself: continue_on_error → the failure is noted and the workflow goes on;
// retries: N → the step runs up to N+1 times; timeout, env and commit_required → the step's own.
import { describePath, isPlainMap, show, type LoadContext, type Path } from './loadContext';
import { loadEnv } from './loadEnv';
import { Bool, Count, Seconds } from './loadSchemas';
import type { WorkflowStep } from './model';

const METADATA_KEYS = new Set(['continue_on_error', 'retries', 'timeout', 'env', 'commit_required', 'analysis']);

export function applyMetadata(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  label: string,
  base: number,
  step: WorkflowStep,
  written: ReadonlySet<string>,
): void {
  if (value === undefined || value === null) return;
  if (!isPlainMap(value))
    ctx.fail(
      path,
      `${describePath(path.slice(base))} must be a map (continue_on_error, retries, timeout…), got ${show(value)}`,
    );
  ctx.warnUnknownKeys(value, path, METADATA_KEYS, `${label} metadata`);
  const at = (key: string): Path => [...path, key];
  if (value.timeout !== undefined && !written.has('timeout'))
    step.timeout = ctx.parse(Seconds, value.timeout, at('timeout'), base);
  if (value.commit_required !== undefined && !written.has('commit_required'))
    step.commit_required = ctx.parse(Bool, value.commit_required, at('commit_required'), base);
  if (value.env !== undefined) step.env = { ...loadEnv(ctx, value.env, at('env'), base), ...step.env };
  if ('analysis' in value)
    ctx.warn(at('analysis'), `${label}: metadata.analysis was removed from Prodigy (v0.3.0), ignored`);
  const goOn =
    value.continue_on_error !== undefined && ctx.parse(Bool, value.continue_on_error, at('continue_on_error'), base);
  const retries = value.retries !== undefined ? ctx.parse(Count, value.retries, at('retries'), base) : 0;
  if (!goOn && retries === 0) return;
  if (step.on_failure) {
    ctx.warn(
      at(goOn ? 'continue_on_error' : 'retries'),
      `${label}: the step's on_failure decides what a failure does; metadata.${goOn ? 'continue_on_error' : 'retries'} is ignored`,
    );
    return;
  }
  step.on_failure =
    retries === 0
      ? { ignore: true, handlers: [], max_attempts: 1, fail_workflow: false }
      : { ignore: false, handlers: [], max_attempts: retries + 1, fail_workflow: !goOn };
}
