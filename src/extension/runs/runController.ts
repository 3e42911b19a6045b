// Runs workflows from this window, several at once. By default (`prodigy.runs.detached`) the engine runs in a
// detached `prodigy-vscode` process that outlives the window (detachedRun.ts): the window follows its events
// file, and a reloaded window attaches to the runs still going (attach()). With the setting off, the engine
// runs here, in the extension host. Either way the same events drive the same state: it owns the stop of this
// window's runs, streams their output to the Prodigy output channel (prefixed by session; Claude steps as
// readable activity lines, never their JSON), shows progress on the Sessions view, asks the merge question,
// and tells the status bar and the tree what is running, down to the tool Claude runs now. No session logic
// lives here.
// It outlives a Prodigy home: each call names the home's manager (or paths) it is about, and a run
// keeps the manager it started with, so it finishes on its home even if `prodigy.home` changes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  DEFAULT_CLAUDE_CONFIG,
  findExecutable,
  mergeSession,
  jobProgressText,
  liveLockHolder,
  resumeLockHolder,
  loadWorkflowFile,
  workflowUsesClaude,
  resumeWorkflow,
  rerunReduce,
  retryDeadLetters,
  runWorkflow,
  stepText,
  type EngineEvent,
  type EngineOptions,
  type HomePaths,
  type MergeOutcome,
  type RunOutcome,
  type SessionManager,
} from '../../core';
import { readSettings, type ExtensionSettings } from '../config';
import { Disposable, toDisposable } from '../lifecycle';
import {
  showBudgetReached,
  resumeProgressTitle,
  reduceProgressTitle,
  retryProgressTitle,
  runProgressTitle,
  showReduceStale,
  showClaudeNotFound,
  describeSession,
  showRunCompleted,
  showRunFailed,
  showRunNotMerged,
  showRunStopped,
  type MergeAnswer,
} from '../messages';
import type { Liveness } from '../sessionsTree/contextValues';
import { Throttle } from '../throttle';
import {
  EventsTail,
  eventsFileOf,
  outputTail,
  processAlive,
  removeQuietly,
  sessionsWithEvents,
  startRunner,
  type RunnerOutcome,
} from './detachedRun';
import { askMergeDecision, markAwaitingDecision } from './mergeDecision';
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

/** How often a detached run's events file is read (the row and status bar follow it this closely). */
export const EVENTS_POLL_MS = 200;

/** A rescan of the sessions folder at most this often while a detached run reports record writes. */
const RESCAN_MS = 250;
/** How long after a step's end its record write may come (progressRecorder coalesces writes for 500 ms). */
const RECORD_LAG_MS = 700;
/** The events that come with a write of the session record. */
const RECORD_EVENTS = new Set<EngineEvent['type']>([
  'session-created',
  'step-started',
  'step-finished',
  'session-finished',
  'phase',
  'agent-finished',
  'claude-call',
  // Not a record write, but shown with the step's progress: the write for the step before may just have come.
  'claude-activity',
]);

/** An events file this old with no live runner holding its session was left by a run that ended unseen. */
const STALE_EVENTS_MS = 60_000;

/** How a run's engine is started: here, or as a detached runner (`prodigy-vscode <args>`), or one to attach to. */
type Launch =
  | {
      kind: 'in-process';
      manager: SessionManager;
      start: (engine: Omit<EngineOptions, 'manager'>) => Promise<RunOutcome>;
    }
  | { kind: 'detached'; manager: SessionManager; args: string[]; sessionId?: string; cwd?: string }
  | { kind: 'attach'; manager: SessionManager; sessionId: string; pid: number };

/** One run as this window follows it: its state once the session is known, and its progress report. */
interface Tracking {
  request: RunRequest;
  abort: AbortController;
  current?: ActiveRun;
  report?: (text: string, increment?: number) => void;
  runner: number | null;
  attached: boolean;
}

