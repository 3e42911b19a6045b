// Prodigy's kept Claude streams: each call's stdout, byte for byte, in H/logs/claude-streaming/
// <YYYYmmdd_HHMMSS>-<uuid>.jsonl (the place and name real Prodigy uses), written as the bytes arrive so a
// killed call still leaves what it printed. Keeping the log is a convenience, never a reason to fail a run:
// a write that fails is remembered (`failure`) and the log stops there.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAllSync } from '../storage/fileWrite';

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

export class StreamLogWriter {
  private fd: number | null;
  private failed: string | undefined;

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
      return new StreamLogWriter(file, fs.openSync(file, 'a', 0o600), undefined);
    } catch (err) {
      return new StreamLogWriter(file, null, `could not create ${file}: ${errorText(err)}`);
    }
  }

  /** Why the log stopped (a failed open, write or close), or undefined while it is whole. */
  get failure(): string | undefined {
    return this.failed;
  }

  /** Appends `chunk` as is (a chunk may end inside a line or a character; the file is the bytes). */
  write(chunk: Buffer): void {
    if (this.fd === null || chunk.length === 0) return;
    try {
      writeAllSync(this.fd, chunk, this.path);
    } catch (err) {
      this.failed = errorText(err);
      this.closeQuietly();
    }
  }

  close(): void {
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

  private closeQuietly(): void {
    if (this.fd === null) return;
    try {
      fs.closeSync(this.fd);
    } catch {}
    this.fd = null;
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
