// The single API through which every session is read and written: by the CLI, the
// extension, the workflow engine and migration. One model, one storage layout, one
// transition table, one lock per session.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  CheckpointNotFoundError,
  CorruptFileError,
  IllegalTransitionError,
  ProdigyError,
  SessionExistsError,
  SessionNotFoundError,
  reasonOf,
} from '../errors';
import { ACTIVE_STATUSES, RESTORABLE_FROM, assertTransition, isTerminal } from '../lifecycle/transitions';
import {
  MapReduceSessionData,
  SessionStatus,
  UnifiedSession,
  WorkflowSessionData,
  type EmbeddedCheckpoint,
  type SessionType,
} from '../model/session';
import { StdDuration, after, nowTimestamp, rfc3339PlusZero, toPrettyJson } from '../model/serde';
import { writeFileAtomicSync, writeTempFileSync } from '../storage/atomicFile';
import { withFileLock } from '../storage/fileLock';
import { canReuse, identityOf, racyWindowFor, type FileIdentity } from '../storage/fileIdentity';
import { assertSafeId } from '../storage/ids';
import { HomePaths, resolveHome, type HomeOptions } from '../storage/paths';
import { describeZodError, parseSessionText, readJsonFile } from '../storage/readJson';
import { WorkflowCheckpoint } from '../model/workflowCheckpoint';
import { processAlive } from '../process/alive';
import { SessionIndex } from './sessionIndex';
import {
  CheckpointJournal,
  currentTimeline,
  journalHead,
  rebuildFromJournal,
  type JournalLine,
  type JournalStepLine,
} from './checkpointJournal';
import {
  listWorkflowCheckpointFiles,
  summarizeEmbedded,
  type CheckpointInfo,
  type CheckpointSummary,
} from './checkpoints';
import { matchesFilter, type SessionFilter } from './filter';
import { sortNewestFirst, summarize, type SessionSummary, type UnreadableFile } from './summary';
import * as z from 'zod';

export type SessionManagerOptions = HomeOptions;

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

/** Field-wise changes; nested `workflow_data`/`mapreduce_data`, `metadata` and `timings` are merged. */
export interface SessionPatch {
  status?: SessionStatus;
  error?: string | null;
  metadata?: Record<string, unknown>;
  timings?: Record<string, StdDuration>;
  workflow_data?: Partial<WorkflowSessionData>;
  mapreduce_data?: Partial<MapReduceSessionData>;
}

export type SessionUpdate = SessionPatch | ((current: UnifiedSession) => UnifiedSession);

export type CompletionResult = { success: true } | { success: false; error: string };

export interface SessionListing {
  sessions: SessionSummary[];
  /** Sessions matching the filter before `limit`/`offset` were applied. */
  total: number;
  unreadable: UnreadableFile[];
}

export type SessionChange =
  | { kind: 'upsert'; id: string; summary: SessionSummary; external: boolean }
  | { kind: 'delete'; id: string; external: boolean };

export interface QuarantineResult {
  folder: string;
  moved: { from: string; to: string; reason: string }[];
  skipped: { file: string; reason: string }[];
  /** Temp files of writers that died mid-write (never sessions, never listed), removed. */
  removedTempFiles: string[];
}

/** What our embedded checkpoints point at: the state needed to rewind the session. */
export const CheckpointSnapshot = z.looseObject({
  session_id: z.string(),
  checkpoint_id: z.string(),
  created_at: z.string(),
  workflow_data: z.unknown().nullable().optional(),
  mapreduce_data: z.unknown().nullable().optional(),
  state: z.unknown().optional(),
});
export type CheckpointSnapshot = z.infer<typeof CheckpointSnapshot>;

/** The text last read or written: parsing it gives every caller its own copy, already valid. */
interface CachedSession extends FileIdentity {
  text: string;
}

const CACHE_LIMIT = 256;
const INDEX_PERSIST_INTERVAL_MS = 2_000;

