// contextValue tokens: `kind;status;capability…`, matched in package.json with `viewItem =~ /;resumable;/`.
import { isResumable, type CheckpointSummary, type SessionSummary } from '../../core';

/** For Running sessions: is a process running it, here or elsewhere, or was it interrupted (gone)? */
export type Liveness = 'here' | 'elsewhere' | 'interrupted' | 'unknown';

export function sessionContextValue(s: SessionSummary, liveness?: Liveness): string {
  const tokens = ['session', s.status.toLowerCase(), s.session_type.toLowerCase()];
  const active = s.status === 'Running' || s.status === 'Initializing';
  const interrupted = active && liveness === 'interrupted';
  const live = active && (liveness === 'here' || liveness === 'elsewhere');
  // A run a process owns right now is stopped, not resumed (resuming it would be refused).
  if ((isResumable(s.status) && !live) || interrupted) tokens.push('resumable');
  if (active) tokens.push('active');
  if (live) tokens.push('live');
  if (s.status === 'Paused' || interrupted) tokens.push('cancellable');
  if (!active || interrupted) tokens.push('deletable');
  if (s.worktree_name) tokens.push('worktree');
  if (s.status === 'Completed' && s.worktree_name) tokens.push('mergeable');
  if (s.mapreduce && s.mapreduce.failed_items > 0 && !(active && !interrupted)) tokens.push('hasfailed');
  return tokens.join(';') + ';';
}

export function checkpointContextValue(c: CheckpointSummary): string {
  if (c.kind !== 'session') return 'checkpoint;workflow-file;';
  return `checkpoint;restorable;${c.commit ? 'commit;' : ''}`;
}

export const AGENT_CONTEXT = 'agent;';
export const DLQ_CONTEXT = 'dlq;';
export const UNREADABLE_CONTEXT = 'unreadable;';
export const LOAD_MORE_CONTEXT = 'loadMore;';
export const MESSAGE_CONTEXT = 'message;';
