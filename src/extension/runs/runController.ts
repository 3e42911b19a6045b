// Runs workflows in the extension host, several at once, on the core engine. It owns the
// AbortControllers of this window's runs, streams their output to the Prodigy output channel
// (prefixed by session), shows a cancellable progress notification, asks the merge question,
// and tells the status bar and the tree what is running. No session logic lives here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  findExecutable,
  liveLockHolder,
  loadWorkflowFile,
  resumeWorkflow,
  retryDeadLetters,
  runWorkflow,
  type EngineEvent,
  type MergeDecision,
  type RunOutcome,
  type SessionManager,
} from '../../core';
import type { ExtensionSettings } from '../config';
import type { Liveness } from '../sessionsTree/contextValues';
import { askMerge, type MergeAnswer } from './mergeQuestion';

export interface ActiveRun {
  sessionId: string;
  workflowName: string;
  /** 1-based step running now (0 before the first). */
  step: number;
  total: number;
  display: string;
  startedAt: number;
  abort: AbortController;
  /** MapReduce jobs: phase and item counts, and the agents running now (item id → agent id). */
  job?: { phase: string; processed: number; failed: number; total: number; agents: Map<string, string> };
}

export interface RunRequest {
  /** Answer to the end-of-run merge question, for tests and scripted use. */
  merge?: MergeAnswer;
  /** Show the progress notification (default true). */
  progress?: boolean;
  /** `-n`: repeat the step list up to this many times. */
  iterations?: number;
  /** Run the step list once per input, with `${ARG}` set to it. */
  inputs?: string[];
}

export class RunController implements vscode.Disposable {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeRuns = this.changed.event;
  private readonly events = new vscode.EventEmitter<EngineEvent>();
  /** Every engine event of this window's runs (the session log view follows it). */
  readonly onEngineEvent = this.events.event;
  /** The session this window ran most recently (the status bar shows how it ended). */
  lastSessionId: string | undefined;

