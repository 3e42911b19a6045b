// The two halves of every lock takeover, safe when several processes do them at once: a file that exactly
// one process can create (and that nobody sees half-written), and a stale lock that exactly one process
// can remove, and only while it is still the lock that was judged stale.
import * as fs from 'node:fs';
import { writeTempFileSync } from './atomicFile';

/**
 * A takeover claim is held for a few system calls; one older than this was left by a process that died
 * holding it (or stopped for that long, see removeStaleSync).
 */
const CLAIM_ABANDONED_MS = 10_000;

/** link() is not available everywhere (some network and FAT file systems): then O_EXCL, which is not atomic. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * Creates `file` holding `data`, or returns null if the name is taken. The data goes to a temp file that
 * is then hard-linked into place: link() fails if the name exists, and the file appears whole. (O_EXCL
 * followed by a write lets a reader in between see an empty file and take it for a corrupt one.)
 * `durable`: fsynced before it appears. Returns the new file's stat.
 */
export function createExclusiveSync(file: string, data: string, options: { durable?: boolean } = {}): fs.Stats | null {
  const tmp = writeTempFileSync(file, data);
  try {
    if (options.durable) fsyncFile(tmp);
    const stat = fs.statSync(tmp);
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') return null;
      if (!NO_HARD_LINKS.has(code)) throw err;
      return createWithOExcl(file, data, options.durable === true);
    }
    return stat;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function createWithOExcl(file: string, data: string, durable: boolean): fs.Stats | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  }
  try {
    fs.writeFileSync(fd, data);
    if (durable) fs.fsyncSync(fd);
    return fs.fstatSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Removes the lock at `target` (a file or an empty folder) that the caller judged stale, if it is still
 * that very lock (`unchanged(current)`), and says whether it did. A caller that loses the race to another
 * taker of the same lock, or whose lock was replaced meanwhile, gets false: it looks again.
 *
 * Why a claim: "read, judge stale, delete" is not atomic. Between one taker's read and its delete, another
 * may have deleted the stale lock and made its own, which the first would then delete: both would hold the
 * lock. The claim (`{target}.takeover`, created exclusively) lets one taker at a time look again and delete.
 * Nobody else deletes a lock that is not stale, and a new lock can only be made once the name is free, so
 * what the claimant finds unchanged under its claim is still the stale lock. (A claimant stopped for longer
 * than CLAIM_ABANDONED_MS between its look and its delete could still delete a newer lock.)
 */
export function removeStaleSync(target: string, unchanged: (current: fs.Stats) => boolean): boolean {
  const claim = `${target}.takeover`;
  const ours = claimSync(claim);
  if (!ours) return false;
  try {
    const current = fs.statSync(target, { throwIfNoEntry: false });
    if (!current || !unchanged(current)) return false;
    if (current.isDirectory()) fs.rmdirSync(target);
    else fs.unlinkSync(target);
    return true;
  } finally {
    // Only our own claim: had we been stopped long enough for it to be broken, the one there is another's.
    if (fs.statSync(claim, { throwIfNoEntry: false })?.ino === ours.ino) fs.rmSync(claim, { force: true });
  }
}

function claimSync(claim: string): fs.Stats | null {
  for (let attempt = 0; attempt < 3; attempt++) {
    const ours = createExclusiveSync(claim, `${process.pid}\n`);
    if (ours) return ours;
    const held = fs.statSync(claim, { throwIfNoEntry: false });
    if (!held) continue; // let go meanwhile
    if (Date.now() - held.mtimeMs < CLAIM_ABANDONED_MS) return null; // another taker is at it
    // Its taker died holding it: remove it the same way, so that only one of us does.
    removeStaleSync(claim, (c) => c.ino === held.ino && c.mtimeMs === held.mtimeMs);
  }
  return null;
}
