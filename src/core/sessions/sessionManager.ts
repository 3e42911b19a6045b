// The single API through which every session is read and written: by the CLI, the extension, the workflow
// engine and migration. One model, one storage layout, one transition table, one lock per session.
// A façade: records live in RecordStore, checkpoints and the journal in CheckpointStore, listing in
// SessionLister, quarantine in quarantine.ts; this class keeps the public surface in one place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { ProdigyError, SessionExistsError, SessionNotFoundError } from '../errors';
import { nowTimestamp } from '../model/serde';
import { emptySession, type SessionType, type UnifiedSession } from '../model/session';
import type { WorkflowCheckpoint } from '../model/workflowCheckpoint';
import { assertSafeId } from '../storage/ids';
import { HomePaths, fileStamp, resolveHome, type HomeOptions } from '../storage/paths';
import type { CheckpointJournal } from './checkpointJournal';
import type { CheckpointInfo, CheckpointSummary } from './checkpoints';
import { CheckpointStore, type CheckpointSnapshot } from './checkpointStore';
import type { SessionFilter } from './filter';
import { SessionLister, type SessionListing } from './listing';
import { applyLifecycle, applyPatch, validPatch, type SessionUpdate } from './patch';
import { quarantineFiles, type QuarantineResult } from './quarantine';
import { RecordStore, type SessionChange } from './recordStore';
import { keepRenderedListing } from './renderedListing';
import { SessionIndex } from './sessionIndex';
import type { SessionSummary, UnreadableFile } from './summary';

export type SessionManagerOptions = HomeOptions;
export type { SessionPatch, SessionUpdate } from './patch';
export type { SessionChange } from './recordStore';
export type { SessionListing } from './listing';
export type { QuarantineResult } from './quarantine';
export { CheckpointSnapshot } from './checkpointStore';

export interface CreateSessionInput {
  id?: string;
  type: SessionType;
  workflowName?: string;
  workflowId?: string;
  totalSteps?: number;
  worktreeName?: string | null;
  jobId?: string;
  metadata?: Record<string, unknown>;
}

/** Ids of our choosing tried before giving up: each one lost means another process created a session meanwhile. */
const MAX_ID_ATTEMPTS = 1_000;

export type CompletionResult = { success: true } | { success: false; error: string };

export class SessionManager {
  readonly home: string;
  readonly paths: HomePaths;
  private readonly records: RecordStore;
  private readonly checkpoints: CheckpointStore;
  private readonly lister: SessionLister;

  /** Does no I/O: the extension constructs it during activation. */
  constructor(options: SessionManagerOptions = {}) {
    this.home = resolveHome(options);
    this.paths = new HomePaths(this.home);
    this.records = new RecordStore(
      this.paths,
      new SessionIndex(this.paths.sessionsDir, this.paths.indexFile, this.paths.timestampsFile),
    );
    this.checkpoints = new CheckpointStore(this.records);
    this.lister = new SessionLister(this.records);
  }

  onDidChange(listener: (change: SessionChange) => void): () => void {
    return this.records.onDidChange(listener);
  }

  // ---- records -------------------------------------------------------------------------

  /**
   * Creates the record, claiming its id atomically (the file is linked into place: creating fails if it exists).
   * An id of our choosing that another process claimed first (runs started in the same millisecond) moves on
   * to the next one; an id given is the caller's, and taken is an error.
   */
  async createSession(input: CreateSessionInput): Promise<UnifiedSession> {
    if (input.id !== undefined) return this.records.create(this.newRecord(input, assertSafeId(input.id, 'session id')));
    for (let attempt = 1; ; attempt++) {
      try {
        return this.records.create(this.newRecord(input, this.freshId(input.type)));
      } catch (err) {
        if (!(err instanceof SessionExistsError) || attempt >= MAX_ID_ATTEMPTS) throw err;
      }
    }
  }

