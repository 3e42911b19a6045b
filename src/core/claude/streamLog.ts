// Prodigy's kept Claude streams: each call's stdout, byte for byte, in H/logs/claude-streaming/
// <YYYYmmdd_HHMMSS>-<uuid>.jsonl (the place and name real Prodigy uses), written as the bytes arrive (by the
// Claude process itself, its stdout being the file, or here for a masked stream) so a
// killed call still leaves what it printed. Keeping the log is a convenience, never a reason to fail a run:
// a write that fails is remembered (`failure`) and the log stops there.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** `<home>/logs/claude-streaming`, `home` being Prodigy's home (H). */
export function streamLogDir(home: string): string {
  return path.join(home, 'logs', 'claude-streaming');
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `<YYYYmmdd_HHMMSS>-<uuid v4>.jsonl`, in local time (as Prodigy names them). */
export function streamLogName(now: Date = new Date()): string {
  const date = `${pad(now.getFullYear(), 4)}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${date}_${time}-${randomUUID()}.jsonl`;
}

const NAME = /^(\d{8}_\d{6})-.*\.jsonl$/;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One call's kept stream. Writes go to the file in the background, in order (the reader of Claude's pipe never
 * waits on the disk, as a plain copy with a write stream does not), chunks that arrive while a write is under
 * way going together in the next one. `close()` resolves once every byte handed over is in the file.
 */
export class StreamLogWriter {
  private fd: number | null;
  private failed: string | undefined;
  /** Chunks handed over while a write was under way: the next write's. */
  private queued: Buffer[] = [];
  private writing = false;
  private closed = false;
  private waiting: (() => void)[] = [];

  private constructor(
    readonly path: string,
    fd: number | null,
    failure: string | undefined,
  ) {
    this.fd = fd;
    this.failed = failure;
  }

  /**
   * A new log in `dir` (created if missing), private to the user (0600: prompts and tool output can hold
   * secrets). Never throws: if the file cannot be made, `failure` says why and writes are dropped.
   */
  static open(dir: string): StreamLogWriter {
    const file = path.join(dir, streamLogName());
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Readable too: a stream the Claude process writes itself is tailed through it (StreamLogTail).
      return new StreamLogWriter(file, fs.openSync(file, 'a+', 0o600), undefined);
    } catch (err) {
      return new StreamLogWriter(file, null, `could not create ${file}: ${errorText(err)}`);
    }
  }

  /** Why the log stopped (a failed open, write or close), or undefined while it is whole. */
  get failure(): string | undefined {
    return this.failed;
  }

  /**
   * The open file (append and read), for a child process to write its stdout to directly, or null when there is
   * none (it could not be made, or it failed).
   */
  get descriptor(): number | null {
    return this.fd;
  }

  /**
   * Appends `chunk` as is (a chunk may end inside a line or a character; the file is the bytes). The chunk is
   * kept until written: the caller must not change it afterwards.
   */
  write(chunk: Buffer): void {
    if (this.fd === null || this.closed || chunk.length === 0) return;
    this.queued.push(chunk);
    if (!this.writing) this.writeQueued();
  }

  /** Resolves when every chunk handed over so far is written (or the log has failed). */
  flushed(): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Writes what is queued, then closes the file. Never rejects: a failure is in `failure`. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushed();
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fs.closeSync(fd);
    } catch (err) {
      // Some filesystems (NFS) report a failed write only at close.
      this.failed ??= `${errorText(err)} closing ${this.path}`;
    }
  }

  private writeQueued(): void {
    const fd = this.fd;
    if (fd === null || this.queued.length === 0) {
      this.writing = false;
      this.queued = [];
      for (const resolve of this.waiting.splice(0)) resolve();
      return;
    }
    this.writing = true;
    const chunks = this.queued;
    this.queued = [];
    writeAll(fd, chunks, (err) => {
      if (err) {
        this.failed = errorText(err);
        this.closeQuietly();
      }
      this.writeQueued();
    });
  }

  private closeQuietly(): void {
    if (this.fd === null) return;
    try {
      fs.closeSync(this.fd);
    } catch {}
    this.fd = null;
  }
}

