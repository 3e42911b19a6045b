// `logs <id> --claude [--step N]` and `logs --latest [--tail]`: the kept Claude streams
// (H/logs/claude-streaming/*.jsonl) as people read them, never as raw JSON. A session's call is found through
// its record (metadata.claude.last) or its steps (Prodigy's checkpoint file, the record's checkpoints);
// --latest takes the newest stream of the home, and --tail follows it, and each newer one, until Ctrl-C.
import * as fs from 'node:fs';
import {
  ClaudeCallTracker,
  followFile,
  latestStreamLog,
  ProdigyError,
  readLinesFrom,
  readTotals,
  renderTranscript,
  type SessionManager,
} from '../../core';
import type { Io } from '../io';
import { stopOnInterrupt } from '../stdio';
import { stepCalls } from './claudeUsage';

/** How often --tail looks for a stream to appear when there is none yet. */
const POLL_MS = 200;

/** The transcript of a session's last Claude call, or of step `step`'s. */
export async function sessionTranscript(
  manager: SessionManager,
  io: Io,
  id: string,
  flags: { step?: number; lines?: number },
): Promise<number> {
  const session = await manager.getSession(id);
  const { file, what } = await streamOf(manager, id, session.metadata, flags.step);
  if (!fs.existsSync(file))
    throw new ProdigyError(
      `The Claude stream of ${what} is gone: ${file} does not exist (kept streams are in ${manager.paths.claudeStreamDir}; moved or deleted?)`,
    );
  printTranscript(io, file, flags.lines);
  return 0;
}

/** The newest kept stream of the home as a transcript. */
export function latestTranscript(manager: SessionManager, io: Io, flags: { lines?: number }): number {
  const dir = manager.paths.claudeStreamDir;
  const file = latestStreamLog(dir);
  if (!file) throw new ProdigyError(noStreamYet(dir));
  printTranscript(io, file, flags.lines);
  return 0;
}

/**
 * Follows the newest kept stream as it grows, one readable line per thing Claude does (the same lines a run
 * prints); when a newer stream appears (the next call) it goes on with that one. Ends with Ctrl-C (exit 0),
 * as `tail -f` does: a run's next call may come at any time.
 */
export async function tailLatest(manager: SessionManager, io: Io, flags: { lines?: number }): Promise<number> {
  const dir = manager.paths.claudeStreamDir;
  // Ctrl-C, or a reader that went away (`… | head`), ends the follow quietly.
  const interrupt = stopOnInterrupt();
  const followed = new Set<string>();
  /** The newest stream not followed yet, or null. */
  const next = () => {
    const file = latestStreamLog(dir);
    return file !== null && !followed.has(file) ? file : null;
  };
  try {
    let file = next();
    if (!file) io.err(`${noStreamYet(dir)}; waiting for one (Ctrl-C stops)`);
    while (!interrupt.signal.aborted) {
      if (!file) {
        await sleep(POLL_MS, interrupt.signal);
        file = next();
        continue;
      }
      followed.add(file);
      io.out(`==> ${file} <==`);
      const tracker = new ClaudeCallTracker({ step: null, cwd: null, jsonLogLocation: file });
      const readable = (lines: string[]) => lines.flatMap((line) => tracker.feed(line).map((a) => a.text));
      // What the stream holds already: the last --lines N of it only for the first stream.
      const backlog: string[] = [];
      const start = readLinesFrom(file, 0, (lines) => backlog.push(...readable(lines)));
      const first = followed.size === 1;
      for (const line of first && flags.lines !== undefined ? lastOf(backlog, flags.lines) : backlog) io.out(line);
      await followFile(file, {
        from: start.offset,
        signal: interrupt.signal,
        onLines: (lines) => readable(lines).forEach((line) => io.out(line)),
        finished: () => next() !== null,
      });
      file = next();
    }
    return 0;
  } finally {
    interrupt.dispose();
  }
}

/** Which kept stream: step `step`'s call, else the session's last (its record's, else its last step's). */
async function streamOf(
  manager: SessionManager,
  id: string,
  metadata: Record<string, unknown>,
  step: number | undefined,
): Promise<{ file: string; what: string }> {
  const printMode = (what: string) =>
    new ProdigyError(
      `${what} kept no stream: it ran in print mode (PRODIGY_CLAUDE_STREAMING=false), which has no transcript`,
    );
  const calls = await stepCalls(manager, id);
  if (step !== undefined) {
    const what = `step ${step} of session ${id}`;
    // The last of them: a step number repeats only if a restore ran it again, and the newest is the one kept.
    const found = calls.filter((c) => c.step === step).pop();
    if (!found) {
      const steps = calls.map((c) => c.step);
      throw new ProdigyError(
        steps.length
          ? `${capital(what)} made no Claude call (steps with one: ${steps.join(', ')})`
          : noCall(manager, id),
      );
    }
    if (!found.json_log_location) throw printMode(`The Claude call of ${what}`);
    return { file: found.json_log_location, what };
  }
  const what = `session ${id}'s last Claude call`;
  const last = readTotals(metadata)?.last;
  if (last?.json_log_location) return { file: last.json_log_location, what };
  // A run whose record has no sums (real prodigy's): its checkpoint file may name each step's stream.
  const lastStep = calls.filter((c) => c.json_log_location).pop();
  if (lastStep?.json_log_location)
    return { file: lastStep.json_log_location, what: `step ${lastStep.step} of session ${id}` };
  if (last || calls.length) throw printMode(capital(what));
  throw new ProdigyError(noCall(manager, id));
}

function noCall(manager: SessionManager, id: string): string {
  return (
    `Session ${id} made no Claude call: its record (${manager.paths.sessionFile(id)}) has no Claude usage and ` +
    'no step of it kept a Claude stream'
  );
}

function noStreamYet(dir: string): string {
  return `No Claude stream kept in ${dir} yet (each Claude call keeps one, unless PRODIGY_CLAUDE_STREAMING=false)`;
}

/** The file named, then its transcript (its last `lines` lines with --lines). */
function printTranscript(io: Io, file: string, lines: number | undefined): void {
  const { text } = renderTranscript(fs.readFileSync(file, 'utf8'));
  const all = text.replace(/\n+$/, '').split('\n');
  const shown = lines === undefined ? all : lastOf(all, lines);
  io.out(`==> ${file} <==`);
  if (shown.length) io.out(shown.join('\n'));
}

function lastOf(lines: string[], n: number): string[] {
  return n === 0 ? [] : lines.slice(-n);
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
