// Turning a step's output into variables (prodigy-workflows.md §3.9).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProdigyError, errorMessage } from '../errors';
import type { CommandResult } from './commands';
import type { CaptureFormat, CaptureStreams, WorkflowStep } from '../workflow/model';
import type { Variables } from './interpolation';
import { interpolate } from './interpolation';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './jsonDepth';
import { MAX_KEPT } from '../process/runProcess';
import { writeNewFileSync } from '../storage/fileWrite';

/** Output without its trailing newline(s): `echo 42` captures "42". */
export function outputText(stdout: string): string {
  return stdout.replace(/\n+$/, '');
}

export function formatCapture(text: string, format: CaptureFormat, success: boolean, what: string): unknown {
  switch (format) {
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new ProdigyError(`${what}: output is not JSON (capture_format: json): ${errorMessage(err)}`);
      }
      if (nestedDeeperThan(value))
        throw new ProdigyError(
          `${what}: output is JSON nested more than ${MAX_JSON_DEPTH} levels deep (capture_format: json)`,
        );
      return value;
    }
    case 'lines':
      return text.split('\n').filter((l) => l.length > 0);
    case 'number': {
      const n = Number(text.trim());
      if (text.trim() === '' || Number.isNaN(n))
        throw new ProdigyError(`${what}: output "${text.slice(0, 40)}" is not a number (capture_format: number)`);
      return n;
    }
    case 'boolean': {
      const t = text.trim().toLowerCase();
      return t === 'true' ? true : t === 'false' ? false : success;
    }
    default:
      return text;
  }
}

/** The variables a finished step sets, by its capture options. Throws when a format does not fit. */
export function captureVariables(step: WorkflowStep, res: CommandResult): Variables {
  const out: Variables = {};
  if (res.stdoutCut && (step.capture || step.capture_output !== false))
    throw new ProdigyError(
      `Step '${step.display}': output is longer than the ${MAX_KEPT / 1024 / 1024} MiB a capture can hold`,
    );
  const text = capturedText(step, res);
  if (step.capture_output !== false) {
    out[step.capture_output === true ? `${step.kind}.output` : step.capture_output] = text;
    out.CAPTURED_OUTPUT = text;
  }
  if (step.capture) out[step.capture] = formatCapture(text, step.capture_format, res.success, `Step '${step.display}'`);
  return { ...out, ...failedCaptureStatus(step, res) };
}

/**
 * The captured text, by `capture_streams`: stdout (the default), stderr, or both (stdout, then stderr). The docs
 * say `stderr: true` both "includes stderr in the output" and sets `${name.stderr}`: both are done.
 */
function capturedText(step: WorkflowStep, res: CommandResult): string {
  const streams = step.capture_streams;
  if (!streams) return outputText(res.stdout);
  const parts = [streams.stdout ? outputText(res.stdout) : '', streams.stderr ? outputText(res.stderr) : ''];
  return parts.filter((p) => p !== '').join('\n');
}

/** The metadata of every named capture (`capture: x`, `capture_output: x`): set after a failed run too. */
export function failedCaptureStatus(step: WorkflowStep, res: CommandResult): Variables {
  const out: Variables = {};
  const names = new Set([step.capture, typeof step.capture_output === 'string' ? step.capture_output : undefined]);
  for (const name of names) if (name) Object.assign(out, captureStatus(name, res, step.capture_streams));
  return out;
}

/**
 * `${name.exit_code}`, `.success`, `.duration` (seconds), `.stderr`. Without `capture_streams` all of them (stderr when
 * there was some); with it, the ones it turns on (exit_code, success, duration default on; stderr off).
 */
export function captureStatus(name: string, res: CommandResult, streams?: CaptureStreams): Variables {
  const out: Variables = {};
  if (streams?.exit_code ?? true) out[`${name}.exit_code`] = res.exitCode;
  if (streams?.success ?? true) out[`${name}.success`] = res.success;
  if (streams?.duration ?? true) out[`${name}.duration`] = Math.round(res.durationMs) / 1000;
  if (streams ? streams.stderr : res.stderr) out[`${name}.stderr`] = outputText(res.stderr);
  return out;
}

export function writeOutputFile(step: WorkflowStep, cwd: string, vars: Variables, stdout: string): void {
  if (!step.output_file) return;
  const file = path.resolve(cwd, interpolate(step.output_file, vars));
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeNewFileSync(file, stdout);
  } catch (err) {
    throw new ProdigyError(`Step '${step.display}': output_file: ${errorMessage(err)}`);
  }
}
