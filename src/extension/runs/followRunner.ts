// This window's side of a detached run (detachedRun.ts): it starts the runner (or takes the one it attaches to),
// makes Stop a SIGINT to it, follows its events file until the outcome line (re-reading the session record so
// the row keeps up), works out how a runner that ended without an outcome ended, and asks the merge question
// here once it is done. Of several windows following one run, the one that takes its events file finishes it.
import * as fs from 'node:fs';
import { mergeSession, type EngineEvent, type MergeOutcome, type RunOutcome, type SessionManager } from '../../core';
import { readSettings } from '../config';
import type { ConfirmMerge, Launch, RunRequest, Tracking } from './activeRun';
import {
  EventsTail,
  eventsFileOf,
  outputTail,
  processAlive,
  removeQuietly,
  startRunner,
  type RunnerOutcome,
} from './detachedRun';
import { runnerEnv, runnerError, runnerFlags } from './runnerArgs';

/** How often a detached run's events file is read (the row and status bar follow it this closely). */
export const EVENTS_POLL_MS = 200;

/** A rescan of the sessions folder at most this often while a detached run reports record writes. */
const RESCAN_MS = 250;
/** How long after a step's end its record write may come (progressRecorder coalesces writes for 500 ms). */
const RECORD_LAG_MS = 700;
/** The events that come with a write of the session record. */
const RECORD_EVENTS = new Set<EngineEvent['type']>([
  'session-created',
  'step-started',
  'step-finished',
  'session-finished',
  'phase',
  'agent-finished',
  'claude-call',
  // Not a record write, but shown with the step's progress: the write for the step before may just have come.
  'claude-activity',
]);

/** An events file this old with no live runner holding its session was left by a run that ended unseen. */
export const STALE_EVENTS_MS = 60_000;

/** The window closed while it followed a detached run: the run goes on without it. */
export class WindowClosed extends Error {}

/** What following a runner needs of the window that follows it. */
export interface RunnerHost {
  /** The bundled CLI (`<extension>/dist/cli.js`) that detached runs run. */
  cli: string;
  /** The window is closing: it stops following (the run goes on). */
  closing: () => boolean;
  confirmMerge: ConfirmMerge;
}

/**
 * Starts a runner (or takes the one to attach to), follows its events file until its outcome, then asks the
 * merge question here: the runner cannot ask, so it keeps the branch (no terminal), and a Merge answer merges
 * in this window (merging is short). Stop sends it SIGINT; it pauses the session itself.
 */
export async function runDetached(
  launch: Extract<Launch, { kind: 'detached' | 'attach' }>,
  t: Tracking,
  listener: (e: EngineEvent) => void,
  host: RunnerHost,
): Promise<RunOutcome> {
  const { manager } = launch;
  const settings = readSettings();
  let file: string;
  let exited: Promise<unknown> | undefined;
  let output: string | undefined;
  if (launch.kind === 'detached') {
    const runner = startRunner(
      host.cli,
      manager.paths,
      [...launch.args, ...runnerFlags(settings)],
      runnerEnv(settings),
      launch.sessionId,
      launch.cwd,
    );
    t.runner = runner.pid;
    file = runner.eventsFile;
    exited = runner.exited;
    output = runner.outputFile;
  } else file = eventsFileOf(manager.paths, launch.sessionId);
  const pid = t.runner!;
  t.abort.signal.addEventListener('abort', () => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      /* it ended */
    }
  });
  // The runner writes the record in another process: the tree learns of it from the sessions folder's watcher,
  // which a home created by this very run does not have yet, and which is debounced. So before a batch of
  // events that come with a record write is shown, the record is re-read (at most every RESCAN_MS): the row's
  // progress is then as current as the live state the events bring, as in an in-window run. A last rescan
  // follows RECORD_LAG_MS after, for the write the progress recorder holds back.
  // Only this run's record is re-read once its id is known (not the whole folder, at most every RESCAN_MS).
  const rescan = () => {
    const id = t.current?.sessionId ?? launch.sessionId;
    return (id ? manager.refreshSessions([id]) : manager.listSessions({ limit: 0 })).then(
      () => undefined,
      () => undefined,
    );
  };
  let lastRescan = 0;
  let trailing: NodeJS.Timeout | undefined;
  const beforeBatch = async (batch: EngineEvent[]) => {
    if (!batch.some((e) => RECORD_EVENTS.has(e.type))) return;
    clearTimeout(trailing);
    trailing = setTimeout(() => void rescan(), RECORD_LAG_MS);
    // Within RESCAN_MS of the last one, the batch waits for the next (the order is what keeps the row right).
    const wait = lastRescan + RESCAN_MS - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastRescan = performance.now();
    await rescan();
  };
  let end: RunnerOutcome | undefined;
  try {
    end = await follow(file, pid, listener, beforeBatch, host.closing, exited);
  } finally {
    clearTimeout(trailing);
  }
  await manager.listSessions({ limit: 0 }).catch(() => undefined);
  const id = end?.outcome.sessionId ?? t.current?.sessionId ?? launch.sessionId;
  if (!end) {
    // It ended without an outcome: refused before it began (the workflow file, a Completed session, another
    // process holding it), in its own words, as the in-process engine throws; or killed, then the record says.
    const refusal = output ? runnerError(outputTail(output, 5)) : null;
    if (refusal || !id) {
      if (id) removeQuietly(eventsFileOf(manager.paths, id));
      removeQuietly(file);
      throw new Error(refusal ?? 'The Prodigy runner ended before the run started');
    }
  }
  const outcome = end?.outcome ?? (await outcomeFromRecord(manager, id!));
  // Of several windows following one run, one says how it ended and asks about the merge: the one that takes
  // its events file away.
  const claimed = claim(eventsFileOf(manager.paths, id!)) || claim(file);
  // The runner's own output is kept only when it ended without an outcome (to see why).
  if (output && end) removeQuietly(output);
  if (!claimed && launch.kind === 'attach') throw new WindowClosed('another window finished this run');
  if (outcome.status === 'Completed' && outcome.merge?.status === 'kept' && settings.merge === 'ask')
    outcome.merge = await mergeAfterRunner(manager, outcome.merge, t.request, id!, listener, host.confirmMerge);
  return outcome;
}

