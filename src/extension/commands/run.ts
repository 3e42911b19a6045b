// Commands that start and end runs: run a workflow (picked, repeated or per input, or the file at hand),
// resume, stop (resumable), abandon (final, asked first; `prodigy.cancelSession`, the id kept for keybindings),
// retry a job's failed items, and the merge decision on a finished session's branch: merge,
// keep, discard (asked first), review its changes, or be asked again.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runningFiles } from '../runs/runningFiles';
import {
  discardSessionWork,
  NOT_MERGED,
  isResumable,
  mergeSession,
  type HomePaths,
  type SessionStatus,
  type SessionSummary,
} from '../../core';
import { readSettings } from '../config';
import {
  askAbandonSession,
  askDiscardWork,
  showMergeOutcome,
  showNotRunning,
  showWorkDiscarded,
} from '../messages/commands';
import { describeSession } from '../messages/words';
import { askMergeDecision, branchOf, keepBranch, reviewBranchChanges } from '../runs/mergeDecision';
import type { RunController } from '../runs/runController';
import { confirmed, runAnswers, type RunAnswers } from './answers';
import { guarded, livenessOf, nameOf, requireTrust, type CommandContext, type CommandTable } from './context';
import { askParameters } from './parameters';
import { askPassOptions, passOptionsFrom } from './passOptions';
import { askProfile } from './profiles';
import { pickWorkflowFile, sessionIdOrPick } from './pickers';
import { toSessionTarget, toWorkflowFileTarget } from './targets';

const RESUMABLE: SessionStatus[] = ['Paused', 'Failed', 'Running', 'Initializing'];

