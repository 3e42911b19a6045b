// Runs workflows from this window, several at once, and sees each through from its start to its end. By default
// (`prodigy.runs.detached`) the engine runs in a detached `prodigy-vscode` process that outlives the window
// (detachedRun.ts), which the window follows (followRunner.ts); a reloaded window attaches to the runs still going
// (attach()). With the setting off, the engine runs here, in the extension host (inProcessRun.ts). Either way the
// same events drive the same state (activeRun.ts): it owns the stop of this window's runs, streams their output to
// the Prodigy output channel, shows progress on the Sessions view and how a run ended (runFeedback.ts), asks the
// merge question, and tells the status bar and the tree what is running, down to the tool Claude runs now. No
// session logic lives here.
// It outlives a Prodigy home: each call names the home's manager (or paths) it is about, and a run
// keeps the manager it started with, so it finishes on its home even if `prodigy.home` changes.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  recordedLiveness,
  resumeLockHolder,
  loadWorkflowFile,
  workflowUsesClaude,
  resumeWorkflow,
  rerunReduce,
  retryDeadLetters,
  runWorkflow,
  type EngineEvent,
  type EngineOptions,
  type HomePaths,
  type Liveness,
  type RunOutcome,
  type SessionManager,
} from '../../core';
import { readSettings } from '../config';
import { Disposable, toDisposable } from '../lifecycle';
import { resumeProgressTitle, reduceProgressTitle, retryProgressTitle, runProgressTitle } from '../messages/runs';
import { plural } from '../messages/words';
import { Throttle } from '../throttle';
import {
  applyEvent,
  type ActiveRun,
  type ConfirmMerge,
  type Launch,
  type RunRequest,
  type Tracking,
} from './activeRun';
import { eventsFileOf, removeQuietly, sessionsWithEvents } from './detachedRun';
import { STALE_EVENTS_MS, WindowClosed, olderThan, runDetached } from './followRunner';
import { runInProcess } from './inProcessRun';
import { announceRunEnd, claudeAvailable, confirmSecondRun, logEvent, nameOf, withRunProgress } from './runFeedback';
import { detachedRuns, newRunFlags } from './runnerArgs';
import { runningFiles } from './runningFiles';

/**
 * How often, at most, Claude's activity re-renders the tree row and the status bar: a stream can bring many
 * lines a second, and a label that changes faster than this cannot be read anyway.
 */
export const ACTIVITY_REFRESH_MS = 250;

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

  /** Whether a Running session has a live process: this window's, or what the files say (recordedLiveness). */
  liveness(id: string, paths: HomePaths): Liveness {
    return this.runs.has(id) ? 'here' : recordedLiveness(paths, id);
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
    if (!claudeAvailable(workflowUsesClaude(workflow))) return undefined;
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
    if (!claudeAvailable(true, true)) return undefined;
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
    if (attached.length)
      this.log.info(`Attached to ${plural(attached.length, 'run')} still going: ${attached.join(', ')}`);
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

  private async track(title: string, request: RunRequest, launch: Launch): Promise<RunOutcome> {
    const t: Tracking = {
      request,
      abort: new AbortController(),
      runner: launch.kind === 'attach' ? launch.pid : null,
      attached: launch.kind === 'attach',
    };
    const listener = (e: EngineEvent) => this.handle(t, e);
    const confirmMerge: ConfirmMerge = (r, q) => this.confirmMerge(r, q);
    const execute = (): Promise<RunOutcome> => {
      if (launch.kind === 'in-process') return runInProcess(launch, t, listener, confirmMerge);
      return runDetached(launch, t, listener, { cli: this.cli, closing: () => this.closing, confirmMerge });
    };
    try {
      const outcome = await withRunProgress(title, t, execute);
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
    const change = applyEvent(t, e);
    if (change === 'created') {
      const run = t.current!;
      this.runs.set(run.sessionId, run);
      this.lastSessionId = run.sessionId;
      this.changed.fire();
      // A new run is shown and selected in the Sessions view (a resume's row is there already).
      if (t.request.progress !== false && !t.attached)
        void vscode.commands.executeCommand('prodigy.revealSession', run.sessionId).then(undefined, () => undefined);
    } else if (change === 'changed') this.changed.fire();
    else if (change === 'activity') this.activity.schedule();
  }

  private async afterRun(outcome: RunOutcome, manager: SessionManager): Promise<void> {
    const id = outcome.sessionId;
    // What the merge question left to do after the run (confirmMerge).
    const ask = this.askAfterRun.delete(id);
    const discard = this.discardAfterRun.delete(id);
    await announceRunEnd(outcome, manager, { ask, discard }, this.log, () =>
      this.rerunReduce(manager, id, { progress: true }),
    );
  }

  private onEvent(e: EngineEvent): void {
    this.events.fire(e);
    logEvent(this.log, e);
  }
}
