// The one transition table. Every status change goes through `assertTransition`.
import { IllegalTransitionError } from '../errors';
import type { SessionStatus } from '../model/session';

export const TRANSITIONS: Readonly<Record<SessionStatus, readonly SessionStatus[]>> = {
  // Setup (worktree, first write) can fail or be cancelled before the first step runs.
  Initializing: ['Running', 'Failed', 'Cancelled'],
  Running: ['Paused', 'Completed', 'Failed', 'Cancelled'],
  Paused: ['Running', 'Cancelled'],
  // A failed run resumes once the user has fixed the cause.
  Failed: ['Running'],
  Completed: [],
  Cancelled: [],
};

export const TERMINAL_STATUSES: readonly SessionStatus[] = ['Completed', 'Failed', 'Cancelled'];
export const ACTIVE_STATUSES: readonly SessionStatus[] = ['Initializing', 'Running', 'Paused'];

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(sessionId: string, from: SessionStatus, to: SessionStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(sessionId, from, to);
}

export function isTerminal(status: SessionStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Resumable as Prodigy's CLI sees it: everything but Completed and Cancelled (prodigy-formats §3). */
export function isResumable(status: SessionStatus): boolean {
  return status === 'Paused' || status === 'Failed' || status === 'Running' || status === 'Initializing';
}

/**
 * Restoring a checkpoint is a rewind, not a step of the lifecycle: the session goes back to
 * that checkpoint's state and waits, Paused, for a resume. Allowed whenever no run owns it.
 */
export const RESTORABLE_FROM: readonly SessionStatus[] = ['Paused', 'Failed', 'Completed', 'Cancelled'];
