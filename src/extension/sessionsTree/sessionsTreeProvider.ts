// The Sessions tree. Rows come from the session core's summaries; changes arrive as core
// events (our own writes, and other processes' writes found by a rescan) and update only
// the affected row. The root is paged so 10,000 sessions render as fast as 50.
// It lives as long as the window, with the view it creates: a view is not rebuilt per home, because a
// TreeView's dispose finishes later (asynchronously) and would unregister a new view with the same id.
// It lists `homes.current` and starts afresh when the home changes; the filter and the page stay.
// A running row follows Claude's activity through the run controller's (throttled) changes.
import * as vscode from 'vscode';
import {
  checkpointStepText,
  errorMessage,
  itemIndex,
  itemLabel,
  listDeadLetters,
  listJobItems,
  readTotals,
  runsByRecord,
  type CheckpointSummary,
  type ClaudeTotals,
  type SessionChange,
  type SessionFilter,
  type SessionManager,
  type SessionSummary,
  type Liveness,
} from '../../core';
import { readSettings } from '../config';
import { ContextKeys, setContext } from '../contextKeys';
import type { ProdigyHomes } from '../home';
import { Disposable } from '../lifecycle';
import type { RunController } from '../runs/runController';
import {
  AgentNode,
  CheckpointNode,
  DeadLetterNode,
  LoadMoreNode,
  MessageNode,
  SessionNode,
  SucceededGroupNode,
  UndoneGroupNode,
  UnreadableNode,
  type TreeNode,
} from './nodes';
import { appendWorkflowFileCheckpoint } from './tooltips';

