// One step with all its options: `when:` first (a false condition skips it); run it, check commit_required,
// capture, output_file, validate; on failure the on_failure loop (handlers, retries, fail_workflow); on success
// on_success; then the on_exit_code step for its exit code; allow_failure last. Nested steps (handlers,
// validation commands) go through the same function, and so does every phase (standard, MapReduce setup, agents,
// reduce, custom merge), so each option means the same everywhere.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorMessage, ProdigyError } from '../errors';
import { headCommit } from '../git';
import { writeNewFileSync } from '../storage/fileWrite';
import { captureVariables, failedCaptureStatus, writeOutputFile } from './capture';
import { beginStep, endStep, resolveOutputs } from './stepVariables';
import { stepCwd, type CommandResult } from './commands';
import { runStepBody } from './stepBody';
import type { WorkflowStep } from '../workflow/model';
import type { RunContext } from './runContext';
import { validateStep } from './validation';
import type { StepOutcome } from './runContext';
import type { ClaudeCall } from '../claude/types';
import { BudgetReachedError } from './claudeUsage';
import { runWithRetry } from './retry';
import { compileCondition, type Condition } from '../expressions/condition';
import { renderValue, resolveVariable } from './interpolation';

interface Attempt {
  success: boolean;
  stopped: boolean;
  error?: string;
  result?: CommandResult;
}

