// A step runs in a process group of its own, which outlives the process that started it when that one is
// killed (kill -9, a crash: nothing runs to stop it). These find such a group again, by the record its
// starter kept, and stop it.
import * as fs from 'node:fs';
import { processStartMs } from './identity';

/** A step's process group as recorded when it started: its id and its leader's start time. */
export interface GroupRecord {
  pgid: number;
  /** ms since the epoch (±1 s); null where start times cannot be read. */
  leader_started_ms: number | null;
}

/** Told when a step's process group starts and when its leader ends, so that someone can keep the record. */
export interface ProcessGroups {
  started(pgid: number): void;
  ended(pgid: number): void;
}

export const NO_GROUPS: ProcessGroups = { started: () => undefined, ended: () => undefined };

export function groupRecord(pgid: number): GroupRecord {
  return { pgid, leader_started_ms: processStartMs(pgid) };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !onlyZombies(pgid);
}

/**
 * A killed process stays in the process table until its parent reaps it, and the parent of an orphan is
 * whatever PID 1 is: in a container, often a program that never reaps. Such a group is dead all the same.
 */
function onlyZombies(pgid: number): boolean {
  if (process.platform !== 'linux') return false;
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return false;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // After "pid (comm) ": state, ppid, pgrp.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return false;
  }
  return true;
}

/**
 * Whether the recorded group still runs. A group's id is its leader's pid, which the system does not hand
 * out again while any process of the group lives; so a live group whose leader is gone is still the recorded
 * one, and a live leader must be the one that started then (not a later process that got its pid).
 */
export function groupRunning(record: GroupRecord): boolean {
  if (!Number.isInteger(record.pgid) || record.pgid <= 1 || !groupAlive(record.pgid)) return false;
  const leader = processStartMs(record.pgid);
  return leader === null || record.leader_started_ms === null || Math.abs(leader - record.leader_started_ms) <= 2_000;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM, then SIGKILL after `graceMs`, as a stop does; resolves with whether the group is gone. */
export async function stopGroup(pgid: number, graceMs = 3_000): Promise<boolean> {
  for (const [signal, waitMs] of [
    ['SIGTERM', graceMs],
    ['SIGKILL', 2_000],
  ] as const) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // gone already, or not ours to signal (checked below)
    }
    for (const end = Date.now() + waitMs; Date.now() < end; await sleep(25)) if (!groupAlive(pgid)) return true;
  }
  return !groupAlive(pgid);
}