  private newRecord(input: CreateSessionInput, id: string): UnifiedSession {
    const now = nowTimestamp();
    const session = emptySession(id, input.type, 'Initializing', now);
    session.metadata = { execution_start_time: now.replace('Z', '+00:00'), ...input.metadata };
    if (input.type === 'Workflow') {
      session.workflow_data = {
        workflow_id: input.workflowId ?? id,
        workflow_name: input.workflowName ?? '',
        current_step: 0,
        total_steps: input.totalSteps ?? 0,
        completed_steps: [],
        variables: {},
        iterations_completed: 0,
        files_changed: 0,
        worktree_name: input.worktreeName ?? null,
      };
    } else {
      session.mapreduce_data = {
        job_id: input.jobId ?? mapReduceJobId(id),
        total_items: 0,
        processed_items: 0,
        failed_items: 0,
        agent_count: 0,
        phase: 'Setup',
        reduce_results: null,
      };
      if (input.workflowName) session.metadata.workflow_name = input.workflowName;
    }
    if (input.totalSteps !== undefined) session.metadata.total_steps = input.totalSteps;
    return session;
  }

  /**
   * Writes a complete record of a run that already happened elsewhere (migration,
   * synthesized from checkpoint files). Never overwrites an existing session.
   */
  async importSession(session: UnifiedSession): Promise<UnifiedSession> {
    assertSafeId(session.id, 'session id');
    return this.records.create(session);
  }

  async exists(id: string): Promise<boolean> {
    return fs.existsSync(this.paths.sessionFile(id));
  }

  async getSession(id: string): Promise<UnifiedSession> {
    return this.records.readFresh(id);
  }

  /**
   * The session an id from a person names: a session id, or a MapReduce job id (`mapreduce-…`, what Prodigy's
   * `resume-job` and its docs use) turned into the id of the session that runs that job. An id that is neither
   * comes back as given, so the caller's own not-found error names it (with its hints, such as `migrate`).
   */
  async resolveSessionId(idOrJobId: string): Promise<string> {
    if (await this.exists(idOrJobId)) return idOrJobId;
    const owners = this.lister.list().sessions.filter((s) => s.mapreduce?.job_id === idOrJobId);
    // Job ids carry part of their session's id (mapReduceJobId), so two owners means hand-made files: say so.
    if (owners.length > 1)
      throw new ProdigyError(
        `MapReduce job ${idOrJobId} is named by ${owners.length} sessions (${owners.map((s) => s.id).join(', ')}): use a session id`,
      );
    return owners[0]?.id ?? idOrJobId;
  }

  /**
   * Applies `update` to the freshest copy on disk, under the session's cross-process lock,
   * so concurrent read-modify-writes from several processes never lose one another's changes.
   */
  async updateSession(id: string, update: SessionUpdate): Promise<UnifiedSession> {
    return this.records.withLock(id, () => {
      const current = this.records.readFresh(id);
      if (typeof update === 'function') return this.records.write(applyLifecycle(current, update(current)));
      // A patch only touches the fields it names: those are checked, the rest was valid already.
      return this.records.write(applyLifecycle(current, applyPatch(current, validPatch(update))), {
        validated: true,
      });
    });
  }

  /** Moves the record and its state folder aside (to H/vscode/deleted), so a mistake can be undone. */
  async deleteSession(id: string): Promise<{ movedTo: string }> {
    return this.records.withLock(id, () => {
      const file = this.paths.sessionFile(id);
      const stateDir = this.paths.sessionStateDir(id);
      if (!fs.existsSync(file) && !fs.existsSync(stateDir)) throw new SessionNotFoundError(id, file);
      fs.mkdirSync(this.paths.trashDir, { recursive: true });
      const target = fs.mkdtempSync(path.join(this.paths.trashDir, `${id}-${fileStamp()}-`));
      if (fs.existsSync(file)) fs.renameSync(file, path.join(target, `${id}.json`));
      if (fs.existsSync(stateDir)) fs.renameSync(stateDir, path.join(target, 'state'));
      this.records.forget(id);
      this.records.emit({ kind: 'delete', id, external: false });
      return { movedTo: target };
    });
  }