export class SessionsTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly listed = this._register(new vscode.EventEmitter<SessionNode[]>());
  /** After each listing of the root: the session rows it shows. */
  readonly onDidListSessions = this.listed.event;
  readonly view: vscode.TreeView<TreeNode>;
  private readonly nodes = new Map<string, SessionNode>();
  private shownIds = new Set<string>();
  private pageSize = readSettings().pageSize;
  private limit = this.pageSize;
  private filter: SessionFilter = {};
  /** How many root listings this provider has made (activation must make none). */
  listings = 0;

  constructor(
    private readonly homes: ProdigyHomes,
    private readonly runs: RunController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.view = this._register(
      vscode.window.createTreeView('prodigy.sessions', {
        treeDataProvider: this,
        showCollapseAll: true,
        canSelectMany: true,
      }),
    );
    this._register(homes.onDidChangeSessions((change) => void this.onSessionChange(change)));
    this._register(
      homes.onDidChangeHome(() => {
        this.nodes.clear();
        this.refresh();
      }),
    );
    // A run starting or ending changes whether its row is live, stoppable, resumable; the tool Claude runs
    // changes its description.
    this._register(runs.onDidChangeRuns(() => this.refreshSessions(runs.sessionsToRefresh())));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.refresh()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('prodigy.sessions.pageSize')) this.setPageSize(readSettings().pageSize);
      }),
    );
  }

  private get manager(): SessionManager {
    return this.homes.current.manager;
  }

  private setPageSize(pageSize: number): void {
    if (pageSize === this.pageSize) return;
    this.pageSize = pageSize;
    this.limit = pageSize;
    this.refresh();
  }

  setFilter(filter: SessionFilter): void {
    this.filter = filter;
    this.limit = this.pageSize;
    setContext(ContextKeys.filterActive, Boolean(filter.text || filter.status || filter.type || filter.outcome));
    this.refresh();
  }

  getFilter(): SessionFilter {
    return this.filter;
  }

  loadMore(): void {
    this.limit += this.pageSize;
    this.refresh();
  }

  /** Re-list the root (for a new or removed session, or a manual refresh). */
  refresh(): void {
    this.changed.fire(undefined);
  }

  findSession(id: string): SessionNode | undefined {
    return this.nodes.get(id);
  }

  /** Pages in until `id` is shown (for Reveal Session on an older session); undefined if it is not listed at all. */
  async loadUntil(id: string): Promise<SessionNode | undefined> {
    const { sessions } = await this.manager.listSessions(this.filter);
    const index = sessions.findIndex((s) => s.id === id);
    if (index < 0) return undefined;
    if (index >= this.limit) {
      this.limit = Math.ceil((index + 1) / this.pageSize) * this.pageSize;
      this.refresh();
    }
    await this.rootChildren();
    return this.nodes.get(id);
  }

  /** Re-render the rows of these sessions (their liveness changed). */
  refreshSessions(ids: string[]): void {
    for (const id of ids) {
      const node = this.nodes.get(id);
      if (node) {
        node.liveness = this.livenessOf(node.summary);
        node.tool = this.runs.currentTool(id);
        node.step = this.runs.currentStep(id);
        node.foreach = this.runs.currentForeach(id);
        node.retrying = this.retryingHere(node.summary);
        node.reducing = node.retrying && this.runs.runningAgain(node.summary.id) === 'reduce';
        this.changed.fire(node);
      }
    }
  }

  private livenessOf(summary: SessionSummary): Liveness | undefined {
    return runsByRecord(summary.status) ? this.runs.liveness(summary.id, this.manager.paths) : undefined;
  }

  /** A retry of its failed items runs here: its record keeps its status (Completed, Failed) meanwhile. */
  private retryingHere(summary: SessionSummary): boolean {
    return !runsByRecord(summary.status) && this.runs.isRetrying(summary.id);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async resolveTreeItem(item: vscode.TreeItem, node: TreeNode): Promise<vscode.TreeItem> {
    item.tooltip = node instanceof SessionNode ? node.tooltip(await this.claudeTotals(node)) : node.tooltip();
    if (node instanceof SessionNode && item.tooltip instanceof vscode.MarkdownString) {
      const file = await this.workflowFileCheckpoint(node);
      if (file) appendWorkflowFileCheckpoint(item.tooltip, file);
    }
    return item;
  }

  /** Prodigy's checkpoint file of a session (what `prodigy resume` reads), for its tooltip; not a row of its own. */
  private async workflowFileCheckpoint(node: SessionNode): Promise<CheckpointSummary | undefined> {
    try {
      const { checkpoints } = await this.manager.listCheckpoints(node.summary.id);
      return checkpoints.filter((c) => c.kind === 'workflow-file').pop();
    } catch {
      return undefined;
    }
  }

  /** A session's Claude usage from its record (on hover only; null when it made no Claude call). */
  private async claudeTotals(node: SessionNode): Promise<ClaudeTotals | null> {
    if (node.summary.cost_usd === null) return null;
    try {
      return readTotals((await this.manager.getSession(node.summary.id)).metadata);
    } catch {
      return null;
    }
  }

  /**
   * Sets what a row shows beyond its summary: whether a process runs it, the tool Claude runs now, and (for a
   * stopped session that used Claude) the Claude Code session Continue in Claude Code resumes, which only
   * its record has: read for those few rows, not for every row listed.
   */
  private async decorate(node: SessionNode): Promise<void> {
    const s = node.summary;
    node.liveness = this.livenessOf(s);
    node.tool = this.runs.currentTool(s.id);
    node.step = this.runs.currentStep(s.id);
    node.foreach = this.runs.currentForeach(s.id);
    node.retrying = this.retryingHere(s);
    node.reducing = node.retrying && this.runs.runningAgain(s.id) === 'reduce';
    let claudeSessionId: string | null = null;
    if (s.cost_usd !== null && (s.status === 'Failed' || s.status === 'Paused')) {
      try {
        claudeSessionId = readTotals((await this.manager.getSession(s.id)).metadata)?.last?.claude_session_id ?? null;
      } catch {
        // Unreadable now: the row goes without the action; the next change reads it again.
      }
    }
    node.claudeSessionId = claudeSessionId;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node instanceof CheckpointNode || node instanceof AgentNode) return node.group ?? node.parent;
    if (node instanceof SucceededGroupNode) return node.parent;
    return node instanceof UndoneGroupNode || node instanceof AgentNode || node instanceof DeadLetterNode
      ? node.parent
      : undefined;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) return this.rootChildren();
    if (node instanceof SessionNode) return this.checkpointChildren(node);
    if (node instanceof UndoneGroupNode || node instanceof SucceededGroupNode) return node.children;
    return [];
  }

  private async rootChildren(): Promise<TreeNode[]> {
    this.listings++;
    const started = performance.now();
    try {
      const listing = await this.manager.listSessions({ ...this.filter, limit: this.limit });
      const children: TreeNode[] = [];
      if (!vscode.workspace.isTrusted) {
        children.push(
          new MessageNode(
            'message:untrusted',
            'Restricted Mode: sessions can be viewed; workflows do not run',
            'shield',
            { command: 'workbench.trust.manage', title: 'Manage Workspace Trust' },
          ),
        );
      }
      const shown = new Set<string>();
      const nodes: SessionNode[] = [];
      for (const summary of listing.sessions) {
        let n = this.nodes.get(summary.id);
        if (n) n.summary = summary;
        else this.nodes.set(summary.id, (n = new SessionNode(summary)));
        nodes.push(n);
        shown.add(summary.id);
      }
      await Promise.all(nodes.map((n) => this.decorate(n)));
      children.push(...nodes);
      this.shownIds = shown;
      for (const u of listing.unreadable) children.push(new UnreadableNode(u));
      if (listing.total > listing.sessions.length)
        children.push(new LoadMoreNode(listing.sessions.length, listing.total));
      const filtered = Boolean(this.filter.text || this.filter.status || this.filter.type || this.filter.outcome);
      if (filtered && listing.total === 0)
        children.push(new MessageNode('message:noMatch', 'No sessions match the filter', 'filter'));
      setContext(ContextKeys.storeError, false);
      setContext(ContextKeys.hasSessions, listing.total > 0 || listing.unreadable.length > 0 || filtered);
      setContext(ContextKeys.hasUnreadable, listing.unreadable.length > 0);
      const ms = (performance.now() - started).toFixed(1);
      this.log.debug(`Listed ${listing.sessions.length} of ${listing.total} sessions in ${ms} ms`);
      this.listed.fire(children.filter((c): c is SessionNode => c instanceof SessionNode));
      return children;
    } catch (err) {
      this.log.error(`Could not list sessions in ${this.manager.paths.sessionsDir}: ${errorMessage(err)}`);
      setContext(ContextKeys.storeError, true);
      return [];
    } finally {
      setContext(ContextKeys.sessionsLoaded, true);
    }
  }

  private async checkpointChildren(node: SessionNode): Promise<TreeNode[]> {
    try {
      const { checkpoints, unreadable } = await this.manager.listCheckpoints(node.summary.id);
      const children: TreeNode[] = [];
      if (node.summary.session_type === 'MapReduce') {
        // A job's agents running now (this window's runs), its failed items, "✓ N succeeded", then checkpoints.
        const sid = node.summary.id;
        const job = await listJobItems(this.manager, sid).catch(() => null);
        const labelOf = (itemId: string) => {
          const index = itemIndex(itemId);
          return itemLabel(itemId, index !== null ? job?.work_items[index] : undefined);
        };
        const running = this.runs.runningAgents(sid);
        this.forgetFinishedAgents(sid, running);
        for (const [itemId, agentId] of running)
          children.push(new AgentNode(node, itemId, agentId, labelOf(itemId), this.agentStart(sid, itemId)));
        try {
          const failed = await listDeadLetters(this.manager, sid);
          // An item being retried shows as its running agent; the others cannot be retried until the job stops.
          const busy = node.retrying || (node.summary.status === 'Running' && !node.interrupted);
          for (const d of failed) if (!running.has(d.item_id)) children.push(new DeadLetterNode(node, d, !busy));
          const succeeded = new SucceededGroupNode(node);
          const queued = new Set(failed.map((d) => d.item_id));
          for (const r of Object.values(job?.agent_results ?? {})) {
            if (r.status !== 'Success' || running.has(r.item_id) || queued.has(r.item_id)) continue;
            const finished = { durationMs: r.duration.secs * 1000 + r.duration.nanos / 1e6, commits: r.commits.length };
            const agentId = r.branch_name ?? r.item_id;
            succeeded.children.push(
              new AgentNode(node, r.item_id, agentId, labelOf(r.item_id), null, finished, succeeded),
            );
          }
          succeeded.children.sort((a, b) => (itemIndex(a.itemId) ?? 0) - (itemIndex(b.itemId) ?? 0));
          if (succeeded.children.length > 0) children.push(succeeded);
        } catch (err) {
          children.push(
            new MessageNode(
              `message:${node.summary.id}:dlq`,
              `Could not read the dead-letter queue: ${errorMessage(err)}`,
              'warning',
            ),
          );
        }
      }
      // Ours, oldest first; the ones a restore went back past under "Undone (N)". Prodigy's checkpoint file
      // repeats the last step's progress: it is in the session's tooltip, not a row.
      const ours = checkpoints.filter((c) => c.kind === 'session');
      const undone = new UndoneGroupNode(node);
      for (const [i, c] of ours.entries()) {
        if (c.superseded) undone.children.push(new CheckpointNode(node, c, i + 1, undone));
        else children.push(new CheckpointNode(node, c, i + 1));
      }
      if (undone.children.length > 0) children.push(undone);
      for (const u of unreadable)
        children.push(new MessageNode(`message:${node.summary.id}:${u.name}`, `${u.name}: ${u.reason}`, 'warning'));
      if (children.length === 0) {
        const file = checkpoints.find((c) => c.kind === 'workflow-file');
        const text = file
          ? `No checkpoints to restore (Prodigy's checkpoint file: ${checkpointStepText(file) ?? file.status})`
          : 'No checkpoints yet';
        children.push(new MessageNode(`message:${node.summary.id}:none`, text, 'circle-outline'));
      }
      return children;
    } catch (err) {
      return [
        new MessageNode(
          `message:${node.summary.id}:error`,
          `Could not read checkpoints: ${errorMessage(err)}`,
          'warning',
        ),
      ];
    }
  }

  /**
   * When this window first saw each running agent (`session:item`): a running row shows how long it has run.
   * Agent events carry no start time; after a reload an agent counts from when the window attached.
   */
  private readonly agentStarts = new Map<string, number>();

  private agentStart(sessionId: string, itemId: string): number {
    const key = `${sessionId}:${itemId}`;
    let started = this.agentStarts.get(key);
    if (started === undefined) this.agentStarts.set(key, (started = Date.now()));
    return started;
  }

  private forgetFinishedAgents(sessionId: string, running: ReadonlyMap<string, string>): void {
    for (const key of this.agentStarts.keys()) {
      const [sid, itemId] = [key.slice(0, sessionId.length), key.slice(sessionId.length + 1)];
      if (sid === sessionId && key[sessionId.length] === ':' && !running.has(itemId)) this.agentStarts.delete(key);
    }
  }

  private async onSessionChange(change: SessionChange): Promise<void> {
    const node = this.nodes.get(change.id);
    if (change.kind === 'upsert' && node && this.shownIds.has(change.id)) {
      const orderChanged = node.summary.started_at !== change.summary.started_at;
      node.summary = change.summary;
      if (!orderChanged) {
        await this.decorate(node);
        // A newer change may have come while the record was read: it fires for itself.
        if (node.summary === change.summary) this.changed.fire(node);
        return;
      }
    }
    if (change.kind === 'delete') this.nodes.delete(change.id);
    // A session appeared, disappeared or moved: the root's membership changed.
    this.refresh();
  }
}
