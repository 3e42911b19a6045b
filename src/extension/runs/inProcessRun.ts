// A run whose engine runs here, in the extension host (`prodigy.runs.detached` off): the engine gets the
// window's Claude and merge settings, asks its merge question through the run's request, and stops when the
// run's AbortController aborts (the session is left Paused). Closing the window stops it too.
import type { EngineEvent, RunOutcome } from '../../core';
import { readSettings } from '../config';
import type { ConfirmMerge, Launch, Tracking } from './activeRun';

export function runInProcess(
  launch: Extract<Launch, { kind: 'in-process' }>,
  t: Tracking,
  listener: (e: EngineEvent) => void,
  confirmMerge: ConfirmMerge,
): Promise<RunOutcome> {
  const { claude, merge, mergeConflicts } = readSettings();
  return launch.start({
    claude,
    merge,
    mergeConflicts,
    confirmMerge: (q) => confirmMerge(t.request, q),
    listener,
    signal: t.abort.signal,
  });
}
