// Restoring a checkpoint, as the CLI and the extension do it: the files and the record (worktrees/restore.ts), and
// for a MapReduce session its job state and dead-letter queue with them. Rewinding the files alone left a job that
// said its items and reduce were done while the files no longer had them: the resume merged nothing (b03).
import type { UnifiedSession } from '../model/session';
import { jobSnapshotOf, JOB_SNAPSHOT_KEY, type JobSnapshot } from '../mapreduce/jobState';
import type { SessionManager } from '../sessions/sessionManager';
import {
  planRestore as planFilesRestore,
  restoreCheckpoint as restoreFiles,
  type RestoreOutcome,
  type RestorePlan,
  type StateRollback,
} from '../worktrees/restore';
import { clearForeachProgress } from '../steps/foreachProgress';
import { sessionJobStores } from './mapReduce';

export function planRestore(manager: SessionManager, sessionId: string, checkpointId: string): Promise<RestorePlan> {
  return planFilesRestore(manager, sessionId, checkpointId, jobRollback(manager));
}

export function restoreCheckpoint(
  manager: SessionManager,
  sessionId: string,
  checkpointId: string,
  opts: { force?: boolean } = {},
): Promise<RestoreOutcome> {
  return restoreFiles(manager, sessionId, checkpointId, { ...opts, rollback: jobRollback(manager) });
}

/** A MapReduce session's job state goes back with its files; a foreach's progress is forgotten in any session. */
function jobRollback(manager: SessionManager): StateRollback {
  return {
    refusal(session, snapshot) {
      if (!session.mapreduce_data || jobSnapshotOf(snapshot)) return null;
      return 'it keeps no MapReduce job state (it was recorded by an older version or another tool), so the files would go back but the job state would not, and a resume would skip the items and reduce steps the files no longer have';
    },
    capture(session) {
      const stores = session.mapreduce_data ? sessionJobStores(manager, session) : null;
      const state = stores?.store.load();
      if (!stores || !state) return {};
      const job: JobSnapshot = { state, dead_letters: stores.dlq.list() };
      return { [JOB_SNAPSHOT_KEY]: job };
    },
    rollBack(session: UnifiedSession, snapshot) {
      // A foreach stopped midway kept which items it had done; those items' work is undone now.
      clearForeachProgress(manager.paths, session.id);
      const job = jobSnapshotOf(snapshot);
      const stores = sessionJobStores(manager, session);
      if (!job || !stores) return;
      stores.store.rewind(job.state);
      stores.dlq.replace(job.dead_letters);
    },
  };
}
