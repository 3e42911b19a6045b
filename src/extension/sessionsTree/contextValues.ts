// contextValue tokens: `kind;status;capability…`, matched in package.json with `viewItem =~ /;resumable;/`.
import { isResumable, type CheckpointSummary, type SessionSummary } from '../../core';

/** For Running sessions: is a process running it, here or elsewhere, or was it interrupted (gone)? */
export type Liveness = 'here' | 'elsewhere' | 'interrupted' | 'unknown';

export function sessionContextValue(s: SessionSummary, liveness?: Liveness): string {
  const tokens = ['session', s.status.toLowerCase(), s.session_type.toLowerCase()];
  const active = s.status === 'Running' || s.status === 'Initializing';
  const interrupted = active && liveness === 'interrupted';
  if (isResumable(s.status) || interrupted) tokens.push('resumable');
  if (active) tokens.push('active');
  if (active && (liveness === 'here' || liveness === 'elsewhere')) tokens.push('live');
  if (s.status === 'Paused' || interrupted) tokens.push('cancellable');
  if (!active || interrupted) tokens.push('deletable');
  if (s.worktree_name) tokens.push('worktree');
  if (s.status === 'Completed' && s.worktree_name) tokens.push('mergeable');
  return tokens.join(';') + ';';
}

export function checkpointContextValue(c: CheckpointSummary): string {
  if (c.kind !== 'session') return 'checkpoint;workflow-file;';
  return `checkpoint;restorable;${c.commit ? 'commit;' : ''}`;
}

export const UNREADABLE_CONTEXT = 'unreadable;';
export const LOAD_MORE_CONTEXT = 'loadMore;';
export const MESSAGE_CONTEXT = 'message;';
