// When may a parsed copy of a file be reused instead of reading the file again?
// When inode, size and mtime are unchanged, and no later same-size rewrite could hide
// behind an unchanged mtime. That depends on the filesystem: with fine-grained timestamps
// (Linux 6.13+ multigrain, APFS, most modern setups) every rewrite after a stat gets a new
// mtime; with coarse ones (a scheduler tick on older ext4, whole seconds on FAT, HFS+ and
// some network filesystems) a copy taken within the tick is "racy", as git calls it, and is
// verified by reading. Which one a folder has is measured once per process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replaceFileSync } from './atomicFile';

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

type Identifying = Pick<FileIdentity, 'ino' | 'size' | 'mtimeMs'>;

/** The same file, unchanged as far as a stat tells: inode, size and mtime (of an identity or a stat). */
export function sameIdentity(a: Identifying, b: Identifying): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export function canReuse(known: FileIdentity | undefined, stat: fs.Stats, racyWindowMs: number): boolean {
  return (
    known !== undefined &&
    sameIdentity(known, stat) &&
    (racyWindowMs === 0 || known.seenAt - stat.mtimeMs > racyWindowMs)
  );
}

const measured = new Map<string, number>();

/**
 * The racy window for files in `dir`: 0 where rewrites always move the mtime. Measured once per process, or with
 * `memoFile` (H/vscode/timestamps.json) once per folder: a measurement writes a probe file into `dir`, which moves
 * the folder's mtime (a kept listing is checked against it), so it is kept there for as long as the folder is the
 * same one (its device and inode).
 */
export function racyWindowFor(dir: string, memoFile?: string): number {
  // For filesystems that report fine timestamps but do not keep them (some network mounts).
  if (process.env.PRODIGY_COARSE_TIMESTAMPS === '1') return COARSE_RACY_WINDOW_MS;
  let window = measured.get(dir);
  if (window !== undefined) return window;
  const folder = fs.statSync(dir, { throwIfNoEntry: false });
  // An unreadable folder is measured again once it exists.
  if (!folder) return hasFineGrainedTimestamps(dir) ? 0 : COARSE_RACY_WINDOW_MS;
  const memo = memoFile === undefined ? {} : readMemo(memoFile);
  const known = memo[dir];
  if (known && known.dev === folder.dev && known.ino === folder.ino && typeof known.windowMs === 'number') {
    window = known.windowMs;
  } else {
    window = hasFineGrainedTimestamps(dir) ? 0 : COARSE_RACY_WINDOW_MS;
    if (memoFile !== undefined) {
      memo[dir] = { dev: folder.dev, ino: folder.ino, windowMs: window };
      writeMemo(memoFile, memo);
    }
  }
  measured.set(dir, window);
  return window;
}

type Memo = Record<string, { dev: number; ino: number; windowMs: number } | undefined>;

function readMemo(file: string): Memo {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Memo) : {};
  } catch {
    return {};
  }
}

/** Only a memo: written whole or not at all. */
function writeMemo(file: string, memo: Memo): void {
  try {
    replaceFileSync(file, JSON.stringify(memo));
  } catch {
    // not kept: the next process measures again
  }
}

/** Rewrites one small file back to back, as fast as possible: do the mtimes all differ? */
function hasFineGrainedTimestamps(dir: string): boolean {
  // The pid keeps it apart from other processes' probes (no crypto: loading it costs the CLI's entry 3 ms).
  const probe = path.join(dir, `.mtime-probe.${process.pid}.${Date.now().toString(36)}.tmp`);
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
