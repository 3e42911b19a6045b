// A run as this window follows it: what the caller asked for (RunRequest), how its engine is started (Launch),
// its live state once the session is known (ActiveRun), and how each engine event changes that state
// (applyEvent). The run controller keeps the runs and shows what changed; nothing here touches the window.
import {
  jobProgressText,
  stepText,
  type EngineEvent,
  type EngineOptions,
  type RunOutcome,
  type SessionManager,
} from '../../core';
import type { MergeAnswer } from '../messages/runs';

export interface ActiveRun {
  sessionId: string;
  workflowName: string;
  /** The workflow file, as the run loaded it. */
  workflowPath: string;
  /** 1-based step running now (0 before the first). */
  step: number;
  total: number;
  display: string;
  /** The tool Claude runs now in this run's step (`Bash: cargo test`), null between tools and outside Claude. */
  tool: string | null;
  /** The running foreach step's items: how many are finished, of how many (null outside a foreach). */
  foreach: { done: number; total: number } | null;
  startedAt: number;
  abort: AbortController;
  /** The pid of the detached process that runs it (null: the engine runs in this extension host). */
  runner: number | null;
  /** MapReduce jobs: phase and item counts, and the agents running now (item id → agent id). */
  job?: { phase: string; processed: number; failed: number; total: number; agents: Map<string, string> };
}

export interface RunRequest {
  /** Answer to the end-of-run merge question, for tests and scripted use. */
  merge?: MergeAnswer;
  /** Show progress on the Sessions view and reveal the new run there (default true). */
  progress?: boolean;
  /** Start even when this workflow file already runs in this window (else the user is asked first). */
  again?: boolean;
  /** `-n`: repeat the step list up to this many times. */
  iterations?: number;
  /** Run the step list once per input, with `${ARG}` set to it. */
  inputs?: string[];
  /** `--profile`: one of the workflow's profiles (else its `active_profile:`). */
  profile?: string;
  /** Values of a composable workflow's parameters, as typed (`--param NAME=VALUE`). */
  parameters?: Record<string, string>;
}

/** How a run's engine is started: here, or as a detached runner (`prodigy-vscode <args>`), or one to attach to. */
export type Launch =
  | {
      kind: 'in-process';
      manager: SessionManager;
      start: (engine: Omit<EngineOptions, 'manager'>) => Promise<RunOutcome>;
    }
  | { kind: 'detached'; manager: SessionManager; args: string[]; sessionId?: string; cwd?: string }
  | { kind: 'attach'; manager: SessionManager; sessionId: string; pid: number };

/** One run as this window follows it: its state once the session is known, and its progress report. */
export interface Tracking {
  request: RunRequest;
  abort: AbortController;
  current?: ActiveRun;
  report?: (text: string, increment?: number) => void;
  runner: number | null;
  attached: boolean;
}

/** The end-of-run merge question, answered by the run's request (the run controller keeps what it asks later). */
export type ConfirmMerge = (
  request: RunRequest,
  q: { sessionId: string; branch: string; target: string; commits: number },
) => Promise<'merge' | 'keep'>;

/**
 * What an event changed of a run: it began (`created`: `t.current` is new), its progress (`changed`: shown at
 * once), its Claude tool or foreach items (`activity`: shown throttled), or nothing shown (null).
 */
export type RunChange = 'created' | 'changed' | 'activity' | null;

/** Applies one engine event to the run's state and its progress report; says what the rows must show of it. */
export function applyEvent(t: Tracking, e: EngineEvent): RunChange {
  const current = t.current;
  if (e.type === 'session-created') {
    t.current = {
      sessionId: e.sessionId,
      workflowName: e.workflowName,
      workflowPath: e.workflowPath,
      step: 0,
      total: e.totalSteps,
      display: '',
      tool: null,
      foreach: null,
      startedAt: Date.now(),
      abort: t.abort,
      runner: t.runner,
    };
    return 'created';
  } else if (e.type === 'step-started' && current) {
    current.step = e.index + 1;
    current.display = e.display;
    current.tool = null;
    current.foreach = null;
    t.report?.(`${stepText(e.index + 1, e.total)}: ${shorten(e.display)}`, e.total ? 100 / e.total : undefined);
    return 'changed';
  } else if (current && (e.type === 'phase' || e.type === 'agent-started' || e.type === 'agent-finished')) {
    const job = (current.job ??= { phase: 'Setup', processed: 0, failed: 0, total: 0, agents: new Map() });
    if (e.type === 'phase') {
      job.phase = e.phase;
      job.total = e.total;
    } else if (e.type === 'agent-started') job.agents.set(e.itemId, e.agentId);
    else {
      job.agents.delete(e.itemId);
      Object.assign(job, { processed: e.processed, failed: e.failed, total: e.total });
      if (e.total) t.report?.(jobProgressText(job), 100 / e.total);
    }
    return 'changed';
  } else if (e.type === 'step-finished' && current?.foreach) {
    current.foreach = null;
    return 'activity';
  } else if (e.type === 'foreach-progress' && current && e.itemId === null) {
    // An agent's foreach is its own (agents run side by side); the main run's shows on its row, throttled as
    // Claude's activity is: a foreach of quick items can finish many a second.
    current.foreach = { done: e.done, total: e.total };
    return 'activity';
  } else if (current && (e.type === 'claude-activity' || e.type === 'claude-call') && e.itemId === null) {
    // A MapReduce job's agents run side by side: their activity goes to the output, not to one row.
    const tool = e.type === 'claude-activity' ? e.tool : null;
    if (tool !== current.tool) {
      current.tool = tool;
      return 'activity';
    }
  }
  return null;
}

function shorten(text: string, max = 70): string {
  const line = text.split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
