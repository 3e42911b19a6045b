// Writing bytes so that neither a short write nor a failure goes unnoticed. write(2) may take fewer bytes
// than asked (a disk filling up) and Node then returns the smaller count without an error; an unchecked
// count left torn journal lines and records (issue 12, b04). Every writer in the core goes through
// writeAllSync, and a failure names the file it was writing: "no space left on device writing H/…".
import * as fs from 'node:fs';
import { ProdigyError } from '../errors';

/** A write (or its fsync) failed. `code` is the system's (ENOSPC, EDQUOT, EROFS …), like an errno error's. */
export class FileWriteError extends ProdigyError {
  constructor(
    readonly file: string,
    readonly code: string | undefined,
    /** What happened, without the file: "no space left on device". */
    readonly reason: string,
  ) {
    super(`${reason} writing ${file}`);
  }
}

/** The file system is full (or the user's quota is): freeing space lets the same write succeed. */
export function outOfSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** "no space left on device" from Node's "ENOSPC: no space left on device, write". */
export function systemReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message
    .replace(/^E[A-Z0-9]+: /, '')
    .replace(/, (write|fsync|fdatasync|close|open|mkdir|ftruncate|rename)\b.*$/, '');
}

/** The error to throw for a failed write of `file` (one that already names its file is kept). */
export function writeFailure(file: string, err: unknown): FileWriteError {
  if (err instanceof FileWriteError) return err;
  return new FileWriteError(file, (err as NodeJS.ErrnoException).code, systemReason(err));
}

/**
 * Writes all of `data` at the descriptor's position (its end, for a file opened to append), calling
 * write again after a short write. `file` only names the file in an error.
 */
export function writeAllSync(fd: number, data: string | Buffer, file: string): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let done = 0;
  while (done < buf.length) {
    let n: number;
    try {
      n = fs.writeSync(fd, buf, done, buf.length - done);
    } catch (err) {
      throw writeFailure(file, err);
    }
    // write(2) returns 0 only when it can take nothing more; looping would spin forever.
    if (n <= 0) throw new FileWriteError(file, 'ENOSPC', `no more bytes could be written (${done} of ${buf.length})`);
    done += n;
  }
}

/**
 * Creates `file` with `data` (open with `flag`, write all, close), for files that are not renamed into
 * place. Open errors keep their code (EEXIST, ENOENT) for the caller; write errors name the file.
 */
export function writeNewFileSync(file: string, data: string | Buffer, flag = 'w', mode = 0o644): void {
  const fd = fs.openSync(file, flag, mode);
  try {
    writeAllSync(fd, data, file);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  try {
    fs.closeSync(fd);
  } catch (err) {
    // Some filesystems (NFS) report a failed write only when the file is closed.
    throw writeFailure(file, err);
  }
}
