// The process groups of the steps a run has running, recorded beside its resume lock
// (`H/resume_locks/{id}.lock.steps`, a name Prodigy never reads). A run killed with -9 cannot stop its
// steps, and they work on; the next process to take the lock (a resume, a restore) reads this record and
// stops them first, so that no step runs twice at once.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { ProdigyError } from '../errors';
import { groupRecord, groupRunning, stopGroup, type GroupRecord, type ProcessGroups } from '../process/groups';
import { writeTempFileSync } from '../storage/atomicFile';

interface StepsRecord {
  process_id: number;
  hostname: string;
  groups: GroupRecord[];
}

export function stepsFileOf(lockFile: string): string {
  return `${lockFile}.steps`;
}

/**
 * One page: the record is rewritten in place, padded to this size, by a single positioned write. A process that
 * is killed (the case this is for) cannot leave a page half written; a record that no longer fits is replaced
 * whole instead (temp file, rename). Rewriting in place keeps a step's start and end to a write each, where a
 * rename each cost ~0.5 ms a step (bench, section 4).
 */
const SLOT = 4096;

/** Keeps the record of one lock holder's running steps, rewritten as groups come and go. */
export class StepGroupsRecorder implements ProcessGroups {
  private readonly groups = new Map<number, GroupRecord>();
  /** The record file, open for rewriting in place (undefined: not written yet, or replaced whole last time). */
  private fd: number | undefined;

  constructor(private readonly file: string) {}

  started(pgid: number): void {
    this.groups.set(pgid, groupRecord(pgid));
    this.save();
  }

  ended(pgid: number): void {
    if (this.groups.delete(pgid)) this.save();
  }

  /**
   * When the lock is let go. Steps still running then (this process is exiting and stops them on its way out)
   * stay recorded, so that the next holder makes sure they are gone.
   */
  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    if (this.groups.size === 0) fs.rmSync(this.file, { force: true });
  }

  private save(): void {
    const record: StepsRecord = { process_id: process.pid, hostname: os.hostname(), groups: [...this.groups.values()] };
    const text = JSON.stringify(record);
    try {
      if (text.length < SLOT) return this.rewrite(Buffer.from(text.padEnd(SLOT)));
      // Too many groups for one page: replace the file whole (no fsync: a power cut ends the steps too).
      if (this.fd !== undefined) fs.closeSync(this.fd);
      this.fd = undefined;
      fs.renameSync(writeTempFileSync(this.file, text), this.file);
    } catch {
      // A step is not failed for want of this record (a full disk fails the run at its next checkpoint): the
      // price is that a kill -9 now could leave this step running unseen.
    }
  }

  /** The page written at offset 0 (JSON and trailing spaces, which JSON.parse skips). */
  private rewrite(page: Buffer): void {
    if (this.fd === undefined) {
      // Made whole first, so a reader never sees an empty or partial record; then rewritten in place.
      fs.renameSync(writeTempFileSync(this.file, page.toString()), this.file);
      this.fd = fs.openSync(this.file, 'r+');
      return;
    }
    for (let done = 0; done < page.length;) done += fs.writeSync(this.fd, page, done, page.length - done, done);
  }
}

/**
 * Stops the steps a previous holder of the lock left running, before the new holder runs anything; returns
 * their process groups. Throws, naming the group, if one does not stop.
 */
export async function stopLeftoverSteps(stepsFile: string, sessionId: string): Promise<number[]> {
  let record: StepsRecord;
  try {
    record = JSON.parse(fs.readFileSync(stepsFile, 'utf8')) as StepsRecord;
  } catch {
    fs.rmSync(stepsFile, { force: true }); // none, or unreadable: nothing it names can be found again
    return [];
  }
  const stopped: number[] = [];
  // Another host's process groups cannot be signalled from here (and their ids mean other processes here).
  const here = record.hostname === os.hostname();
  for (const group of here && Array.isArray(record.groups) ? record.groups : []) {
    if (!groupRunning(group)) continue;
    if (!(await stopGroup(group.pgid))) {
      throw new ProdigyError(
        `A step left running by an earlier run of ${sessionId} (process group ${group.pgid}, recorded in ${stepsFile}) does not stop. Stop it (kill -KILL -${group.pgid}) and try again.`,
      );
    }
    stopped.push(group.pgid);
  }
  fs.rmSync(stepsFile, { force: true });
  return stopped;
}
