// The file a run's events go to (runs/eventLog.ts decides what they say): H/events/{repo}/{id}/, named after the
// session's repository, one file per run or resume (eventRecords.ts names it), rotated at a size as Prodigy's
// writer does. A line is one write(2) through one O_APPEND descriptor: whole lines never interleave with another
// writer's, and a crash loses at most the line in flight (readers skip a torn last line).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mainWorktreeRoot } from '../git';
import type { UnifiedSession } from '../model/session';
import { writeAllSync } from '../storage/fileWrite';
import { newEventsFile, rotatedEventsFile } from './eventRecords';

export class EventsAppender {
  private fd: number | null = null;
  private file: string | null = null;
  /** Bytes in the file being appended to. */
  private size = 0;

  constructor(
    private readonly home: string,
    private readonly repo: string,
    private readonly job: string,
    /** At this size the file is rotated (EVENTS_ROTATE_BYTES unless a test asks for less). */
    private readonly rotateBytes: number,
  ) {}

  /** Writes one whole line; the file is created at the first. Throws what the file system throws. */
  append(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.fd === null) {
      this.file = newEventsFile(this.home, this.repo, this.job);
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = fs.openSync(this.file, 'a');
      this.size = fs.fstatSync(this.fd).size;
    } else if (this.size > 0 && this.size + bytes > this.rotateBytes) this.rotate();
    writeAllSync(this.fd!, line, this.file!);
    this.size += bytes;
  }

  close(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* nothing was lost: every line was written whole */
      }
      this.fd = null;
    }
  }

  /** The full file becomes Prodigy's rotated piece (`….{stamp}.jsonl.gz`, plain text); a new one takes its name. */
  private rotate(): void {
    fs.closeSync(this.fd!);
    this.fd = null;
    fs.renameSync(this.file!, rotatedEventsFile(this.file!));
    this.fd = fs.openSync(this.file!, 'a');
    this.size = 0;
  }
}

/** The repository's folder name (as the session worktrees name it), else the project folder's. */
export async function repoName(session: UnifiedSession): Promise<string> {
  const md = session.metadata;
  if (typeof md.repo === 'string' && md.repo) return path.basename(md.repo);
  const dir = typeof md.project_dir === 'string' ? md.project_dir : null;
  if (!dir) return 'unknown';
  // The nearest folder with a `.git` folder is the main working tree: found without starting git (a run's start is
  // timed). A `.git` file (a linked worktree, a submodule) asks git where the main one is.
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const git = fs.statSync(path.join(at, '.git'), { throwIfNoEntry: false });
    if (git?.isDirectory()) return path.basename(at);
    if (git) break;
    if (path.dirname(at) === at) return path.basename(dir);
  }
  try {
    return path.basename(await mainWorktreeRoot(dir));
  } catch {
    return path.basename(dir);
  }
}
