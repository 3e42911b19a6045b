// Commands that run, stop, resume, restore and clean up sessions. Each takes what it would ask
// for as an argument (tests and scripts drive them); from a tree row it gets the row's node.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  changedFiles,
  checkpointStepText,
  deleteSessionAndWorktree,
  errorMessage,
  findSessionFolder,
  findSessionWorktree,
  isResumable,
  mergeSession,
  migrate,
  planRestore,
  removeWorktreeOf,
  restoreCheckpoint,
  sessionsToCleanUp,
  worktreeRoots,
  type RestorePlan,
} from '../../core';
import { agentLogUri, sessionLogUri } from '../documents/sessionLogDocuments';
import { changeRow } from '../documents/gitContentDocuments';
import type { MergeAnswer } from '../runs/mergeQuestion';
import type { ExtensionServices } from '../services';
import { AgentNode, CheckpointNode, DeadLetterNode, SessionNode } from '../sessionsTree/nodes';
import { askPassOptions, passOptionsFrom } from './passOptions';
import { pickCheckpoint, pickSession, pickWorkflowFile } from './pickers';

type SessionArg = SessionNode | string | { sessionId?: string } | undefined;
/** What a run command takes besides the file: the answers it would ask for. */
type RunArgs = {
  folder?: string;
  merge?: MergeAnswer;
  progress?: boolean;
  iterations?: number;
  inputs?: string[];
  map?: string[];
};

