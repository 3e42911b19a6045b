// Tooltips are built on hover (resolveTreeItem), never while the tree renders.
import * as vscode from 'vscode';
import {
  checkpointStepText,
  displayName,
  formatCost,
  formatTokens,
  progressText,
  relativeTime,
  type CheckpointSummary,
  type ClaudeTotals,
  type SessionSummary,
} from '../../core';

function when(iso: string | null): string {
  if (!iso) return '-';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function sessionTooltip(
  s: SessionSummary,
  { interrupted = false, stale = false }: { interrupted?: boolean; stale?: boolean } = {},
  claude: ClaudeTotals | null = null,
): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown(`$(${s.session_type === 'MapReduce' ? 'server-process' : 'list-ordered'}) **`);
  md.appendText(displayName(s));
  md.appendMarkdown(`** · ${s.status}\n\n`);
  const rows: [string, string][] = [
    ['Session', s.id],
    ['Type', s.session_type + (s.recorded_type !== s.session_type ? ` (recorded as ${s.recorded_type})` : '')],
    ['Progress', progressText(s)],
    // Only what the status leaves out: "merged into main", "branch kept · 4 unmerged commits", failed items.
    ...(s.outcome.detail ? [['Outcome', s.outcome.text] as [string, string]] : []),
    ['Started', when(s.started_at)],
    ['Updated', when(s.updated_at)],
  ];
  if (s.completed_at) rows.push(['Finished', when(s.completed_at)]);
  if (s.workflow_path) rows.push(['Workflow file', s.workflow_path]);
  if (s.worktree_name) rows.push(['Worktree', s.worktree_name]);
  rows.push(['Checkpoints', String(s.checkpoints)]);
  for (const [k, v] of rows) {
    md.appendMarkdown(`**${k}:** `);
    md.appendText(v);
    md.appendMarkdown('  \n');
  }
  if (interrupted) {
    md.appendMarkdown(
      '\n---\n\n$(debug-disconnect) The process running this session is gone (a crash or a closed window). ' +
        'Nothing is lost: resume it where it stopped.\n',
    );
  }
  if (stale) {
    md.appendMarkdown(
      `\n---\n\n$(question) Its record says ${s.status}, but it was last updated ${relativeTime(s.updated_at)}, ` +
        'and no process this window can see runs it (the `prodigy` CLI records none). ' +
        'It was most likely cut off: if no `prodigy` process runs it any more, resume it where it stopped.\n',
    );
  }
  if (claude) appendClaudeUsage(md, claude);
  else if (s.cost_usd !== null) appendRows(md, [['Claude cost', formatCost(s.cost_usd)]]);
  if (s.error && s.status === 'Paused') {
    // The engine's own reason for pausing (the Claude budget): what to do about it comes with it.
    md.appendMarkdown('\n---\n\n$(debug-pause) **Paused:** ');
    md.appendText(s.error);
    md.appendMarkdown('\n\nRaise `prodigy.claude.maxCostPerSession` if the budget stopped it, then resume.');
  } else if (s.error) {
    md.appendMarkdown('\n---\n\n$(error) ');
    md.appendText(s.error);
  }
  return md;
}

/** A session's Claude calls, summed: calls, cost, tokens by kind, tool uses, and the last call. */
function appendClaudeUsage(md: vscode.MarkdownString, t: ClaudeTotals): void {
  md.appendMarkdown('\n---\n\n$(sparkle) **Claude**  \n');
  const rows: [string, string][] = [
    ['Calls', String(t.runs)],
    ['Cost', formatCost(t.total_cost_usd)],
    [
      'Tokens',
      `${formatTokens(t.input_tokens)} in · ${formatTokens(t.output_tokens)} out · ` +
        `${formatTokens(t.cache_read_input_tokens)} cache read · ${formatTokens(t.cache_creation_input_tokens)} cache write`,
    ],
    ['Tool uses', String(t.tool_uses)],
  ];
  if (t.last) {
    const step = t.last.step ?? 'a step';
    rows.push(['Last call', `${step}${t.last.is_error ? ' (failed)' : ''}`]);
  }
  appendRows(md, rows);
}

function appendRows(md: vscode.MarkdownString, rows: [string, string][]): void {
  for (const [k, v] of rows) {
    md.appendMarkdown(`**${k}:** `);
    md.appendText(v);
    md.appendMarkdown('  \n');
  }
}

export function checkpointTooltip(c: CheckpointSummary): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  md.appendMarkdown(`$(${c.label ? 'history' : 'bookmark'}) **Checkpoint** `);
  md.appendText(checkpointStepText(c) ?? c.label ?? c.id);
  md.appendMarkdown('\n\n');
  const rows: [string, string | null][] = [
    ['Created', when(c.created_at)],
    ['Step', c.step_name],
    ['Checkpoint', c.id],
    ['Commit', c.commit],
    ['Claude cost', c.claude_cost_usd !== null ? formatCost(c.claude_cost_usd) : null],
    ['Status', c.status],
    ['File', c.file],
  ];
  for (const [k, v] of rows) {
    if (v === null) continue;
    md.appendMarkdown(`**${k}:** `);
    md.appendText(v);
    md.appendMarkdown('  \n');
  }
  if (c.superseded)
    md.appendMarkdown(
      '\n*Undone: a restore went back past this checkpoint, and the steps after it ran again ' +
        '(or will, on resume). It can still be restored.*',
    );
  if (c.kind === 'workflow-file') md.appendMarkdown('\n*Written by the `prodigy` CLI; `prodigy resume` reads it.*');
  else if (c.commit) md.appendMarkdown('\n\nClick to see what this step changed.');
  return md;
}

/** Prodigy's checkpoint file (what `prodigy resume` reads), at the end of its session's tooltip. */
export function appendWorkflowFileCheckpoint(md: vscode.MarkdownString, c: CheckpointSummary): void {
  md.appendMarkdown('\n---\n\n$(file-code) **Prodigy checkpoint file** (the `prodigy` CLI resumes from it): ');
  md.appendText([checkpointStepText(c), c.status, when(c.created_at)].filter(Boolean).join(' · '));
  md.appendMarkdown('  \n');
  if (c.file) md.appendText(c.file);
}
