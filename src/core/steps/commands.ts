// The three step kinds: a shell command, a Claude call, a file write. Each returns what
// happened; deciding what that means for the workflow is the step executor's job.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { errorMessage } from '../errors';
import { runProcess, type ProcessResult } from '../process/runProcess';
import type { ClaudeCall } from '../claude/types';
import { processDetail, runClaudeCall } from './claudeCall';
import { writeFileAtomicSync } from '../storage/atomicFile';
import { interpolate, type InterpolationScope } from './interpolation';
import type { WorkflowStep } from '../workflow/model';
import type { RunContext } from './runContext';

export interface CommandResult {
  success: boolean;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout was longer than what is kept (its end is a note, not output): it cannot be captured. */
  stdoutCut?: boolean;
  durationMs: number;
  aborted: boolean;
  timedOut: boolean;
  /** A Claude call's summary (streaming mode). */
  claude?: ClaudeCall;
  /** Why it failed, in one message (already specific to the step kind). */
  error?: string;
}

export { ClaudeNotFoundError } from './claudeCall';

export function stepEnv(step: WorkflowStep, ctx: RunContext): NodeJS.ProcessEnv {
  // `clear_env`: none of the workflow's or the parent's variables, but a shell still needs to find programs.
  const env: NodeJS.ProcessEnv = step.clear_env ? { PATH: ctx.env.PATH, HOME: ctx.env.HOME } : { ...ctx.env };
  for (const [k, v] of Object.entries(step.env)) env[k] = interpolate(v, ctx.vars);
  if (step.timeout) env.PRODIGY_COMMAND_TIMEOUT = String(step.timeout);
  return env;
}

/** Where a step's placeholders resolve (computed values: its folder, environment, workflow). */
export function stepScope(ctx: RunContext, cwd: string, env: NodeJS.ProcessEnv, strict = false): InterpolationScope {
  return { cwd, env, strict, workflow: { name: ctx.workflow.name || 'default', id: ctx.sessionId } };
}

export function stepCwd(step: WorkflowStep, ctx: RunContext): string {
  return step.working_dir ? path.resolve(ctx.cwd, interpolate(step.working_dir, ctx.vars)) : ctx.cwd;
}

export async function runStepCommand(step: WorkflowStep, ctx: RunContext): Promise<CommandResult> {
  if (step.kind === 'write_file') return writeFileStep(step, ctx);
  const cwd = stepCwd(step, ctx);
  const env = stepEnv(step, ctx);
  // Step env values are variables in the step's own command, as workflow env values are in every
  // command: `$NAME` renders what the process sees, not the workflow-level value it overrides.
  const vars = Object.keys(step.env).length
    ? { ...ctx.vars, ...Object.fromEntries(Object.keys(step.env).map((k) => [k, env[k]])) }
    : ctx.vars;
  // Computed values resolve here, and a placeholder naming a variable nobody set fails the step (not the shell).
  const text = interpolate(step.command, vars, stepScope(ctx, cwd, env, true));
  const opts = {
    cwd,
    env,
    timeoutMs: step.timeout ? step.timeout * 1000 : undefined,
    signal: ctx.signal,
    killGraceMs: ctx.killGraceMs,
    groups: ctx.groups,
  };
  if (step.kind === 'shell') {
    const res = await runProcess('sh', ['-c', text], {
      ...opts,
      onLine: (stream, line) => ctx.log.output(stream, line),
    });
    return fromProcess(
      res,
      res.code === 0 ? undefined : `Step '${step.display}' failed with exit code ${res.code}${processDetail(res)}`,
    );
  }
  const c = await runClaudeCall(text, { step: step.name ?? step.display, display: step.display }, opts, ctx);
  return { ...fromProcess(c.res, c.error), stdout: c.output, ...(c.call ? { claude: c.call } : {}) };
}

function fromProcess(res: ProcessResult, error: string | undefined): CommandResult {
  const success = res.code === 0 && !res.aborted && error === undefined;
  return {
    success,
    exitCode: res.code,
    stdout: res.stdout,
    stderr: res.stderr,
    stdoutCut: res.stdoutCut,
    durationMs: res.durationMs,
    aborted: res.aborted,
    timedOut: res.timedOut,
    error: success ? undefined : res.aborted ? 'stopped' : error,
  };
}

function writeFileStep(step: WorkflowStep, ctx: RunContext): CommandResult {
  const started = performance.now();
  const spec = step.write_file!;
  const fail = (error: string): CommandResult => ({
    success: false,
    exitCode: 1,
    stdout: '',
    stderr: error,
    durationMs: performance.now() - started,
    aborted: false,
    timedOut: false,
    error: `Step '${step.display}' failed: ${error}`,
  });
  const cwd = stepCwd(step, ctx);
  const scope = stepScope(ctx, cwd, stepEnv(step, ctx));
  const rel = interpolate(spec.path, ctx.vars, scope);
  if (rel.split(/[\\/]/).includes('..')) return fail(`path ${rel} contains '..'`);
  const file = path.resolve(cwd, rel);
  let content = interpolate(spec.content, ctx.vars, scope);
  try {
    if (spec.format === 'json') content = `${JSON.stringify(JSON.parse(content), null, 2)}\n`;
    else if (spec.format === 'yaml') content = YAML.stringify(YAML.parse(content));
  } catch (err) {
    return fail(`content is not valid ${spec.format}: ${errorMessage(err).split('\n')[0]}`);
  }
  try {
    if (spec.create_dirs) fs.mkdirSync(path.dirname(file), { recursive: true });
    else if (!fs.existsSync(path.dirname(file)))
      return fail(`folder ${path.dirname(rel) || '.'} does not exist (set create_dirs: true)`);
    writeFileAtomicSync(file, content);
    if (spec.mode) fs.chmodSync(file, parseInt(spec.mode, 8));
  } catch (err) {
    return fail(errorMessage(err));
  }
  const bytes = Buffer.byteLength(content);
  const stdout = `Wrote ${bytes} bytes to ${rel}`;
  ctx.log.output('stdout', stdout);
  return {
    success: true,
    exitCode: 0,
    stdout,
    stderr: '',
    durationMs: performance.now() - started,
    aborted: false,
    timedOut: false,
  };
}
