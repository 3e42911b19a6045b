// Quick picks shared by the commands: a workflow file, a session, a checkpoint, a filter. Each command
// also takes the answer as an argument, so tests (and keybindings) skip the picker.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  checkpointStepText,
  displayName,
  NOT_MERGED,
  relativeTime,
  SESSION_STATUSES,
  type CheckpointSummary,
  type SessionFilter,
  type SessionManager,
  type SessionSummary,
  type SessionStatus,
} from '../../core';
import { showNoCheckpoints, showNoSessionsToPick, showNoWorkflowFiles } from '../messages';
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

export async function pickSession(
  manager: SessionManager,
  statuses: SessionStatus[],
  title: string,
  extra?: (s: SessionSummary) => boolean,
): Promise<SessionSummary | undefined> {
  const { sessions } = await manager.listSessions({ status: statuses, limit: 200 });
  const items = sessions
    .filter((s) => !extra || extra(s))
    .map((s) => ({
      label: displayName(s),
      description: `${s.status} · ${relativeTime(s.updated_at)}`,
      detail: s.id,
      summary: s,
    }));
  if (items.length === 0) {
    showNoSessionsToPick(title);
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title, matchOnDetail: true }))?.summary;
}

export async function pickCheckpoint(
  manager: SessionManager,
  sessionId: string,
): Promise<CheckpointSummary | undefined> {
  const { checkpoints } = await manager.listCheckpoints(sessionId);
  const ours = checkpoints.filter((c) => c.kind === 'session').reverse();
  if (ours.length === 0) {
    showNoCheckpoints(sessionId);
    return undefined;
  }
  const items = ours.map((c) => ({
    label: checkpointStepText(c) ?? c.label ?? c.id,
    description: [c.step_name ?? c.label, c.commit?.slice(0, 7), relativeTime(c.created_at)]
      .filter(Boolean)
      .join(' · '),
    detail: c.id,
    checkpoint: c,
  }));
  return (
    await vscode.window.showQuickPick(items, {
      title: `Restore Checkpoint of ${sessionId}`,
      placeHolder: 'Newest first',
    })
  )?.checkpoint;
}

/** The session `arg` names (a row, an id, `{ sessionId }`), else the one the user picks. */
export async function sessionIdOrPick(
  manager: SessionManager,
  arg: unknown,
  statuses: SessionStatus[],
  title: string,
  extra?: (s: SessionSummary) => boolean,
): Promise<string | undefined> {
  return toSessionTarget(arg)?.sessionId ?? (await pickSession(manager, statuses, title, extra))?.id;
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
