// A run in a terminal: the Claude command, the merge question, exit codes, and Ctrl-C, which stops the
// step in flight and leaves the session Paused. How its events are printed is runDetail's.
import * as os from 'node:os';
import * as readline from 'node:readline/promises';
import {
  DEFAULT_CLAUDE_CONFIG,
  ProdigyError,
  type ClaudeConfig,
  type EngineEvent,
  type EngineOptions,
  type MergeDecision,
  type MergeOutcome,
  type RunOutcome,
  type SessionManager,
} from '../../core';
import type { Io } from '../io';
import { plural } from '../format';
import { mergeConflictMode, MERGE_CONFLICT_MODES, type MergeConflictMode } from '../values';
import { ValueError } from '../spec';
import { EventsFile } from './eventsFile';
import { RunDetail } from './runDetail';

/**
 * The Claude command: --claude-command, else PRODIGY_CLAUDE_COMMAND, else `claude`; and the session's budget
 * (--max-cost). Streaming or print mode is the engine's choice (PRODIGY_CLAUDE_STREAMING in the run's environment).
 */
export function claudeConfig(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  maxCostUsd?: number,
): ClaudeConfig {
  const command = flag?.trim() || env.PRODIGY_CLAUDE_COMMAND?.trim();
  return {
    ...DEFAULT_CLAUDE_CONFIG,
    ...(command ? { command } : {}),
    ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
  };
}

/** --merge-conflicts, else PRODIGY_MERGE_CONFLICTS (checked like the flag), else the engine's default. */
export function mergeConflictsOf(
  flag: MergeConflictMode | undefined,
  env: NodeJS.ProcessEnv = process.env,
): MergeConflictMode | undefined {
  if (flag) return flag;
  const raw = env.PRODIGY_MERGE_CONFLICTS?.trim();
  if (!raw) return undefined;
  try {
    return mergeConflictMode(raw);
  } catch (err) {
    if (err instanceof ValueError)
      throw new ProdigyError(
        `PRODIGY_MERGE_CONFLICTS must be ${MERGE_CONFLICT_MODES.join(' or ')}, not "${raw}" (unset it, or pass --merge-conflicts)`,
      );
    throw err;
  }
}

/**
 * Asks on the terminal. A question needs a person who sees it and answers: stdin and stdout both a terminal,
 * and no --json (its stdout is for a program: `run --json | jq` typed in a terminal has a TTY stdin, but the
 * question would land in the pipe and the JSON would not parse). Otherwise (scripts, CI, pipes, --json) the
 * branch is kept and the way to merge later printed.
 */
export function mergeQuestion(
  flags: { yes: boolean; json: boolean },
  io: Io,
  stop: StopSignal,
  terminal: { stdin: boolean; stdout: boolean } = { stdin: !!process.stdin.isTTY, stdout: !!process.stdout.isTTY },
): {
  policy: 'always' | 'ask';
  confirm?: (q: { branch: string; target: string; commits: number }) => Promise<MergeDecision>;
  /** The question ended without an answer (Ctrl-C, end of input, a stop signal): the branch was kept. */
  unanswered: () => boolean;
} {
  let unanswered = false;
  const result = { unanswered: () => unanswered };
  if (flags.yes) return { ...result, policy: 'always' };
  if (flags.json || !terminal.stdin || !terminal.stdout) return { ...result, policy: 'ask' };
  return {
    ...result,
    policy: 'ask',
    confirm: async (q) => {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      // readline holds the terminal in raw mode while it asks: Ctrl-C arrives as a key, which readline turns
      // into its own SIGINT event (without a listener it closes and the question rejects: the run, though
      // complete, ended as an error). Here Ctrl-C, like a stop signal, means: do not merge now, keep the branch.
      const typed = new AbortController();
      rl.on('SIGINT', () => typed.abort());
      stop.quiet(true);
      try {
        const answer = (
          await rl.question(`Merge ${q.branch} (${plural(q.commits, 'new commit')}) into ${q.target}? [Y/n] `, {
            signal: AbortSignal.any([typed.signal, stop.signal]),
          })
        )
          .trim()
          .toLowerCase();
        return answer === '' || answer === 'y' || answer === 'yes' ? 'merge' : 'keep';
      } catch {
        unanswered = true;
        // A cancelled question ends its line itself (readline's clearLine); end of input (Ctrl-D) does not.
        const cancelled = typed.signal.aborted || stop.signal.aborted;
        const why = typed.signal.aborted ? 'Ctrl-C' : (stop.received() ?? 'No answer');
        io.err(`${cancelled ? '' : '\n'}⚠️  ${why}: not merging; the branch is kept`);
        return 'keep';
      } finally {
        stop.quiet(false);
        rl.close();
      }
    },
  };
}

export interface StopSignal {
  signal: AbortSignal;
  dispose: () => void;
  received: () => NodeJS.Signals | null;
  /** While on, a stop is not announced as stopping a step: the merge question says what it means there. */
  quiet: (on: boolean) => void;
}

