// One status bar item (left): what this window runs (down to the tool Claude runs now), or how its last
// run ended. Quiet when there is nothing to say. A click reveals the session in the tree.
import * as vscode from 'vscode';
import { jobProgressText, stepText, summarize, truncate, type SessionSummary } from '../core';
import type { ProdigyHomes } from './home';
import { Disposable } from './lifecycle';
import type { RunController } from './runs/runController';

/** How long the tool Claude runs now may get in the status bar before it is cut (the bar is shared). */
const TOOL_WIDTH = 40;

export class StatusBarController extends Disposable {
  readonly item = this._register(
    vscode.window.createStatusBarItem('prodigy.status', vscode.StatusBarAlignment.Left, 50),
  );

  constructor(
    private readonly runs: RunController,
    private readonly homes: ProdigyHomes,
  ) {
    super();
    this.item.name = 'Prodigy';
    this._register(runs.onDidChangeRuns(() => void this.update()));
    // Follows record changes of the session it shows (another process may stop or finish it).
    this._register(
      homes.onDidChangeSessions((change) => {
        if (change.id === this.runs.lastSessionId) void this.update();
      }),
    );
  }

  async update(): Promise<void> {
    const active = this.runs.active();
    const item = this.item;
    item.backgroundColor = undefined;
    if (active.length > 0) {
      const run = active[active.length - 1];
      const more = active.length > 1 ? ` (+${active.length - 1})` : '';
      const progress = run.job ? jobProgressText(run.job) : stepText(Math.max(run.step, 1), run.total);
      // A command's `$(…)` would render as an icon: escaped.
      const tool = run.tool ? ` · ${truncate(run.tool, TOOL_WIDTH).replace(/\$\(/g, '\\$(')}` : '';
      item.text = `$(sync~spin) ${run.workflowName} · ${progress}${tool}${more}`;
      const md = new vscode.MarkdownString(undefined, true);
      for (const r of active) {
        const now = r.job
          ? `${escape(jobProgressText(r.job))}, ${r.job.agents.size} agent(s) running`
          : `${stepText(r.step, r.total)}: ${escape(r.display)}`;
        const claude = r.tool ? `  \n$(tools) Claude: ${escape(r.tool)}` : '';
        md.appendMarkdown(`**${escape(r.workflowName)}** \`${r.sessionId}\`  \n${now}${claude}\n\n`);
      }
      md.appendMarkdown('Click to show it in the Sessions view.');
      item.tooltip = md;
      item.command = { command: 'prodigy.revealSession', title: 'Reveal Session', arguments: [run.sessionId] };
      item.show();
      return;
    }
    const last = this.runs.lastSessionId ? await this.summary(this.runs.lastSessionId) : undefined;
    if (!last || last.status === 'Completed' || last.status === 'Cancelled') {
      item.hide();
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
      item.hide();
      return;
    }
    item.command = { command: 'prodigy.revealSession', title: 'Reveal Session', arguments: [last.id] };
    item.show();
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
