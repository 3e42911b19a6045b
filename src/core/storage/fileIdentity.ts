// When may a parsed copy of a file be reused instead of reading the file again?
// When inode, size and mtime are unchanged, and no later same-size rewrite could hide
// behind an unchanged mtime. That depends on the filesystem: with fine-grained timestamps
// (Linux 6.13+ multigrain, APFS, most modern setups) every rewrite after a stat gets a new
// mtime; with coarse ones (a scheduler tick on older ext4, whole seconds on FAT, HFS+ and
// some network filesystems) a copy taken within the tick is "racy", as git calls it, and is
// verified by reading. Which one a folder has is measured once per process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** How long after its mtime a copy stays unverifiable on a coarse-timestamp filesystem. */
export const COARSE_RACY_WINDOW_MS = 2_000;

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

export function canReuse(known: FileIdentity | undefined, stat: fs.Stats, racyWindowMs: number): boolean {
  return (
    known !== undefined &&
    known.ino === stat.ino &&
    known.size === stat.size &&
    known.mtimeMs === stat.mtimeMs &&
    (racyWindowMs === 0 || known.seenAt - stat.mtimeMs > racyWindowMs)
  );
}

const measured = new Map<string, number>();

/** The racy window for files in `dir`: 0 where rewrites always move the mtime. */
export function racyWindowFor(dir: string): number {
  // For filesystems that report fine timestamps but do not keep them (some network mounts).
  if (process.env.PRODIGY_COARSE_TIMESTAMPS === '1') return COARSE_RACY_WINDOW_MS;
  let window = measured.get(dir);
  if (window === undefined) {
    window = hasFineGrainedTimestamps(dir) ? 0 : COARSE_RACY_WINDOW_MS;
    // An unreadable folder is measured again once it exists.
    if (fs.existsSync(dir)) measured.set(dir, window);
  }
  return window;
}

/** Rewrites one small file back to back, as fast as possible: do the mtimes all differ? */
function hasFineGrainedTimestamps(dir: string): boolean {
  const probe = path.join(dir, `.mtime-probe.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(probe, 'a');
    let previous = fs.statSync(probe, { bigint: true }).mtimeNs;
    for (let i = 0; i < 4; i++) {
      fs.writeFileSync(probe, i % 2 ? 'a' : 'b');
      const current = fs.statSync(probe, { bigint: true }).mtimeNs;
      if (current === previous) return false;
      previous = current;
    }
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}
