// How a run's events look in a terminal (run, resume, merge, dlq retry): Prodigy's icon-prefixed messages and
// the steps' output indented, as they come, with what Claude does as one readable line each; then what -v and
// -vv add from the events and the checkpoint journal: each step's time and checkpoint and the variables it
// captured, the session's Claude spending after each call (-v), the environment steps get (-vv).
import {
  claudeArgs,
  formatCost,
  formatTokens,
  loadWorkflowFile,
  totalTokens,
  type CheckpointSnapshot,
  type ClaudeConfig,
  type EngineEvent,
  type SessionManager,
  type Workflow,
} from '../../core';
import type { Io } from '../io';

/** Set for every step by the engine on top of the process's environment (engine.ts buildContext). */
const ENGINE_ENV = ['PRODIGY_AUTOMATION', 'PRODIGY_SESSION_ID', 'PRODIGY_WORKTREE'];
const VALUE_LIMIT = 200;

const ICONS = { info: 'ℹ️ ', progress: '🔄', success: '✅', warning: '⚠️ ', error: '❌' } as const;

export function printEvent(io: Io, event: EngineEvent): void {
  switch (event.type) {
    case 'output':
      io.out(`    ${event.line}`);
      break;
    case 'claude-activity':
      // Under the step like its output; a MapReduce agent's lines name their item, as agents run side by side.
      io.out(`    ${event.itemId === null ? '' : `[${event.itemId}] `}${event.text}`);
      break;
    case 'message':
      if (event.level === 'warning' || event.level === 'error') io.err(`${ICONS[event.level]} ${event.text}`);
      else io.out(`${ICONS[event.level]} ${event.text}`);
      break;
    default:
      break;
  }
}

export class RunDetail {
  /** Lines wait here behind a journal read so that they keep the order of the events. */
  private queue: Promise<void> = Promise.resolve();
  private workflow: Workflow | null = null;
  private startedAt = 0;
  /** Captured variables already shown: Prodigy's step records carry every capture so far, not only the new ones. */
  private shown = new Map<string, string>();
  /** The last Claude line shown per item ('' the main thread): a call's usage line comes once, however reported. */
  private lastClaude = new Map<string, string>();

  constructor(
    private readonly manager: SessionManager,
    private readonly io: Io,
    private readonly level: number,
    private readonly claude?: ClaudeConfig,
  ) {}

  print(e: EngineEvent): void {
    if (e.type === 'claude-activity') {
      const key = e.itemId ?? '';
      const repeated = e.kind === 'result' && this.lastClaude.get(key) === e.text;
      this.lastClaude.set(key, e.text);
      if (repeated) return;
    }
    if (this.level === 0) {
      printEvent(this.io, e);
      return;
    }
    if (e.type === 'step-finished') {
      // Read now, while the journal's last line is this step's: the next step appends its own.
      const head = this.manager.journalHead(e.sessionId).catch(() => null);
      this.then(async () => {
        // A step that finishes without success failed and its on_failure let the run go on.
        const how = e.skipped ? '⤼ skipped (when: false)' : e.success ? '✓ done' : '✗ failed, the run went on';
        this.io.out(`    ${how} in ${seconds(e.durationMs)}${e.checkpointId ? ` (${e.checkpointId})` : ''}`);
        this.printCaptures(capturesOf(await head, e.checkpointId));
      });
      return;
    }
    this.then(() => {
      printEvent(this.io, e);
      this.printMore(e);
    });
  }

  /** Resolves once every line so far is printed. */
  flushed(): Promise<void> {
    return this.queue;
  }

  private then(work: () => void | Promise<void>): void {
    this.queue = this.queue.then(work).catch(() => undefined);
  }

  private printMore(e: EngineEvent): void {
    const out = (line: string) => this.io.out(line);
    switch (e.type) {
      case 'session-created': {
        this.startedAt = Date.now();
        // A MapReduce run counts no steps up front: its items are known after setup.
        const steps = e.totalSteps ? ` (${e.totalSteps} step${e.totalSteps === 1 ? '' : 's'})` : '';
        out(`ℹ️  Workflow ${e.workflowPath}${steps}`);
        out(`ℹ️  Log: ${this.manager.paths.sessionLogFile(e.sessionId)}`);
        if (this.level >= 2) this.printEnvironment(e.workflowPath, e.sessionId);
        break;
      }
      case 'step-started':
        if (this.level >= 2) this.printStepEnvironment(e.index);
        break;
      case 'phase':
        out(`ℹ️  Phase ${e.phase}${e.phase === 'Map' ? ` (${e.total} items)` : ''}`);
        break;
      case 'agent-started':
        out(`    ${e.agentId} started item ${e.itemId} (${e.running} running)`);
        break;
      case 'agent-finished':
        // Why an item failed is already one of the engine's messages.
        out(
          `    ${e.success ? '✓' : '✗'} item ${e.itemId} ${e.success ? 'done' : 'failed'} · ${e.processed}/${e.total} processed, ${e.failed} failed`,
        );
        break;
      case 'claude-call': {
        const t = e.totals;
        const calls = `${t.runs} Claude call${t.runs === 1 ? '' : 's'}`;
        const limit = this.claude?.maxCostUsd;
        const cost = `${formatCost(t.total_cost_usd)}${limit === undefined ? '' : ` of ${formatCost(limit)} allowed`}`;
        out(`    session so far: ${calls} · ${formatTokens(totalTokens(t))} tokens · ${cost}`);
        break;
      }
      case 'session-finished':
        if (this.startedAt) out(`ℹ️  ${e.status} after ${seconds(Date.now() - this.startedAt)}`);
        break;
      default:
        break;
    }
  }

