// Runs workflows in the extension host, several at once, on the core engine. It owns the
// AbortControllers of this window's runs, streams their output to the Prodigy output channel
// (prefixed by session; Claude steps as readable activity lines, never their JSON), shows a cancellable
// progress notification, asks the merge question, and tells the status bar and the tree what is running,
// down to the tool Claude runs now. No session logic lives here.
// It outlives a Prodigy home: each call names the home's manager (or paths) it is about, and a run
// keeps the manager it started with, so it finishes on its home even if `prodigy.home` changes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  findExecutable,
  jobProgressText,
  liveLockHolder,
  resumeLockHolder,
  loadWorkflowFile,
  resumeWorkflow,
  retryDeadLetters,
  runWorkflow,
  stepText,
  type EngineEvent,
  type EngineOptions,
  type HomePaths,
  type RunOutcome,
  type SessionManager,
} from '../../core';
import { readSettings } from '../config';
import { Disposable, toDisposable } from '../lifecycle';
import {
  askMerge,
  showBudgetReached,
  resumeProgressTitle,
  retryProgressTitle,
  runProgressTitle,
  showClaudeNotFound,
  showRunCompleted,
  showRunFailed,
  showRunNotMerged,
  showRunStopped,
  type MergeAnswer,
} from '../messages';
import type { Liveness } from '../sessionsTree/contextValues';
import { Throttle } from '../throttle';
import { runningFiles, type RunningFile } from './runningFiles';

const SESSIONS_VIEW = 'prodigy.sessions';

/** Asks before a second run of a workflow file this window runs already (two identical runs are rarely meant). */
async function confirmSecondRun(run: RunningFile): Promise<boolean> {
  const where = run.total ? ` (step ${run.step}/${run.total})` : '';
  const again = 'Start Another Run';
  const answer = await vscode.window.showWarningMessage(
    `${run.workflowName || 'This workflow'} is already running${where}. Start a second run of it?`,
    { modal: true, detail: 'Both runs would work on the same repository, each in its own session.' },
    again,
  );
  return answer === again;
}

/**
 * How often, at most, Claude's activity re-renders the tree row and the status bar: a stream can bring many
 * lines a second, and a label that changes faster than this cannot be read anyway.
 */
export const ACTIVITY_REFRESH_MS = 250;

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
  startedAt: number;
  abort: AbortController;
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
}

