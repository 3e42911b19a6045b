// Crash-safe writes: temp file in the same folder, fsync, rename. A crash at any instant
// leaves either the old or the new file, never a torn one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileWriteError, writeAllSync, writeFailure, writeNewFileSync } from './fileWrite';

let counter = Math.floor(Math.random() * 0x7fffffff);

/** Starts with '.' and ends in '.tmp': never read as a session (`*.json`) by us or Prodigy. */
export function tempPathFor(file: string): string {
  // pid + a counter is unique among live writers; 'wx' below refuses a leftover of a dead one.
  counter = (counter + 1) & 0x7fffffff;
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${counter.toString(16).padStart(8, '0')}.tmp`,
  );
}

/**
 * Sync I/O on purpose: small files, and it avoids a thread-pool hop per call on the hot path. A failure
 * (a full disk, a short write that cannot be completed) leaves the old file and throws a FileWriteError
 * naming `file`.
 */
export function writeFileAtomicSync(file: string, data: string | Buffer): fs.Stats {
  const tmp = tempPathFor(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    writeAllSync(fd, data, file);
    // ENOSPC can surface only here (delayed allocation, NFS): it is the write failing too.
    fs.fsyncSync(fd);
    const stat = fs.fstatSync(fd);
    const open = fd;
    fd = undefined;
    fs.closeSync(open);
    fs.renameSync(tmp, file);
    return stat;
  } catch (err) {
    if (fd !== undefined) closeQuietly(fd);
    fs.rmSync(tmp, { force: true });
    if (retryable(err, file)) return writeFileAtomicSync(file, data);
    throw writeFailure(file, err);
  }
}

/**
 * Writes `data` to a fresh temp file beside `file` and returns its path, for the caller to
 * link/rename into place. No fsync: used for a step's checkpoint file and snapshot, which are
 * renamed into place (so never torn, and safe from a process crash) right before the session
 * record's durable write. A power cut in that instant can lose them, never the record; one
 * fsync per step instead of three keeps checkpoints cheap (see bench/engine).
 */
export function writeTempFileSync(file: string, data: string | Buffer): string {
  const tmp = tempPathFor(file);
  try {
    writeNewFileSync(tmp, data, 'wx');
  } catch (err) {
    // A temp file cut short by a full disk is no use to anyone.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') fs.rmSync(tmp, { force: true });
    if (retryable(err, file)) return writeTempFileSync(file, data);
    throw writeFailure(file, err);
  }
  return tmp;
}

/**
 * Replaces `file` with `data` whole (temp file, rename; its folder made if missing), without fsync: for caches, of
 * which any complete version will do, so that a process crash never leaves a torn one. Throws as
 * writeTempFileSync does; the temp file never stays behind.
 */
export function replaceFileSync(file: string, data: string | Buffer): void {
  const tmp = writeTempFileSync(file, data);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw writeFailure(file, err);
  }
}

/**
 * A leftover temp file of a dead writer (EEXIST), or a folder that did not exist (ENOENT): made here, or by
 * another process since our open failed (several runs starting in a new home at once), so the retry opens.
 */
function retryable(err: unknown, file: string): boolean {
  if (err instanceof FileWriteError) return false;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') return true;
  if (code !== 'ENOENT') return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return true;
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already failing: the first error is the one to report
  }
}
