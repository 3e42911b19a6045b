// Room a run sets aside while it goes on, so that when the disk fills up it can still record where it
// stopped: the finished step's journal line and the record saying Failed, and why. Without it a full disk
// cost the step in flight (its checkpoint never written, it ran again on resume) and left the session
// reading Running. Node has no fallocate: the room is a file of random bytes (zeros can be compressed or
// deduplicated away), H/vscode/reserve/{session}.{pid}, deleted when needed and when the run ends.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processAlive } from '../process/alive';
import { writeNewFileSync } from '../storage/fileWrite';

/** Enough for a journal line, a record and usually Prodigy's checkpoint file; less when the disk is nearly full. */
const SIZES = [512, 256, 128, 64, 32, 16].map((kib) => kib * 1024);

export class SpaceReserve {
  private file: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly sessionId: string,
  ) {}

  /** Best effort: on a disk too full for even the smallest size there is no reserve, and the run goes on. */
  hold(): void {
    sweepDead(this.dir);
    const file = path.join(this.dir, `${this.sessionId}.${process.pid}`);
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch {
      return;
    }
    for (const size of SIZES) {
      try {
        writeNewFileSync(file, randomBytes(size), 'w', 0o600);
        this.file = file;
        return;
      } catch {
        removeQuietly(file);
      }
    }
  }

  /** Frees the room for the writes that follow; false when there was none (left) to free. */
  release(): boolean {
    if (this.file === undefined) return false;
    removeQuietly(this.file);
    this.file = undefined;
    return true;
  }
}

/** The reserves of runs that died (kill -9, a crash) are no use to anyone. */
function sweepDead(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/\.(\d+)$/.exec(name)?.[1]);
    if (pid && !processAlive(pid)) removeQuietly(path.join(dir, name));
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // nothing to free, or nothing we can do
  }
}
