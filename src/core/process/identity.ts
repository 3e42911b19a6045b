// Whether a pid still names the process we recorded. Pids are reused once their process ends (within
// minutes where pid_max is 32768, and from 1 again in every new container), so "a process with this pid is
// alive" does not say it is the one that took a lock or ran a step; its start time does.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { procStatFields } from './alive';

/** Linux reports start times in clock ticks of 1/USER_HZ s; USER_HZ is 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** When the process with this pid started (ms since the epoch, ±1 s), or null when it is gone or this cannot be told. */
export function processStartMs(pid: number): number | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return process.platform === 'linux' ? procStartMs(pid) : psStartMs(pid);
}

let bootMs: number | null | undefined;

function procStartMs(pid: number): number | null {
  const fields = procStatFields(pid);
  if (!fields) return null;
  // starttime is field 22.
  const ticks = Number(fields[22 - 3]);
  bootMs ??= readBootMs();
  return bootMs === null || !Number.isFinite(ticks) ? null : bootMs + (ticks * 1000) / TICKS_PER_SECOND;
}

/** /proc/stat's btime: when the machine booted, in whole seconds (kept in step with the wall clock). */
function readBootMs(): number | null {
  try {
    const btime = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1];
    return btime ? Number(btime) * 1000 : null;
  } catch {
    return null;
  }
}

/** Elsewhere (macOS, the BSDs): `ps -o etime=`, how long ago it started, as [[dd-]hh:]mm:ss. */
function psStartMs(pid: number): number | null {
  try {
    const etime = execFileSync('ps', ['-o', 'etime=', '-p', String(pid)], { encoding: 'utf8', timeout: 5_000 }).trim();
    const m = /^(?:(?:(\d+)-)?(\d+):)?(\d+):(\d+)$/.exec(etime);
    if (!m) return null;
    const seconds = ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3])) * 60 + Number(m[4]);
    return Date.now() - seconds * 1000;
  } catch {
    return null;
  }
}

/**
 * Whether process `pid` can have been running at `whenMs` (the time it wrote a lock or was recorded as a
 * step): false when it started later, i.e. the pid was reused. True when that cannot be told.
 */
export function startedBy(pid: number, whenMs: number, slackMs = 2_000): boolean {
  const start = processStartMs(pid);
  return start === null || !Number.isFinite(whenMs) || start <= whenMs + slackMs;
}