export async function executeStep(step: WorkflowStep, ctx: RunContext): Promise<StepOutcome> {
  if (step.when !== undefined) {
    // Decided once, before any attempt: the step's retries run without it (their captures could change it).
    let holds: boolean;
    try {
      holds = whenHolds(step, ctx);
    } catch (err) {
      const error = `Step '${step.display}': when: ${JSON.stringify(step.when)} could not be evaluated: ${errorMessage(err)}`;
      return { status: 'failed', output: '', error, durationMs: 0, attempts: 0, claude: [] };
    }
    if (!holds) return { status: 'skipped', output: '', durationMs: 0, attempts: 0, claude: [] };
    return executeStep({ ...step, when: undefined }, ctx);
  }
  if (step.allow_failure) {
    // Applies to the step's final outcome, after its on_failure and retries: the failure is recorded, the run goes on.
    const outcome = await executeStep({ ...step, allow_failure: false }, ctx);
    if (outcome.status !== 'failed') return outcome;
    ctx.log.message('warning', `${outcome.error ?? `'${step.display}' failed`} (allow_failure: true, going on)`);
    return { ...outcome, status: 'continued' };
  }
  // retry: runs the whole step (its on_failure included) again after a delay while it fails (steps/retry.ts).
  if (step.retry) return runWithRetry(step, step.retry, ctx, () => executeStep({ ...step, retry: undefined }, ctx));
  const started = performance.now();
  // Every Claude call the step makes, its retries, handlers and validation included.
  const calls: ClaudeCall[] = [];
  const done = (status: StepOutcome['status'], attempts: number, a: Attempt, error?: string): StepOutcome => ({
    status,
    output: a.result?.stdout ?? '',
    error,
    durationMs: performance.now() - started,
    attempts,
    claude: calls,
    exitCode: a.result && !a.result.aborted && !a.result.timedOut ? a.result.exitCode : undefined,
  });
  const nested = async (s: WorkflowStep): Promise<StepOutcome> => {
    const o = await executeStep(s, ctx);
    calls.push(...o.claude);
    return o;
  };
  const runExitCodeStep = (mapped: { code: number; step: WorkflowStep }): Promise<StepOutcome> => {
    ctx.log.message('progress', `on_exit_code ${mapped.code}: ${mapped.step.display}`);
    return nested(mapped.step);
  };
  for (let attempt = 1; ; attempt++) {
    let a: Attempt;
    try {
      a = await attemptStep(step, ctx, nested);
      if (a.result?.claude) calls.push(a.result.claude);
    } catch (err) {
      // The session's Claude budget is spent: the step does not start, and the run stops as if stopped.
      if (err instanceof BudgetReachedError)
        return done('stopped', attempt, { success: false, stopped: true }, err.message);
      // Not a failed command but a run that cannot go on (Claude CLI not found, an unreadable
      // result file): no handler or retry fixes that. Failing the step leaves the session Failed
      // with the reason, instead of thrown past the loop with the record stuck at Running.
      return done(
        'failed',
        attempt,
        { success: false, stopped: false },
        `Step '${step.display}': ${errorMessage(err)}`,
      );
    }
    if (a.stopped) return done('stopped', attempt, a);
    const mapped = exitCodeStep(step, a);
    if (a.success) {
      if (step.on_success) {
        const after = await nested(step.on_success);
        if (after.status === 'stopped') return done('stopped', attempt, a);
        if (after.status === 'failed')
          return done('failed', attempt, a, `on_success of '${step.display}' failed: ${after.error}`);
      }
      if (mapped) {
        const after = await runExitCodeStep(mapped);
        if (after.status === 'stopped') return done('stopped', attempt, a);
        if (after.status === 'failed')
          return done('failed', attempt, a, `on_exit_code 0 of '${step.display}' failed: ${after.error}`);
      }
      return done('success', attempt, a);
    }
    if (mapped) {
      // The step for this exit code is the failure's handling: no on_failure, no retry. The failure stays on
      // record (continued); the run goes on when that step succeeds.
      setFailureVariables(ctx, step, a, attempt);
      const after = await runExitCodeStep(mapped);
      if (after.status === 'stopped') return done('stopped', attempt, a);
      const why = `${a.error}; its on_exit_code ${mapped.code} step failed too: ${after.error}`;
      if (after.status === 'failed') return done('failed', attempt, a, why);
      ctx.log.message('warning', `${a.error} (handled by on_exit_code ${mapped.code}, going on)`);
      return done('continued', attempt, a, a.error);
    }
    const policy = step.on_failure;
    if (!policy) return done('failed', attempt, a, a.error);
    if (policy.ignore) {
      ctx.log.message('warning', `${a.error} (on_failure: true, going on)`);
      return done('continued', attempt, a, a.error);
    }
    setFailureVariables(ctx, step, a, attempt);
    for (const handler of policy.handlers) {
      ctx.log.message('progress', `on_failure: ${handler.display}`);
      const h = await nested(handler);
      if (h.status === 'stopped') return done('stopped', attempt, a);
      if (h.status === 'failed') ctx.log.message('warning', `on_failure handler failed: ${h.error}`);
    }
    if (attempt < policy.max_attempts) {
      ctx.log.message('progress', `Retrying '${step.display}' (attempt ${attempt + 1}/${policy.max_attempts})`);
      continue;
    }
    const tries = policy.max_attempts > 1 ? ` after ${attempt} attempts` : '';
    if (policy.fail_workflow) return done('failed', attempt, a, `${a.error}${tries}`);
    ctx.log.message('warning', `'${step.display}' failed${tries}; going on (fail_workflow: false)`);
    return done('continued', attempt, a, a.error);
  }
}

/** The `on_exit_code` step for how the attempt ended: its exit code, when the command itself decided it. */
function exitCodeStep(step: WorkflowStep, a: Attempt): { code: number; step: WorkflowStep } | undefined {
  if (!step.on_exit_code || !a.result || a.result.aborted) return undefined;
  const code = a.result.exitCode;
  // A step that failed with exit 0 failed for another reason (commit_required, validation): not an exit code's.
  if (!a.success && code === 0) return undefined;
  const mapped = step.on_exit_code[code];
  return mapped ? { code, step: mapped } : undefined;
}

const conditions = new Map<string, Condition>();

/**
 * Whether the step's `when:` holds now. Variables first (captures, step results, item.*), then the run's
 * environment (`${CI}`). A false condition is logged with the values it read, so a surprising skip is explained.
 */
