// How a session's status reads, in the tree's words: a row's description and every session picker say the same
// thing ("Interrupted" for a run whose process is gone, not the "Running" its record still says).
import { livenessStatus, truncate, type Liveness, type SessionSummary } from '../../core';

/** What the window knows of a session beyond its record: who runs it, and a retry of its items going on here. */
export interface SessionState {
  /** For a Running session: a process runs it here, elsewhere, or none does any more (interrupted). */
  readonly liveness?: Liveness;
  /** A retry of its failed items runs in this window (its record keeps its status meanwhile). */
  readonly retrying?: boolean;
  /** Its reduce phase runs again in this window (after a retry; its record keeps its status meanwhile). */
  readonly reducing?: boolean;
}

/** Running with no process behind it (a crash, a closed window): shown as Interrupted, resumable. */
export function isInterrupted(state: SessionState): boolean {
  return state.liveness === 'interrupted';
}

/** "Interrupted", "Running (another process)", "Paused (Claude budget reached)", "Completed · merged into main"… */
export function sessionStatusText(s: SessionSummary, state: SessionState = {}): string {
  const word = livenessStatus(s, state.liveness);
  if (word !== s.status) return word;
  if (state.reducing) return 'Running · reduce phase again';
  if (state.retrying) return 'Running · retrying failed items';
  if (state.liveness === 'elsewhere' && s.status === 'Running') return 'Running (another process)';
  if (s.status === 'Paused' && s.error) return `Paused (${pauseReason(s.error)})`;
  if (s.outcome.detail) return `${s.status} · ${s.outcome.detail}`;
  return s.status;
}

/** `foreach 3/10`: how many items of the running foreach step are finished, in a row and the status bar. */
export function foreachText(foreach: { done: number; total: number }): string {
  return `foreach ${foreach.done}/${foreach.total}`;
}

/** Why a session paused, short enough for its row: the reason's first clause (`Claude budget reached`). */
function pauseReason(error: string): string {
  const clause = error.split('\n')[0].split(/[:(]/)[0].trim();
  return truncate(clause || error, 40);
}
