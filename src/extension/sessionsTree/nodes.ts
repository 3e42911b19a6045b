// One class per kind of row. Ids are stable across refreshes so expansion and
// selection survive, and `reveal` can find a session by id.
import * as vscode from 'vscode';
import {
  displayName,
  formatCost,
  isStale,
  itemLabel,
  progressText,
  stepText,
  relativeTime,
  truncate,
  type CheckpointSummary,
  type ClaudeTotals,
  type DeadLetteredItem,
  type Liveness,
  type SessionSummary,
  type UnreadableFile,
} from '../../core';
import {
  AGENT_CONTEXT,
  LOAD_MORE_CONTEXT,
  MESSAGE_CONTEXT,
  UNDONE_GROUP_CONTEXT,
  UNREADABLE_CONTEXT,
  checkpointContextValue,
  deadLetterContextValue,
  sessionContextValue,
} from './contextValues';
import { checkpointLabel } from './checkpointLabel';
import { plural } from '../messages/words';
import { sessionIcon } from './icons';
import { foreachText, isInterrupted, sessionStatusText } from './statusWords';
import { checkpointTooltip, sessionTooltip } from './tooltips';

/** How long the tool Claude runs now may get in a row's description before it is cut. */
const TOOL_WIDTH = 60;

export class SessionNode {
  readonly kind = 'session';
  /** Set for Running sessions by the provider. */
  liveness: Liveness | undefined;
  /** The tool Claude runs now in this window's run of it (`Bash: cargo test`), set by the provider. */
  tool: string | null = null;
  /** The step this window's run of it is at (its events run ahead of its record), set by the provider. */
  step: { step: number; total: number } | null = null;
  /** The items of the foreach step this window's run of it is in (finished, of how many), set by the provider. */
  foreach: { done: number; total: number } | null = null;
  /** A retry of its failed items runs in this window (its record keeps its status meanwhile), set by the provider. */
  retrying = false;
  /** Of which its reduce phase, run again (set by the provider with `retrying`). */
  reducing = false;
  /** Its last Claude call's Claude Code session id, for a stopped session (read by the provider). */
  claudeSessionId: string | null = null;
  constructor(public summary: SessionSummary) {}

  /** Running with no process behind it (a crash, a closed window): shown as Interrupted, resumable. */
  get interrupted(): boolean {
    return isInterrupted({ liveness: this.liveness });
  }

  /** Running by its record, no process seen, and no update for hours: its row stops looking busy. */
  get stale(): boolean {
    return isStale(this.summary, this.liveness);
  }

  get id(): string {
    return `session:${this.summary.id}`;
  }

  toTreeItem(): vscode.TreeItem {
    const s = this.summary;
    const item = new vscode.TreeItem(displayName(s), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const progress =
      this.step && this.liveness === 'here' && s.status === 'Running'
        ? stepText(this.step.step, this.step.total)
        : progressText(s);
    const status = sessionStatusText(s, { liveness: this.liveness, retrying: this.retrying, reducing: this.reducing });
    item.description = [
      status,
      // A job's failed items are in the outcome ("1 of 3 items failed"): its progress would say it again.
      progress !== '-' && !s.outcome.warning ? progress : undefined,
      this.foreach && this.liveness === 'here' && s.status === 'Running' ? foreachText(this.foreach) : undefined,
      this.tool && this.liveness === 'here' ? truncate(this.tool, TOOL_WIDTH) : undefined,
      s.cost_usd !== null ? formatCost(s.cost_usd) : undefined,
      relativeTime(s.updated_at),
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = this.interrupted
      ? new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('charts.orange'))
      : this.retrying
        ? new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue'))
        : this.stale
          ? new vscode.ThemeIcon('question', new vscode.ThemeColor('list.warningForeground'))
          : sessionIcon(s);
    item.contextValue = sessionContextValue(s, this.liveness, this.claudeSessionId !== null, this.retrying);
    item.resourceUri = undefined;
    item.accessibilityInformation = { label: `${displayName(s)}, ${item.description}` };
    return item;
  }

  /** `claude`: the session's Claude usage, read from its record on hover (null: none). */
  tooltip(claude: ClaudeTotals | null = null): vscode.MarkdownString {
    return sessionTooltip(this.summary, { interrupted: this.interrupted, stale: this.stale }, claude);
  }
}

export class CheckpointNode {
  readonly kind = 'checkpoint';
  constructor(
    readonly parent: SessionNode,
    readonly checkpoint: CheckpointSummary,
    readonly ordinal: number,
    /** The "Undone (N)" row it is shown under, for an undone checkpoint. */
    readonly group?: UndoneGroupNode,
  ) {}

  get id(): string {
    return `checkpoint:${this.parent.summary.id}:${this.checkpoint.id}`;
  }