function sessionIdOf(arg: SessionArg): string | undefined {
  if (arg instanceof SessionNode) return arg.summary.id;
  if (arg instanceof CheckpointNode) return arg.parent.summary.id;
  if (typeof arg === 'string') return arg;
  return arg?.sessionId;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers take tree nodes, ids or args objects
export function runCommands(services: ExtensionServices): Record<string, (...args: any[]) => unknown> {
  const { runs, log } = services;
  const manager = () => services.manager();

  /** Runs `fn`, turning a failure into one error message (and the log); returns undefined then. */
  async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      log.error(`${what}: ${errorMessage(err)}`);
      void vscode.window.showErrorMessage(`Prodigy: ${what}: ${errorMessage(err)}`);
      return undefined;
    }
  }

  function requireTrust(): boolean {
    if (vscode.workspace.isTrusted) return true;
    const manage = 'Manage Workspace Trust';
    void vscode.window
      .showWarningMessage(
        'Prodigy: workflows run shell commands and Claude, so they only run in a trusted workspace. Sessions can still be viewed.',
        manage,
      )
      .then((c) => c === manage && vscode.commands.executeCommand('workbench.trust.manage'));
    return false;
  }

  /** `askPasses`: with no iterations or inputs among the arguments, ask for them. */
  async function runFile(file: vscode.Uri | string | undefined, args: RunArgs = {}, askPasses = false) {
    if (!requireTrust()) return undefined;
    const uri = typeof file === 'string' ? vscode.Uri.file(file) : (file ?? (await pickWorkflowFile()));
    if (!uri) return undefined;
    const folder =
      args.folder ??
      vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ??
      vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ??
      path.dirname(uri.fsPath);
    return guarded(`could not run ${path.basename(uri.fsPath)}`, async () => {
      const passes = passOptionsFrom(args, folder) ?? (askPasses ? await askPassOptions(folder) : {});
      if (!passes) return undefined;
      return runs.run(uri.fsPath, folder, { merge: args.merge, progress: args.progress, ...passes });
    });
  }

  async function sessionOrPick(
    arg: SessionArg,
    statuses: Parameters<typeof pickSession>[1],
    title: string,
    extra?: Parameters<typeof pickSession>[3],
  ) {
    return sessionIdOf(arg) ?? (await pickSession(manager(), statuses, title, extra))?.id;
  }

  return {
    'prodigy.runWorkflow': (args?: RunArgs & { file?: string }) => runFile(args?.file, args),
    'prodigy.runWorkflowWithOptions': (args?: RunArgs & { file?: string }) => runFile(args?.file, args, true),
    'prodigy.runWorkflowFile': (
      arg?: vscode.Uri | { file?: string; folder?: string; merge?: MergeAnswer; progress?: boolean },
    ) =>
      arg instanceof vscode.Uri
        ? runFile(arg)
        : runFile(arg?.file ?? vscode.window.activeTextEditor?.document.uri, arg),

    'prodigy.resumeSession': async (arg?: SessionArg & { merge?: MergeAnswer; progress?: boolean }) => {
      if (!requireTrust()) return undefined;
      const id = await sessionOrPick(
        arg,
        ['Paused', 'Failed', 'Running', 'Initializing'],
        'Resume Session…',
        (s) =>
          (isResumable(s.status) && !['here', 'elsewhere'].includes(runs.liveness(s.id))) ||
          runs.liveness(s.id) === 'interrupted',
      );
      if (!id) return undefined;
      const opts = typeof arg === 'object' && !(arg instanceof SessionNode) ? arg : {};
      return guarded(`could not resume ${id}`, () => runs.resume(id, { merge: opts?.merge, progress: opts?.progress }));
    },

    'prodigy.stopSession': async (arg?: SessionArg) => {
      const id = await sessionOrPick(arg, ['Running', 'Initializing'], 'Stop Session', (s) =>
        ['here', 'elsewhere'].includes(runs.liveness(s.id)),
      );
      if (!id) return undefined;
      const result = runs.stop(id);
      if (result === 'not-running') void vscode.window.showInformationMessage(`Prodigy: session ${id} is not running.`);
      else
        log.info(
          `[${id}] stop requested (${result === 'stopped' ? 'this window' : 'sent SIGINT to the process running it'})`,
        );
      return result;
    },

    'prodigy.cancelSession': async (arg?: SessionArg & { confirm?: boolean }) => {
      const id = await sessionOrPick(arg, ['Paused', 'Running', 'Initializing'], 'Cancel Session');
      if (!id) return undefined;
      const confirmed =
        (typeof arg === 'object' && !(arg instanceof SessionNode) && arg?.confirm) ||
        (await vscode.window.showWarningMessage(
          `Cancel session ${id}? A cancelled session cannot be resumed; its checkpoints and worktree stay.`,
          { modal: true },
          'Cancel Session',
        )) === 'Cancel Session';
      if (!confirmed) return undefined;
      return guarded(`could not cancel ${id}`, async () => {
        if (runs.isRunningHere(id)) {
          runs.stop(id);
          await waitUntil(() => !runs.isRunningHere(id));
        }
        const s = await manager().getSession(id);
        if (s.status === 'Running' && runs.liveness(id) === 'elsewhere')
          throw new Error('it is running in another process; stop it first');
        if (s.status === 'Running') await manager().pauseSession(id);
        return manager().cancelSession(id);
      });
    },

    'prodigy.deleteSession': async (
      node?: SessionArg | { sessionIds?: string[]; confirm?: boolean; removeWorktree?: boolean },
      selected?: SessionNode[],
    ) => {
      const args =
        node && typeof node === 'object' && !(node instanceof SessionNode) && 'sessionIds' in node ? node : undefined;
      const ids =
        args?.sessionIds ??
        (selected?.length
          ? selected.map((n) => n.summary.id)
          : [
              sessionIdOf(node as SessionArg) ??
                (await pickSession(manager(), ['Completed', 'Failed', 'Paused', 'Cancelled'], 'Delete Session'))?.id,
            ].filter((x): x is string => Boolean(x)));
      if (ids.length === 0) return undefined;
      let removeWorktree = args?.removeWorktree ?? false;
      if (!args?.confirm) {
        const withWt = 'Delete with Worktrees';
        const only = 'Delete';
        const choice = await vscode.window.showWarningMessage(
          ids.length === 1 ? `Delete session ${ids[0]}?` : `Delete ${ids.length} sessions?`,
          {
            modal: true,
            detail: `Records and checkpoints move to ${manager().paths.trashDir} (they can be moved back). "Delete with Worktrees" also removes each session's git worktree and branch.`,
          },
          only,
          withWt,
        );
        if (!choice) return undefined;
        removeWorktree = choice === withWt;
      }
      const done: string[] = [];
      for (const id of ids) {
        const r = await guarded(`could not delete ${id}`, () =>
          deleteSessionAndWorktree(manager(), id, { removeWorktree }),
        );
        if (r) done.push(id);
      }
      services.tree.refresh();
      return done;
    },

    'prodigy.restoreCheckpoint': async (
      arg?:
        | CheckpointNode
        | SessionArg
        | { sessionId?: string; checkpointId?: string; confirm?: boolean; force?: boolean; showChanges?: boolean },
    ) => {
      if (!requireTrust()) return undefined;
      const args =
        arg && typeof arg === 'object' && !(arg instanceof SessionNode) && !(arg instanceof CheckpointNode)
          ? (arg as {
              sessionId?: string;
              checkpointId?: string;
              confirm?: boolean;
              force?: boolean;
              showChanges?: boolean;
            })
          : {};
      const sessionId =
        arg instanceof CheckpointNode
          ? arg.parent.summary.id
          : await sessionOrPick(
              arg as SessionArg,
              ['Paused', 'Failed', 'Completed', 'Cancelled', 'Running'],
              'Restore Checkpoint…',
            );
      if (!sessionId) return undefined;
      const checkpointId =
        arg instanceof CheckpointNode
          ? arg.checkpoint.id
          : (args.checkpointId ?? (await pickCheckpoint(manager(), sessionId))?.id);
      if (!checkpointId) return undefined;
      const plan = await guarded('could not prepare the restore', () =>
        planRestore(manager(), sessionId, checkpointId),
      );
      if (!plan) return undefined;
      if (args.showChanges ?? !args.confirm) await showPlanChanges(plan);
      let force = args.force ?? false;
      if (!args.confirm) {
        const answer = await confirmRestore(plan);
        if (!answer) return undefined;
        force = answer === 'force';
      }
      const outcome = await guarded(`could not restore ${checkpointId}`, () =>
        restoreCheckpoint(manager(), sessionId, checkpointId, { force }),
      );
      if (!outcome) return undefined;
      const undo = 'Undo Restore';
      const notes = [
        outcome.savedChanges ? `uncommitted changes saved (git stash apply ${outcome.savedChanges.slice(0, 10)})` : '',
        outcome.backupDir ? `untracked files copied to ${outcome.backupDir}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      void vscode.window
        .showInformationMessage(
          `Prodigy: session ${sessionId} restored to ${checkpointStepText(plan.checkpoint) ?? checkpointId}; it is Paused, ready to resume.${notes ? ` ${notes}.` : ''}`,
          undo,
        )
        .then(async (c) => {
          if (c !== undo) return;
          // Only while nothing happened since: after a resume, undo would rewind the new run.
          const now = await manager()
            .getSession(sessionId)
            .catch(() => undefined);
          if (
            !now ||
            now.metadata.restored_from_checkpoint !== checkpointId ||
            now.checkpoints.length !== outcome.session.checkpoints.length
          ) {
            void vscode.window.showWarningMessage(
              `Prodigy: session ${sessionId} has moved on since the restore; to go back, restore the checkpoint "before restoring…" yourself.`,
            );
            return;
          }
          await vscode.commands.executeCommand('prodigy.restoreCheckpoint', {
            sessionId,
            checkpointId: outcome.safetyCheckpointId,
            confirm: true,
          });
        });
      return outcome;
    },

    'prodigy.showSessionLog': async (arg?: SessionArg) => {
      const id = await sessionOrPick(
        arg,
        ['Running', 'Paused', 'Failed', 'Completed', 'Cancelled', 'Initializing'],
        'Show Session Log',
      );
      if (!id) return undefined;
      return openLog(sessionLogUri(id));
    },

    'prodigy.retryFailedItems': async (arg?: SessionArg & { merge?: MergeAnswer; progress?: boolean }) => {
      if (!requireTrust()) return undefined;
      const id = await sessionOrPick(
        arg,
        ['Completed', 'Failed', 'Paused'],
        'Retry Failed Items',
        (s) => (s.mapreduce?.failed_items ?? 0) > 0,
      );
      if (!id) return undefined;
      const opts = typeof arg === 'object' && !(arg instanceof SessionNode) ? arg : {};
      return guarded(`could not retry the failed items of ${id}`, () =>
        runs.retryFailedItems(id, { merge: opts?.merge, progress: opts?.progress }),
      );
    },

    'prodigy.openAgentLog': async (arg?: AgentNode | DeadLetterNode | { sessionId: string; itemId: string }) => {
      const sessionId =
        arg instanceof AgentNode || arg instanceof DeadLetterNode ? arg.parent.summary.id : arg?.sessionId;
      const itemId =
        arg instanceof AgentNode ? arg.itemId : arg instanceof DeadLetterNode ? arg.item.item_id : arg?.itemId;
      if (!sessionId || !itemId) return undefined;
      return openLog(agentLogUri(sessionId, itemId));
    },

    'prodigy.showCheckpointChanges': async (arg?: CheckpointNode | { sessionId: string; checkpointId: string }) => {
      const sessionId = arg instanceof CheckpointNode ? arg.parent.summary.id : arg?.sessionId;
      const checkpointId = arg instanceof CheckpointNode ? arg.checkpoint.id : arg?.checkpointId;
      if (!sessionId || !checkpointId) return undefined;
      return guarded('could not show the changes', async () => {
        const { checkpoints } = await manager().listCheckpoints(sessionId);
        const ours = checkpoints.filter((c) => c.kind === 'session' && c.commit);
        const index = ours.findIndex((c) => c.id === checkpointId);
        const cp = ours[index];
        if (!cp?.commit) throw new Error(`checkpoint ${checkpointId} records no commit`);
        const session = await manager().getSession(sessionId);
        const { cwd } = await findSessionFolder(manager(), session);
        if (!cwd) throw new Error(`the worktree of session ${sessionId} is gone`);
        const before = index > 0 ? ours[index - 1].commit! : `${cp.commit}^`;
        const files = await changedFiles(cwd, before, cp.commit);
        if (files.length === 0) {
          void vscode.window.showInformationMessage(
            `Prodigy: ${checkpointStepText(cp) ?? 'this step'} changed no committed files.`,
          );
          return files;
        }
        await vscode.commands.executeCommand(
          'vscode.changes',
          `${session.workflow_data?.workflow_name || sessionId}: ${checkpointStepText(cp)} (${cp.step_name ?? ''})`,
          files.map((f) => changeRow(cwd, f, before, cp.commit!)),
        );
        return files;
      });
    },

    'prodigy.revealWorktree': async (arg?: SessionArg) => {
      const id = sessionIdOf(arg);
      if (!id) return undefined;
      const wt = await findSessionWorktree(worktreeRoots(manager()), id);
      if (!wt) {
        void vscode.window.showInformationMessage(
          `Prodigy: session ${id} has no worktree (it ran in place, or its worktree was removed).`,
        );
        return undefined;
      }
      const open = 'Open in New Window';
      const copy = 'Copy Path';
      // Not awaited: a notification nobody answers never settles, and the command must still return.
      void vscode.window
        .showInformationMessage(`Session ${id} runs in ${wt.path} (branch ${wt.branch}).`, open, copy)
        .then(async (choice) => {
          if (choice === open)
            await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(wt.path), {
              forceNewWindow: true,
            });
          if (choice === copy) await vscode.env.clipboard.writeText(wt.path);
        });
      return wt.path;
    },

    'prodigy.mergeSession': async (arg?: SessionArg) => {
      if (!requireTrust()) return undefined;
      const id = sessionIdOf(arg);
      if (!id) return undefined;
      const s = services.settings();
      const outcome = await guarded(`could not merge ${id}`, () =>
        mergeSession({ manager: manager(), sessionId: id, claude: s.claude }),
      );
      if (outcome) {
        const text =
          outcome.status === 'merged'
            ? `merged ${outcome.commits} commit(s) into ${outcome.target}`
            : outcome.status === 'up-to-date'
              ? `nothing to merge into ${outcome.target}`
              : 'message' in outcome
                ? outcome.message
                : outcome.status;
        void (outcome.status === 'conflict' || outcome.status === 'failed'
          ? vscode.window.showWarningMessage(`Prodigy: ${text}`)
          : vscode.window.showInformationMessage(`Prodigy: session ${id}: ${text}.`));
      }
      return outcome;
    },

    'prodigy.discardSessionWork': async (id: string, args?: { confirm?: boolean }) => {
      const confirmed =
        args?.confirm ||
        (await vscode.window.showWarningMessage(
          `Discard the work of session ${id}? Its worktree and branch are deleted; the session record stays.`,
          { modal: true },
          'Discard',
        )) === 'Discard';
      if (!confirmed) return undefined;
      return guarded(`could not discard ${id}`, () => removeWorktreeOf(manager(), id, { deleteBranch: true }));
    },

    'prodigy.migrateLegacySessions': async (args?: { path?: string }) => {
      const folder = args?.path ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const report = await guarded('migration failed', () => migrate(manager(), { projectDir: folder }));
      if (!report) return undefined;
      const total = report.imported.length;
      void vscode.window.showInformationMessage(
        total
          ? `Prodigy: found ${report.found.workflow} workflow and ${report.found.mapreduce} MapReduce session(s); imported ${total}${report.skipped.length ? `, ${report.skipped.length} already present` : ''}.`
          : 'Prodigy: no legacy or record-less sessions to import.',
      );
      services.tree.refresh();
      return report;
    },

    'prodigy.cleanUpSessions': async (args?: { olderThanDays?: number; confirm?: boolean }) => {
      const days = args?.olderThanDays ?? services.settings().cleanUpDays;
      const ids = await sessionsToCleanUp(manager(), days);
      if (ids.length === 0) {
        void vscode.window.showInformationMessage(`Prodigy: no completed sessions older than ${days} day(s).`);
        return [];
      }
      if (!args?.confirm) {
        const go = 'Clean Up';
        const choice = await vscode.window.showWarningMessage(
          `Remove ${ids.length} completed session(s) older than ${days} day(s), with their worktrees and branches?`,
          {
            modal: true,
            detail: `Records move to ${manager().paths.trashDir}. The age is the \`prodigy.cleanUp.olderThanDays\` setting.`,
          },
          go,
        );
        if (choice !== go) return undefined;
      }
      const done: string[] = [];
      for (const id of ids)
        if (
          await guarded(`could not clean up ${id}`, () =>
            deleteSessionAndWorktree(manager(), id, { removeWorktree: true }),
          )
        )
          done.push(id);
      services.tree.refresh();
      void vscode.window.showInformationMessage(`Prodigy: cleaned up ${done.length} session(s).`);
      return done;
    },

    'prodigy.revealSession': async (id?: string) => {
      if (!id) return undefined;
      await vscode.commands.executeCommand('prodigy.sessions.focus');
      const node = services.tree.findSession(id) ?? (await services.tree.loadUntil(id));
      if (node) await services.view.reveal(node, { select: true, focus: false, expand: false });
      return Boolean(node);
    },
  };
}

