// One status bar item (left): what this window runs (down to the tool Claude runs now), else a run that waits for
// its merge decision (`$(git-merge) fix-tests: merge?`, from the records, so it survives a reload; a click asks
// again), else how its last run ended. Quiet when there is nothing to say. A click reveals the session.
import * as vscode from 'vscode';
import { jobProgressText, stepText, summarize, truncate, type SessionSummary } from '../core';
import type { ProdigyHomes } from './home';
import { Disposable } from './lifecycle';
import { plural } from './messages/words';
import type { RunController } from './runs/runController';
import { foreachText } from './sessionsTree/statusWords';

/** How long the tool Claude runs now may get in the status bar before it is cut (the bar is shared). */
const TOOL_WIDTH = 40;

export class StatusBarController extends Disposable {
  readonly item = this._register(
    vscode.window.createStatusBarItem('prodigy.status', vscode.StatusBarAlignment.Left, 50),
  );

  /** The session whose merge decision the item offers now. */
  private awaiting: string | undefined;
  private generation = 0;

  constructor(
    private readonly runs: RunController,
    private readonly homes: ProdigyHomes,
  ) {
    super();
    this.item.name = 'Prodigy';
    this._register(runs.onDidChangeRuns(() => void this.update()));
    // Follows record changes of the session it shows (another process may stop or finish it), and any session
    // that starts or stops waiting for a merge decision.
    this._register(
      homes.onDidChangeSessions((change) => {
        if (
          change.id === this.runs.lastSessionId ||
          change.id === this.awaiting ||
          (change.kind === 'upsert' && change.summary.outcome.awaiting)
        )
          void this.update();
      }),
    );
    this._register(homes.onDidChangeHome(() => void this.update()));
    // After activation: a decision left open before a reload is offered again (the records say which).
    const first = setTimeout(() => void this.update(), 0);
    this._register({ dispose: () => clearTimeout(first) });
  }

  async update(): Promise<void> {
    // Updates overlap (each reads the records): only the latest may write, or a stale one hides a run just begun.
    const generation = ++this.generation;
    const active = this.runs.active();
    const item = this.item;
    item.backgroundColor = undefined;
    if (active.length > 0) {
      const run = active[active.length - 1];
      const more = active.length > 1 ? ` (+${active.length - 1})` : '';
      const step = run.job ? jobProgressText(run.job) : stepText(Math.max(run.step, 1), run.total);
      const progress = run.foreach ? `${step} · ${foreachText(run.foreach)}` : step;
      // A command's `$(…)` would render as an icon: escaped.
      const tool = run.tool ? ` · ${truncate(run.tool, TOOL_WIDTH).replace(/\$\(/g, '\\$(')}` : '';
      item.text = `$(sync~spin) ${run.workflowName} · ${progress}${tool}${more}`;
      const md = new vscode.MarkdownString(undefined, true);
      for (const r of active) {
        const now = r.job
          ? `${escape(jobProgressText(r.job))}, ${plural(r.job.agents.size, 'agent')} running`
          : `${stepText(r.step, r.total)}: ${escape(r.display)}${r.foreach ? ` (${foreachText(r.foreach)})` : ''}`;
        const claude = r.tool ? `  \n$(tools) Claude: ${escape(r.tool)}` : '';
        md.appendMarkdown(`**${escape(r.workflowName)}** \`${r.sessionId}\`  \n${now}${claude}\n\n`);
      }
      md.appendMarkdown('Click to show it in the Sessions view.');
      item.tooltip = md;
      item.command = { command: 'prodigy.revealSession', title: 'Reveal Session', arguments: [run.sessionId] };
      item.show();
      return;
    }
    const waiting = await this.awaitingDecision();
    if (generation !== this.generation) return;
    this.awaiting = waiting[0]?.id;
    if (waiting.length > 0) {
      const s = waiting[0];
      const name = s.workflow_name || s.id;
      const more = waiting.length > 1 ? ` (+${waiting.length - 1})` : '';
      item.text = `$(git-merge) ${name}: merge?${more}`;
      item.tooltip = new vscode.MarkdownString(
        `**${escape(name)}** finished and waits for your decision: ${escape(s.outcome.text)}.\n\n` +
          'Click to merge, keep or discard its branch, or to review its changes.',
      );
      item.command = { command: 'prodigy.decideMerge', title: 'Merge Decision', arguments: [s.id] };
      item.show();
      return;
    }
    const last = this.runs.lastSessionId ? await this.summary(this.runs.lastSessionId) : undefined;
    if (generation !== this.generation) return;
    if (!last || last.status === 'Completed' || last.status === 'Cancelled') {
      this.hide();
      return;
    }
    const name = last.workflow_name || last.id;
    if (last.status === 'Failed') {
      item.text = `$(error) ${name} failed`;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      item.tooltip = new vscode.MarkdownString(
        `**${escape(name)}** failed\n\n${escape(last.error ?? '')}\n\nClick to show it; resume it from its menu.`,
      );
    } else if (last.status === 'Paused') {
      item.text = `$(debug-pause) ${name} paused · ${stepText(last.current_step + 1, last.total_steps)}`;
      // The engine's own reason, when it paused the run (the Claude budget), else the user stopped it.
      const why = last.error ? `\n\n${escape(last.error)}` : '';
      item.tooltip = new vscode.MarkdownString(
        `**${escape(name)}** is paused before step ${last.current_step + 1}.${why}\n\n` +
          'Click to show it; resume it from its menu.',
      );
    } else {
      this.hide();
      return;
    }
    item.command = { command: 'prodigy.revealSession', title: 'Reveal Session', arguments: [last.id] };
    item.show();
  }

  /** Quiet: nothing to say (the text goes too, so what it said is not read back as shown). */
  private hide(): void {
    this.item.text = '';
    this.item.command = undefined;
    this.item.hide();
  }

  /** Sessions waiting for a merge decision, newest first. */
  private async awaitingDecision(): Promise<SessionSummary[]> {
    try {
      const { sessions } = await this.homes.current.manager.listSessions({ status: 'Completed', outcome: 'kept' });
      return sessions.filter((s) => s.outcome.awaiting).sort((a, b) => b.updated_at.localeCompare(a.updated_at));
    } catch {
      return [];
    }
  }

  /** The session's row as the current home has it (undefined: not there, or unreadable). */
  private async summary(id: string): Promise<SessionSummary | undefined> {
    const { manager } = this.homes.current;
    try {
      return summarize(await manager.getSession(id), manager.paths.sessionFile(id));
    } catch {
      return undefined;
    }
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