  toTreeItem(): vscode.TreeItem {
    const c = this.checkpoint;
    const item = new vscode.TreeItem(checkpointLabel(c, this.ordinal), vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = [
      c.claude_cost_usd !== null ? formatCost(c.claude_cost_usd) : undefined,
      relativeTime(c.created_at),
    ]
      .filter(Boolean)
      .join(' · ');
    // Dimmed: from the timeline a restore left (still restorable).
    item.iconPath = new vscode.ThemeIcon(
      c.label ? 'history' : 'bookmark',
      c.superseded ? new vscode.ThemeColor('disabledForeground') : undefined,
    );
    item.contextValue = checkpointContextValue(c);
    // A click shows what the step changed (a checkpoint with no commit has nothing to show).
    if (c.kind === 'session' && c.commit)
      item.command = { command: 'prodigy.showCheckpointChanges', title: 'Show Checkpoint Changes', arguments: [this] };
    item.accessibilityInformation = {
      label: `${c.superseded ? 'Undone checkpoint' : 'Checkpoint'} ${item.label}, ${item.description}`,
    };
    return item;
  }

  tooltip(): vscode.MarkdownString {
    return checkpointTooltip(this.checkpoint);
  }
}

/** The checkpoints a restore went back past (still restorable), under one collapsed row. */
export class UndoneGroupNode {
  readonly kind = 'undoneGroup';
  children: CheckpointNode[] = [];
  constructor(readonly parent: SessionNode) {}

  get id(): string {
    return `undone:${this.parent.summary.id}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(`Undone (${this.children.length})`, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('discard', new vscode.ThemeColor('disabledForeground'));
    item.contextValue = UNDONE_GROUP_CONTEXT;
    return item;
  }

  tooltip(): vscode.MarkdownString {
    const md = new vscode.MarkdownString();
    md.appendText(
      'Checkpoints a restore went back past: the steps after the restored checkpoint ran again (or will, on ' +
        'resume). Nothing was deleted; each can still be restored.',
    );
    return md;
  }
}

/** What a finished agent's row shows of it (from the job state's `agent_results`). */
export interface FinishedAgent {
  durationMs: number;
  commits: number;
}

/** How a finished agent's row and the group of them are matched in menus (`agent;` rows keep their log actions). */
const SUCCEEDED_GROUP_CONTEXT = 'succeeded;';

/**
 * A MapReduce agent: running now (this window's run, with its elapsed time), or one that succeeded (under
 * "✓ N succeeded"). Either way a click opens its log. Labelled from its item ("gamma (#3)"), not its id.
 */
export class AgentNode {
  readonly kind = 'agent';
  constructor(
    readonly parent: SessionNode,
    readonly itemId: string,
    readonly agentId: string,
    readonly label: string,
    /** Running: when this window first saw it start (ms since the epoch). */
    readonly startedMs: number | null,
    /** Succeeded: its result; with the group row it is shown under. */
    readonly finished: FinishedAgent | null = null,
    readonly group?: SucceededGroupNode,
  ) {}

  get id(): string {
    return `agent:${this.parent.summary.id}:${this.itemId}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const f = this.finished;
    item.description = f
      ? [`in ${elapsed(f.durationMs)}`, f.commits ? `${f.commits} commit${f.commits === 1 ? '' : 's'}` : undefined]
          .filter(Boolean)
          .join(' · ')
      : `running ${elapsed(Date.now() - (this.startedMs ?? Date.now()))}`;
    item.iconPath = f
      ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
      : new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue'));
    item.contextValue = AGENT_CONTEXT;
    item.command = { command: 'prodigy.openAgentLog', title: 'Open Agent Log', arguments: [this] };
    item.accessibilityInformation = { label: `Agent ${this.label}, ${f ? 'succeeded' : ''} ${item.description}` };
    return item;
  }

  tooltip(): vscode.MarkdownString {
    const md = new vscode.MarkdownString();
    md.appendText(
      this.finished
        ? `Item ${this.itemId} (${this.label}) succeeded (agent ${this.agentId}). Click to open its log.`
        : `Agent ${this.agentId} is working on ${this.itemId} (${this.label}). Click to open its log.`,
    );
    return md;
  }
}

/** A MapReduce job's agents that succeeded, under one collapsed row: "✓ 6 succeeded". */
export class SucceededGroupNode {
  readonly kind = 'succeededGroup';
  children: AgentNode[] = [];
  constructor(readonly parent: SessionNode) {}