export class SessionManager {
  readonly home: string;
  readonly paths: HomePaths;
  private readonly index: SessionIndex;
  private readonly cache = new Map<string, CachedSession>();
  private readonly events = new EventEmitter();
  private persistTimer: NodeJS.Timeout | undefined;
  private lastPersist = 0;
  private sorted: { generation: number; sessions: SessionSummary[] } | undefined;

  /** Does no I/O: the extension constructs it during activation. */
  constructor(options: SessionManagerOptions = {}) {
    this.home = resolveHome(options);
    this.paths = new HomePaths(this.home);
    this.index = new SessionIndex(this.paths.sessionsDir, this.paths.indexFile);
    this.events.setMaxListeners(50);
  }

  onDidChange(listener: (change: SessionChange) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  // ---- records -------------------------------------------------------------------------

  async createSession(input: CreateSessionInput): Promise<UnifiedSession> {
    const id = assertSafeId(input.id ?? this.freshId(input.type), 'session id');
    const now = nowTimestamp();
    const session: UnifiedSession = {
      id,
      session_type: input.type,
      status: 'Initializing',
      started_at: now,
      updated_at: now,
      completed_at: null,
      metadata: { execution_start_time: now.replace('Z', '+00:00'), ...input.metadata },
      checkpoints: [],
      timings: {},
      error: null,
      workflow_data:
        input.type === 'Workflow'
          ? {
              workflow_id: input.workflowId ?? id,
              workflow_name: input.workflowName ?? '',
              current_step: 0,
              total_steps: input.totalSteps ?? 0,
              completed_steps: [],
              variables: {},
              iterations_completed: 0,
              files_changed: 0,
              worktree_name: input.worktreeName ?? null,
            }
          : null,
      mapreduce_data:
        input.type === 'MapReduce'
          ? {
              job_id: input.jobId ?? `mapreduce-${Date.now()}`,
              total_items: 0,
              processed_items: 0,
              failed_items: 0,
              agent_count: 0,
              phase: 'Setup',
              reduce_results: null,
            }
          : null,
    };
    if (input.type === 'MapReduce' && input.workflowName) session.metadata.workflow_name = input.workflowName;
    if (input.totalSteps !== undefined) session.metadata.total_steps = input.totalSteps;
    return this.withSessionLock(id, () => {
      if (fs.existsSync(this.paths.sessionFile(id))) throw new SessionExistsError(id);
      return this.write(session);
    });
  }

  /**
   * Writes a complete record of a run that already happened elsewhere (migration,
   * synthesized from checkpoint files). Never overwrites an existing session.
   */
  async importSession(session: UnifiedSession): Promise<UnifiedSession> {
    assertSafeId(session.id, 'session id');
    return this.withSessionLock(session.id, () => {
      if (fs.existsSync(this.paths.sessionFile(session.id))) throw new SessionExistsError(session.id);
      return this.write(session);
    });
  }

  async exists(id: string): Promise<boolean> {
    return fs.existsSync(this.paths.sessionFile(id));
  }

  async getSession(id: string): Promise<UnifiedSession> {
    return this.readFresh(id);
  }

  /**
   * Applies `update` to the freshest copy on disk, under the session's cross-process lock,
   * so concurrent read-modify-writes from several processes never lose one another's changes.
   */
  async updateSession(id: string, update: SessionUpdate): Promise<UnifiedSession> {
    return this.withSessionLock(id, () => {
      const current = this.readFresh(id);
      if (typeof update === 'function') return this.write(applyLifecycle(current, update(current)));
      // A patch only touches the fields it names: those are checked, the rest was valid already.
      return this.write(applyLifecycle(current, applyPatch(current, validPatch(update))), { validated: true });
    });
  }

  /** Moves the record and its state folder aside (to H/vscode/deleted), so a mistake can be undone. */
  async deleteSession(id: string): Promise<{ movedTo: string }> {
    return this.withSessionLock(id, () => {
      const file = this.paths.sessionFile(id);
      const stateDir = this.paths.sessionStateDir(id);
      if (!fs.existsSync(file) && !fs.existsSync(stateDir)) throw new SessionNotFoundError(id, file);
      fs.mkdirSync(this.paths.trashDir, { recursive: true });
      const target = fs.mkdtempSync(path.join(this.paths.trashDir, `${id}-${stamp()}-`));
      if (fs.existsSync(file)) fs.renameSync(file, path.join(target, `${id}.json`));
      if (fs.existsSync(stateDir)) fs.renameSync(stateDir, path.join(target, 'state'));
      this.cache.delete(id);
      this.index.forget(`${id}.json`);
      this.events.emit('change', { kind: 'delete', id, external: false } satisfies SessionChange);
      return { movedTo: target };
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

  // ---- checkpoints ---------------------------------------------------------------------

  /**
   * Records a checkpoint: the state to rewind to goes to a snapshot file under
   * H/state/{id}/snapshots, the record keeps a small entry pointing at it.
   */
  async createCheckpoint(id: string, info: CheckpointInfo & { state?: unknown } = {}): Promise<CheckpointSummary> {
    const { state, ...meta } = info;
    const { summary } = await this.recordCheckpoint(id, { info: meta, snapshot: state !== undefined ? { state } : {} });
    return summary;
  }

  /**
   * One checkpoint in one durable write: `patch` (the progress the checkpoint marks) and the
   * new entry land in the record together. The snapshot holds `snapshot`'s fields plus the
   * session data after the patch; with `checkpointFile`, the same bytes also become the
   * session's Prodigy workflow checkpoint file (a hard link, so no second copy is written).
   */
  async recordCheckpoint(
    id: string,
    input: { info: CheckpointInfo; snapshot?: Record<string, unknown>; checkpointFile?: string; patch?: SessionPatch },
  ): Promise<{ summary: CheckpointSummary; session: UnifiedSession }> {
    const patch = input.patch ? validPatch(input.patch) : undefined;
    return this.withSessionLock(id, () => {
      const current = this.readFresh(id);
      const next = patch
        ? applyLifecycle(current, applyPatch(current, patch))
        : { ...current, updated_at: after(nowTimestamp(), current.updated_at) };
      const checkpointId = `checkpoint-${randomUUID()}`;
      const createdAt = nowTimestamp();
      this.writeCheckpointSnapshot(
        id,
        checkpointId,
        {
          ...input.snapshot,
          created_at: createdAt,
          workflow_data: next.workflow_data,
          mapreduce_data: next.mapreduce_data,
        },
        input.checkpointFile,
      );
      const entry = checkpointEntry(checkpointId, createdAt, input.info);
      // The patch was validated above and the entry is ours: the rest of the record was valid already.
      const session = this.write({ ...next, checkpoints: [...next.checkpoints, entry] }, { validated: true });
      return { summary: summarizeEmbedded(entry), session };
    });
  }

  /**
   * Writes a checkpoint's snapshot and, with `checkpointFile`, the same bytes as the session's
   * Prodigy checkpoint file: one write under two names (a hard link, then a rename). The caller
   * holds the session's resume lock (no one else writes these files) and adds the entry to the
   * record with `addCheckpoints`. Atomic but not fsynced: the record write that follows is the
   * durable one (see ARCHITECTURE.md, "Checkpoints").
   */
  writeCheckpointSnapshot(
    id: string,
    checkpointId: string,
    content: Record<string, unknown>,
    checkpointFile?: string,
  ): void {
    const snapshot = { ...content, session_id: id, checkpoint_id: checkpointId };
    const snapshotFile = this.paths.snapshotFile(id, checkpointId);
    const target = checkpointFile
      ? path.join(this.paths.workflowCheckpointsDir(id), checkpointFileName(checkpointFile))
      : snapshotFile;
    const tmp = writeTempFileSync(target, toPrettyJson(snapshot));
    try {
      if (checkpointFile) {
        fs.mkdirSync(path.dirname(snapshotFile), { recursive: true });
        fs.linkSync(tmp, snapshotFile); // a new name: link is atomic
      }
      fs.renameSync(tmp, target);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  }

  /** Adds checkpoint entries (snapshots already written) and the progress they mark, in one locked write. */
  async addCheckpoints(
    id: string,
    entries: { id: string; created_at: string; info: CheckpointInfo }[],
    patch: SessionPatch = {},
  ): Promise<UnifiedSession> {
    const valid = validPatch(patch);
    return this.withSessionLock(id, () => {
      const current = this.readFresh(id);
      const next = applyLifecycle(current, applyPatch(current, valid));
      const added = entries.map((e) => checkpointEntry(e.id, e.created_at, e.info));
      return this.write({ ...next, checkpoints: [...next.checkpoints, ...added] }, { validated: true });
    });
  }

  /** The session's checkpoint journal, for the run that holds its resume lock to append to. */
  openCheckpointJournal(id: string): CheckpointJournal {
    return new CheckpointJournal(this.paths.journalFile(id));
  }

  /**
   * Where the journal says the session stands: its head checkpoint rebuilt as Prodigy checkpoint
   * content (with `checkpoint_id`), or null without a journal.
   */
  async journalHead(id: string): Promise<CheckpointSnapshot | null> {
    const lines = CheckpointJournal.read(this.paths.journalFile(id));
    const head = journalHead(lines);
    return head ? this.snapshotOf(id, head, lines) : null;
  }

  /**
   * Adds to the record the journal's checkpoints it does not list yet: a run killed between its
   * coalesced record writes leaves some only in the journal. Returns how many were added.
   */
  async reconcileJournal(id: string): Promise<number> {
    const lines = CheckpointJournal.read(this.paths.journalFile(id));
    const known = new Set((await this.getSession(id)).checkpoints.map((c) => c.id));
    const missing = lines.filter((l): l is JournalStepLine => l.type === 'step' && !known.has(l.checkpoint_id));
    if (missing.length === 0) return 0;
    await this.addCheckpoints(
      id,
      missing.map((l) => ({
        id: l.checkpoint_id,
        created_at: l.created_at,
        info: {
          step_index: l.step.step_index,
          step_name: l.step.command,
          total_steps: l.base.total_steps,
          ...(l.commit ? { commit: l.commit } : {}),
        },
      })),
    );
    return missing.length;
  }

  /** The checkpoint the session's journal says it stands at (null without a journal). */
  journalHeadId(id: string): string | null {
    return journalHead(CheckpointJournal.read(this.paths.journalFile(id)));
  }

  /** Records that the session now continues from `checkpointId` (after a restore). */
  moveJournalHead(id: string, checkpointId: string): void {
    const journal = this.openCheckpointJournal(id);
    try {
      journal.append({ type: 'head', checkpoint_id: checkpointId, created_at: nowTimestamp() });
    } finally {
      journal.close();
    }
  }

  async listCheckpoints(id: string): Promise<{ checkpoints: CheckpointSummary[]; unreadable: UnreadableFile[] }> {
    assertSafeId(id, 'session id');
    let embedded: CheckpointSummary[] = [];
    // Safety checkpoints name the journal checkpoint they were taken at.
    const journalHeads = new Map<string, string>();
    let recordMissing = false;
    try {
      const raw = this.readFresh(id).checkpoints;
      embedded = raw.map(summarizeEmbedded);
      for (const c of raw)
        if (typeof c.metadata.journal_head === 'string') journalHeads.set(c.id, c.metadata.journal_head);
    } catch (err) {
      if (!(err instanceof SessionNotFoundError)) throw err;
      recordMissing = true;
    }
    const files = listWorkflowCheckpointFiles(this.paths.workflowCheckpointsDir(id));
    if (recordMissing && files.checkpoints.length === 0 && files.unreadable.length === 0) {
      throw new SessionNotFoundError(id, this.paths.sessionFile(id));
    }
    markSuperseded(embedded, CheckpointJournal.read(this.paths.journalFile(id)), journalHeads);
    const checkpoints = [...embedded, ...files.checkpoints].sort(
      (a, b) => Date.parse(a.created_at) - Date.parse(b.created_at),
    );
    return { checkpoints, unreadable: files.unreadable };
  }

  /** The session's newest Prodigy workflow checkpoint file (by mtime, as `prodigy resume` picks), if any. */
  async latestWorkflowCheckpoint(id: string): Promise<{ file: string; checkpoint: WorkflowCheckpoint } | null> {
    const dir = this.paths.workflowCheckpointsDir(id);
    let newest: { file: string; mtime: number } | null = null;
    for (const name of safeReaddir(dir)) {
      if (!name.endsWith('.checkpoint.json')) continue;
      const file = path.join(dir, name);
      const mtime = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;
      if (!newest || mtime > newest.mtime) newest = { file, mtime };
    }
    return newest ? { file: newest.file, checkpoint: readJsonFile(newest.file, WorkflowCheckpoint) } : null;
  }

  /** Replaces a Prodigy workflow checkpoint file of the session (atomic, durable, under the session's lock). */
  async writeWorkflowCheckpoint(id: string, fileName: string, checkpoint: Record<string, unknown>): Promise<string> {
    assertSafeId(fileName.replace(/\.checkpoint\.json$/, ''), 'checkpoint file name');
    return this.withSessionLock(id, () => {
      const file = path.join(this.paths.workflowCheckpointsDir(id), fileName);
      writeFileAtomicSync(file, toPrettyJson(checkpoint));
      return file;
    });
  }

  /** Loads a checkpoint's saved state on demand (never during listings). */
  async loadCheckpointSnapshot(id: string, checkpointId: string): Promise<CheckpointSnapshot> {
    const session = this.readFresh(id);
    return this.readSnapshot(session, checkpointId);
  }

  /**
   * Rewinds the session to a checkpoint: step pointer, variables and progress come back,
   * status becomes Paused, ready to resume. (Files in a worktree are the engine's business.)
   */
  async restoreCheckpoint(
    id: string,
    checkpointId: string,
    metadata: Record<string, unknown> = {},
  ): Promise<UnifiedSession> {
    return this.withSessionLock(id, () => {
      const current = this.readFresh(id);
      if (!RESTORABLE_FROM.includes(current.status)) throw new IllegalTransitionError(id, current.status, 'Paused');
      const snapshot = this.readSnapshot(current, checkpointId);
      const next: UnifiedSession = {
        ...current,
        status: 'Paused',
        completed_at: null,
        error: null,
        workflow_data: (snapshot.workflow_data as WorkflowSessionData | null | undefined) ?? current.workflow_data,
        mapreduce_data: (snapshot.mapreduce_data as MapReduceSessionData | null | undefined) ?? current.mapreduce_data,
        metadata: {
          ...current.metadata,
          ...metadata,
          restored_from_checkpoint: checkpointId,
          restored_at: rfc3339PlusZero(),
        },
        updated_at: nowTimestamp(),
      };
      return this.write(next);
    });
  }

  // ---- listing -------------------------------------------------------------------------

  async listSessions(filter: SessionFilter = {}): Promise<SessionListing> {
    const page = filter.limit !== undefined && isUnfiltered(filter) ? this.coldFirstPage(filter) : null;
    if (page) return page;
    const scan = this.index.scan();
    this.emitExternalChanges(scan.changed, scan.removed, scan.sessions);
    this.schedulePersist();
    const matching = this.sortedAll(scan.sessions).filter((s) => matchesFilter(s, filter));
    const offset = filter.offset ?? 0;
    const end = filter.limit !== undefined ? offset + filter.limit : undefined;
    return { sessions: matching.slice(offset, end), total: matching.length, unreadable: scan.unreadable };
  }

  /**
   * A new process's first page (a window opening on 10,000 sessions): built from the persisted
   * index, with only the rows shown checked against their files; the full check runs right after
   * and reports anything else that changed as events (the tree updates those rows).
   */
  private coldFirstPage(filter: SessionFilter): SessionListing | null {
    const quick = this.index.quickScan();
    if (!quick) return null;
    const offset = filter.offset ?? 0;
    const end = offset + (filter.limit ?? 0);
    let sorted = sortNewestFirst(quick.sessions);
    if (this.index.verify(sorted.slice(offset, end).map((s) => s.id))) {
      // A shown row changed (or went): fall back to the full check, which is always right.
      return null;
    }
    setImmediate(() => {
      try {
        const scan = this.index.scan();
        this.emitExternalChanges(scan.changed, scan.removed, scan.sessions);
        this.schedulePersist();
      } catch {
        // the next listing scans again
      }
    });
    sorted = sorted.slice(offset, end);
    return { sessions: sorted, total: quick.sessions.length, unreadable: quick.unreadable };
  }

  /** Every readable session, newest first; sorted again only after an entry of the index changed. */
  private sortedAll(sessions: SessionSummary[]): SessionSummary[] {
    const generation = this.index.generation;
    if (this.sorted?.generation !== generation || this.sorted.sessions.length !== sessions.length) {
      this.sorted = { generation, sessions: sortNewestFirst(sessions) };
    }
    return this.sorted.sessions;
  }

  async getActiveSessions(): Promise<SessionSummary[]> {
    return (await this.listSessions({ status: ACTIVE_STATUSES })).sessions;
  }

  /**
   * Moves session files that cannot be read into H/quarantine/{time}/sessions, after checking
   * each once more under its lock. Files written in the last seconds are left alone: a writer
   * (real prodigy writes in place) may be half-way through.
   */
  async quarantineUnreadable(options: { minAgeMs?: number } = {}): Promise<QuarantineResult> {
    const minAge = options.minAgeMs ?? 2_000;
    const { unreadable } = await this.listSessions();
    const folder = path.join(this.paths.quarantineDir, stamp(), 'sessions');
    const result: QuarantineResult = {
      folder,
      moved: [],
      skipped: [],
      removedTempFiles: sweepDeadTempFiles(this.paths.sessionsDir),
    };
    for (const bad of unreadable) {
      const id = bad.name.slice(0, -'.json'.length);
      const check = () => {
        const stat = fs.statSync(bad.file, { throwIfNoEntry: false });
        if (!stat) return result.skipped.push({ file: bad.file, reason: 'already gone' });
        if (Date.now() - stat.mtimeMs < minAge)
          return result.skipped.push({ file: bad.file, reason: 'modified just now; try again shortly' });
        const reason = readProblem(bad.file, id);
        if (!reason) return result.skipped.push({ file: bad.file, reason: 'readable now' });
        fs.mkdirSync(folder, { recursive: true });
        const to = path.join(folder, bad.name);
        fs.renameSync(bad.file, to);
        result.moved.push({ from: bad.file, to, reason });
        return undefined;
      };
      await withFileLock(path.join(this.paths.locksDir, `quarantine-${bad.name}.lock`), check);
    }
    if (result.moved.length) {
      fs.writeFileSync(
        path.join(path.dirname(folder), 'README.txt'),
        `Files moved here by Prodigy for VS Code because they could not be read as sessions.\n` +
          `To put one back after repairing it, move it into ${this.paths.sessionsDir}.\n\n` +
          result.moved.map((m) => `${path.basename(m.to)}: ${m.reason}`).join('\n') +
          '\n',
      );
      await this.listSessions();
    }
    return result;
  }

  /** Persists the listing cache now (the CLI calls this before it exits). */
  close(): void {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    this.index.persist();
  }

  // ---- internals -----------------------------------------------------------------------

  private freshId(type: SessionType): string {
    if (type === 'MapReduce') return `session-${randomUUID()}`;
    // Prodigy's spelling for workflow runs (§2.1), moved on a millisecond if taken.
    let ms = Date.now();
    while (fs.existsSync(this.paths.sessionFile(`workflow-${ms}`))) ms++;
    return `workflow-${ms}`;
  }

  private withSessionLock<T>(id: string, fn: () => T | Promise<T>): Promise<T> {
    return withFileLock(this.paths.sessionLock(id), fn);
  }

  /** The current record, from cache only when the file is provably unchanged. */
  private readFresh(id: string): UnifiedSession {
    const file = this.paths.sessionFile(id);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) throw new SessionNotFoundError(id, file);
    if (stat.isDirectory()) throw new CorruptFileError(file, 'is a directory, not a session file');
    const cached = this.cache.get(id);
    if (cached && canReuse(cached, stat, racyWindowFor(this.paths.sessionsDir)))
      return JSON.parse(cached.text) as UnifiedSession;
    const text = fs.readFileSync(file, 'utf8');
    if (cached?.text === text) {
      // Unchanged, only too recent to trust its mtime (our own write a moment ago, usually): the
      // text was validated when it was cached.
      this.remember(id, stat, text);
      return JSON.parse(text) as UnifiedSession;
    }
    const session = parseSessionText(file, text, id);
    this.remember(id, stat, text);
    return session;
  }

  private write(next: UnifiedSession, options: { validated?: boolean } = {}): UnifiedSession {
    // Validating what we write keeps every key Prodigy needs and serde's key order.
    const session = options.validated ? next : UnifiedSession.parse(next);
    const file = this.paths.sessionFile(session.id);
    const text = toPrettyJson(session);
    const stat = writeFileAtomicSync(file, text);
    this.remember(session.id, stat, text);
    const summary = summarize(session, file);
    this.index.remember(`${session.id}.json`, stat, summary);
    if (this.events.listenerCount('change') > 0) {
      this.events.emit('change', { kind: 'upsert', id: session.id, summary, external: false } satisfies SessionChange);
    }
    // The cache keeps text, not this object, so the caller may change it freely.
    return session;
  }

  private remember(id: string, stat: fs.Stats, text: string): void {
    this.cache.delete(id);
    this.cache.set(id, { ...identityOf(stat), text });
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
  }

  private readSnapshot(session: UnifiedSession, checkpointId: string): CheckpointSnapshot {
    assertSafeId(checkpointId, 'checkpoint id');
    const entry = session.checkpoints.find((c) => c.id === checkpointId);
    if (!entry) throw new CheckpointNotFoundError(session.id, checkpointId);
    const snapshot = this.snapshotOf(
      session.id,
      checkpointId,
      CheckpointJournal.read(this.paths.journalFile(session.id)),
    );
    if (!snapshot) {
      throw new ProdigyError(
        `Checkpoint ${checkpointId} of session ${session.id} was written by another tool and holds no snapshot to restore`,
      );
    }
    return snapshot;
  }

  /** A checkpoint's state: its snapshot file, else rebuilt from the session's journal. */
  private snapshotOf(id: string, checkpointId: string, lines: JournalLine[]): CheckpointSnapshot | null {
    const file = this.paths.snapshotFile(id, checkpointId);
    if (fs.existsSync(file)) return readJsonFile(file, CheckpointSnapshot);
    const rebuilt = rebuildFromJournal(lines, checkpointId, (cp) => {
      const f = this.paths.snapshotFile(id, cp);
      return fs.existsSync(f) ? readJsonFile(f, CheckpointSnapshot) : null;
    });
    return rebuilt ? CheckpointSnapshot.parse({ ...rebuilt, session_id: id }) : null;
  }

  private emitExternalChanges(changed: string[], removed: string[], sessions: SessionSummary[]): void {
    if (changed.length === 0 && removed.length === 0) return;
    const byId = new Map(sessions.map((s) => [s.id, s]));
    for (const id of changed) {
      const summary = byId.get(id);
      if (summary) this.events.emit('change', { kind: 'upsert', id, summary, external: true } satisfies SessionChange);
    }
    for (const id of removed)
      this.events.emit('change', { kind: 'delete', id, external: true } satisfies SessionChange);
  }

  private schedulePersist(): void {
    if (this.persistTimer) return;
    const wait = Math.max(0, this.lastPersist + INDEX_PERSIST_INTERVAL_MS - Date.now());
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      this.lastPersist = Date.now();
      this.index.persist();
    }, wait);
    this.persistTimer.unref();
  }
}

const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;
const TEMP_MAX_AGE_MS = 10 * 60_000;

function sweepDeadTempFiles(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP_FILE.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat || Date.now() - stat.mtimeMs < TEMP_MAX_AGE_MS || processAlive(Number(m[1]))) continue;
    fs.rmSync(file, { force: true });
    removed.push(file);
  }
  return removed;
}

