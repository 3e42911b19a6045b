// A run whose engine is a detached `prodigy-vscode` process (the bundled dist/cli.js), so that reloading the
// window, updating the extension or losing a remote connection does not kill its steps and agents. The window
// follows the run through files only: the session record and log (as for any run), and the events file the
// runner appends every engine event to (the CLI's hidden --events, src/cli/commands/eventsFile.ts), which ends
// with the run's outcome. Stop is SIGINT to the runner, which pauses the session itself.
import * as child from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WORDING_ENV, isSafeId, type EngineEvent, type HomePaths, type RunOutcome } from '../../core';

/** The folder of the events files: H/vscode/events/<session id>.jsonl. */
export function eventsDir(paths: HomePaths): string {
  return path.join(paths.ownDir, 'events');
}

export function eventsFileOf(paths: HomePaths, sessionId: string): string {
  return path.join(eventsDir(paths), `${sessionId}.jsonl`);
}

/** The last line of an events file (the CLI's RunnerOutcomeLine). */
export interface RunnerOutcome {
  type: 'runner-outcome';
  outcome: RunOutcome;
  code: number;
}

export type RunnerLine = EngineEvent | RunnerOutcome;

export interface Runner {
  pid: number;
  /** The events file as it was named at the start (the runner renames it to <session id>.jsonl). */
  eventsFile: string;
  /** The runner's own stdout and stderr (an error before the engine started, a crash): kept until it ends well. */
  outputFile: string;
  /** Its exit code (null: killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Starts `node dist/cli.js <args> --home H --events F` detached: its own session and process group, stdio to a
 * file (no pipe the window owns, so the window's end closes nothing of it), unref'd. In a desktop VS Code the
 * extension host's execPath is Electron: ELECTRON_RUN_AS_NODE makes it plain Node (Node ignores it).
 * A resume names its events file after the session at once; a new run gets a provisional name.
 */
export function startRunner(
  cli: string,
  paths: HomePaths,
  args: string[],
  env: NodeJS.ProcessEnv,
  sessionId?: string,
  cwd?: string,
): Runner {
  const dir = eventsDir(paths);
  fs.mkdirSync(dir, { recursive: true });
  const eventsFile = sessionId ? eventsFileOf(paths, sessionId) : path.join(dir, `new-${crypto.randomUUID()}.jsonl`);
  // A file left by an earlier run of this session is not this run's.
  fs.writeFileSync(eventsFile, '');
  const outputFile = eventsFile.replace(/\.jsonl$/, `.${Date.now()}.out`);
  const out = fs.openSync(outputFile, 'a');
  try {
    const proc = child.spawn(process.execPath, [cli, ...args, '--json', '--home', paths.home, '--events', eventsFile], {
      detached: true,
      cwd,
      stdio: ['ignore', out, out],
      // The runner's log lines name VS Code's commands, not the CLI's: the user reads them in VS Code.
      env: { ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1', [WORDING_ENV]: 'vscode' },
      windowsHide: true,
    });
    const exited = new Promise<number | null>((resolve) => {
      proc.once('exit', (code) => resolve(code));
      proc.once('error', () => resolve(null));
    });
    proc.unref();
    if (proc.pid === undefined) throw new Error(`Could not start the Prodigy runner (${process.execPath} ${cli})`);
    return { pid: proc.pid, eventsFile, outputFile, exited };
  } finally {
    fs.closeSync(out);
  }
}

/**
 * Reads an events file as it grows, by one descriptor, so the runner renaming it changes nothing here.
 * `read()` returns the complete lines written since the last call (a half-written last line waits).
 */
export class EventsTail {
  private readonly fd: number;
  private offset = 0;
  private partial = '';

  constructor(file: string) {
    this.fd = fs.openSync(file, 'r');
  }

  read(): RunnerLine[] {
    const lines: RunnerLine[] = [];
    const size = fs.fstatSync(this.fd).size;
    while (this.offset < size) {
      const buf = Buffer.alloc(Math.min(size - this.offset, 1 << 20));
      const n = fs.readSync(this.fd, buf, 0, buf.length, this.offset);
      if (n <= 0) break;
      this.offset += n;
      const text = this.partial + buf.subarray(0, n).toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      for (const part of parts) {
        if (!part.trim()) continue;
        try {
          lines.push(JSON.parse(part) as RunnerLine);
        } catch {
          /* not a line the runner wrote whole: skipped */
        }
      }
    }
    return lines;
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* closed */
    }
  }
}

/** The sessions with an events file: the candidates a reloaded window attaches to. */
export function sessionsWithEvents(paths: HomePaths): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(eventsDir(paths));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.jsonl') && !n.startsWith('new-'))
    .map((n) => n.slice(0, -'.jsonl'.length))
    .filter(isSafeId);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The last lines of a runner's own output, for an error when it ended without an outcome. */
export function outputTail(file: string, lines = 5): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    /* gone */
  }
}
