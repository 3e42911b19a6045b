// Crash-safe writes: temp file in the same folder, fsync, rename. A crash at any instant
// leaves either the old or the new file, never a torn one.
import * as fs from 'node:fs';
import * as path from 'node:path';

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

/** Sync I/O on purpose: small files, and it avoids a thread-pool hop per call on the hot path. */
export function writeFileAtomicSync(file: string, data: string | Buffer): fs.Stats {
  const tmp = tempPathFor(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
    const stat = fs.fstatSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
    return stat;
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return writeFileAtomicSync(file, data);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !fs.existsSync(path.dirname(file))) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      return writeFileAtomicSync(file, data);
    }
    throw err;
  }
}

/**
 * Writes `data` to a fresh temp file beside `file` and returns its path, for the caller to
 * link/rename into place. No fsync: used for a step's checkpoint file and snapshot, which are
 * renamed into place (so never torn, and safe from a process crash) right before the session
 * record's durable write. A power cut in that instant can lose them, never the record; one
 * fsync per step instead of three keeps checkpoints cheap (see bench/engine).
 */
export function writeTempFileSync(file: string, data: string): string {
  const tmp = tempPathFor(file);
  try {
    fs.writeFileSync(tmp, data, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return writeTempFileSync(file, data);
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || fs.existsSync(path.dirname(file))) throw err;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return writeTempFileSync(file, data);
  }
  return tmp;
}