  get id(): string {
    return `succeeded:${this.parent.summary.id}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(`✓ ${this.children.length} succeeded`, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.contextValue = SUCCEEDED_GROUP_CONTEXT;
    item.accessibilityInformation = { label: `${this.children.length} items succeeded` };
    return item;
  }

  tooltip(): vscode.MarkdownString {
    const md = new vscode.MarkdownString();
    md.appendText('The work items whose agents succeeded; their work is merged. Each row opens its agent log.');
    return md;
  }
}

/** A MapReduce work item that failed: in the dead-letter queue until a retry succeeds. */
export class DeadLetterNode {
  readonly kind = 'deadLetter';
  constructor(
    readonly parent: SessionNode,
    readonly item: DeadLetteredItem,
    /** False while its job runs (a retry, a resume): Retry This Item would be refused then. */
    readonly retryable = true,
  ) {}

  get id(): string {
    return `dlq:${this.parent.summary.id}:${this.item.item_id}`;
  }

  /** "gamma (#3)": from the item's own fields, not its id. */
  get label(): string {
    return itemLabel(this.item.item_id, this.item.item_data);
  }

  get lastFailure() {
    return this.item.failure_history[this.item.failure_history.length - 1];
  }

  /** The Claude stream its last attempt kept, or null (no Claude call: the location is then the agent's log). */
  get claudeStream(): string | null {
    const file = this.lastFailure?.json_log_location;
    return file && file.endsWith('.jsonl') ? file : null;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const error = shortError(this.lastFailure?.error_message ?? '');
    const attempts = this.item.failure_count > 1 ? `${this.item.failure_count} attempts` : undefined;
    item.description = [error, attempts].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    item.contextValue = deadLetterContextValue(this.claudeStream !== null, this.retryable);
    item.command = { command: 'prodigy.openAgentLog', title: 'Open Agent Log', arguments: [this] };
    item.accessibilityInformation = { label: `Failed item ${this.label}: ${item.description}` };
    return item;
  }

  tooltip(): vscode.MarkdownString {
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${this.label}** failed ${plural(this.item.failure_count, 'time')}\n\n`);
    md.appendText(`Item ${this.item.item_id}\n\n`);
    md.appendCodeblock(JSON.stringify(this.item.item_data, null, 2).slice(0, 1000), 'json');
    md.appendText(`\n${this.lastFailure?.error_message ?? ''}\n\n`);
    if (this.item.worktree_artifacts?.branch_name)
      md.appendText(`Its work is kept on branch ${this.item.worktree_artifacts.branch_name}.\n\n`);
    md.appendMarkdown('*Retry This Item* runs it again; *Retry Failed Items* on the session runs every failed item.');
    return md;
  }
}

export class UnreadableNode {
  readonly kind = 'unreadable';
  constructor(readonly file: UnreadableFile) {}

  get id(): string {
    return `unreadable:${this.file.name}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.file.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = `unreadable: ${this.file.reason}`;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    item.contextValue = UNREADABLE_CONTEXT;
    item.resourceUri = vscode.Uri.file(this.file.file);
    return item;
  }

  tooltip(): vscode.MarkdownString {
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**Unreadable session file**\n\n`);
    md.appendText(`${this.file.file}\n\n${this.file.reason}\n\n`);
    md.appendMarkdown(`The file was left untouched. *Quarantine Unreadable Files* moves it aside.`);
    return md;
  }
}

export class LoadMoreNode {
  readonly kind = 'loadMore';
  readonly id = 'loadMore';
  constructor(
    readonly shown: number,
    readonly total: number,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = `${this.shown} of ${this.total} shown`;
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.contextValue = LOAD_MORE_CONTEXT;
    item.command = { command: 'prodigy.loadMoreSessions', title: 'Load More Sessions' };
    return item;
  }

  tooltip(): undefined {
    return undefined;
  }
}

export class MessageNode {
  readonly kind = 'message';
  constructor(
    readonly id: string,
    readonly text: string,
    readonly icon = 'info',
    readonly command?: vscode.Command,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.text, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.contextValue = MESSAGE_CONTEXT;
    item.command = this.command;
    return item;
  }

  tooltip(): undefined {
    return undefined;
  }
}

export type TreeNode =
  | SessionNode
  | CheckpointNode
  | UndoneGroupNode
  | AgentNode
  | SucceededGroupNode
  | DeadLetterNode
  | UnreadableNode
  | LoadMoreNode
  | MessageNode;

/**
 * A failed item's error for its row: what went wrong, not which script ("exit code 1 · cargo: test failed").
 * A failed command's error opens with the command itself (`Step 'shell: …' failed with exit code 1: …`),
 * which would fill the row; its output's last line says more. The whole error is in the tooltip.
 */
function shortError(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Full log:'));
  const first = lines[0] ?? '';
  const failed = /^(?:Step|Claude command) '.*' failed with (exit code -?\d+)(?::\s*(.*))?$/.exec(first);
  if (!failed) return truncate(first || 'failed', 120);
  const detail = lines.length > 1 ? lines[lines.length - 1] : failed[2];
  return truncate([failed[1], detail].filter(Boolean).join(' · '), 120);
}

/** "42s", "3m 05s", "1h 02m": how long an agent ran or has been running. */
function elapsed(ms: number): string {
  const secs = Math.max(0, Math.round(ms / 1000));
  if (secs < 60) return `${secs}s`;
  const mins = Math.floor(secs / 60);
  if (mins < 60) return `${mins}m ${String(secs % 60).padStart(2, '0')}s`;
  return `${Math.floor(mins / 60)}h ${String(mins % 60).padStart(2, '0')}m`;
}
