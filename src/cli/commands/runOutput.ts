// A run in a terminal: the Claude command, the merge question, exit codes, and Ctrl-C, which stops the
// step in flight and leaves the session Paused. How its events are printed is runDetail's.
import * as readline from 'node:readline/promises';
import {
  DEFAULT_CLAUDE_CONFIG,
  type ClaudeConfig,
  type EngineEvent,
  type EngineOptions,
  type MergeDecision,
  type MergeOutcome,
  type RunOutcome,
  type SessionManager,
} from '../../core';
import type { Io } from '../io';
import { RunDetail } from './runDetail';

/** The Claude command: --claude-command, else PRODIGY_CLAUDE_COMMAND, else `claude`. */
export function claudeConfig(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ClaudeConfig {
  const command = flag?.trim() || env.PRODIGY_CLAUDE_COMMAND?.trim();
  return command ? { ...DEFAULT_CLAUDE_CONFIG, command } : DEFAULT_CLAUDE_CONFIG;
}

/**
 * Asks on the terminal. A question needs a person who sees it and answers: stdin and stdout both a terminal,
 * and no --json (its stdout is for a program: `run --json | jq` typed in a terminal has a TTY stdin, but the
 * question would land in the pipe and the JSON would not parse). Otherwise (scripts, CI, pipes, --json) the
 * branch is kept and the way to merge later printed.
 */
export function mergeQuestion(
  flags: { yes: boolean; json: boolean },
  terminal: { stdin: boolean; stdout: boolean } = { stdin: !!process.stdin.isTTY, stdout: !!process.stdout.isTTY },
): {
  policy: 'always' | 'ask';
  confirm?: (q: { branch: string; target: string; commits: number }) => Promise<MergeDecision>;
} {
  if (flags.yes) return { policy: 'always' };
  if (flags.json || !terminal.stdin || !terminal.stdout) return { policy: 'ask' };
  return {
    policy: 'ask',
    confirm: async (q) => {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      try {
        const answer = (await rl.question(`Merge ${q.branch} (${q.commits} new commits) into ${q.target}? [Y/n] `))
          .trim()
          .toLowerCase();
        return answer === '' || answer === 'y' || answer === 'yes' ? 'merge' : 'keep';
      } finally {
        rl.close();
      }
    },
  };
}

/** An AbortSignal fired by the first Ctrl-C or SIGTERM; a second one exits at once. */
export function stopSignal(io: Io): {
  signal: AbortSignal;
  dispose: () => void;
  received: () => NodeJS.Signals | null;
} {
  const controller = new AbortController();
  let got: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (got) process.exit(sig === 'SIGINT' ? 130 : 143);
    got = sig;
    io.err(
      `\n⚠️  ${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping the running step; the session will be Paused (Ctrl-C again to quit at once)`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    received: () => got,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export function describeMerge(m: MergeOutcome | undefined): string | null {
  if (!m) return null;
  switch (m.status) {
    case 'merged':
      return `Merged ${m.commits} commit(s) into ${m.target}`;
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

/** 0 completed (and merged or kept), 1 failed, 3 completed but the merge did not happen, 130/143 stopped. */
export function exitCodeOf(outcome: RunOutcome, stoppedBy: NodeJS.Signals | null): number {
  if (outcome.status === 'Paused') return stoppedBy === 'SIGTERM' ? 143 : 130;
  if (outcome.status !== 'Completed') return 1;
  return outcome.merge && (outcome.merge.status === 'conflict' || outcome.merge.status === 'failed') ? 3 : 0;
}

/** The options every command that runs steps takes. */
export interface TerminalFlags {
  yes: boolean;
  json: boolean;
  claudeCommand?: string;
  /** -v count: see RunDetail. */
  verbose: number;
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
): Promise<{ outcome: RunOutcome; stoppedBy: NodeJS.Signals | null }> {
  const stop = stopSignal(io);
  const merge = mergeQuestion(flags);
  const claude = claudeConfig(flags.claudeCommand);
  const detail = new RunDetail(manager, io, flags.verbose, claude);
  try {
    const outcome = await start({
      manager,
      signal: stop.signal,
      claude,
      merge: merge.policy,
      confirmMerge: merge.confirm,
      listener: (e) => {
        onEvent?.(e);
        if (!flags.json) detail.print(e);
      },
    });
    return { outcome, stoppedBy: stop.received() };
  } finally {
    await detail.flushed();
    stop.dispose();
  }
}
