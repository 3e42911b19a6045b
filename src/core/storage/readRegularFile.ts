// Reading a file that should be a regular file of sensible size (a session record, a checkpoint) without
// trusting what is really there. H/sessions is shared with other tools and people: a FIFO named *.json
// blocked every listing for good (a read waits for a writer, and a blocked read cannot be interrupted), and
// a *.json symlink to /dev/zero read until memory ran out (issue 12, b13).
import * as fs from 'node:fs';
import { CorruptFileError } from '../errors';

/**
 * Far beyond any real record or checkpoint (a long run's record is a few hundred KB), and small enough to
 * read and parse without trouble.
 */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

const MiB = 1024 * 1024;

/** Why a stat says the path is no regular file (null when it is one). */
export function notRegularReason(stat: fs.Stats): string | null {
  if (stat.isFile()) return null;
  const kind = stat.isDirectory()
    ? 'a directory'
    : stat.isFIFO()
      ? 'a FIFO (named pipe)'
      : stat.isCharacterDevice()
        ? 'a character device'
        : stat.isBlockDevice()
          ? 'a block device'
          : stat.isSocket()
            ? 'a socket'
            : 'not a file';
  return `is ${kind}, not a regular file`;
}

/** Why a file of `size` bytes is too large to read as a `what` (null when it is not). */
export function tooLargeReason(size: number, what: string, maxBytes = MAX_FILE_BYTES): string | null {
  if (size <= maxBytes) return null;
  return `is ${Math.ceil(size / MiB)} MiB, more than the ${Math.floor(maxBytes / MiB)} MiB a ${what} may be`;
}

/**
 * The text of `file` (a symlink to a regular file is fine), or a CorruptFileError saying why it is no
 * regular file or too large; errors of the file system (ENOENT) are thrown as they are.
 */
export function readRegularTextSync(file: string, what: string, maxBytes = MAX_FILE_BYTES): string {
  // Checked before opening: opening a device can do something (a tape rewinds), and opening a FIFO blocks.
  check(file, fs.statSync(file), what, maxBytes);
  // Non-blocking, in case the file was swapped for a FIFO since: the open returns at once, and the fstat
  // below refuses it. Regular files ignore the flag.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const stat = fs.fstatSync(fd);
    check(file, stat, what, maxBytes);
    // Read to the end, which may have moved since the fstat (a writer in place), never past the cap.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(Math.max(stat.size - total, 0) + 64 * 1024, maxBytes + 1 - total));
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      const tooLarge = tooLargeReason(total, what, maxBytes);
      if (tooLarge) throw new CorruptFileError(file, tooLarge);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function check(file: string, stat: fs.Stats, what: string, maxBytes: number): void {
  const reason = notRegularReason(stat) ?? tooLargeReason(stat.size, what, maxBytes);
  if (reason) throw new CorruptFileError(file, reason);
}
