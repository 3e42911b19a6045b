// Restoring a checkpoint: the session goes back to that step (pointer, variables; Paused, ready
// to resume) and its worktree's files go back to the checkpoint's commit. Users of other tools
// lost work this way, so every restore can be undone: the present state is recorded first as a
// safety checkpoint, its commit is kept by a ref, uncommitted changes refuse the restore unless
// forced (and are then saved as a stash entry), untracked files are never deleted, and nothing
// but the session's own worktree is touched. State kept above this layer (a MapReduce job's) goes
// back with the files through a StateRollback (engine/restore.ts), or the restore is refused.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProdigyError } from '../errors';
import {
  changedFiles,
  commitExists,
  currentBranch,
  filesInCommit,
  headCommit,
  keepCommit,
  resetHard,
  saveUncommittedChanges,
  trackedChanges,
  untrackedFiles,
  updateWorktreeState,
  type ChangedFile,
} from '../git';
import { RESTORABLE_FROM } from '../lifecycle/transitions';
import { nowTimestamp } from '../model/serde';
import type { UnifiedSession } from '../model/session';
import type { CheckpointSummary } from '../sessions/checkpoints';
import type { CheckpointSnapshot } from '../sessions/checkpointStore';
import type { SessionManager } from '../sessions/sessionManager';
import { acquireResumeLock } from '../sessions/resumeLock';
import { findSessionFolder } from './sessionFolder';
import { nextStep } from '../nextStep';

export interface RestorePlan {
  sessionId: string;
  checkpoint: CheckpointSummary;
  /** The folder whose files the restore changes (the session's worktree, or its project when run in place); null: state only. */
  cwd: string | null;
  inPlace: boolean;
  currentCommit: string | null;
  targetCommit: string | null;
  /** Committed differences between now and the checkpoint: what the restore changes. */
  changes: ChangedFile[];
  /** Tracked files with uncommitted changes (refuse unless forced; saved first when forced). */
  uncommitted: string[];
  /** Untracked files the checkpoint's commit has too (would be overwritten: refuse unless forced; copied aside first). */
  untrackedInTheWay: string[];
  /** Why it cannot go ahead without --force (null: it can). */
  blocker: string | null;
}

/**
 * State a restore rolls back besides the files and the record, kept by a higher layer (a MapReduce session's job
 * state and dead-letter queue: engine/restore.ts). Without it a resume would trust state the files no longer have.
 */
export interface StateRollback {
  /** Why the checkpoint cannot be restored (null: it can); asked while planning, before anything changes. */
  refusal(session: UnifiedSession, snapshot: CheckpointSnapshot): string | null;
  /** The present state, kept in the restore's safety checkpoint so that undoing the restore puts it back. */
  capture(session: UnifiedSession): Record<string, unknown>;
  /** Puts the checkpoint's state back (under the resume lock, with the files). */
  rollBack(session: UnifiedSession, snapshot: CheckpointSnapshot): void;
}

export interface RestoreOutcome {
  session: UnifiedSession;
  plan: RestorePlan;
  /** Restore to this checkpoint to undo the restore. */
  safetyCheckpointId: string;
  /** Stash commit holding uncommitted changes saved by a forced restore (`git stash apply <sha>`). */
  savedChanges: string | null;
  /** Where untracked files in the way were copied. */
  backupDir: string | null;
}