export class RunController extends Disposable {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeRuns = this.changed.event;
  private readonly events = this._register(new vscode.EventEmitter<EngineEvent>());
  /** Every engine event of this window's runs (the session log view follows it). */
  readonly onEngineEvent = this.events.event;
  /** The session this window ran most recently (the status bar shows how it ended). */
  lastSessionId: string | undefined;
  private readonly discardAfterRun = new Set<string>();
  /** Claude's activity changes the rows at most every ACTIVITY_REFRESH_MS. */
  private readonly activity = this._register(new Throttle(ACTIVITY_REFRESH_MS, () => this.changed.fire()));

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    // The editor follows this window's runs: its lenses and its title button (runningFiles.ts).
    this._register(this.onDidChangeRuns(() => this.publishRunningFiles()));
    this._register(vscode.window.onDidChangeActiveTextEditor(() => runningFiles.updateContextKey()));
    // Registered last, so released first: every run of this window is told to stop before anything else goes.
    this._register(
      toDisposable(() => {
        for (const run of this.runs.values()) run.abort.abort();
      }),
    );
  }

  private publishRunningFiles(): void {
    for (const run of this.runs.values()) {
      runningFiles.set(run.workflowPath, {
        sessionId: run.sessionId,
        workflowName: run.workflowName,
        step: run.step,
        total: run.total,
        doing: run.tool ?? run.display,
      });
    }
  }

  active(): ActiveRun[] {
    return [...this.runs.values()];
  }

  isRunningHere(id: string): boolean {
    return this.runs.has(id);
  }

  /** The tool Claude runs now in this window's run of `id` (`Bash: cargo test`), or null. */
  currentTool(id: string): string | null {
    return this.runs.get(id)?.tool ?? null;
  }

  /** The agents a MapReduce job of this window runs now: item id → agent id. */
  runningAgents(id: string): ReadonlyMap<string, string> {
    return this.runs.get(id)?.job?.agents ?? new Map();
  }

  /** The sessions whose rows a change of runs may change: those running here, and the last one run. */
  sessionsToRefresh(): string[] {
    return [...this.runs.keys(), ...(this.lastSessionId ? [this.lastSessionId] : [])];
  }

  /**
   * Whether a Running session has a live process: this window, another process holding its resume
   * lock, or none. Our engine always holds the lock while it runs, so a session it ran (it has a
   * log here) without a live holder was interrupted. Real prodigy takes no lock while running:
   * its sessions stay 'unknown'.
   */
  liveness(id: string, paths: HomePaths): Liveness {
    if (this.runs.has(id)) return 'here';
    try {
      if (liveLockHolder(paths.resumeLocksDir, id) !== null) return 'elsewhere';
      return fs.existsSync(paths.sessionLogFile(id)) ? 'interrupted' : 'unknown';
    } catch {
      return 'unknown';
    }
  }

  async run(
    manager: SessionManager,
    file: string,
    folder: string,
    request: RunRequest = {},
  ): Promise<RunOutcome | undefined> {
    const workflow = loadWorkflowFile(file);
    const already = runningFiles.get(file);
    if (already && !request.again && !(await confirmSecondRun(already))) return undefined;
    if (
      !this.claudeAvailable(
        workflow.steps.some((s) => s.kind === 'claude' || s.on_failure?.handlers.some((h) => h.kind === 'claude')),
      )
    )
      return undefined;
    return this.track(runProgressTitle(workflow.name || path.basename(file)), request, (engine) =>
      runWorkflow({
        ...engine,
        manager,
        workflowFile: file,
        projectDir: folder,
        worktree: readSettings().worktreeEnabled,
        iterations: request.iterations,
        inputs: request.inputs,
      }),
    );
  }

  async resume(manager: SessionManager, sessionId: string, request: RunRequest = {}): Promise<RunOutcome | undefined> {
    if (this.runs.has(sessionId)) throw new Error(`Session ${sessionId} is already running in this window`);
    if (!this.claudeAvailable(true, true)) return undefined;
    const title = resumeProgressTitle(await nameOf(manager, sessionId));
    return this.track(title, request, (engine) => resumeWorkflow({ ...engine, manager, sessionId }));
  }

  /** Runs a MapReduce session's failed items again. */
  async retryFailedItems(
    manager: SessionManager,
    sessionId: string,
    request: RunRequest = {},
  ): Promise<RunOutcome | undefined> {
    if (this.runs.has(sessionId)) throw new Error(`Session ${sessionId} is already running in this window`);
    const title = retryProgressTitle(await nameOf(manager, sessionId));
    return this.track(title, request, (engine) => retryDeadLetters({ ...engine, manager, sessionId }));
  }

  /**
   * Stops a run: this window's by its AbortController, another process's (found by its resume lock in
   * `paths`) with SIGINT: it pauses itself.
   */
  stop(sessionId: string, paths: HomePaths): 'stopped' | 'signalled' | 'not-running' {
    const run = this.runs.get(sessionId);
    if (run) {
      run.abort.abort();
      return 'stopped';
    }
    // Only a process on this machine: another host's pid names some unrelated process here.
    const holder = resumeLockHolder(paths.resumeLocksDir, sessionId);
    if (!holder?.local || holder.pid === process.pid) return 'not-running';
    process.kill(holder.pid, 'SIGINT');
    return 'signalled';
  }

  /** Checks the Claude CLI up front when a run may need it; offers the setting when it is missing. */
  private claudeAvailable(needed: boolean, maybe = false): boolean {
    if (!needed) return true;
    const { command } = readSettings().claude;
    if (findExecutable(command)) return true;
    if (maybe) return true; // a resume may have only shell steps left; the engine reports it if not
    showClaudeNotFound(command);
    return false;
  }

  private async track(
    title: string,
    request: RunRequest,
    /** Starts the engine with the options every run from this window shares (settings, listener, stop). */
    start: (engine: Omit<EngineOptions, 'manager'>) => Promise<RunOutcome>,
  ): Promise<RunOutcome> {
    const abort = new AbortController();
    let report: ((text: string, increment?: number) => void) | undefined;
    let current: ActiveRun | undefined;
    const listener = (e: EngineEvent) => {
      this.onEvent(e);
      if (e.type === 'session-created') {
        current = {
          sessionId: e.sessionId,
          workflowName: e.workflowName,
          workflowPath: e.workflowPath,
          step: 0,
          total: e.totalSteps,
          display: '',
          tool: null,
          startedAt: Date.now(),
          abort,
        };
        this.runs.set(e.sessionId, current);
        this.lastSessionId = e.sessionId;
        this.changed.fire();
        // A new run is shown and selected in the Sessions view (a resume's row is there already).
        if (request.progress !== false)
          void vscode.commands.executeCommand('prodigy.revealSession', e.sessionId).then(undefined, () => undefined);
      } else if (e.type === 'step-started' && current) {
        current.step = e.index + 1;
        current.display = e.display;
        current.tool = null;
        report?.(`${stepText(e.index + 1, e.total)}: ${shorten(e.display)}`, e.total ? 100 / e.total : undefined);
        this.changed.fire();
      } else if (current && (e.type === 'phase' || e.type === 'agent-started' || e.type === 'agent-finished')) {
        const job = (current.job ??= { phase: 'Setup', processed: 0, failed: 0, total: 0, agents: new Map() });
        if (e.type === 'phase') {
          job.phase = e.phase;
          job.total = e.total;
        } else if (e.type === 'agent-started') job.agents.set(e.itemId, e.agentId);
        else {
          job.agents.delete(e.itemId);
          Object.assign(job, { processed: e.processed, failed: e.failed, total: e.total });
          if (e.total) report?.(jobProgressText(job), 100 / e.total);
        }
        this.changed.fire();
      } else if (current && (e.type === 'claude-activity' || e.type === 'claude-call') && e.itemId === null) {
        // A MapReduce job's agents run side by side: their activity goes to the output, not to one row.
        const tool = e.type === 'claude-activity' ? e.tool : null;
        if (tool !== current.tool) {
          current.tool = tool;
          this.activity.schedule();
        }
      }
    };
    const confirmMerge = async (q: { sessionId: string; branch: string; target: string; commits: number }) => {
      const answer = request.merge ?? (await askMerge(q));
      if (answer === 'discard') this.discardAfterRun.add(q.sessionId);
      return answer === 'merge' ? 'merge' : 'keep';
    };
    const { claude, merge, mergeConflicts } = readSettings();
    const execute = () => start({ claude, merge, mergeConflicts, confirmMerge, listener, signal: abort.signal });
    try {
      // Progress lives on the Sessions view and in the status bar, never in a notification that stays for the
      // whole run (it covered the Output panel and stacked): Stop is on the row, the status bar and the editor.
      const outcome =
        request.progress === false
          ? await execute()
          : await vscode.window.withProgress({ location: { viewId: SESSIONS_VIEW }, title }, (progress) => {
              report = (message, increment) => progress.report({ message, increment });
              return execute();
            });
      await this.afterRun(outcome);
      return outcome;
    } finally {
      if (current) {
        this.runs.delete(current.sessionId);
        if (![...this.runs.values()].some((r) => r.workflowPath === current!.workflowPath))
          runningFiles.set(current.workflowPath, undefined);
      }
      this.changed.fire();
    }
  }

  private async afterRun(outcome: RunOutcome): Promise<void> {
    const id = outcome.sessionId;
    // The user already chose Discard in the merge question (or passed it): no second confirmation.
    if (this.discardAfterRun.delete(id))
      await vscode.commands.executeCommand('prodigy.discardSessionWork', id, { confirm: true });
    if (outcome.status === 'Failed') showRunFailed(id, outcome.error);
    // A pause with a reason is the engine's own (the Claude budget); a plain pause is the user's stop.
    else if (outcome.status === 'Paused' && outcome.error) showBudgetReached(id, outcome.error);
    else if (outcome.status === 'Paused') showRunStopped(id);
    else if (outcome.merge?.status === 'conflict' || outcome.merge?.status === 'failed')
      showRunNotMerged(id, outcome.merge.message);
    else showRunCompleted(id, outcome.merge?.status === 'merged');
  }

  private onEvent(e: EngineEvent): void {
    this.events.fire(e);
    const prefix = e.sessionId ? `[${e.sessionId}] ` : '';
    switch (e.type) {
      case 'output':
        this.log.info(`${prefix}  ${e.line}`);
        break;
      case 'claude-activity':
        // Readable lines only (the core keeps the JSON in the stream file); an agent's lines name its item.
        this.log.info(`${prefix}${e.itemId ? `${e.itemId}: ` : ''}  ${e.text}`);
        break;
      case 'message':
        if (e.level === 'error') this.log.error(`${prefix}${e.text}`);
        else if (e.level === 'warning') this.log.warn(`${prefix}${e.text}`);
        else this.log.info(`${prefix}${e.text}`);
        break;
      case 'session-finished':
        this.log.info(`${prefix}finished: ${e.status}${e.error ? ` (${firstLine(e.error)})` : ''}`);
        break;
      default:
        break;
    }
  }
}

/** The workflow's name for messages (the id when it has none). */
async function nameOf(manager: SessionManager, sessionId: string): Promise<string> {
  try {
    const s = await manager.getSession(sessionId);
    return (
      s.workflow_data?.workflow_name ||
      (typeof s.metadata.workflow_name === 'string' ? s.metadata.workflow_name : '') ||
      sessionId
    );
  } catch {
    return sessionId;
  }
}

function shorten(text: string, max = 70): string {
  const line = text.split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function firstLine(text: string | null): string {
  return (text ?? '').split('\n')[0];
}
