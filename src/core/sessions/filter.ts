import type { SessionStatus, SessionType } from '../model/session';
import type { OutcomeKind } from './outcome';
import { startedAtMs, type SessionSummary } from './summary';

export interface SessionFilter {
  status?: SessionStatus | readonly SessionStatus[];
  type?: SessionType;
  /** Inclusive bounds on `started_at`. */
  after?: Date;
  before?: Date;
  worktree?: string;
  /** Only sessions that ended so (NOT_MERGED: the ones whose work is still on their branch). */
  outcome?: OutcomeKind | readonly OutcomeKind[];
  /** Case-insensitive match on id, workflow name and path, worktree and error. */
  text?: string;
  limit?: number;
  offset?: number;
}

export function matchesFilter(s: SessionSummary, f: SessionFilter): boolean {
  if (f.status !== undefined) {
    const wanted = Array.isArray(f.status) ? f.status : [f.status];
    if (!wanted.includes(s.status)) return false;
  }
  if (f.type && s.session_type !== f.type) return false;
  if (f.after && startedAtMs(s) < f.after.getTime()) return false;
  if (f.before && startedAtMs(s) > f.before.getTime()) return false;
  if (f.worktree && s.worktree_name !== f.worktree) return false;
  if (f.outcome !== undefined) {
    const wanted: readonly OutcomeKind[] = typeof f.outcome === 'string' ? [f.outcome] : f.outcome;
    if (!wanted.includes(s.outcome.kind)) return false;
  }
  if (f.text) {
    const needle = f.text.toLowerCase();
    const hay = [s.id, s.workflow_name, s.workflow_path ?? '', s.worktree_name ?? '', s.error ?? '', s.status];
    if (!hay.some((h) => h.toLowerCase().includes(needle))) return false;
  }
  return true;
}
