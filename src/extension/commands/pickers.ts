// Quick picks shared by the commands: a workflow file, a session, a checkpoint. Each command
// also takes the answer as an argument, so tests (and keybindings) skip the picker.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  checkpointStepText,
  displayName,
  relativeTime,
  type CheckpointSummary,
  type SessionManager,
  type SessionSummary,
  type SessionStatus,
} from '../../core';

const WORKFLOW_GLOB = '**/*.{yml,yaml}';
const EXCLUDE = '**/{node_modules,.git,dist,out,target,.venv}/**';

/** Workflow files in the workspace: YAML files our loader recognises as workflows (checked on the text, cheaply). */
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
    void vscode.window.showInformationMessage(
      'Prodigy: no workflow files found in this workspace (YAML files with `commands:` or a list of `claude:`/`shell:` steps).',
    );
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
    void vscode.window.showInformationMessage(`Prodigy: no sessions to ${title.toLowerCase().replace(/…$/, '')}.`);
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
    void vscode.window.showInformationMessage(`Prodigy: session ${sessionId} has no checkpoints to restore.`);
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