export function runCommands({ homes, runs, log }: CommandContext): CommandTable {
  /**
   * Runs a workflow file (picked when none is given); `askPasses`: ask for iterations or inputs unless given;
   * `pickProfile`: a file with profiles asks which (Run Workflow…, the "Run with profile…" lens) unless given.
   */
  async function runFile(file: vscode.Uri | undefined, answers: RunAnswers, askPasses = false, pickProfile = false) {
    if (!requireTrust()) return undefined;
    const uri = file ?? (await pickWorkflowFile());
    if (!uri) return undefined;
    const folder =
      answers.folder ??
      vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ??
      vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ??
      path.dirname(uri.fsPath);
    return guarded(`could not run ${path.basename(uri.fsPath)}`, async () => {
      const passes = passOptionsFrom(answers, folder) ?? (askPasses ? await askPassOptions(folder) : {});
      if (!passes) return undefined;
      // A file declaring parameters: its required ones without a value are asked for (cancel: nothing runs).
      const parameters = answers.parameters ?? (await askParameters(uri.fsPath));
      if (!parameters) return undefined;
      const chosen =
        answers.profile !== undefined ? { profile: answers.profile } : pickProfile ? await askProfile(uri.fsPath) : {};
      if (!chosen) return undefined;
      const request = { merge: answers.merge, progress: answers.progress, ...passes, parameters, ...chosen };
      return runs.run(homes.current.manager, uri.fsPath, folder, request);
    });
  }

  return {
    'prodigy.runWorkflow': (arg) => runFile(toWorkflowFileTarget(arg), runAnswers(arg), false, true),

    'prodigy.runWorkflowWithOptions': (arg) => runFile(toWorkflowFileTarget(arg), runAnswers(arg), true, true),

    // The editor title, the explorer and the Run lens pass the file; the palette runs the active editor's.
    'prodigy.runWorkflowFile': (arg) =>
      runFile(toWorkflowFileTarget(arg) ?? vscode.window.activeTextEditor?.document.uri, runAnswers(arg)),

    'prodigy.resumeSession': async (arg) => {
      if (!requireTrust()) return undefined;
      const { manager } = homes.current;
      const id = await sessionIdOrPick(manager, arg, RESUMABLE, {
        title: 'Resume Session…',
        none: 'no paused, failed or interrupted session to resume.',
        only: (s) => canResume(runs, s, manager.paths),
        liveness: livenessOf(runs, manager.paths),
      });
      if (!id) return undefined;
      const { merge, progress } = runAnswers(arg);
      return guarded(`could not resume ${await nameOf(manager, id)}`, () =>
        runs.resume(manager, id, { merge, progress }),
      );
    },

    // The editor title's Stop, while the active editor's workflow file runs in this window.
    'prodigy.stopWorkflowFile': async () => {
      const run = runningFiles.ofActiveEditor();
      if (!run) return undefined;
      return vscode.commands.executeCommand('prodigy.stopSession', run.sessionId);
    },

    'prodigy.stopSession': async (arg) => {
      const { manager } = homes.current;
      const { paths } = manager;
      const id = await sessionIdOrPick(manager, arg, ['Running', 'Initializing'], {
        title: 'Stop Session',
        none: 'no run is going on to stop.',
        only: (s) => isLive(runs, s.id, paths),
        liveness: livenessOf(runs, paths),
      });
      if (!id) return undefined;
      const result = runs.stop(id, paths);
      if (result === 'not-running') showNotRunning(await nameOf(manager, id));
      else {
        const by = result === 'stopped' ? 'this window' : 'sent SIGINT to the process running it';
        log.info(`[${id}] stop requested (${by})`);
      }
      return result;
    },

    // Abandon Session…: final (the record becomes Cancelled, never resumed), so it asks first, naming the run. The
    // id stays `cancelSession`, so keybindings and settings made for it keep working.
    'prodigy.cancelSession': async (arg) => {
      const { manager } = homes.current;
      const id = await sessionIdOrPick(manager, arg, ['Paused', 'Running', 'Initializing'], {
        title: 'Abandon Session…',
        none: 'no paused or running session to abandon.',
        liveness: livenessOf(runs, manager.paths),
      });
      if (!id) return undefined;
      const who = await nameOf(manager, id);
      if (!confirmed(arg) && !(await askAbandonSession(who))) return undefined;
      return guarded(`could not abandon ${who}`, async () => {
        if (runs.isRunningHere(id)) {
          runs.stop(id, manager.paths);
          await waitUntil(() => !runs.isRunningHere(id));
        }
        const s = await manager.getSession(id);
        if (s.status === 'Running' && runs.liveness(id, manager.paths) === 'elsewhere')
          throw new Error('it is running in another process; stop it first');
        if (s.status === 'Running') await manager.pauseSession(id);
        return manager.cancelSession(id);
      });
    },

    'prodigy.retryFailedItems': async (arg) => {
      if (!requireTrust()) return undefined;
      const { manager } = homes.current;
      const id = await sessionIdOrPick(manager, arg, ['Completed', 'Failed', 'Paused'], {
        title: 'Retry Failed Items',
        none: 'no MapReduce session has failed items to retry.',
        only: (s) => (s.mapreduce?.failed_items ?? 0) > 0,
      });
      if (!id) return undefined;
      const { merge, progress } = runAnswers(arg);
      return guarded(`could not retry the failed items of ${await nameOf(manager, id)}`, () =>
        runs.retryFailedItems(manager, id, { merge, progress }),
      );
    },

    // A row (the waiting decision's inline Merge), `{ sessionId }`, or from the palette a picker of the completed
    // sessions whose work is still on their branch (kept, merge conflict, merge failed, awaiting a decision).
    'prodigy.mergeSession': async (arg) => {
      if (!requireTrust()) return undefined;
      const { manager } = homes.current;
      const id = await sessionIdOrPick(manager, arg, ['Completed'], {
        title: 'Merge Session Branch',
        none: 'no completed session has unmerged work on its branch.',
        only: (s) => s.worktree_name !== null && NOT_MERGED.includes(s.outcome.kind),
      });
      if (!id) return undefined;
      const who = await nameOf(manager, id);
      const outcome = await guarded(`could not merge ${who}`, () => {
        const { claude, mergeConflicts } = readSettings();
        return mergeSession({ manager, sessionId: id, claude, mergeConflicts });
      });
      if (outcome) showMergeOutcome(who, outcome);
      return outcome;
    },

    // The row's inline Discard, the merge question's Discard: asks first, naming the commits lost (a run given
    // merge "discard" passes `{ confirm: true }`: the user already chose).
    'prodigy.discardSessionWork': async (arg, answers) => {
      const target = toSessionTarget(arg);
      if (!target) return undefined;
      const id = target.sessionId;
      const { manager } = homes.current;
      const who = await nameOf(manager, id);
      if (!confirmed(answers) && !confirmed(arg)) {
        const s = await guarded(`could not discard ${who}`, () => manager.getSession(id));
        if (!s) return undefined;
        const found = await branchOf(manager, id).catch(() => undefined);
        const ask = { who: describeSession(s), branch: found?.wt.branch ?? null, commits: found?.commits ?? null };
        if (!(await askDiscardWork(ask))) return undefined;
      }
      // Recorded as discarded (replacing the "kept" the merge question left), so its row and the CLI say so.
      return guarded(`could not discard ${who}`, async () => {
        const done = await discardSessionWork(manager, id);
        showWorkDiscarded(who, done.branch);
        return done.worktree;
      });
    },

    // The row's inline Keep and the merge question's Keep Branch: the branch stays, the decision is made.
    'prodigy.keepSessionBranch': async (arg) => {
      const target = toSessionTarget(arg);
      if (!target) return undefined;
      const id = target.sessionId;
      return guarded(`could not keep the branch of ${await nameOf(homes.current.manager, id)}`, async () => {
        await keepBranch(homes.current.manager, id);
        return true;
      });
    },

    'prodigy.reviewSessionChanges': async (arg) => {
      const target = toSessionTarget(arg);
      if (!target) return undefined;
      const id = target.sessionId;
      return guarded('could not show the changes', () => reviewBranchChanges(homes.current.manager, id));
    },

    // The status bar's "merge?" and the palette: the merge question again, for a session that waits on it.
    'prodigy.decideMerge': async (arg) => {
      const { manager } = homes.current;
      const id = await sessionIdOrPick(manager, arg, ['Completed'], {
        title: 'Merge Decision…',
        none: 'no finished session waits for a merge decision.',
        only: (s) => !!s.outcome.awaiting,
      });
      if (!id) return undefined;
      await guarded(`could not ask about ${await nameOf(manager, id)}`, () => askMergeDecision(manager, id));
      return id;
    },
  };
}

/** A process runs it now, this window or another. */
function isLive(runs: RunController, id: string, paths: HomePaths): boolean {
  const liveness = runs.liveness(id, paths);
  return liveness === 'here' || liveness === 'elsewhere';
}

/** Offered by Resume Session…: stopped or failed and not owned by a process, or interrupted. */
function canResume(runs: RunController, s: SessionSummary, paths: HomePaths): boolean {
  return (isResumable(s.status) && !isLive(runs, s.id, paths)) || runs.liveness(s.id, paths) === 'interrupted';
}

function waitUntil(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve) => {
    const tick = () => (done() || Date.now() - started > timeoutMs ? resolve() : setTimeout(tick, 50));
    tick();
  });
}