  /**
   * Undoes deleteSession: moves a folder it made in H/vscode/deleted back (the record, and its state folder when
   * it had one). Refuses when a session of that id exists again, so nothing is overwritten.
   */
  async undeleteSession(movedTo: string): Promise<UnifiedSession> {
    const record = fs.existsSync(movedTo) ? fs.readdirSync(movedTo).find((f) => f.endsWith('.json')) : undefined;
    if (!record) throw new SessionNotFoundError(path.basename(movedTo), path.join(movedTo, '<id>.json'));
    const id = assertSafeId(record.slice(0, -'.json'.length), 'session id');
    return this.records.withLock(id, () => {
      const file = this.paths.sessionFile(id);
      const stateDir = this.paths.sessionStateDir(id);
      if (fs.existsSync(file) || fs.existsSync(stateDir)) throw new SessionExistsError(id);
      const state = path.join(movedTo, 'state');
      if (fs.existsSync(state)) {
        fs.mkdirSync(this.paths.stateDir, { recursive: true });
        fs.renameSync(state, stateDir);
      }
      fs.mkdirSync(this.paths.sessionsDir, { recursive: true });
      fs.renameSync(path.join(movedTo, record), file);
      fs.rmSync(movedTo, { recursive: true, force: true });
      // Read back through the store, so listings, the index and the change event see it as any write.
      const session = this.records.readFresh(id);
      return this.records.write(session, { validated: true });
    });
  }

  // ---- lifecycle -----------------------------------------------------------------------

  startSession(id: string): Promise<UnifiedSession> {
    return this.updateSession(id, { status: 'Running' });
  }

  pauseSession(id: string): Promise<UnifiedSession> {
    return this.updateSession(id, (s) => (s.status === 'Paused' ? s : { ...s, status: 'Paused' }));
  }

  resumeSession(id: string): Promise<UnifiedSession> {
    return this.updateSession(id, { status: 'Running', error: null });
  }

  completeSession(id: string, result: CompletionResult = { success: true }): Promise<UnifiedSession> {
    return this.updateSession(id, result.success ? { status: 'Completed' } : { status: 'Failed', error: result.error });
  }

  cancelSession(id: string): Promise<UnifiedSession> {
    return this.updateSession(id, { status: 'Cancelled' });
  }

  // ---- checkpoints (checkpointStore.ts) ------------------------------------------------

  /**
   * Records a checkpoint: the state to rewind to goes to a snapshot file under
   * H/state/{id}/snapshots, the record keeps a small entry pointing at it.
   */
  async createCheckpoint(id: string, info: CheckpointInfo & { state?: unknown } = {}): Promise<CheckpointSummary> {
    const { state, ...meta } = info;
    const { summary } = await this.recordCheckpoint(id, { info: meta, snapshot: state !== undefined ? { state } : {} });
    return summary;
  }

  /** One checkpoint in one durable write: the progress it marks (`patch`) and its entry (see CheckpointStore). */
  recordCheckpoint(
    ...args: Parameters<CheckpointStore['recordCheckpoint']>
  ): ReturnType<CheckpointStore['recordCheckpoint']> {
    return this.checkpoints.recordCheckpoint(...args);
  }

  /** A checkpoint's snapshot (and optionally the same bytes as Prodigy's checkpoint file); see CheckpointStore. */
  writeCheckpointSnapshot(...args: Parameters<CheckpointStore['writeCheckpointSnapshot']>): void {
    this.checkpoints.writeCheckpointSnapshot(...args);
  }

  /** Adds checkpoint entries (snapshots already written) and the progress they mark, in one locked write. */
  addCheckpoints(
    ...args: Parameters<CheckpointStore['addCheckpoints']>
  ): ReturnType<CheckpointStore['addCheckpoints']> {
    return this.checkpoints.addCheckpoints(...args);
  }

  /** The session's checkpoint journal, for the run that holds its resume lock to append to. */
  openCheckpointJournal(id: string): CheckpointJournal {
    return this.checkpoints.openJournal(id);
  }

  /** The journal's head checkpoint rebuilt as Prodigy checkpoint content, or null without a journal. */
  async journalHead(id: string): Promise<CheckpointSnapshot | null> {
    return this.checkpoints.journalHead(id);
  }

  /** Adds to the record the journal's checkpoints it does not list yet; returns how many. */
  reconcileJournal(id: string): Promise<number> {
    return this.checkpoints.reconcileJournal(id);
  }