async function showPlanChanges(plan: RestorePlan): Promise<void> {
  if (!plan.cwd || !plan.targetCommit || !plan.currentCommit || plan.changes.length === 0) return;
  const cwd = plan.cwd;
  await vscode.commands.executeCommand(
    'vscode.changes',
    `Restore ${plan.sessionId} to ${checkpointStepText(plan.checkpoint) ?? plan.checkpoint.id}: files that change`,
    // Now on the left, the checkpoint on the right: what the restore does to each file.
    plan.changes
      .map((f) => changeRow(cwd, f, plan.targetCommit!, plan.currentCommit!))
      .map(([uri, then, now]) => [uri, now, then]),
  );
}

async function confirmRestore(plan: RestorePlan): Promise<'restore' | 'force' | undefined> {
  const where =
    plan.cwd && plan.targetCommit
      ? `${plan.changes.length} file(s) in ${plan.cwd} go back to ${plan.targetCommit.slice(0, 10)}.`
      : 'No commit is recorded: only the session state goes back; no file is touched.';
  const detail =
    `${where}\n\nA safety checkpoint of the present is recorded first, so this restore can be undone (Undo Restore, or restore the checkpoint "before restoring…"). Untracked files are never deleted.` +
    (plan.blocker
      ? `\n\nBlocked: ${plan.blocker}. "Save and Restore" keeps them first (uncommitted changes as a git stash entry, untracked files copied aside).`
      : '');
  const restore = 'Restore';
  const force = 'Save and Restore';
  const choice = await vscode.window.showWarningMessage(
    `Restore session ${plan.sessionId} to ${checkpointStepText(plan.checkpoint) ?? plan.checkpoint.id}?`,
    { modal: true, detail },
    ...(plan.blocker ? [force] : [restore]),
  );
  return choice === restore ? 'restore' : choice === force ? 'force' : undefined;
}

/** A log as a read-only document with log highlighting. */
async function openLog(uri: vscode.Uri): Promise<vscode.Uri> {
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.languageId !== 'log')
    await vscode.languages.setTextDocumentLanguage(doc, 'log').then(undefined, () => undefined);
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc.uri;
}

function waitUntil(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve) => {
    const tick = () => (done() || Date.now() - started > timeoutMs ? resolve() : setTimeout(tick, 50));
    tick();
  });
}