/** The window closed while it followed a detached run: the run goes on without it. */
class WindowClosed extends Error {}

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
  /** Runs whose merge question nobody answered in advance: asked after the run, as a decision that waits. */
  private readonly askAfterRun = new Set<string>();
  /** Claude's activity changes the rows at most every ACTIVITY_REFRESH_MS. */
  private readonly activity = this._register(new Throttle(ACTIVITY_REFRESH_MS, () => this.changed.fire()));
  private closing = false;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    /** The bundled CLI (`<extension>/dist/cli.js`) that detached runs run. */
    private readonly cli: string,
  ) {
    super();
    // The editor follows this window's runs: its lenses and its title button (runningFiles.ts).
    this._register(this.onDidChangeRuns(() => this.publishRunningFiles()));
    this._register(vscode.window.onDidChangeActiveTextEditor(() => runningFiles.updateContextKey()));
    // Registered last, so released first: every run whose engine runs in this window is told to stop before
    // anything else goes. A detached run goes on: the next window attaches to it.
    this._register(
      toDisposable(() => {
        this.closing = true;
        for (const run of this.runs.values()) if (run.runner === null) run.abort.abort();
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

  /**
   * The step this window's run of `id` is at, from its events (a detached runner's record write can lag behind them
   * by up to half a second), or null (not followed here, a MapReduce job, before the first step).
   */
  currentStep(id: string): { step: number; total: number } | null {
    const run = this.runs.get(id);
    return run && !run.job && run.step > 0 && run.total > 0 ? { step: run.step, total: run.total } : null;
  }

  /** The running foreach step's items in this window's run of `id` (finished, of how many), or null. */
  currentForeach(id: string): { done: number; total: number } | null {
    return this.runs.get(id)?.foreach ?? null;
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
    if (!this.claudeAvailable(workflowUsesClaude(workflow))) return undefined;
    const settings = readSettings();
    const title = runProgressTitle(workflow.name || path.basename(file));
    if (detachedRuns())
      return this.track(title, request, {
        kind: 'detached',
        manager,
        cwd: folder,
        args: ['run', path.resolve(file), '--path', folder, ...newRunFlags(settings, request)],
      });
    return this.track(title, request, {
      kind: 'in-process',
      manager,
      start: (engine) =>
        runWorkflow({
          ...engine,
          manager,
          workflowFile: file,
          projectDir: folder,
          worktree: settings.worktreeEnabled,
          iterations: request.iterations,
          inputs: request.inputs,
          profile: request.profile,
          parameters: Object.fromEntries(
            Object.entries(request.parameters ?? {}).map(([k, v]) => [k, { value: v, from: 'the prompt', text: true }]),
          ),
        }),
    });
  }

  async resume(manager: SessionManager, sessionId: string, request: RunRequest = {}): Promise<RunOutcome | undefined> {
    if (this.runs.has(sessionId)) throw new Error(`Session ${sessionId} is already running in this window`);
    if (!this.claudeAvailable(true, true)) return undefined;
    const title = resumeProgressTitle(await nameOf(manager, sessionId));
    if (detachedRuns())
      return this.track(title, request, { kind: 'detached', manager, sessionId, args: ['resume', sessionId] });
    return this.track(title, request, {
      kind: 'in-process',
      manager,
      start: (engine) => resumeWorkflow({ ...engine, manager, sessionId }),
    });
  }

  /**
   * Sessions this window runs again in part: their failed items (`retry`) or their reduce phase (`reduce`). Their
   * records keep their status (Completed, Failed) meanwhile; the row shows them running.
   */
  private readonly again = new Map<string, 'retry' | 'reduce'>();

  /** What this window runs of this session again now, or null. */
  runningAgain(id: string): 'retry' | 'reduce' | null {
    return this.runs.has(id) ? (this.again.get(id) ?? null) : null;
  }

  /** A retry of this session's failed items (or a reduce run again) runs in this window (its row shows it running). */
  isRetrying(id: string): boolean {
    return this.runningAgain(id) !== null;
  }

  /** Runs a MapReduce session's failed items again (`itemIds`: only these). */
  async retryFailedItems(
    manager: SessionManager,
    sessionId: string,
    request: RunRequest = {},
    itemIds?: readonly string[],
  ): Promise<RunOutcome | undefined> {
    const title = retryProgressTitle(await nameOf(manager, sessionId));
    const only = (itemIds ?? []).flatMap((i) => ['--item', i]);
    // One round, as the in-process retry runs: a click retries once, and shows what still fails. What the user
    // picked runs, eligible for retry or not, as in-process.
    const args = ['dlq', 'retry', sessionId, ...only, '--max-retries', '1', '--force'];
    return this.runAgain('retry', manager, sessionId, title, request, args, (engine) =>
      retryDeadLetters({ ...engine, manager, sessionId, itemIds }),
    );
  }

  /** Runs a MapReduce session's reduce phase again, with its items' results as they are now. */
  async rerunReduce(
    manager: SessionManager,
    sessionId: string,
    request: RunRequest = {},
  ): Promise<RunOutcome | undefined> {
    const title = reduceProgressTitle(await nameOf(manager, sessionId));
    return this.runAgain('reduce', manager, sessionId, title, request, ['reduce', sessionId], (engine) =>
      rerunReduce({ ...engine, manager, sessionId }),
    );
  }

  private async runAgain(
    kind: 'retry' | 'reduce',
    manager: SessionManager,
    sessionId: string,
    title: string,
    request: RunRequest,
    args: string[],
    start: (engine: Omit<EngineOptions, 'manager'>) => Promise<RunOutcome>,
  ): Promise<RunOutcome | undefined> {
    if (this.runs.has(sessionId)) throw new Error(`Session ${sessionId} is already running in this window`);
    this.again.set(sessionId, kind);
    try {
      if (detachedRuns()) return await this.track(title, request, { kind: 'detached', manager, sessionId, args });
      return await this.track(title, request, { kind: 'in-process', manager, start });
    } finally {
      this.again.delete(sessionId);
    }
  }

  /**
   * Follows the runs of this home that a detached runner still runs (after a window reload, an extension update,
   * a lost remote connection): a session with an events file whose resume lock a live local process holds. Each
   * is shown live again (its row, the status bar, the Output channel, its editor) and ends here as if this
   * window had started it. Events files of runs that ended unseen are removed.
   */
  attach(manager: SessionManager): string[] {
    const attached: string[] = [];
    if (!detachedRuns()) return attached;
    const { paths } = manager;
    for (const id of sessionsWithEvents(paths)) {
      if (this.runs.has(id)) continue;
      let holder: ReturnType<typeof resumeLockHolder> = null;
      try {
        holder = resumeLockHolder(paths.resumeLocksDir, id);
      } catch {
        holder = null;
      }
      if (holder?.local && holder.pid !== process.pid) {
        attached.push(id);
        void nameOf(manager, id).then((name) =>
          this.track(
            runProgressTitle(name),
            { progress: true },
            { kind: 'attach', manager, sessionId: id, pid: holder.pid },
          ).then(undefined, (err: unknown) => {
            if (!(err instanceof WindowClosed)) this.log.error(`[${id}] ${String(err)}`);
          }),
        );
      } else if (olderThan(eventsFileOf(paths, id), STALE_EVENTS_MS)) removeQuietly(eventsFileOf(paths, id));
    }
    if (attached.length) this.log.info(`Attached to ${attached.length} run(s) still going: ${attached.join(', ')}`);
    return attached;
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

  private async track(title: string, request: RunRequest, launch: Launch): Promise<RunOutcome> {
    const t: Tracking = {
      request,
      abort: new AbortController(),
      runner: launch.kind === 'attach' ? launch.pid : null,
      attached: launch.kind === 'attach',
    };
    const listener = (e: EngineEvent) => this.handle(t, e);
    const execute = (): Promise<RunOutcome> => {
      if (launch.kind === 'in-process') {
        const { claude, merge, mergeConflicts } = readSettings();
        return launch.start({
          claude,
          merge,
          mergeConflicts,
          confirmMerge: (q) => this.confirmMerge(request, q),
          listener,
          signal: t.abort.signal,
        });
      }
      return this.runDetached(launch, t, listener);
    };
    try {
      // Progress lives on the Sessions view and in the status bar, never in a notification that stays for the
      // whole run (it covered the Output panel and stacked): Stop is on the row, the status bar and the editor.
      const outcome =
        request.progress === false
          ? await execute()
          : await vscode.window.withProgress({ location: { viewId: SESSIONS_VIEW }, title }, (progress) => {
              t.report = (message, increment) => progress.report({ message, increment });
              return execute();
            });
      await this.afterRun(outcome, launch.manager);
      return outcome;
    } finally {
      const current = t.current;
      if (current) {
        this.runs.delete(current.sessionId);
        if (![...this.runs.values()].some((r) => r.workflowPath === current.workflowPath))
          runningFiles.set(current.workflowPath, undefined);
      }
      if (!this.closing) this.changed.fire();
    }
  }

  private async confirmMerge(
    request: RunRequest,
    q: { sessionId: string; branch: string; target: string; commits: number },
  ): Promise<'merge' | 'keep'> {
    // Unanswered (no answer passed): the run keeps its branch now and the question comes after it, as a decision
    // that waits (mergeDecision.ts), never as a toast whose closing counts as an answer.
    const answer = request.merge ?? 'keep';
    if (request.merge === undefined) this.askAfterRun.add(q.sessionId);
    if (answer === 'discard') this.discardAfterRun.add(q.sessionId);
    return answer === 'merge' ? 'merge' : 'keep';
  }

  /** One engine event, from this extension host or a runner's events file: the run's state, rows, status bar. */
  private handle(t: Tracking, e: EngineEvent): void {
    this.onEvent(e);
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
      this.runs.set(e.sessionId, t.current);
      this.lastSessionId = e.sessionId;
      this.changed.fire();
      // A new run is shown and selected in the Sessions view (a resume's row is there already).
      if (t.request.progress !== false && !t.attached)
        void vscode.commands.executeCommand('prodigy.revealSession', e.sessionId).then(undefined, () => undefined);
    } else if (e.type === 'step-started' && current) {
      current.step = e.index + 1;
      current.display = e.display;
      current.tool = null;
      current.foreach = null;
      t.report?.(`${stepText(e.index + 1, e.total)}: ${shorten(e.display)}`, e.total ? 100 / e.total : undefined);
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
        if (e.total) t.report?.(jobProgressText(job), 100 / e.total);
      }
      this.changed.fire();
    } else if (e.type === 'step-finished' && current?.foreach) {
      current.foreach = null;
      this.activity.schedule();
    } else if (e.type === 'foreach-progress' && current && e.itemId === null) {
      // An agent's foreach is its own (agents run side by side); the main run's shows on its row, throttled as
      // Claude's activity is: a foreach of quick items can finish many a second.
      current.foreach = { done: e.done, total: e.total };
      this.activity.schedule();
    } else if (current && (e.type === 'claude-activity' || e.type === 'claude-call') && e.itemId === null) {
      // A MapReduce job's agents run side by side: their activity goes to the output, not to one row.
      const tool = e.type === 'claude-activity' ? e.tool : null;
      if (tool !== current.tool) {
        current.tool = tool;
        this.activity.schedule();
      }
    }
  }

  // ---- Detached runs

  /**
   * Starts a runner (or takes the one to attach to), follows its events file until its outcome, then asks the
   * merge question here: the runner cannot ask, so it keeps the branch (no terminal), and a Merge answer merges
   * in this window (merging is short). Stop sends it SIGINT; it pauses the session itself.
   */
  private async runDetached(
    launch: Extract<Launch, { kind: 'detached' | 'attach' }>,
    t: Tracking,
    listener: (e: EngineEvent) => void,
  ): Promise<RunOutcome> {
    const { manager } = launch;
    const settings = readSettings();
    let file: string;
    let exited: Promise<unknown> | undefined;
    let output: string | undefined;
    if (launch.kind === 'detached') {
      const runner = startRunner(
        this.cli,
        manager.paths,
        [...launch.args, ...runnerFlags(settings)],
        runnerEnv(settings),
        launch.sessionId,
        launch.cwd,
      );
      t.runner = runner.pid;
      file = runner.eventsFile;
      exited = runner.exited;
      output = runner.outputFile;
    } else file = eventsFileOf(manager.paths, launch.sessionId);
    const pid = t.runner!;
    t.abort.signal.addEventListener('abort', () => {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        /* it ended */
      }
    });
    // The runner writes the record in another process: the tree learns of it from the sessions folder's watcher,
    // which a home created by this very run does not have yet, and which is debounced. So before a batch of
    // events that come with a record write is shown, the record is re-read (at most every RESCAN_MS): the row's
    // progress is then as current as the live state the events bring, as in an in-window run. A last rescan
    // follows RECORD_LAG_MS after, for the write the progress recorder holds back.
    // Only this run's record is re-read once its id is known (not the whole folder, at most every RESCAN_MS).
    const rescan = () => {
      const id = t.current?.sessionId ?? launch.sessionId;
      return (id ? manager.refreshSessions([id]) : manager.listSessions({ limit: 0 })).then(
        () => undefined,
        () => undefined,
      );
    };
    let lastRescan = 0;
    let trailing: NodeJS.Timeout | undefined;
    const beforeBatch = async (batch: EngineEvent[]) => {
      if (!batch.some((e) => RECORD_EVENTS.has(e.type))) return;
      clearTimeout(trailing);
      trailing = setTimeout(() => void rescan(), RECORD_LAG_MS);
      // Within RESCAN_MS of the last one, the batch waits for the next (the order is what keeps the row right).
      const wait = lastRescan + RESCAN_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      lastRescan = performance.now();
      await rescan();
    };
    let end: RunnerOutcome | undefined;
    try {
      end = await this.follow(file, pid, listener, beforeBatch, exited);
    } finally {
      clearTimeout(trailing);
    }
    await manager.listSessions({ limit: 0 }).catch(() => undefined);
    const id = end?.outcome.sessionId ?? t.current?.sessionId ?? launch.sessionId;
    if (!end) {
      // It ended without an outcome: refused before it began (the workflow file, a Completed session, another
      // process holding it), in its own words, as the in-process engine throws; or killed, then the record says.
      const refusal = output ? runnerError(outputTail(output, 5)) : null;
      if (refusal || !id) {
        if (id) removeQuietly(eventsFileOf(manager.paths, id));
        removeQuietly(file);
        throw new Error(refusal ?? 'The Prodigy runner ended before the run started');
      }
    }
    const outcome = end?.outcome ?? (await outcomeFromRecord(manager, id!));
    // Of several windows following one run, one says how it ended and asks about the merge: the one that takes
    // its events file away.
    const claimed = claim(eventsFileOf(manager.paths, id!)) || claim(file);
    // The runner's own output is kept only when it ended without an outcome (to see why).
    if (output && end) removeQuietly(output);
    if (!claimed && launch.kind === 'attach') throw new WindowClosed('another window finished this run');
    if (outcome.status === 'Completed' && outcome.merge?.status === 'kept' && settings.merge === 'ask')
      outcome.merge = await this.mergeAfterRunner(manager, outcome.merge, t.request, id!, listener);
    return outcome;
  }

  /** Reads the events file as it grows until the outcome line, or until the runner is gone. */
  private async follow(
    file: string,
    pid: number,
    listener: (e: EngineEvent) => void,
    beforeBatch: (events: EngineEvent[]) => Promise<void>,
    exited?: Promise<unknown>,
  ): Promise<RunnerOutcome | undefined> {
    let gone = false;
    void exited?.then(() => (gone = true));
    const tail = new EventsTail(file);
    try {
      for (;;) {
        if (this.closing) throw new WindowClosed('the window closed');
        // Read once more after the runner is gone: its last lines may have come after the previous read.
        const last = gone || !processAlive(pid);
        const lines = tail.read();
        const events = lines.filter((l): l is EngineEvent => l.type !== 'runner-outcome');
        await beforeBatch(events);
        events.forEach(listener);
        const outcome = lines.find((l): l is RunnerOutcome => l.type === 'runner-outcome');
        if (outcome) return outcome;
        if (last) return undefined;
        await new Promise((resolve) => setTimeout(resolve, EVENTS_POLL_MS));
      }
    } finally {
      tail.close();
    }
  }

  private async mergeAfterRunner(
    manager: SessionManager,
    kept: Extract<MergeOutcome, { status: 'kept' }>,
    request: RunRequest,
    sessionId: string,
    listener: (e: EngineEvent) => void,
  ): Promise<MergeOutcome> {
    const decision = await this.confirmMerge(request, { sessionId, ...kept });
    if (decision !== 'merge') return kept;
    const { claude, mergeConflicts } = readSettings();
    try {
      return await mergeSession({ manager, sessionId, claude, mergeConflicts, listener });
    } catch (err) {
      return {
        status: 'failed',
        branch: kept.branch,
        target: kept.target,
        commits: kept.commits,
        message: String(err),
      };
    }
  }

  private async afterRun(outcome: RunOutcome, manager: SessionManager): Promise<void> {
    const id = outcome.sessionId;
    const ask = this.askAfterRun.delete(id);
    // The user already chose Discard in the merge question (or passed it): no second confirmation.
    if (this.discardAfterRun.delete(id))
      await vscode.commands.executeCommand('prodigy.discardSessionWork', id, { confirm: true });
    // The workflow's name and start time, not the session id, lead the message (the id is in the tree's tooltip).
    const who = await manager
      .getSession(id)
      .then((s) => describeSession(s))
      .catch(() => `session ${id}`);
    if (outcome.retry?.reduce_stale && outcome.status === 'Completed')
      showReduceStale(id, who, outcome.retry, () => this.rerunReduce(manager, id, { progress: true }));
    else if (outcome.status === 'Failed') showRunFailed(id, who, outcome.error);
    // A pause with a reason is the engine's own (the Claude budget); a plain pause is the user's stop.
    else if (outcome.status === 'Paused' && outcome.error) showBudgetReached(id, who, outcome.error);
    else if (outcome.status === 'Paused') showRunStopped(id, who);
    else if (outcome.merge?.status === 'conflict' || outcome.merge?.status === 'failed')
      showRunNotMerged(id, outcome.merge.message);
    else if (ask && outcome.merge?.status === 'kept') {
      // The question is the run's last word: the record says it waits first, so the row and status bar offer it.
      await markAwaitingDecision(manager, id).catch((err) => this.log.error(`[${id}] ${String(err)}`));
      await askMergeDecision(manager, id).catch((err) => this.log.error(`[${id}] ${String(err)}`));
    } else showRunCompleted(id, who, outcome.merge?.status === 'merged');
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

/** `prodigy.runs.detached`: run the engine in a process that outlives the window (default), or in it. */
export function detachedRuns(): boolean {
  return vscode.workspace.getConfiguration('prodigy').get<boolean>('runs.detached') !== false;
}

/** The settings an in-window run passes to the engine, as the runner's flags (`--home` is added by startRunner). */
function runnerFlags(settings: ExtensionSettings): string[] {
  const { claude } = settings;
  const flags = ['--claude-command', claude.command, '--merge-conflicts', settings.mergeConflicts];
  // run, resume and dlq retry all take these.
  if (JSON.stringify(claude.args) !== JSON.stringify(DEFAULT_CLAUDE_CONFIG.args))
    flags.push('--claude-args', JSON.stringify(claude.args));
  if (claude.maxCostUsd !== undefined) flags.push('--max-cost', String(claude.maxCostUsd));
  // `ask` is asked here once the runner is done (it has no one to ask and keeps the branch); `never` keeps it.
  if (settings.merge === 'always') flags.push('--yes');
  return flags;
}

/** What only a new run takes: the worktree setting, `-n`, the inputs. */
function newRunFlags(settings: ExtensionSettings, request: RunRequest): string[] {
  const flags: string[] = [];
  if (!settings.worktreeEnabled) flags.push('--no-worktree');
  if (request.iterations !== undefined) flags.push('--max-iterations', String(request.iterations));
  // One input is still a pass plan in the CLI only when given as --map; --args X alone would set ${ARG} only.
  for (const input of request.inputs ?? []) flags.push('--args', input);
  if (request.profile) flags.push('--profile', request.profile);
  for (const [name, value] of Object.entries(request.parameters ?? {})) flags.push('--param', `${name}=${value}`);
  return flags;
}

function runnerEnv(settings: ExtensionSettings): NodeJS.ProcessEnv {
  return settings.claude.streaming === false ? { PRODIGY_CLAUDE_STREAMING: 'false' } : {};
}

/** The CLI's one-line error (`prodigy-vscode: …`, `prodigy-vscode run: …`), without its prefix; null if none. */
function runnerError(output: string): string | null {
  const line = output
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('prodigy-vscode'));
  return line ? line.replace(/^prodigy-vscode[^:]*: /, '') : null;
}

/** A runner that ended without its outcome line (killed): the outcome as its record has it. */
async function outcomeFromRecord(manager: SessionManager, id: string): Promise<RunOutcome> {
  const s = await manager.getSession(id);
  const worktree = typeof s.metadata.worktree_path === 'string' ? s.metadata.worktree_path : null;
  const recorded = s.metadata.merge as (MergeOutcome & { at?: string }) | undefined;
  const merge = recorded && typeof recorded === 'object' && 'status' in recorded ? withoutAt(recorded) : undefined;
  return {
    sessionId: id,
    status: s.status,
    error: s.error ?? null,
    worktree,
    logFile: manager.paths.sessionLogFile(id),
    ...(merge ? { merge } : {}),
  };
}

function withoutAt(m: MergeOutcome & { at?: string }): MergeOutcome {
  const { at: _at, ...rest } = m;
  return rest as MergeOutcome;
}

/** Takes an events file away (renamed, then removed): true for the one caller that got it. */
function claim(file: string): boolean {
  const taken = `${file}.${process.pid}.done`;
  try {
    fs.renameSync(file, taken);
  } catch {
    return false;
  }
  removeQuietly(taken);
  return true;
}

function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return false;
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
