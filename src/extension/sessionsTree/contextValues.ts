// contextValue tokens: `kind;status;capability…`, matched in package.json with `viewItem =~ /;resumable;/`.
// `claude`: the row has a Claude transcript to show; `claude-resumable`: its Claude Code session can be
// continued (`claude --resume`). `awaiting`: the end-of-run merge question waits for an answer (inline Merge, Keep,
// Discard). A merged or discarded session has no branch left to act on: no `worktree`, `mergeable`, `discardable`.
import { isResumable, type CheckpointSummary, type Liveness, type SessionSummary } from '../../core';

export function sessionContextValue(
  s: SessionSummary,
  liveness?: Liveness,
  /** The session's last Claude call printed a Claude Code session id (read from its record). */
  claudeSession = false,
  /** This window runs part of it again (its failed items, its reduce phase): its record keeps its status. */
  runningAgain = false,
): string {
  const tokens = ['session', s.status.toLowerCase(), s.session_type.toLowerCase()];
  // Running again, it is a live run: stopped, not deleted, merged, discarded or retried meanwhile.
  const active = s.status === 'Running' || s.status === 'Initializing' || runningAgain;
  const interrupted = active && !runningAgain && liveness === 'interrupted';
  const live = runningAgain || (active && (liveness === 'here' || liveness === 'elsewhere'));
  // A run a process owns right now is stopped, not resumed (resuming it would be refused).
  if ((isResumable(s.status) && !live) || interrupted) tokens.push('resumable');
  if (active) tokens.push('active');
  if (live) tokens.push('live');
  // Abandon (final): what the transition table lets go to Cancelled and no process runs now.
  if (s.status === 'Paused' || interrupted) tokens.push('abandonable');
  if (!active || interrupted) tokens.push('deletable');
  const settled = s.outcome.kind === 'merged' || s.outcome.kind === 'discarded';
  if (s.worktree_name && !settled) tokens.push('worktree');
  if (s.status === 'Completed' && s.worktree_name && !settled && !active) tokens.push('mergeable', 'discardable');
  if (s.status === 'Completed' && s.outcome.awaiting && !active) tokens.push('awaiting');
  if (s.mapreduce && s.mapreduce.failed_items > 0 && !(active && !interrupted)) tokens.push('hasfailed');
  if (s.cost_usd !== null) tokens.push('claude');
  // Continuing in Claude Code is for a session that stopped: a running one has Claude at work already.
  if (claudeSession && !runningAgain && (s.status === 'Failed' || s.status === 'Paused'))
    tokens.push('claude-resumable');
  return tokens.join(';') + ';';
}

export function checkpointContextValue(c: CheckpointSummary): string {
  if (c.kind !== 'session') return 'checkpoint;workflow-file;';
  return `checkpoint;restorable;${c.commit ? 'commit;' : ''}${c.json_log_location ? 'claude;' : ''}`;
}

/** The "Undone (N)" row grouping the checkpoints a restore went back past. */
export const UNDONE_GROUP_CONTEXT = 'undone;';
export const AGENT_CONTEXT = 'agent;';

/**
 * A failed item; `retryable` unless its job runs now (Retry This Item would be refused), `claude` when its last
 * attempt kept a Claude stream.
 */
export function deadLetterContextValue(claude: boolean, retryable = true): string {
  return `dlq;${retryable ? 'retryable;' : ''}${claude ? 'claude;' : ''}`;
}
export const UNREADABLE_CONTEXT = 'unreadable;';
export const LOAD_MORE_CONTEXT = 'loadMore;';
export const MESSAGE_CONTEXT = 'message;';