  private printCaptures(captured: { now: Record<string, string>; before: Record<string, string> } | null): void {
    if (!captured) return;
    // The first step this process ran (a resume): what earlier steps captured is not news.
    if (this.shown.size === 0) for (const [name, value] of Object.entries(captured.before)) this.shown.set(name, value);
    for (const [name, value] of Object.entries(captured.now)) {
      if (this.shown.get(name) === value) continue;
      this.shown.set(name, value);
      this.io.out(`    captured ${name} = ${oneLine(value)}`);
    }
  }

  /** -vv: the names a step's environment has on top of this process's (values of secrets never shown). */
  private printEnvironment(workflowPath: string, sessionId: string): void {
    const out = (line: string) => this.io.out(line);
    try {
      this.workflow = loadWorkflowFile(workflowPath);
    } catch {
      out(`ℹ️  Environment: ${workflowPath} cannot be read now, so its env is not listed`);
      return;
    }
    const inherited = Object.keys(process.env).length;
    const names = (list: string[]) => (list.length ? list.join(', ') : '(none)');
    out(`ℹ️  Environment of every step: this process's ${inherited} variables, plus`);
    out(`      workflow env: ${names(Object.keys(this.workflow.env))}`);
    out(`      secrets (masked in all output): ${names(Object.keys(this.workflow.secrets))}`);
    out(
      // A new run's worktree is made after this event: PRODIGY_WORKTREE is named, not valued.
      `      set by prodigy-vscode: ${ENGINE_ENV[0]}=true, ${ENGINE_ENV[1]}=${sessionId}, ${ENGINE_ENV[2]} (the folder the steps run in)`,
    );
    if (this.claude) out(`ℹ️  Claude steps run: ${claudeLine(this.claude)}`);
  }

  /** A standard workflow's step i is step i mod n of the file (passes repeat the steps). */
  private printStepEnvironment(index: number): void {
    const steps = this.workflow?.steps ?? [];
    const step = steps.length ? steps[index % steps.length] : undefined;
    if (!step) return;
    const own = Object.keys(step.env);
    if (own.length) this.io.out(`    env of this step: ${own.join(', ')}`);
    if (step.working_dir) this.io.out(`    working_dir: ${step.working_dir}`);
  }
}

/**
 * The captures recorded with the step that made `checkpointId`, and with the step before it
 * (Prodigy's `completed_steps[…].captured_variables`); null when the journal has moved on.
 */
function capturesOf(
  snapshot: CheckpointSnapshot | null,
  checkpointId?: string,
): { now: Record<string, string>; before: Record<string, string> } | null {
  if (!snapshot || snapshot.checkpoint_id !== checkpointId || !Array.isArray(snapshot.completed_steps)) return null;
  const steps: unknown[] = snapshot.completed_steps;
  const now = stringsOf(steps[steps.length - 1]);
  return now && { now, before: stringsOf(steps[steps.length - 2]) ?? {} };
}

function stringsOf(step: unknown): Record<string, string> | null {
  if (!isRecord(step) || !isRecord(step.captured_variables)) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.captured_variables)) if (typeof v === 'string') out[k] = v;
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function oneLine(value: string): string {
  const lines = value.split('\n');
  const first = lines[0].length > VALUE_LIMIT ? `${lines[0].slice(0, VALUE_LIMIT)}…` : lines[0];
  return lines.length > 1 ? `${first} … (${lines.length} lines)` : first;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** The command line as the engine builds it: no args means Prodigy's own for the mode (streaming or print). */
function claudeLine(c: ClaudeConfig): string {
  const given = claudeArgs(c, process.env);
  const args = given.map((a) => (a === '{prompt}' ? '<prompt>' : a));
  return [c.command, ...args, ...(given.includes('{prompt}') ? [] : ['<prompt>'])].join(' ');
}
