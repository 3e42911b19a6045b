// Cross-process locking with proper-lockfile (a lock directory, refreshed while held,
// taken over when stale), plus an in-process queue so one process never races itself.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';

const STALE_MS = 10_000;
const queues = new Map<string, Promise<unknown>>();

export interface LockOptions {
  /** Called if another process takes the lock over while we hold it (we were too slow). */
  onCompromised?: (err: Error) => void;
}

export async function withFileLock<T>(lockPath: string, fn: () => T | Promise<T>, options: LockOptions = {}): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => lockAndRun(lockPath, fn, options));
  queues.set(lockPath, run);
  try {
    return await run;
  } finally {
    if (queues.get(lockPath) === run) queues.delete(lockPath);
  }
}

async function lockAndRun<T>(lockPath: string, fn: () => T | Promise<T>, options: LockOptions): Promise<T> {
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  const release = await lockfile.lock(lockPath, {
    realpath: false,
    lockfilePath: lockPath,
    stale: STALE_MS,
    retries: { retries: 400, factor: 1.3, minTimeout: 1, maxTimeout: 60, randomize: true },
    // The default throws from a timer, which would take the whole extension host down.
    onCompromised: options.onCompromised ?? (() => undefined),
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