export async function planRestore(
  manager: SessionManager,
  sessionId: string,
  checkpointId: string,
  rollback?: StateRollback,
): Promise<RestorePlan> {
  const session = await manager.getSession(sessionId);
  const { checkpoints } = await manager.listCheckpoints(sessionId);
  const checkpoint = checkpoints.find((c) => c.id === checkpointId);
  if (!checkpoint)
    throw new ProdigyError(
      `Checkpoint ${checkpointId} not found in session ${sessionId}; ${nextStep({ kind: 'list-checkpoints', sessionId })}`,
    );
  if (checkpoint.kind !== 'session') {
    throw new ProdigyError(
      `Checkpoint ${checkpointId} is Prodigy's workflow checkpoint file of session ${sessionId}; it is the session's latest state (resume it), not a point to go back to`,
    );
  }
  const refusal = rollback?.refusal(session, await manager.loadCheckpointSnapshot(sessionId, checkpointId));
  if (refusal) throw new ProdigyError(`Not restoring ${checkpointId} of session ${sessionId}: ${refusal}`);
  const where = await restoreFolder(manager, session);
  const plan: RestorePlan = {
    sessionId,
    checkpoint,
    cwd: where?.cwd ?? null,
    inPlace: where?.inPlace ?? false,
    currentCommit: null,
    targetCommit: checkpoint.commit,
    changes: [],
    uncommitted: [],
    untrackedInTheWay: [],
    blocker: null,
  };
  if (!plan.cwd || !plan.targetCommit) return plan;
  if (!(await commitExists(plan.cwd, plan.targetCommit))) {
    throw new ProdigyError(
      `Checkpoint ${checkpointId} points at commit ${plan.targetCommit}, which no longer exists in ${plan.cwd}`,
    );
  }
  if (plan.inPlace) await refuseOtherBranch(session, checkpointId, plan.cwd);
  plan.currentCommit = await headCommit(plan.cwd);
  plan.changes = await changedFiles(plan.cwd, plan.targetCommit, plan.currentCommit);
  plan.uncommitted = await trackedChanges(plan.cwd);
  const target = await filesInCommit(plan.cwd, plan.targetCommit);
  plan.untrackedInTheWay = (await untrackedFiles(plan.cwd)).filter((f) => target.has(f));
  const blockers: string[] = [];
  if (plan.inPlace) {
    const last = lastCommitOf(session);
    if (last && last !== plan.currentCommit)
      blockers.push(
        `the branch in ${plan.cwd} moved since the session's last checkpoint (${short(last)} → ${short(plan.currentCommit)})`,
      );
  }
  if (plan.uncommitted.length) blockers.push(`uncommitted changes in ${list(plan.uncommitted)}`);
  if (plan.untrackedInTheWay.length)
    blockers.push(`untracked files the checkpoint would overwrite: ${list(plan.untrackedInTheWay)}`);
  plan.blocker = blockers.length ? blockers.join('; ') : null;
  return plan;
}

export async function restoreCheckpoint(
  manager: SessionManager,
  sessionId: string,
  checkpointId: string,
  opts: { force?: boolean; rollback?: StateRollback } = {},
): Promise<RestoreOutcome> {
  const lock = await acquireResumeLock(manager.paths.resumeLocksDir, sessionId);
  try {
    let session = await manager.getSession(sessionId);
    if (session.status === 'Running') session = await manager.pauseSession(sessionId); // its process is gone: we hold the lock
    if (!RESTORABLE_FROM.includes(session.status))
      throw new ProdigyError(`Session ${sessionId} is ${session.status}; stop it before restoring a checkpoint`);
    const snapshot = await manager.loadCheckpointSnapshot(sessionId, checkpointId);
    const plan = await planRestore(manager, sessionId, checkpointId, opts.rollback);
    if (plan.blocker && !opts.force)
      throw new ProdigyError(
        `Not restoring ${checkpointId}: ${plan.blocker}. Nothing was changed. Use --force to save them aside and restore anyway.`,
      );

    const stamp = nowTimestamp().replace(/[-:.]/g, '').slice(0, 15);
    let savedChanges: string | null = null;
    let backupDir: string | null = null;
    if (plan.cwd && plan.targetCommit && plan.currentCommit) {
      if (plan.uncommitted.length)
        savedChanges = await saveUncommittedChanges(
          plan.cwd,
          `prodigy: before restoring ${checkpointId} of ${sessionId}`,
        );
      if (plan.untrackedInTheWay.length)
        backupDir = copyAside(manager, sessionId, stamp, plan.cwd, plan.untrackedInTheWay);
      await keepCommit(plan.cwd, `refs/prodigy/${sessionId}/before-restore-${stamp}`, plan.currentCommit);
    }
    // The present, as a checkpoint of its own: restoring it undoes this restore.
    const latest = await manager.latestWorkflowCheckpoint(sessionId).catch(() => null);
    const journalHead = manager.journalHeadId(sessionId);
    const { summary: safety } = await manager.recordCheckpoint(sessionId, {
      info: {
        label: `before restoring ${checkpoint(plan)}`,
        ...(session.workflow_data && session.workflow_data.current_step > 0
          ? { step_index: session.workflow_data.current_step - 1, total_steps: session.workflow_data.total_steps }
          : {}),
        ...(plan.currentCommit ? { commit: plan.currentCommit } : {}),
        ...(savedChanges ? { saved_changes: savedChanges } : {}),
        ...(journalHead ? { journal_head: journalHead } : {}),
      },
      snapshot: { ...(latest ? latest.checkpoint : {}), ...opts.rollback?.capture(session) },
    });
    if (plan.cwd && plan.targetCommit && plan.currentCommit) await resetHard(plan.cwd, plan.targetCommit);
    opts.rollback?.rollBack(session, snapshot);

    // Prodigy's checkpoint file goes back too, so `prodigy resume` and ours start from the same step.
    if (typeof snapshot.workflow_id === 'string' && Array.isArray(snapshot.completed_steps)) {
      const {
        session_id: _s,
        checkpoint_id: _c,
        created_at: _t,
        workflow_data: _w,
        mapreduce_data: _m,
        ...file
      } = snapshot;
      const state = (file.execution_state ?? {}) as Record<string, unknown>;
      await manager.writeWorkflowCheckpoint(sessionId, `${sessionId}.checkpoint.json`, {
        ...file,
        execution_state: { ...state, status: 'Interrupted', last_checkpoint: nowTimestamp() },
        timestamp: nowTimestamp(),
      });
    }
    manager.moveJournalHead(sessionId, checkpointId);
    const restored = await manager.restoreCheckpoint(
      sessionId,
      checkpointId,
      plan.targetCommit && plan.cwd ? { head_commit: plan.targetCommit } : {},
    );
    noteInLog(
      manager.paths.sessionLogFile(sessionId),
      `=== ${new Date().toISOString()} restored ${checkpoint(plan)} (${checkpointId})${plan.targetCommit ? `: files back to ${plan.targetCommit.slice(0, 10)}` : ''}; undo with checkpoint ${safety.id}`,
    );
    const wt = (await findSessionFolder(manager, restored)).worktree;
    if (wt && fs.existsSync(wt.metadataFile)) {
      try {
        updateWorktreeState(wt.metadataFile, { status: 'interrupted', resumable: true });
      } catch {
        // informational only
      }
    }
    return { session: restored, plan, safetyCheckpointId: safety.id, savedChanges, backupDir };
  } finally {
    lock.release();
  }
}

