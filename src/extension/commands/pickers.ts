// Quick picks shared by the commands: a workflow file, a session, a checkpoint, a filter. Each command
// also takes the answer as an argument, so tests (and keybindings) skip the picker.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  NOT_MERGED,
  relativeTime,
  SESSION_STATUSES,
  type CheckpointSummary,
  type SessionFilter,
  type SessionManager,
  type SessionSummary,
  type SessionStatus,
  type Liveness,
} from '../../core';
import { showNoCheckpoints, showNoSessionsToPick, showNoWorkflowFiles } from '../messages/pickers';
import { describeSession } from '../messages/words';
import { checkpointLabel } from '../sessionsTree/checkpointLabel';
import { sessionStatusText } from '../sessionsTree/statusWords';
import { nameOf } from './context';
import { toSessionTarget } from './targets';

const WORKFLOW_GLOB = '**/*.{yml,yaml}';
const EXCLUDE = '**/{node_modules,.git,dist,out,target,.venv}/**';

/** Workflow files in the workspace: YAML files that read as workflows (checked on the text, cheaply). */
export async function pickWorkflowFile(): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles(WORKFLOW_GLOB, EXCLUDE, 500);
  const candidates: { uri: vscode.Uri; label: string; description: string }[] = [];
  for (const uri of files) {
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      continue;
    }
    if (!/^\s*(-\s*(claude|shell|write_file)\s*:|commands\s*:|steps\s*:|mode\s*:\s*["']?mapreduce)/m.test(text))
      continue;
    const name = /^name\s*:\s*["']?([^"'\n]+)/m.exec(text)?.[1]?.trim();
    candidates.push({
      uri,
      label: path.basename(uri.fsPath),
      description: [name, vscode.workspace.asRelativePath(uri)].filter(Boolean).join(' · '),
    });
  }
  if (candidates.length === 0) {
    showNoWorkflowFiles();
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(candidates, {
    title: 'Run Workflow',
    placeHolder: 'Pick a workflow file to run',
    matchOnDescription: true,
  });
  return picked?.uri;
}

/** What a session picker asks, and what it says when it has nothing to offer. */
export interface SessionPick {
  /** The picker's title: the command's (`Resume Session…`). */
  readonly title: string;
  /** The empty case as a sentence of its own: `no stopped, failed or interrupted session to resume.` */
  readonly none?: string;
  /** Only the sessions this accepts, among those of the statuses asked for. */
  readonly only?: (s: SessionSummary) => boolean;
  /** Who runs a Running session (here, elsewhere, nobody: interrupted), so its item reads as its row does. */
  readonly liveness?: (s: SessionSummary) => Liveness | undefined;
}

/**
 * A session, picked: each item leads with the workflow and its start time, then the status in the tree's words
 * ("Interrupted", not the "Running" its record says) and when it last changed; the id is the detail. `pick`: a
 * title alone, or the whole question.
 */
export async function pickSession(
  manager: SessionManager,
  statuses: SessionStatus[],
  pick: string | SessionPick,
): Promise<SessionSummary | undefined> {
  const { title, none, only, liveness } = typeof pick === 'string' ? ({ title: pick } as SessionPick) : pick;
  const { sessions } = await manager.listSessions({ status: statuses, limit: 200 });
  const items = sessions
    .filter((s) => !only || only(s))
    .map((s) => ({
      label: describeSession(s),
      description: `${sessionStatusText(s, { liveness: liveness?.(s) })} · ${relativeTime(s.updated_at)}`,
      detail: s.id,
      summary: s,
    }));
  if (items.length === 0) {
    showNoSessionsToPick(none ?? `${title.replace(/…$/, '')}: no session is ${orList(statuses)}.`);
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true, matchOnDetail: true }))?.summary;
}

/** A checkpoint of the session, newest first, labelled as its row is ("After 2 · Write the plan (5b707c5)"). */
export async function pickCheckpoint(
  manager: SessionManager,
  sessionId: string,
): Promise<CheckpointSummary | undefined> {
  const [{ checkpoints }, who] = await Promise.all([manager.listCheckpoints(sessionId), nameOf(manager, sessionId)]);
  const ours = checkpoints.filter((c) => c.kind === 'session');
  if (ours.length === 0) {
    showNoCheckpoints(who);
    return undefined;
  }
  const items = ours
    .map((c, i) => ({
      label: checkpointLabel(c, i + 1),
      description: [c.superseded ? 'undone' : undefined, relativeTime(c.created_at)].filter(Boolean).join(' · '),
      detail: c.id,
      checkpoint: c,
    }))
    .reverse();
  return (
    await vscode.window.showQuickPick(items, {
      title: `Restore Checkpoint of ${who}`,
      placeHolder: 'Newest first',
      matchOnDetail: true,
    })
  )?.checkpoint;
}

/** The session `arg` names (a row, an id, `{ sessionId }`), else the one the user picks. */
export async function sessionIdOrPick(
  manager: SessionManager,
  arg: unknown,
  statuses: SessionStatus[],
  pick: string | SessionPick,
): Promise<string | undefined> {
  return toSessionTarget(arg)?.sessionId ?? (await pickSession(manager, statuses, pick))?.id;
}

/** "Paused, Failed or Cancelled". */
export function orList(words: readonly string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : (words[0] ?? 'listed');
}

/** The two questions of Filter Sessions…: statuses, then text. Undefined when either is dismissed. */
export async function pickFilter(current: SessionFilter): Promise<SessionFilter | undefined> {
  const currentStatuses = new Set(
    Array.isArray(current.status) ? current.status : current.status ? [current.status] : [],
  );
  // "Not merged" is an outcome, not a status: completed sessions whose work is still on their branch.
  const notMerged: FilterPick = {
    label: 'Not merged',
    description: 'completed, with the work still on its branch: kept, merge conflict or merge failed',
    notMerged: true,
    picked: current.outcome !== undefined,
  };
  const picked = await vscode.window.showQuickPick<FilterPick>(
    [
      ...SESSION_STATUSES.map((status) => ({ label: status, status, picked: currentStatuses.has(status) })),
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      notMerged,
    ],
    {
      canPickMany: true,
      title: 'Filter Sessions (1/2): statuses to show',
      placeHolder: 'Pick none to show every status',
    },
  );
  if (!picked) return undefined;
  const statuses = picked.flatMap((p) => (p.status ? [p.status] : []));
  const outcome = picked.some((p) => p.notMerged) ? NOT_MERGED : undefined;
  const text = await vscode.window.showInputBox({
    title: 'Filter Sessions (2/2): text',
    prompt: 'Matches id, workflow name, workflow file, worktree and error. Leave empty for none.',
    value: current.text ?? '',
  });
  if (text === undefined) return undefined;
  return { status: statuses.length ? statuses : undefined, outcome, text: text || undefined };
}

interface FilterPick extends vscode.QuickPickItem {
  status?: SessionStatus;
  notMerged?: boolean;
}
