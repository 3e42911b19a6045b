// Prodigy's resume lock (prodigy-formats.md §7), so `prodigy resume` and we refuse to run one
// session twice. Its protocol is Prodigy's (O_EXCL file with the holder's pid, stale when that
// pid is gone), not proper-lockfile's: the point is that both tools see each other's locks.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProdigyError } from '../errors';
import { nowTimestamp, toPrettyJson } from '../model/serde';
import { processAlive } from '../process/alive';
import { assertSafeId } from '../storage/ids';

export class ResumeLockedError extends ProdigyError {}

export interface ResumeLock {
  file: string;
  release(): void;
}

interface LockData {
  job_id: string;
  process_id: number;
  hostname: string;
  acquired_at: string;
}

export function acquireResumeLock(locksDir: string, id: string): ResumeLock {
  const file = path.join(locksDir, `${assertSafeId(id, 'session id')}.lock`);
  fs.mkdirSync(locksDir, { recursive: true });
  const data: LockData = { job_id: id, process_id: process.pid, hostname: os.hostname(), acquired_at: nowTimestamp() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, toPrettyJson(data), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        // Only remove our own lock: a stale-lock takeover may have replaced it.
        if (readHolder(file)?.process_id === process.pid) fs.rmSync(file, { force: true });
      };
      process.on('exit', release);
      return { file, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    if (holder === undefined) continue; // removed between our create and read: try again
    if (holder === null)
      throw new ResumeLockedError(`Resume lock ${file} is unreadable; delete it if no run of ${id} is in progress`);
    if (holder.process_id !== process.pid && processAlive(holder.process_id)) {
      throw new ResumeLockedError(
        `Session ${id} is already running or being resumed (PID ${holder.process_id} on ${holder.hostname}, since ${holder.acquired_at}). Stop that run first.`,
      );
    }
    if (holder.process_id === process.pid)
      throw new ResumeLockedError(`Session ${id} is already running in this process`);
    fs.rmSync(file, { force: true }); // its holder died: stale
  }
  throw new ResumeLockedError(`Could not take the resume lock ${file}`);
}

/** The pid holding a session's lock, if that process is alive (used to tell a live run from an interrupted one). */
export function liveLockHolder(locksDir: string, id: string): number | null {
  const holder = readHolder(path.join(locksDir, `${assertSafeId(id, 'session id')}.lock`));
  return holder && processAlive(holder.process_id) ? holder.process_id : null;
}

/** undefined: no file; null: unreadable. */
function readHolder(file: string): LockData | null | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return null;
  }
  try {
    const data = JSON.parse(text) as LockData;
    return typeof data.process_id === 'number' ? data : null;
  } catch {
    return null;
  }
}
