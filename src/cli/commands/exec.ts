// `exec "<claude:|shell: …>"` and `batch <glob> --command …`: Prodigy's one-command runs. Each writes the workflow it
// stands for into the home (core: workflow/generated.ts) and runs it exactly as `run` runs a file: a session, its
// worktree, the merge question, Ctrl-C → Paused, and a resume that reads the same workflow again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { batchFiles, parseCommandStep, writeBatchWorkflow, writeExecWorkflow, type SessionManager } from '../../core';
import { plural } from '../format';
import { UsageError, type Io } from '../io';
import { runCommand } from './run';
import type { TerminalFlags } from './runOutput';

interface OneCommandFlags extends TerminalFlags {
  retry?: number;
  timeout?: number;
  path?: string;
}

/** Prodigy's default for `batch --parallel`. */
const DEFAULT_PARALLEL = 5;

export async function execCommand(
  manager: SessionManager,
  io: Io,
  command: string,
  flags: OneCommandFlags,
): Promise<number> {
  const step = parseCommandStep(command);
  if (typeof step === 'string') throw new UsageError(step);
  checkPath(flags.path);
  const workflow = writeExecWorkflow(manager.paths, step, { attempts: flags.retry, timeout: flags.timeout });
  return runGenerated(manager, io, workflow.file, flags);
}

export async function batchCommand(
  manager: SessionManager,
  io: Io,
  pattern: string,
  flags: OneCommandFlags & { command?: string; parallel?: number },
): Promise<number> {
  if (flags.command === undefined) throw new UsageError('--command is required, as in --command "claude: /add-types"');
  const step = parseCommandStep(flags.command);
  if (typeof step === 'string') throw new UsageError(`--command ${step}`);
  checkPath(flags.path);
  const files = batchFiles(pattern, path.resolve(flags.path ?? '.'));
  const workflow = writeBatchWorkflow(manager.paths, pattern, files, step, {
    attempts: flags.retry,
    timeout: flags.timeout,
    parallel: flags.parallel ?? DEFAULT_PARALLEL,
  });
  if (!flags.json)
    io.out(
      `Batch: ${plural(files.length, 'file')} matching ${pattern}, ${flags.parallel ?? DEFAULT_PARALLEL} at a time`,
    );
  return runGenerated(manager, io, workflow.file, flags);
}

function checkPath(dir: string | undefined): void {
  if (dir !== undefined && !fs.existsSync(dir)) throw new UsageError(`--path ${dir} does not exist`);
}

/** `run <generated file>` with the run options these commands share; the rest as a plain run has them. */
function runGenerated(manager: SessionManager, io: Io, file: string, flags: OneCommandFlags): Promise<number> {
  return runCommand(manager, io, file, {
    ...flags,
    noWorktree: false,
    args: [],
    map: [],
    param: [],
    dryRun: false,
  });
}