function checkpointEntry(id: string, createdAt: string, info: CheckpointInfo): EmbeddedCheckpoint {
  return { id, created_at: createdAt, state: { snapshot: `${id}.snapshot.json` }, metadata: { ...info } };
}

function checkpointFileName(name: string): string {
  assertSafeId(name.replace(/\.checkpoint\.json$/, ''), 'checkpoint file name');
  return name;
}

function isUnfiltered(f: SessionFilter): boolean {
  return f.status === undefined && !f.type && !f.after && !f.before && !f.worktree && !f.text;
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function readProblem(file: string, id: string): string | undefined {
  try {
    parseSessionText(file, fs.readFileSync(file, 'utf8'), id);
    return undefined;
  } catch (err) {
    return reasonOf(err);
  }
}

const PatchSchema = z.object({
  status: SessionStatus.optional(),
  error: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  timings: z.record(z.string(), StdDuration).optional(),
  workflow_data: WorkflowSessionData.partial().optional(),
  mapreduce_data: MapReduceSessionData.partial().optional(),
});

function validPatch(patch: SessionPatch): SessionPatch {
  const parsed = PatchSchema.safeParse(patch);
  if (!parsed.success)
    throw new ProdigyError(
      `Invalid session update: ${describeZodError(parsed.error).replace(/^wrongly shaped: /, '')}`,
    );
  return patch;
}

function applyPatch(current: UnifiedSession, patch: SessionPatch): UnifiedSession {
  const next: UnifiedSession = { ...current };
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.error !== undefined) next.error = patch.error;
  if (patch.metadata) next.metadata = { ...current.metadata, ...patch.metadata };
  if (patch.timings) next.timings = { ...current.timings, ...patch.timings };
  if (patch.workflow_data) {
    if (!current.workflow_data) throw new ProdigyError(`Session ${current.id} has no workflow data to update`);
    next.workflow_data = { ...current.workflow_data, ...patch.workflow_data };
  }
  if (patch.mapreduce_data) {
    if (!current.mapreduce_data) throw new ProdigyError(`Session ${current.id} has no MapReduce data to update`);
    next.mapreduce_data = { ...current.mapreduce_data, ...patch.mapreduce_data };
  }
  return next;
}

/** The side effects of the transition table, applied to every write. */
function applyLifecycle(current: UnifiedSession, next: UnifiedSession): UnifiedSession {
  if (next.id !== current.id)
    throw new ProdigyError(`An update may not change a session's id (${current.id} → ${next.id})`);
  const now = after(nowTimestamp(), current.updated_at);
  const out: UnifiedSession = { ...next, updated_at: now };
  if (next.status !== current.status) {
    assertTransition(current.id, current.status, next.status);
    if (isTerminal(next.status)) out.completed_at = now;
    else out.completed_at = null;
  }
  return out;
}

function stamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/** Marks the step checkpoints a restore went back past (see `currentTimeline`). */
function markSuperseded(
  checkpoints: CheckpointSummary[],
  lines: JournalLine[],
  journalHeads: Map<string, string>,
): void {
  if (!lines.some((l) => l.type === 'head')) return; // never restored: one timeline
  const timeline = currentTimeline(lines, (id) => journalHeads.get(id) ?? null);
  if (!timeline) return;
  const steps = new Set(lines.filter((l) => l.type === 'step').map((l) => l.checkpoint_id));
  for (const c of checkpoints) if (steps.has(c.id) && !timeline.has(c.id)) c.superseded = true;
}