function whenHolds(step: WorkflowStep, ctx: RunContext): boolean {
  const text = step.when!;
  let condition = conditions.get(text);
  if (!condition) conditions.set(text, (condition = compileCondition(text)));
  const lookup = (path: string): { found: boolean; value?: unknown } => {
    const hit = resolveVariable(path, ctx.vars);
    if (hit.found) return hit;
    const env = ctx.env[path];
    return env === undefined ? { found: false } : { found: true, value: env };
  };
  const holds = condition.test(lookup);
  if (!holds) {
    const values = condition.variables.slice(0, 4).map((v) => {
      const hit = lookup(v);
      if (!hit.found) return `${v} undefined`;
      const shown = ctx.masker.mask(renderValue(hit.value)).trim();
      return `${v} = ${JSON.stringify(shown.length > 40 ? `${shown.slice(0, 39)}…` : shown)}`;
    });
    ctx.log.message(
      'info',
      `Skipping '${step.name ?? step.display}': when: ${text} is false${values.length ? ` (${values.join(', ')})` : ''}`,
    );
  }
  return holds;
}

async function attemptStep(
  step: WorkflowStep,
  ctx: RunContext,
  nested: (s: WorkflowStep) => Promise<StepOutcome>,
): Promise<Attempt> {
  const checkCommits = step.commit_required && process.env.PRODIGY_NO_COMMIT_VALIDATION !== 'true';
  if (checkCommits && !ctx.git) {
    return {
      success: false,
      stopped: false,
      error: `Step '${step.display}' has commit_required=true, which needs a git repository`,
    };
  }
  const cwd = stepCwd(step, ctx);
  const before = checkCommits ? await headCommit(cwd).catch(() => null) : null;
  const mark = await beginStep(step, ctx, cwd);
  const result = await runStepBody(step, ctx, executeStep);
  if (result.aborted) return { success: false, stopped: true, result };
  await endStep(step, ctx, mark, result);
  if (!result.success) {
    Object.assign(ctx.vars, failedCaptureStatus(step, result));
    return { success: false, stopped: false, error: result.error, result };
  }
  if (checkCommits) {
    const after = await headCommit(cwd).catch(() => null);
    if (after === before) {
      return {
        success: false,
        stopped: false,
        result,
        error: `Step '${step.display}' has commit_required=true but no commits were created`,
      };
    }
  }
  try {
    Object.assign(ctx.vars, captureVariables(step, result));
    resolveOutputs(step, ctx, mark, cwd);
    writeOutputFile(step, cwd, ctx.vars, result.stdout);
  } catch (err) {
    return {
      success: false,
      stopped: false,
      result,
      error: err instanceof ProdigyError ? err.message : `Step '${step.display}': ${errorMessage(err)}`,
    };
  }
  if (step.validate) {
    const v = await validateStep(step, step.validate, ctx, (s) => nested(s));
    if (v.stopped) return { success: false, stopped: true, result };
    if (!v.complete) return { success: false, stopped: false, result, error: v.error };
  }
  return { success: true, stopped: false, result };
}

const INLINE_OUTPUT_LIMIT = 10_000;

/** What a handler may read about the failure: shell.output (Prodigy's test.output), error.*. */
function setFailureVariables(ctx: RunContext, step: WorkflowStep, a: Attempt, attempt: number): void {
  const stdout = a.result?.stdout ?? '';
  const stderr = a.result?.stderr ?? a.error ?? '';
  let output = `STDOUT:\n${stdout}\n\nSTDERR:\n${stderr}`;
  if (stdout.length + stderr.length > INLINE_OUTPUT_LIMIT) {
    // Too long for a prompt: hand over a file, as Prodigy does.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-output-')), 'output.txt');
    writeNewFileSync(file, `=== STDOUT ===\n${stdout}\n=== STDERR ===\n${stderr}\n`);
    output = file;
  }
  const exitCode = a.result?.exitCode ?? 1;
  for (const ns of ['shell', 'test']) {
    ctx.vars[`${ns}.output`] = output;
    ctx.vars[`${ns}.exit_code`] = exitCode;
    ctx.vars[`${ns}.attempt`] = attempt;
  }
  ctx.vars['error.message'] = stderr;
  ctx.vars['error.exit_code'] = exitCode;
  ctx.vars['error.step'] = step.display;
  ctx.vars['error.timestamp'] = new Date().toISOString();
  ctx.env.TEST_ATTEMPT = String(attempt);
}
