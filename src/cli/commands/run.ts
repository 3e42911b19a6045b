// `run`, `resume` and `merge`: the workflow engine from a terminal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  inputsFromPatterns,
  mergeSession,
  previewWorkflow,
  readTotals,
  resumeWorkflow,
  runWorkflow,
  type ClaudeTotals,
  type RunOutcome,
  type SessionManager,
} from '../../core';
import type { MergeConflictMode } from '../values';
import { printJson, UsageError, type Io } from '../io';
import { claudeSums } from './claudeUsage';
import { paramValues } from '../params';
import { restoreBeforeResume } from './restore';
import { RunDetail } from './runDetail';
import {
  claudeConfig,
  describeMerge,
  inTerminal,
  mergeConflictsOf,
  noteKeptBranch,
  type TerminalFlags,
} from './runOutput';

export interface RunFlags extends TerminalFlags {
  path?: string;
  noWorktree: boolean;
  args: string[];
  maxIterations?: number;
  map: string[];
  param: string[];
  paramFile?: string;
  dryRun: boolean;
  /** `--profile NAME`: one of the workflow's profiles. */
  profile?: string;
  /** Prodigy's `run <workflow> --resume <id>`. */
  resume?: string;
}

/** Options that choose what a new run does: with --resume the session decides, so they cannot apply. */
const NEW_RUN_ONLY = [
  ['args', '--args'],
  ['map', '--map'],
  ['param', '--param'],
  ['paramFile', '--param-file'],
  ['maxIterations', '-n/--max-iterations'],
  ['dryRun', '--dry-run'],
  ['noWorktree', '--no-worktree'],
] as const;

export async function runCommand(manager: SessionManager, io: Io, file: string, flags: RunFlags): Promise<number> {
  if (flags.resume !== undefined) {
    // `prodigy run <wf> --resume <id>` goes straight to the resume; the workflow comes from the session.
    const given = NEW_RUN_ONLY.filter(([key]) => {
      const v = flags[key];
      return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== false;
    });
    if (given.length)
      throw new UsageError(
        `--resume continues a session as it was started: ${given.map(([, name]) => name).join(', ')} cannot change it`,
      );
    return resumeCommand(manager, io, flags.resume, flags);
  }
  if (flags.path && !fs.existsSync(flags.path)) throw new UsageError(`--path ${flags.path} does not exist`);
  const passes = runPasses(flags);
  const parameters = paramValues(flags.param, flags.paramFile);
  if (flags.dryRun) {
    const { workflow, lines } = previewWorkflow(file, flags.args, {
      ...passes,
      projectDir: flags.path,
      parameters,
      profile: flags.profile,
    });
    if (flags.json) printJson(io, { dry_run: true, workflow: workflow.path, steps: lines.slice(1) });
    else {
      for (const w of workflow.warnings) io.err(`⚠️  ${workflow.path}:${w.line}:${w.col}: ${w.message}`);
      lines.forEach((l) => io.out(l));
    }
    return 0;
  }
  const { outcome, code } = await inTerminal(
    manager,
    io,
    flags,
    (common) =>
      runWorkflow({
        ...common,
        workflowFile: file,
        projectDir: flags.path,
        args: flags.args,
        ...passes,
        worktree: !flags.noWorktree,
        parameters,
        profile: flags.profile,
      }),
    (e) => {
      if (e.type === 'session-created' && !flags.json) io.out(`Session: ${e.sessionId}`);
    },
  );
  return report(manager, io, outcome, flags.json, code);
}

/** `-n N`, and Prodigy's iterative input mode: `--map` globs, or more than one `--args` (§6.5–6.6). */
function runPasses(flags: RunFlags): { iterations: number; inputs: string[] } {
  const iterations = flags.maxIterations ?? 1;
  const mapped = flags.map.length ? inputsFromPatterns(flags.map, path.resolve(flags.path ?? '.')) : [];
  const inputs = flags.map.length || flags.args.length > 1 ? [...mapped, ...flags.args] : [];
  return { iterations, inputs };
}

export async function resumeCommand(
  manager: SessionManager,
  io: Io,
  id: string,
  flags: TerminalFlags & { profile?: string; fromCheckpoint?: string; force?: boolean },
): Promise<number> {
  if (flags.force && flags.fromCheckpoint === undefined)
    throw new UsageError('--force goes with --from-checkpoint (restore despite uncommitted changes)');
  // Prodigy's `resume --from-checkpoint CP`: the restore `restore <id> <cp>` does (same core function, same refusals),
  // then the resume, from the step after that checkpoint.
  if (flags.fromCheckpoint !== undefined)
    await restoreBeforeResume(manager, io, id, flags.fromCheckpoint, { force: !!flags.force, json: flags.json });
  const { outcome, code } = await inTerminal(manager, io, flags, (common) =>
    resumeWorkflow({ ...common, sessionId: id, profile: flags.profile }),
  );
  return report(manager, io, outcome, flags.json, code);
}

export async function mergeCommand(
  manager: SessionManager,
  io: Io,
  id: string,
  flags: { json: boolean; claudeCommand?: string; mergeConflicts?: MergeConflictMode; verbose: number },
): Promise<number> {
  const mergeConflicts = mergeConflictsOf(flags.mergeConflicts);
  const claude = claudeConfig(flags.claudeCommand);
  const detail = new RunDetail(manager, io, flags.verbose, claude);
  const outcome = await mergeSession({
    manager,
    sessionId: id,
    claude,
    ...(mergeConflicts ? { mergeConflicts } : {}),
    listener: (e) => !flags.json && detail.print(e),
  });
  await detail.flushed();
  if (flags.json) printJson(io, { session_id: id, merge: outcome });
  else io.out(describeMerge(outcome) ?? '');
  return outcome.status === 'conflict' || outcome.status === 'failed' ? 3 : 0;
}

async function report(
  manager: SessionManager,
  io: Io,
  outcome: RunOutcome,
  json: boolean,
  code: number,
): Promise<number> {
  const claude = await claudeTotalsOf(manager, outcome.sessionId);
  if (json) {
    const { checkpoints } = await manager.listCheckpoints(outcome.sessionId);
    printJson(io, {
      session_id: outcome.sessionId,
      status: outcome.status,
      error: outcome.error,
      worktree: outcome.worktree,
      log: outcome.logFile,
      merge: outcome.merge ?? null,
      cost_usd: claude?.total_cost_usd ?? null,
      claude,
      checkpoints: checkpoints
        .filter((c) => c.kind === 'session')
        .map((c) => ({ id: c.id, step_index: c.step_index, step_name: c.step_name, commit: c.commit })),
    });
    noteKeptBranch(io, outcome);
    return code;
  }
  io.out(`Session ${outcome.sessionId}: ${outcome.status}${outcome.error ? ` (${outcome.error.split('\n')[0]})` : ''}`);
  if (claude) io.out(`Claude: ${claudeSums(claude)}`);
  // A Paused session with an error was stopped by its budget (a Ctrl-C pause records none).
  const more = outcome.status === 'Paused' && outcome.error ? ' --max-cost <USD>' : '';
  if (outcome.status !== 'Completed') io.out(`Resume with: prodigy-vscode resume ${outcome.sessionId}${more}`);
  io.out(`Log: ${outcome.logFile}`);
  return code;
}

/** The session's Claude sums (its record's metadata.claude), or null before any call or when it cannot be read. */
async function claudeTotalsOf(manager: SessionManager, id: string): Promise<ClaudeTotals | null> {
  try {
    return readTotals((await manager.getSession(id)).metadata);
  } catch {
    return null;
  }
}
