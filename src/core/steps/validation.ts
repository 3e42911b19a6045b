// `validate:` and `on_incomplete:` (prodigy-workflows.md §3.10): after a step, check how
// complete its work is; while below the threshold, run the completion commands and check again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { interpolate, type Variables } from './interpolation';
import type { ValidationSpec, WorkflowStep } from '../workflow/model';
import type { RunContext, StepOutcome } from './runContext';

export type ExecuteStep = (step: WorkflowStep, ctx: RunContext) => Promise<StepOutcome>;

export interface ValidationOutcome {
  complete: boolean;
  stopped: boolean;
  error?: string;
}

interface Result {
  percentage: number;
  status: string;
  missing: unknown[];
  implemented: unknown[];
  gaps: Record<string, unknown> | unknown[];
  /** The result's other keys, as written. */
  extra: Record<string, unknown>;
}

export async function validateStep(
  step: WorkflowStep,
  spec: ValidationSpec,
  ctx: RunContext,
  execute: ExecuteStep,
): Promise<ValidationOutcome> {
  let check = await checkOnce(spec, ctx, execute);
  if (check === 'stopped') return { complete: false, stopped: true };
  const attempts = spec.on_incomplete?.max_attempts ?? 0;
  for (let attempt = 1; !isComplete(check, spec) && attempt <= attempts && spec.on_incomplete; attempt++) {
    ctx.log.message(
      'warning',
      `Validation incomplete: ${check.percentage}% complete (threshold: ${spec.threshold}%); completing (attempt ${attempt}/${attempts})`,
    );
    for (const cmd of spec.on_incomplete.commands) {
      const r = await execute(cmd, ctx);
      if (r.status === 'stopped') return { complete: false, stopped: true };
    }
    check = await checkOnce(spec, ctx, execute);
    if (check === 'stopped') return { complete: false, stopped: true };
  }
  if (isComplete(check, spec)) {
    ctx.log.message('success', `Validation passed: ${check.percentage}% complete (threshold: ${spec.threshold}%)`);
    return { complete: true, stopped: false };
  }
  if (spec.on_incomplete?.prompt)
    ctx.log.message('warning', `Not asking "${spec.on_incomplete.prompt}": runs are not interactive`);
  const message = `Validation of '${step.display}' incomplete: ${check.percentage}% complete (threshold: ${spec.threshold}%)`;
  if (spec.on_incomplete && !spec.on_incomplete.fail_workflow) {
    ctx.log.message('warning', `${message}; going on (fail_workflow: false)`);
    return { complete: true, stopped: false };
  }
  return { complete: false, stopped: false, error: message };
}

function isComplete(r: Result, spec: ValidationSpec): boolean {
  return r.percentage >= spec.threshold;
}

async function checkOnce(spec: ValidationSpec, ctx: RunContext, execute: ExecuteStep): Promise<Result | 'stopped'> {
  let allSucceeded = true;
  let lastOutput = '';
  for (const cmd of spec.commands) {
    const r = await execute(cmd, ctx);
    if (r.status === 'stopped') return 'stopped';
    if (r.status === 'skipped') continue; // its when: was false: neither a failure nor an output
    if (r.status !== 'success') allSucceeded = false;
    lastOutput = r.output;
  }
  let parsed: unknown;
  if (spec.result_file) {
    parsed = readResultFile(spec.result_file, ctx);
    // The docs: a result file that is missing or not JSON fails the validation (0%, so on_incomplete runs).
    if (parsed === undefined) allSucceeded = false;
  } else if (spec.commands.length === 1) {
    parsed = readJson(lastOutput);
  }
  const result = toResult(parsed, allSucceeded);
  Object.assign(ctx.vars, validationVariables(result));
  return result;
}

/** The result file's JSON; undefined (with a warning naming the file) when it is missing or unreadable. */
function readResultFile(name: string, ctx: RunContext): unknown {
  const rel = interpolate(name, ctx.vars);
  const file = path.resolve(ctx.cwd, rel);
  if (!fs.existsSync(file)) {
    ctx.log.message('warning', `Validation result file ${rel} was not written; counted as 0% complete`);
    return undefined;
  }
  const parsed = readJson(fs.readFileSync(file, 'utf8'));
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed;
  ctx.log.message('warning', `Validation result file ${rel} is not a JSON object; counted as 0% complete`);
  return undefined;
}

function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Both documented result shapes: Prodigy's `{completion_percentage, status, implemented, missing, gaps: {…}}`
 * and the docs' `{complete, score, gaps: […]}`. The percentage is `completion_percentage`, else `score`, else
 * 100/0 from `complete`, else whether the commands succeeded. `gaps` may be a map or a list (a list is also
 * `missing`); any other key of the result is `${validation.<key>}` (spec.yml's `incomplete_specs`).
 */
function toResult(value: unknown, succeeded: boolean): Result {
  const v = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const pct =
    typeof v.completion_percentage === 'number'
      ? v.completion_percentage
      : typeof v.score === 'number'
        ? v.score
        : typeof v.complete === 'boolean'
          ? v.complete
            ? 100
            : 0
          : succeeded
            ? 100
            : 0;
  const gaps = v.gaps && typeof v.gaps === 'object' ? (v.gaps as Record<string, unknown> | unknown[]) : {};
  return {
    percentage: succeeded ? pct : Math.min(pct, 0),
    status: typeof v.status === 'string' ? v.status : pct >= 100 ? 'complete' : 'incomplete',
    missing: Array.isArray(v.missing) ? v.missing : Array.isArray(v.gaps) ? v.gaps : [],
    implemented: Array.isArray(v.implemented) ? v.implemented : [],
    gaps,
    extra: Object.fromEntries(Object.entries(v).filter(([k]) => !RESULT_KEYS.has(k))),
  };
}

const RESULT_KEYS = new Set([
  'completion_percentage',
  'score',
  'complete',
  'status',
  'missing',
  'implemented',
  'gaps',
  'completion',
  'missing_count',
]);

function validationVariables(r: Result): Variables {
  return {
    ...Object.fromEntries(Object.entries(r.extra).map(([k, v]) => [`validation.${k}`, v])),
    'validation.completion': r.percentage,
    'validation.status': r.status,
    'validation.missing': r.missing,
    'validation.missing_count': r.missing.length,
    'validation.implemented': r.implemented,
    'validation.gaps': JSON.stringify(r.gaps),
  };
}
