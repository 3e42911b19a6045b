// Whether a pid names a running process. `kill -0` alone says yes for a zombie: a process that has ended but that
// its parent has not reaped yet (a parent that never waits, or a container's init that reaps late). A zombie runs
// nothing and holds nothing, so on Linux its state in /proc says it is gone.
import * as fs from 'node:fs';

/** Whether a process with this pid runs on this machine (EPERM: it exists, owned by another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !ended(pid);
}

/** Linux: the process has ended and waits to be reaped (Z) or is being torn down (X). Elsewhere: not known. */
function ended(pid: number): boolean {
  const state = procStatFields(pid)?.[0];
  return state === 'Z' || state === 'X';
}

/**
 * Linux: the fields of /proc/<pid>/stat from field 3 (the state) on, so field N is at index N - 3; null when the
 * process is gone or this is not Linux. "pid (comm) state …": comm may hold spaces and parentheses, so the fields
 * count from the last ')'.
 */
export function procStatFields(pid: number): string[] | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