function checkpoint(plan: RestorePlan): string {
  const c = plan.checkpoint;
  return c.step_index !== null
    ? `after step ${c.step_index + 1}${c.total_steps ? `/${c.total_steps}` : ''}`
    : (c.label ?? c.id);
}

async function restoreFolder(
  manager: SessionManager,
  session: UnifiedSession,
): Promise<{ cwd: string; inPlace: boolean } | null> {
  const { cwd, inPlace } = await findSessionFolder(manager, session);
  if (cwd) return { cwd, inPlace };
  if (session.metadata.worktree === true)
    throw new ProdigyError(`The worktree of session ${session.id} is gone; its checkpoints can no longer be restored`);
  return null;
}

/** The session log says what happened to it between runs. */
function noteInLog(file: string, line: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `${line}\n`);
  } catch {
    // the log is informational
  }
}

/**
 * A session that ran in place is restored only on the branch it ran on: a reset moves whatever branch is checked
 * out, and `--force` moved an unrelated one (b09). Not a blocker that force overrides: nothing says to move that
 * branch. A session recorded before its branch was kept is restored only while HEAD is where it left it.
 */
async function refuseOtherBranch(session: UnifiedSession, checkpointId: string, cwd: string): Promise<void> {
  const now = await currentBranch(cwd);
  const ranOn = session.metadata.branch;
  const refuse = (why: string) =>
    new ProdigyError(`Not restoring ${checkpointId} of session ${session.id}: ${why}. Nothing was changed.`);
  if (ranOn === null || typeof ranOn === 'string') {
    if (ranOn !== now)
      throw refuse(
        `it ran in place on ${branchName(ranOn)} of ${cwd}, but ${branchName(now)} is checked out there now; a restore resets only the session's own branch: ${ranOn ? `check out ${ranOn} first (git checkout ${ranOn})` : 'check out the commit it ran on first'}`,
      );
    return;
  }
  const last = lastCommitOf(session);
  const head = await headCommit(cwd).catch(() => null);
  if (last && last !== head)
    throw refuse(
      `it ran in place before its branch was recorded, and ${branchName(now)} of ${cwd} is no longer at its last checkpoint's commit ${short(last)}, so it may not be the session's branch; check out the branch the session ran on, at ${short(last)}`,
    );
}

function branchName(branch: string | null): string {
  return branch === null ? 'a detached HEAD' : `branch ${branch}`;
}

/** The commit the session last left its folder at: its newest step checkpoint's, or the one a restore moved to. */
function lastCommitOf(session: UnifiedSession): string | null {
  if (typeof session.metadata.head_commit === 'string') return session.metadata.head_commit;
  for (let i = session.checkpoints.length - 1; i >= 0; i--) {
    const c = session.checkpoints[i].metadata.commit;
    if (typeof c === 'string') return c;
  }
  return null;
}

function copyAside(manager: SessionManager, id: string, stamp: string, cwd: string, files: string[]): string {
  const dir = path.join(manager.paths.ownDir, 'restore-backups', id, stamp);
  for (const f of files) {
    const to = path.join(dir, f);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(cwd, f), to);
  }
  return dir;
}

function short(sha: string | null): string {
  return sha ? sha.slice(0, 10) : '?';
}

function list(files: string[]): string {
  return files.length > 5 ? `${files.slice(0, 5).join(', ')} and ${files.length - 5} more` : files.join(', ');
}
