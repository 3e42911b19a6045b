// When may a parsed copy of a file be reused instead of reading the file again?
// When inode, size and mtime are unchanged, and the copy was taken long enough after the
// mtime that a later same-size rewrite in the same timestamp tick would have shown a newer
// mtime. Filesystems store coarse times (a scheduler tick on ext4 before Linux 6.13, whole
// seconds elsewhere), so a copy taken within RACY_WINDOW_MS of its mtime is "racy", as git
// calls it, and is verified by reading.
import type * as fs from 'node:fs';

export const RACY_WINDOW_MS = 1_000;

export interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
  /** Date.now() when this identity was observed together with the content. */
  seenAt: number;
}

export function identityOf(stat: fs.Stats, seenAt = Date.now()): FileIdentity {
  return { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, seenAt };
}

export function canReuse(known: FileIdentity | undefined, stat: fs.Stats): boolean {
  return (
    known !== undefined &&
    known.ino === stat.ino &&
    known.size === stat.size &&
    known.mtimeMs === stat.mtimeMs &&
    known.seenAt - stat.mtimeMs > RACY_WINDOW_MS
  );
}