  /** The checkpoint the session's journal says it stands at (null without a journal). */
  journalHeadId(id: string): string | null {
    return this.checkpoints.journalHeadId(id);
  }

  /** Records that the session now continues from `checkpointId` (after a restore). */
  moveJournalHead(id: string, checkpointId: string): void {
    this.checkpoints.moveJournalHead(id, checkpointId);
  }

  async listCheckpoints(id: string): Promise<{ checkpoints: CheckpointSummary[]; unreadable: UnreadableFile[] }> {
    return this.checkpoints.listCheckpoints(id);
  }

  /** The session's newest Prodigy workflow checkpoint file (by mtime, as `prodigy resume` picks), if any. */
  async latestWorkflowCheckpoint(id: string): Promise<{ file: string; checkpoint: WorkflowCheckpoint } | null> {
    return this.checkpoints.latestWorkflowCheckpoint(id);
  }

  /** Replaces a Prodigy workflow checkpoint file of the session (atomic, durable, under the session's lock). */
  writeWorkflowCheckpoint(id: string, fileName: string, checkpoint: Record<string, unknown>): Promise<string> {
    return this.checkpoints.writeWorkflowCheckpoint(id, fileName, checkpoint);
  }

  /** Loads a checkpoint's saved state on demand (never during listings). */
  async loadCheckpointSnapshot(id: string, checkpointId: string): Promise<CheckpointSnapshot> {
    return this.checkpoints.loadSnapshot(id, checkpointId);
  }

  /** Rewinds the session's record to a checkpoint (Paused, ready to resume); files are the engine's business. */
  restoreCheckpoint(id: string, checkpointId: string, metadata: Record<string, unknown> = {}): Promise<UnifiedSession> {
    return this.checkpoints.restoreCheckpoint(id, checkpointId, metadata);
  }

  // ---- listing (listing.ts) and quarantine (quarantine.ts) -----------------------------

  /** Re-reads these sessions' records if another process changed them, with a change event for each. */
  async refreshSessions(ids: string[]): Promise<void> {
    this.lister.refresh(ids);
  }

  async listSessions(filter: SessionFilter = {}): Promise<SessionListing> {
    return this.lister.list(filter);
  }

  /**
   * Keeps `listing`, what `key` (a command's build) printed from the last full listing, for readRenderedListing to
   * print again while no session file changes (renderedListing.ts).
   */
  keepRenderedListing(key: string, listing: Buffer): void {
    keepRenderedListing(
      this.paths.renderedListingFile,
      this.paths.sessionsDir,
      key,
      this.records.index.identities(),
      listing,
    );
  }

  async getActiveSessions(): Promise<SessionSummary[]> {
    return this.lister.active();
  }

  /** Moves session files that cannot be read into H/quarantine/{time}/sessions (see quarantine.ts). */
  async quarantineUnreadable(options: { minAgeMs?: number } = {}): Promise<QuarantineResult> {
    const result = await quarantineFiles(this.paths, this.lister.list().unreadable, options);
    if (result.moved.length) this.lister.list();
    return result;
  }

  /** Persists the listing cache now (the CLI calls this before it exits). */
  close(): void {
    this.lister.close();
  }

  private freshId(type: SessionType): string {
    if (type === 'MapReduce') return `session-${randomUUID()}`;
    // Prodigy's spelling for workflow runs (§2.1), moved on a millisecond if taken.
    let ms = Date.now();
    while (fs.existsSync(this.paths.sessionFile(`workflow-${ms}`))) ms++;
    return `workflow-${ms}`;
  }
}

/**
 * A MapReduce job's id: Prodigy's `mapreduce-YYYYMMDD_HHMMSS` (UTC), then 8 characters of the session's own id.
 * Agent branches and slot worktrees are named after the job, in the repository all its sessions share: the
 * time alone changes once a second, so two runs started within one used to share them (b01).
 */
export function mapReduceJobId(sessionId: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  // `session-{uuid}`: the uuid's first characters, so a branch name leads back to its session; else a hash.
  const own = /^session-([0-9a-f]{8})/.exec(sessionId)?.[1] ?? createHash('sha256').update(sessionId).digest('hex');
  return `mapreduce-${stamp}-${own.slice(0, 8)}`;
}