/**
 * Ctrl-C, SIGTERM, and SIGHUP (the terminal closed): each stops the step. Unhandled, SIGHUP would end the CLI
 * at once and leave the step running in its own process group, and the session Running.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** An AbortSignal fired by the first stop signal; a second one exits at once. */
export function stopSignal(io: Io): StopSignal {
  const controller = new AbortController();
  let got: NodeJS.Signals | null = null;
  let quiet = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (got) process.exit(128 + os.constants.signals[sig]);
    got = sig;
    if (!quiet)
      io.err(
        `\n⚠️  ${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping the running step; the session will be Paused (Ctrl-C again to quit at once)`,
      );
    controller.abort();
  };
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  return {
    signal: controller.signal,
    received: () => got,
    quiet: (on) => (quiet = on),
    dispose: () => {
      for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
    },
  };
}

export function describeMerge(m: MergeOutcome | undefined): string | null {
  if (!m) return null;
  switch (m.status) {
    case 'merged':
      return `Merged ${plural(m.commits, 'commit')} into ${m.target}`;
    case 'up-to-date':
      return `Nothing to merge into ${m.target}`;
    case 'kept':
      return `Branch ${m.branch} kept (not merged into ${m.target})`;
    default:
      return m.message;
  }
}

/**
 * Under --json, stdout is the JSON alone: a branch kept without asking is said on stderr, with the way to
 * merge it later (without --json the engine's own message says it, with the rest of the run).
 */
export function noteKeptBranch(io: Io, outcome: RunOutcome): void {
  const m = outcome.merge;
  if (m?.status === 'kept')
    io.err(
      `Branch ${m.branch} kept (not merged into ${m.target}). Merge later with: prodigy-vscode merge ${outcome.sessionId}`,
    );
}

/**
 * 0 completed (and merged, or kept as answered), 1 failed, 3 completed but the merge did not happen (a conflict,
 * a failing merge step, the question left with Ctrl-C), 128 + the signal's number stopped (130 Ctrl-C, 143
 * SIGTERM, 129 SIGHUP). A session Paused without a signal (its --max-cost reached) is 130, as a pause is.
 */
export function exitCodeOf(outcome: RunOutcome, stoppedBy: NodeJS.Signals | null, mergeUnanswered = false): number {
  if (outcome.status === 'Paused') return 128 + os.constants.signals[stoppedBy ?? 'SIGINT'];
  if (outcome.status !== 'Completed') return 1;
  const m = outcome.merge;
  return m && (m.status === 'conflict' || m.status === 'failed' || (m.status === 'kept' && mergeUnanswered)) ? 3 : 0;
}

/** The options every command that runs steps takes. */
export interface TerminalFlags {
  yes: boolean;
  json: boolean;
  claudeCommand?: string;
  /** --max-cost (run, resume): no new Claude call once the session's calls cost this much. */
  maxCost?: number;
  /** --merge-conflicts (run, resume). */
  mergeConflicts?: MergeConflictMode;
  /** -v count: see RunDetail. */
  verbose: number;
  /** Hidden --events FILE: the events as JSON lines, for the VS Code window that started this run. */
  events?: string;
  /** Hidden --claude-args JSON: the prodigy.claude.args setting. */
  claudeArgs?: string[];
}

/**
 * What `run`, `resume` and `dlq retry` share in a terminal: Ctrl-C stops the step (the session
 * pauses), the merge question, the Claude command, events printed unless --json (more with -v).
 */
export async function inTerminal(
  manager: SessionManager,
  io: Io,
  flags: TerminalFlags,
  start: (options: EngineOptions) => Promise<RunOutcome>,
  onEvent?: (e: EngineEvent) => void,
): Promise<{ outcome: RunOutcome; code: number }> {
  // Checked before anything starts: a bad PRODIGY_MERGE_CONFLICTS is one error, not a run that fails at its end.
  const mergeConflicts = mergeConflictsOf(flags.mergeConflicts);
  const claude = {
    ...claudeConfig(flags.claudeCommand, process.env, flags.maxCost),
    ...(flags.claudeArgs ? { args: flags.claudeArgs } : {}),
  };
  const stop = stopSignal(io);
  const merge = mergeQuestion(flags, io, stop);
  const detail = new RunDetail(manager, io, flags.verbose, claude);
  const events = flags.events ? new EventsFile(flags.events) : undefined;
  try {
    const outcome = await start({
      manager,
      signal: stop.signal,
      claude,
      ...(mergeConflicts ? { mergeConflicts } : {}),
      merge: merge.policy,
      confirmMerge: merge.confirm,
      listener: (e) => {
        events?.event(e);
        onEvent?.(e);
        if (!flags.json) detail.print(e);
      },
    });
    const code = exitCodeOf(outcome, stop.received(), merge.unanswered());
    events?.finish(outcome, code);
    return { outcome, code };
  } finally {
    events?.close();
    await detail.flushed();
    stop.dispose();
  }
}