/** Reads the events file as it grows until the outcome line, or until the runner is gone. */
async function follow(
  file: string,
  pid: number,
  listener: (e: EngineEvent) => void,
  beforeBatch: (events: EngineEvent[]) => Promise<void>,
  closing: () => boolean,
  exited?: Promise<unknown>,
): Promise<RunnerOutcome | undefined> {
  let gone = false;
  void exited?.then(() => (gone = true));
  const tail = new EventsTail(file);
  try {
    for (;;) {
      if (closing()) throw new WindowClosed('the window closed');
      // Read once more after the runner is gone: its last lines may have come after the previous read.
      const last = gone || !processAlive(pid);
      const lines = tail.read();
      const events = lines.filter((l): l is EngineEvent => l.type !== 'runner-outcome');
      await beforeBatch(events);
      events.forEach(listener);
      const outcome = lines.find((l): l is RunnerOutcome => l.type === 'runner-outcome');
      if (outcome) return outcome;
      if (last) return undefined;
      await new Promise((resolve) => setTimeout(resolve, EVENTS_POLL_MS));
    }
  } finally {
    tail.close();
  }
}

async function mergeAfterRunner(
  manager: SessionManager,
  kept: Extract<MergeOutcome, { status: 'kept' }>,
  request: RunRequest,
  sessionId: string,
  listener: (e: EngineEvent) => void,
  confirmMerge: ConfirmMerge,
): Promise<MergeOutcome> {
  const decision = await confirmMerge(request, { sessionId, ...kept });
  if (decision !== 'merge') return kept;
  const { claude, mergeConflicts } = readSettings();
  try {
    return await mergeSession({ manager, sessionId, claude, mergeConflicts, listener });
  } catch (err) {
    return {
      status: 'failed',
      branch: kept.branch,
      target: kept.target,
      commits: kept.commits,
      message: String(err),
    };
  }
}

/** A runner that ended without its outcome line (killed): the outcome as its record has it. */
async function outcomeFromRecord(manager: SessionManager, id: string): Promise<RunOutcome> {
  const s = await manager.getSession(id);
  const worktree = typeof s.metadata.worktree_path === 'string' ? s.metadata.worktree_path : null;
  const recorded = s.metadata.merge as (MergeOutcome & { at?: string }) | undefined;
  const merge = recorded && typeof recorded === 'object' && 'status' in recorded ? withoutAt(recorded) : undefined;
  return {
    sessionId: id,
    status: s.status,
    error: s.error ?? null,
    worktree,
    logFile: manager.paths.sessionLogFile(id),
    ...(merge ? { merge } : {}),
  };
}

function withoutAt(m: MergeOutcome & { at?: string }): MergeOutcome {
  const { at: _at, ...rest } = m;
  return rest as MergeOutcome;
}

/** Takes an events file away (renamed, then removed): true for the one caller that got it. */
function claim(file: string): boolean {
  const taken = `${file}.${process.pid}.done`;
  try {
    fs.renameSync(file, taken);
  } catch {
    return false;
  }
  removeQuietly(taken);
  return true;
}

export function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return false;
  }
}
