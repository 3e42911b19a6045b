// The hidden --events FILE of run, resume and dlq retry: every engine event as one JSON line, then the outcome.
// The VS Code extension starts the engine as a detached `prodigy-vscode` process (so a window reload does not kill
// the run) and follows this file to show the run live; a reloaded window finds it again by the session id, which
// is why the file is renamed to <session id>.jsonl once the id is known (a new run's id comes with its first
// event). Appends go through one descriptor, so the rename does not split the file; a reader holding it open
// keeps reading the same file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent, RunOutcome } from '../../core';

/** The last line of an events file: how the run ended, and the exit code the CLI returns. */
export interface RunnerOutcomeLine {
  type: 'runner-outcome';
  outcome: RunOutcome;
  code: number;
}

export class EventsFile {
  private fd: number | null;
  private file: string;

  constructor(file: string) {
    this.file = path.resolve(file);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.fd = fs.openSync(this.file, 'a');
  }

  event(e: EngineEvent): void {
    this.append(e);
    if (e.type === 'session-created') this.nameAfter(e.sessionId);
  }

  finish(outcome: RunOutcome, code: number): void {
    this.nameAfter(outcome.sessionId);
    const line: RunnerOutcomeLine = { type: 'runner-outcome', outcome, code };
    this.append(line);
    this.close();
  }

  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
  }

  /**
   * A write that fails (a full disk) loses that line for the window, never the run: the session record and log
   * are the run's own record, this file only shows it live.
   */
  private append(value: unknown): void {
    if (this.fd === null) return;
    try {
      fs.writeSync(this.fd, `${JSON.stringify(value)}\n`);
    } catch {
      /* see above */
    }
  }

  private nameAfter(sessionId: string): void {
    const named = path.join(path.dirname(this.file), `${sessionId}.jsonl`);
    if (named === this.file) return;
    try {
      fs.renameSync(this.file, named);
      this.file = named;
    } catch {
      /* the window still follows it by its first name */
    }
  }
}