/** Writes every byte of `chunks` to `fd` in the background (write(2) may take fewer than asked). */
function writeAll(fd: number, chunks: Buffer[], done: (err: Error | null) => void): void {
  fs.writev(fd, chunks, (err, written) => {
    if (err) return done(err);
    let rest = written;
    while (chunks.length > 0 && rest >= chunks[0].length) rest -= chunks.shift()!.length;
    if (chunks.length === 0) return done(null);
    if (written === 0) return done(new Error(`no more bytes could be written to ${fd}`));
    chunks[0] = chunks[0].subarray(rest);
    writeAll(fd, chunks, done);
  });
}

/** How often a tail looks at its file when the file system sends no change notices (some network file systems). */
const TAIL_POLL_MS = 250;
const TAIL_READ_SIZE = 1024 * 1024;
/** What a tail reads in one turn of the event loop while the call runs (the rest in the next turns). */
const TAIL_TURN_BYTES = 4 * TAIL_READ_SIZE;

/**
 * Follows a kept stream that the Claude process writes itself (its stdout is the file): hands the bytes to
 * `onBytes` as they land, woken by the file system's change notices, and by a slow poll where it sends none.
 * `onBytes` gets a view of a buffer that is reused: it must copy what it keeps. The last bytes are read by
 * `stop()`, once the process has ended.
 */
export class StreamLogTail {
  private position = 0;
  private readonly buffer = Buffer.allocUnsafe(TAIL_READ_SIZE);
  private watcher: fs.FSWatcher | null = null;
  private readonly timer: NodeJS.Timeout;
  private scheduled = false;
  private stopped = false;
  private failed: string | undefined;

  constructor(
    private readonly fd: number,
    file: string,
    private readonly onBytes: (chunk: Buffer) => void,
  ) {
    try {
      this.watcher = fs.watch(file, { persistent: false }, () => this.schedule());
      this.watcher.on('error', () => this.closeWatcher());
    } catch {
      // No notices here (no inotify watches left, say): the poll reads it.
    }
    this.timer = setInterval(() => this.schedule(), TAIL_POLL_MS);
    this.timer.unref();
  }

  /** Why the stream could not be read (it stays in its file), or undefined. */
  get failure(): string | undefined {
    return this.failed;
  }

  /** Reads what is left, then stops following the file (which stays open: its writer closes it). */
  stop(): void {
    this.read();
    this.stopped = true;
    clearInterval(this.timer);
    this.closeWatcher();
  }

  /**
   * Notices come a write at a time: one read takes all that landed meanwhile, up to TAIL_TURN_BYTES a turn, so a
   * stream written faster than it is read (no pipe holds the writer back) never keeps the event loop to itself.
   */
  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.read(TAIL_TURN_BYTES)) this.schedule();
    });
  }

  /** Reads to the end of what is there, or `limit` bytes; true when it stopped at the limit. */
  private read(limit = Infinity): boolean {
    if (this.stopped || this.failed !== undefined) return false;
    for (let taken = 0; taken < limit;) {
      let n: number;
      try {
        n = fs.readSync(this.fd, this.buffer, 0, this.buffer.length, this.position);
      } catch (err) {
        this.failed = errorText(err);
        return false;
      }
      if (n <= 0) return false;
      this.position += n;
      taken += n;
      this.onBytes(this.buffer.subarray(0, n));
    }
    return true;
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}

/**
 * The newest kept stream in `dir`: by the time in its name, then by modification time (several calls in
 * one second), or null when there is none (or no such folder).
 */
export function latestStreamLog(dir: string): string | null {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  let stamp = '';
  let newest: string[] = [];
  for (const e of entries) {
    const m = e.isFile() ? NAME.exec(e.name) : null;
    if (!m || m[1] < stamp) continue;
    if (m[1] > stamp) {
      stamp = m[1];
      newest = [];
    }
    newest.push(e.name);
  }
  // Only the files of the newest second need a stat.
  let best: { name: string; mtime: number } | null = null;
  for (const name of newest.sort()) {
    let mtime: number;
    try {
      mtime = fs.statSync(path.join(dir, name)).mtimeMs;
    } catch {
      continue;
    }
    if (best === null || mtime >= best.mtime) best = { name, mtime };
  }
  return best === null ? null : path.join(dir, best.name);
}
