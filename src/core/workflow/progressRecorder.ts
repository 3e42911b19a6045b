// Puts a run's progress into its session record and Prodigy's checkpoint file. A step's journal
// line is on disk before the next step starts (it is what a resume reads); these two follow at
// once, except when steps finish faster than RECORD_INTERVAL_MS apart: then they are written
// together, at most once per interval. Trivial steps would otherwise spend more time on record writes than
// on running (see bench/engine.mjs); a step of any real length is recorded as it finishes.
import type { CheckpointInfo } from '../sessions/checkpoints';
import type { SessionManager, SessionPatch } from '../sessions/sessionManager';

const RECORD_INTERVAL_MS = 200;

interface Entry {
  id: string;
  created_at: string;
  info: CheckpointInfo;
}

export class ProgressRecorder {
  private entries: Entry[] = [];
  private patch: SessionPatch = {};
  private lastWrite = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private checkpointFile: (() => Record<string, unknown>) | undefined;

  constructor(
    private readonly manager: SessionManager,
    private readonly sessionId: string,
    private readonly checkpointFileName: string,
  ) {}

  async add(entry: Entry, patch: SessionPatch, checkpointFile: () => Record<string, unknown>): Promise<void> {
    this.entries.push(entry);
    this.checkpointFile = checkpointFile;
    this.patch = {
      ...this.patch,
      ...patch,
      metadata: { ...this.patch.metadata, ...patch.metadata },
      timings: { ...this.patch.timings, ...patch.timings },
    };
    if (performance.now() - this.lastWrite >= RECORD_INTERVAL_MS) return this.flush();
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), RECORD_INTERVAL_MS);
  }

  /** Writes what is pending (and waits for a write already under way). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(async () => {
      if (this.failure) throw this.failure;
      if (this.entries.length === 0) return;
      const entries = this.entries;
      const patch = this.patch;
      const checkpointFile = this.checkpointFile;
      this.entries = [];
      this.patch = {};
      try {
        if (checkpointFile) await this.manager.writeWorkflowCheckpoint(this.sessionId, this.checkpointFileName, checkpointFile());
        await this.manager.addCheckpoints(this.sessionId, entries, patch);
        this.lastWrite = performance.now();
      } catch (err) {
        this.failure = err as Error;
        throw err;
      }
    });
    return this.writing;
  }
}