  constructor(
    private readonly manager: () => SessionManager,
    private readonly settings: () => ExtensionSettings,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  active(): ActiveRun[] {
    return [...this.runs.values()];
  }

  isRunningHere(id: string): boolean {
    return this.runs.has(id);
  }

  /**
   * Whether a Running session has a live process: this window, another process holding its resume
   * lock, or none. Our engine always holds the lock while it runs, so a session it ran (it has a
   * log here) without a live holder was interrupted. Real prodigy takes no lock while running:
   * its sessions stay 'unknown'.
   */
  liveness(id: string): Liveness {
    if (this.runs.has(id)) return 'here';
    try {
      const m = this.manager();
      if (liveLockHolder(m.paths.resumeLocksDir, id) !== null) return 'elsewhere';
      return fs.existsSync(m.paths.sessionLogFile(id)) ? 'interrupted' : 'unknown';
    } catch {
      return 'unknown';
    }
  }

  async run(file: string, folder: string, request: RunRequest = {}): Promise<RunOutcome | undefined> {
    const workflow = loadWorkflowFile(file);
    if (
      !this.claudeAvailable(
        workflow.steps.some((s) => s.kind === 'claude' || s.on_failure?.handlers.some((h) => h.kind === 'claude')),
      )
    )
      return undefined;
    const title = `Prodigy: ${workflow.name || path.basename(file)}`;
    return this.track(title, request, (listener, signal, confirmMerge) =>
      runWorkflow({
        manager: this.manager(),
        workflowFile: file,
        projectDir: folder,
        worktree: this.settings().worktreeEnabled,
        iterations: request.iterations,
        inputs: request.inputs,
        claude: this.settings().claude,
        merge: this.settings().merge,
        confirmMerge,
        listener,
        signal,
      }),
    );
  }

  async resume(sessionId: string, request: RunRequest = {}): Promise<RunOutcome | undefined> {
    if (this.runs.has(sessionId)) throw new Error(`Session ${sessionId} is already running in this window`);
    if (!this.claudeAvailable(true, true)) return undefined;
    return this.track(`Prodigy: resuming ${await this.nameOf(sessionId)}`, request, (listener, signal, confirmMerge) =>
      resumeWorkflow({
        manager: this.manager(),
        sessionId,
        claude: this.settings().claude,
        merge: this.settings().merge,
        confirmMerge,
        listener,
        signal,
      }),
    );
  }

  /** Runs a MapReduce session's failed items again. */
  async retryFailedItems(sessionId: string, request: RunRequest = {}): Promise<RunOutcome | undefined> {
    if (this.runs.has(sessionId)) throw new Error(`Session ${sessionId} is already running in this window`);
    return this.track(
      `Prodigy: retrying failed items of ${await this.nameOf(sessionId)}`,
      request,
      (listener, signal, confirmMerge) =>
        retryDeadLetters({
          manager: this.manager(),
          sessionId,
          claude: this.settings().claude,
          merge: this.settings().merge,
          confirmMerge,
          listener,
          signal,
        }),
    );
  }

  /** The workflow's name for messages (the id when it has none). */
  private async nameOf(sessionId: string): Promise<string> {
    try {
      const s = await this.manager().getSession(sessionId);
      return (
        s.workflow_data?.workflow_name ||
        (typeof s.metadata.workflow_name === 'string' ? s.metadata.workflow_name : '') ||
        sessionId
      );
    } catch {
      return sessionId;
    }
  }

  /** Stops a run: this window's by its AbortController, another process's with SIGINT (it pauses itself). */
  stop(sessionId: string): 'stopped' | 'signalled' | 'not-running' {
    const run = this.runs.get(sessionId);
    if (run) {
      run.abort.abort();
      return 'stopped';
    }
    const pid = liveLockHolder(this.manager().paths.resumeLocksDir, sessionId);
    if (pid === null || pid === process.pid) return 'not-running';
    process.kill(pid, 'SIGINT');
    return 'signalled';
  }

  dispose(): void {
    for (const run of this.runs.values()) run.abort.abort();
    this.changed.dispose();
    this.events.dispose();
  }

  /** Checks the Claude CLI up front when a run may need it; offers the setting when it is missing. */
  private claudeAvailable(needed: boolean, maybe = false): boolean {
    if (!needed) return true;
    const { command } = this.settings().claude;
    if (findExecutable(command)) return true;
    if (maybe) return true; // a resume may have only shell steps left; the engine reports it if not
    const open = 'Open Setting';
    void vscode.window
      .showErrorMessage(
        `Prodigy: the Claude CLI \`${command}\` was not found. Install Claude Code, or set \`prodigy.claude.command\` to its path.`,
        open,
      )
      .then(
        (c) => c === open && vscode.commands.executeCommand('workbench.action.openSettings', 'prodigy.claude.command'),
      );
    return false;
  }

  private async track(
    title: string,
    request: RunRequest,
    start: (
      listener: (e: EngineEvent) => void,
      signal: AbortSignal,
      confirmMerge: (q: {
        sessionId: string;
        branch: string;
        target: string;
        repo: string;
        commits: number;
      }) => Promise<MergeDecision>,
    ) => Promise<RunOutcome>,
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
          step: 0,
          total: e.totalSteps,
          display: '',
          startedAt: Date.now(),
          abort,
        };
        this.runs.set(e.sessionId, current);
        this.lastSessionId = e.sessionId;
        this.changed.fire();
      } else if (e.type === 'step-started' && current) {
        current.step = e.index + 1;
        current.display = e.display;
        report?.(`step ${e.index + 1}/${e.total}: ${shorten(e.display)}`, e.total ? 100 / e.total : undefined);
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
          if (e.total) report?.(jobText(job), 100 / e.total);
        }
        this.changed.fire();
      }
    };
    const confirmMerge = async (q: { sessionId: string; branch: string; target: string; commits: number }) => {
      const answer = request.merge ?? (await askMerge(q));
      if (answer === 'discard') this.discardAfterRun.add(q.sessionId);
      return answer === 'merge' ? 'merge' : 'keep';
    };
    const execute = () => start(listener, abort.signal, confirmMerge);
    try {
      const outcome =
        request.progress === false
          ? await execute()
          : await vscode.window.withProgress(
              { location: vscode.ProgressLocation.Notification, title, cancellable: true },
              (progress, token) => {
                token.onCancellationRequested(() => abort.abort());
                report = (message, increment) => progress.report({ message, increment });
                return execute();
              },
            );
      await this.afterRun(outcome);
      return outcome;
    } finally {
      if (current) this.runs.delete(current.sessionId);
      this.changed.fire();
    }
  }

  private readonly discardAfterRun = new Set<string>();

  private async afterRun(outcome: RunOutcome): Promise<void> {
    const id = outcome.sessionId;
    // The user already chose Discard in the merge question (or passed it): no second confirmation.
    if (this.discardAfterRun.delete(id))
      await vscode.commands.executeCommand('prodigy.discardSessionWork', id, { confirm: true });
    const show = 'Show Log';
    const reveal = (choice: string | undefined) => {
      if (choice === show) void vscode.commands.executeCommand('prodigy.showSessionLog', id);
    };
    if (outcome.status === 'Failed') {
      const resume = 'Resume';
      void vscode.window
        .showErrorMessage(`Prodigy: session ${id} failed: ${firstLine(outcome.error)}`, show, resume)
        .then((c) => {
          if (c === resume) void vscode.commands.executeCommand('prodigy.resumeSession', { sessionId: id });
          else reveal(c);
        });
    } else if (outcome.status === 'Paused') {
      const resume = 'Resume';
      void vscode.window
        .showInformationMessage(`Prodigy: session ${id} stopped; it is Paused and can be resumed.`, resume, show)
        .then((c) => {
          if (c === resume) void vscode.commands.executeCommand('prodigy.resumeSession', { sessionId: id });
          else reveal(c);
        });
    } else if (outcome.merge?.status === 'conflict' || outcome.merge?.status === 'failed') {
      void vscode.window.showWarningMessage(`Prodigy: ${outcome.merge.message}`, show).then(reveal);
    } else {
      void vscode.window
        .showInformationMessage(
          `Prodigy: session ${id} completed${outcome.merge?.status === 'merged' ? ' and merged' : ''}.`,
          show,
        )
        .then(reveal);
    }
  }

  private onEvent(e: EngineEvent): void {
    this.events.fire(e);
    const prefix = e.sessionId ? `[${e.sessionId}] ` : '';
    switch (e.type) {
      case 'output':
        this.log.info(`${prefix}  ${e.line}`);
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

/** `Map 12/40 · 2 failed`, as the tree shows a job. */
export function jobText(job: { phase: string; processed: number; failed: number; total: number }): string {
  return `${job.phase} ${job.processed}/${job.total}${job.failed ? ` · ${job.failed} failed` : ''}`;
}

function shorten(text: string, max = 70): string {
  const line = text.split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function firstLine(text: string | null): string {
  return (text ?? '').split('\n')[0];
}
