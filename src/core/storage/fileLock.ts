// Cross-process locking with proper-lockfile (a lock directory, refreshed while held,
// taken over when stale, by one process only), plus an in-process queue so one process never races itself.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { removeStaleSync } from './exclusiveFile';

const STALE_MS = 10_000;

type Callback<T = void> = (err: NodeJS.ErrnoException | null, value?: T) => void;
function syncCall<T>(fn: () => T, cb: Callback<T>): void {
  let value: T;
  try {
    value = fn();
  } catch (err) {
    cb(err as NodeJS.ErrnoException);
    return;
  }
  cb(null, value);
}

/**
 * proper-lockfile takes an `fs` option. The lock lives on local disk and each of its calls
 * is a single metadata syscall, so running them synchronously saves a thread-pool round
 * trip per call, which is most of a lock's cost next to the write it protects.
 */
const syncFs = {
  mkdir: (p: string, cb: Callback) => syncCall(() => void fs.mkdirSync(p), cb),
  rmdir: (p: string, cb: Callback) => syncCall(() => removeLockDir(p), cb),
  // proper-lockfile's exit handler removes held locks with this one.
  rmdirSync: (p: string) => fs.rmdirSync(p),
  stat: (p: string, cb: Callback<fs.Stats>) => syncCall(() => fs.statSync(p), cb),
  utimes: (p: string, a: Date, m: Date, cb: Callback) => syncCall(() => fs.utimesSync(p, a, m), cb),
  realpath: (p: string, cb: Callback<string>) => syncCall(() => fs.realpathSync(p), cb),
};
const queues = new Map<string, Promise<unknown>>();

const isStale = (stat: fs.Stats) => stat.mtimeMs < Date.now() - STALE_MS;
/** Lock folders this process holds and is letting go of: the only ones it removes without a check. */
const lettingGo = new Set<string>();

/**
 * proper-lockfile removes a lock folder when its owner lets go, and when another process finds it stale (not
 * refreshed for STALE_MS: its owner died) and takes it over. The takeover is "stat, judge, rmdir, mkdir": two
 * processes doing it at once could each remove the folder the other had just made, and both would hold the
 * lock. So a folder that is not ours is removed only if it is stale now, by one taker only, and only while it
 * is still that stale folder; the others get ELOCKED, which proper-lockfile retries.
 */
function removeLockDir(dir: string): void {
  if (lettingGo.has(dir)) return fs.rmdirSync(dir);
  const stat = fs.statSync(dir);
  const same = (current: fs.Stats) => current.ino === stat.ino && current.mtimeMs === stat.mtimeMs && isStale(current);
  if (!isStale(stat) || !removeStaleSync(dir, same))
    throw Object.assign(new Error(`Lock ${dir} is held, or being taken over, by another process`), { code: 'ELOCKED' });
}

/** The release proper-lockfile hands out, marked as ours while it runs (see removeLockDir). */
function owned(lockPath: string, release: () => Promise<void>): () => Promise<void> {
  return () => {
    lettingGo.add(lockPath);
    return release().finally(() => lettingGo.delete(lockPath));
  };
}

export interface LockOptions {
  /** Called if another process takes the lock over while we hold it (we were too slow). */
  onCompromised?: (err: Error) => void;
}

export async function withFileLock<T>(
  lockPath: string,
  fn: () => T | Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve();
  let released: Promise<void> = Promise.resolve();
  const run = previous.then(async () => {
    const release = await acquire(lockPath, options);
    try {
      return await fn();
    } finally {
      // The write is complete and visible before this point; removing the lock directory
      // happens on the next turn so the caller does not wait for it. The next holder
      // in this process waits for it through the queue below.
      released = new Promise<void>((resolve) => setImmediate(() => release().then(resolve, () => resolve())));
    }
  });
  const tail = run.then(
    () => released,
    () => released,
  );
  queues.set(lockPath, tail);
  void tail.then(() => {
    if (queues.get(lockPath) === tail) queues.delete(lockPath);
  });
  return run;
}

const FAST = { retries: 0 };
const PATIENT = { retries: 400, factor: 1.3, minTimeout: 1, maxTimeout: 60, randomize: true };

async function acquire(lockPath: string, options: LockOptions): Promise<() => Promise<void>> {
  ensureDir(path.dirname(lockPath));
  const base = {
    realpath: false,
    lockfilePath: lockPath,
    fs: syncFs,
    stale: STALE_MS,
    // The default throws from a timer, which would take the whole extension host down.
    onCompromised: options.onCompromised ?? (() => undefined),
  };
  try {
    // Uncontended: one attempt, without building a retry schedule.
    return owned(lockPath, await lockfile.lock(lockPath, { ...base, retries: FAST }));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') knownDirs.delete(path.dirname(lockPath));
    if (code !== 'ELOCKED' && code !== 'ENOENT') throw err;
    ensureDir(path.dirname(lockPath));
    return owned(lockPath, await lockfile.lock(lockPath, { ...base, retries: PATIENT }));
  }
}

const knownDirs = new Set<string>();
function ensureDir(dir: string): void {
  if (knownDirs.has(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  knownDirs.add(dir);
}
