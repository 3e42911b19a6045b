// Puts a run's progress into its session record and Prodigy's checkpoint file. A step's journal
// line is on disk before the next step starts (it is what a resume reads); these two follow
// in the background while the next step runs (a failed write stops the run at the next step).
// When steps finish faster than RECORD_INTERVAL_MS apart they are written together, at most once
// per interval: trivial steps would otherwise spend more time on record writes than on running
// (see bench/engine.mjs). A step of any real length is recorded as it finishes. A write that fails
// keeps what it was writing for the run's last write, which tries it all again (with the final status).
import type { CheckpointInfo } from '../sessions/checkpoints';
import type { SessionManager, SessionPatch } from '../sessions/sessionManager';

const RECORD_INTERVAL_MS = 500;

interface Entry {
  id: string;
  created_at: string;
  info: CheckpointInfo;
}

type CheckpointFileBuilder = () => Record<string, unknown>;

export class ProgressRecorder {
  private entries: Entry[] = [];
  private patch: SessionPatch = {};
  private lastWrite = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private checkpointFile: CheckpointFileBuilder | undefined;

  constructor(
    private readonly manager: SessionManager,
    private readonly sessionId: string,
    private readonly checkpointFileName: string,
  ) {}

  add(entry: Entry, patch: SessionPatch, checkpointFile: CheckpointFileBuilder): void {
    if (this.failure) throw this.failure;
    this.entries.push(entry);
    this.merge(patch, checkpointFile);
    if (performance.now() - this.lastWrite >= RECORD_INTERVAL_MS) void this.flush().catch(() => undefined);
    else this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), RECORD_INTERVAL_MS);
  }

  /** Throws the error of a write that has failed already: the run stops before its next step. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Writes what is pending (and waits for a write already under way); throws a failed write's error. */
  flush(): Promise<void> {
    return this.write(false);
  }

  /**
   * The run's last write: what is pending together with `patch` (its final status) and the final
   * checkpoint file, in one record write instead of two. Tried even after an earlier write failed.
   */
  finish(patch: SessionPatch, checkpointFile: CheckpointFileBuilder): Promise<void> {
    this.merge(patch, checkpointFile);
    return this.write(true);
  }

  /**
   * The run's last write without Prodigy's checkpoint file, for when that cannot be written: it holds every
   * step's output, the record is small. A resume reads the steps done from the journal.
   */
  finishRecordOnly(patch: SessionPatch): Promise<void> {
    this.merge(patch, undefined);
    return this.write(true);
  }

  private merge(patch: SessionPatch, checkpointFile: CheckpointFileBuilder | undefined): void {
    this.checkpointFile = checkpointFile;
    this.patch = combine(this.patch, patch);
  }

  private write(always: boolean): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // After a failed write too: the last write must still run (and try again).
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        if (this.failure && !always) throw this.failure;
        this.failure = undefined;
        if (this.entries.length === 0 && !always) return;
        // Marks the start, so a step finishing while this write is under way is coalesced.
        this.lastWrite = performance.now();
        const entries = this.entries;
        const patch = this.patch;
        const checkpointFile = this.checkpointFile;
        this.entries = [];
        this.patch = {};
        this.checkpointFile = undefined;
        try {
          if (checkpointFile)
            await this.manager.writeWorkflowCheckpoint(this.sessionId, this.checkpointFileName, checkpointFile());
          await this.manager.addCheckpoints(this.sessionId, entries, patch);
        } catch (err) {
          // Put back under anything added meanwhile: the run's last write tries it again.
          this.entries = [...entries, ...this.entries];
          this.patch = combine(patch, this.patch);
          this.checkpointFile ??= checkpointFile;
          this.failure = err as Error;
          throw err;
        }
      });
    return this.writing;
  }
}

/** `newer` on top of `older` (metadata and timings merged key by key). */
function combine(older: SessionPatch, newer: SessionPatch): SessionPatch {
  return {
    ...older,
    ...newer,
    metadata: { ...older.metadata, ...newer.metadata },
    timings: { ...older.timings, ...newer.timings },
  };
}
