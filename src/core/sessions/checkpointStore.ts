// A session's checkpoints: the entries in its record, their snapshot files, the append-only journal they
// are rebuilt from, and Prodigy's workflow checkpoint files. Writes to the record go through the shared
// RecordStore, under the session's lock.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { CheckpointNotFoundError, IllegalTransitionError, ProdigyError, SessionNotFoundError } from '../errors';
import { RESTORABLE_FROM } from '../lifecycle/transitions';
import { after, nowTimestamp, rfc3339PlusZero, toPrettyJson } from '../model/serde';
import type { EmbeddedCheckpoint, MapReduceSessionData, UnifiedSession, WorkflowSessionData } from '../model/session';
import { WorkflowCheckpoint } from '../model/workflowCheckpoint';
import { writeFileAtomicSync, writeTempFileSync } from '../storage/atomicFile';
import { assertSafeId } from '../storage/ids';
import { readJsonFile } from '../storage/readJson';
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
import { applyLifecycle, applyPatch, validPatch, type SessionPatch } from './patch';
import type { RecordStore } from './recordStore';
import type { UnreadableFile } from './summary';

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

export class CheckpointStore {
  constructor(private readonly records: RecordStore) {}

  private get paths() {
    return this.records.paths;
  }

  // ---- writes ------------------------------------------------------------------------------

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
    return this.records.withLock(id, () => {
      const current = this.records.readFresh(id);
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
      const session = this.records.write({ ...next, checkpoints: [...next.checkpoints, entry] }, { validated: true });
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
    return this.records.withLock(id, () => {
      const current = this.records.readFresh(id);
      const next = applyLifecycle(current, applyPatch(current, valid));
      const added = entries.map((e) => checkpointEntry(e.id, e.created_at, e.info));
      return this.records.write({ ...next, checkpoints: [...next.checkpoints, ...added] }, { validated: true });
    });
  }

  /** Replaces a Prodigy workflow checkpoint file of the session (atomic, durable, under the session's lock). */
  async writeWorkflowCheckpoint(id: string, fileName: string, checkpoint: Record<string, unknown>): Promise<string> {
    assertSafeId(fileName.replace(/\.checkpoint\.json$/, ''), 'checkpoint file name');
    return this.records.withLock(id, () => {
      const file = path.join(this.paths.workflowCheckpointsDir(id), fileName);
      writeFileAtomicSync(file, toPrettyJson(checkpoint));
      return file;
    });
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
    return this.records.withLock(id, () => {
      const current = this.records.readFresh(id);
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
      return this.records.write(next);
    });
  }

  // ---- the journal -------------------------------------------------------------------------

  /** The session's checkpoint journal, for the run that holds its resume lock to append to. */
  openJournal(id: string): CheckpointJournal {
    return new CheckpointJournal(this.paths.journalFile(id));
  }

  /**
   * Where the journal says the session stands: its head checkpoint rebuilt as Prodigy checkpoint
   * content (with `checkpoint_id`), or null without a journal.
   */
  journalHead(id: string): CheckpointSnapshot | null {
    const lines = CheckpointJournal.read(this.paths.journalFile(id));
    const head = journalHead(lines);
    return head ? this.snapshotOf(id, head, lines) : null;
  }

  /** The checkpoint the session's journal says it stands at (null without a journal). */
  journalHeadId(id: string): string | null {
    return journalHead(CheckpointJournal.read(this.paths.journalFile(id)));
  }

  /**
   * Adds to the record the journal's checkpoints it does not list yet: a run killed between its
   * coalesced record writes leaves some only in the journal. Returns how many were added.
   */
  async reconcileJournal(id: string): Promise<number> {
    const lines = CheckpointJournal.read(this.paths.journalFile(id));
    const known = new Set(this.records.readFresh(id).checkpoints.map((c) => c.id));
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

  /** Records that the session now continues from `checkpointId` (after a restore). */
  moveJournalHead(id: string, checkpointId: string): void {
    const journal = this.openJournal(id);
    try {
      journal.append({ type: 'head', checkpoint_id: checkpointId, created_at: nowTimestamp() });
    } finally {
      journal.close();
    }
  }

  // ---- reads -------------------------------------------------------------------------------

  listCheckpoints(id: string): { checkpoints: CheckpointSummary[]; unreadable: UnreadableFile[] } {
    assertSafeId(id, 'session id');
    let embedded: CheckpointSummary[] = [];
    // Safety checkpoints name the journal checkpoint they were taken at.
    const journalHeads = new Map<string, string>();
    let recordMissing = false;
    try {
      const raw = this.records.readFresh(id).checkpoints;
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
  latestWorkflowCheckpoint(id: string): { file: string; checkpoint: WorkflowCheckpoint } | null {
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

  /** Loads a checkpoint's saved state on demand (never during listings). */
  loadSnapshot(id: string, checkpointId: string): CheckpointSnapshot {
    return this.readSnapshot(this.records.readFresh(id), checkpointId);
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
}

function checkpointEntry(id: string, createdAt: string, info: CheckpointInfo): EmbeddedCheckpoint {
  return { id, created_at: createdAt, state: { snapshot: `${id}.snapshot.json` }, metadata: { ...info } };
}

function checkpointFileName(name: string): string {
  assertSafeId(name.replace(/\.checkpoint\.json$/, ''), 'checkpoint file name');
  return name;
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
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
