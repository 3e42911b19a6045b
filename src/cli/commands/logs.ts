// `logs <id> [--follow] [--lines N]`: a session's log (H/vscode/logs/<id>.log), what the extension's
// Show Session Log shows. --follow prints lines as the run appends them and ends with the run.
// `--claude [--step N]` and `--latest [--tail]` print kept Claude streams instead (claudeLogs.ts).
import * as fs from 'node:fs';
import {
  followFile,
  liveLockHolder,
  readLastLines,
  readLinesFrom,
  ProdigyError,
  SessionNotFoundError,
  reasonOf,
  type SessionManager,
  type SessionStatus,
} from '../../core';
import { UsageError, type Io } from '../io';
import { stopOnInterrupt } from '../stdio';
import { latestTranscript, sessionTranscript, tailLatest } from './claudeLogs';

export interface LogsFlags {
  follow: boolean;
  /** --lines N: only the last N. */
  lines?: number;
  /** The session's Claude call as a transcript (--step N: that step's). */
  claude: boolean;
  step?: number;
  /** The newest Claude stream of the home (no session id); --tail follows it. */
  latest: boolean;
  tail: boolean;
}

export async function logsCommand(
  manager: SessionManager,
  io: Io,
  id: string | undefined,
  flags: LogsFlags,
): Promise<number> {
  const newest = flags.latest || flags.tail;
  if (id === undefined) {
    // Worded as the parser words a missing argument (--help shows --latest).
    if (!newest) throw new UsageError('missing <session-id>');
    if (flags.step !== undefined || flags.claude)
      throw new UsageError("--claude and --step show a session's Claude call: give its <session-id>");
    if (flags.follow) throw new UsageError("--follow follows a session's log; --latest --tail follows Claude");
    return flags.tail ? tailLatest(manager, io, flags) : latestTranscript(manager, io, flags);
  }
  if (newest)
    throw new UsageError(
      `--latest and --tail show the newest Claude stream of the home, not a session's: logs ${id} --claude prints its last call`,
    );
  if (flags.claude || flags.step !== undefined) {
    if (flags.follow) throw new UsageError("--follow follows the session's log, not its Claude call");
    return sessionTranscript(manager, io, id, flags);
  }
  return sessionLog(manager, io, id, flags);
}

async function sessionLog(manager: SessionManager, io: Io, id: string, flags: LogsFlags): Promise<number> {
  const count = flags.lines;
  const file = manager.paths.sessionLogFile(id);
  const record = await readRecord(manager, id);
  const print = (lines: string[]) => io.out(`${lines.join('\n')}\n`);

  if (!fs.existsSync(file)) {
    if (record.missing)
      throw new ProdigyError(
        `No session ${id} in ${manager.paths.sessionsDir} (\`prodigy-vscode sessions list\` shows the sessions there)`,
      );
    // A run of ours holds the lock from before its log is opened: with --follow, wait for it.
    if (!flags.follow || liveLockHolder(manager.paths.resumeLocksDir, id) === null) {
      throw new ProdigyError(
        `Session ${id} has no log yet (it would be ${file}): runs started by prodigy-vscode or the VS Code extension write one, the prodigy CLI does not`,
      );
    }
  }

  let offset = 0;
  if (fs.existsSync(file)) {
    if (count !== undefined) {
      const last = readLastLines(file, count);
      if (last.lines.length) print(last.lines);
      offset = last.offset;
    } else {
      const read = readLinesFrom(file, 0, print);
      offset = read.offset;
      // Not following: a last line without its newline is printed as it is.
      if (!flags.follow && read.partial.length) print([read.partial.toString('utf8')]);
    }
  }
  if (!flags.follow) return 0;

  // Ctrl-C, or a reader that went away (`… | head`), ends the follow quietly.
  const interrupt = stopOnInterrupt();
  try {
    const result = await followSessionLog(manager, id, { from: offset, signal: interrupt.signal, onLines: print });
    if (result.reason === 'finished') io.out(result.final);
    return 0;
  } finally {
    interrupt.dispose();
  }
}

export interface FollowSessionLogOptions {
  /** Byte offset in the log to start from (what was already printed). */
  from: number;
  onLines(lines: string[]): void;
  /** Ends the follow at once (Ctrl-C). */
  signal?: AbortSignal;
  intervalMs?: number;
}

export interface FollowResult {
  reason: 'finished' | 'aborted';
  /** The session's status when the follow ended; null when its record is gone or unreadable. */
  status: SessionStatus | null;
  /** One line saying how the session ended (or why following stopped). */
  final: string;
}

/**
 * Prints what a session's run appends to its log until the run is over: no process holds the
 * session's resume lock (our engine holds it from before the log is opened until after it is
 * closed, through the merge) and the record is no longer Running/Initializing, or it is but its
 * process is gone (interrupted). Ends early when `signal` fires.
 */
export async function followSessionLog(
  manager: SessionManager,
  id: string,
  opts: FollowSessionLogOptions,
): Promise<FollowResult> {
  const file = manager.paths.sessionLogFile(id);
  const { reason } = await followFile(file, {
    from: opts.from,
    onLines: opts.onLines,
    signal: opts.signal,
    intervalMs: opts.intervalMs,
    // Running/Initializing without a live holder is a run whose process died: nothing more will come.
    finished: () => liveLockHolder(manager.paths.resumeLocksDir, id) === null,
  });
  const record = await readRecord(manager, id);
  return { reason, status: record.status, final: finalLine(id, record) };
}

interface RecordState {
  status: SessionStatus | null;
  error: string | null;
  missing: boolean;
  problem: string | null;
}

async function readRecord(manager: SessionManager, id: string): Promise<RecordState> {
  try {
    const s = await manager.getSession(id);
    return { status: s.status, error: s.error, missing: false, problem: null };
  } catch (err) {
    if (err instanceof SessionNotFoundError) return { status: null, error: null, missing: true, problem: null };
    if (err instanceof ProdigyError) return { status: null, error: null, missing: false, problem: reasonOf(err) };
    throw err;
  }
}

function finalLine(id: string, r: RecordState): string {
  const resume = `resume with: prodigy-vscode resume ${id}`;
  if (r.missing) return `Session ${id}: no session record any more (deleted or moved)`;
  if (r.status === null) return `Session ${id}: its record cannot be read (${r.problem})`;
  switch (r.status) {
    case 'Running':
    case 'Initializing':
      return `Session ${id}: ${r.status}, but no process is running it (interrupted; ${resume})`;
    case 'Failed':
      return `Session ${id}: Failed${r.error ? ` (${r.error.split('\n')[0]})` : ''}; ${resume}`;
    case 'Paused':
      return `Session ${id}: Paused; ${resume}`;
    default:
      return `Session ${id}: ${r.status}`;
  }
}
