// contextValue tokens: `kind;status;capability…`, matched in package.json with `viewItem =~ /;resumable/`.
import { isResumable, type SessionSummary } from '../../core';

export function sessionContextValue(s: SessionSummary): string {
  const tokens = ['session', s.status.toLowerCase(), s.session_type.toLowerCase()];
  if (isResumable(s.status)) tokens.push('resumable');
  if (s.status === 'Running' || s.status === 'Initializing') tokens.push('active');
  if (s.status !== 'Running' && s.status !== 'Initializing') tokens.push('deletable');
  return tokens.join(';') + ';';
}

export const CHECKPOINT_CONTEXT = {
  session: 'checkpoint;restorable;',
  workflowFile: 'checkpoint;workflow-file;',
} as const;

export const UNREADABLE_CONTEXT = 'unreadable;';
export const LOAD_MORE_CONTEXT = 'loadMore;';
export const MESSAGE_CONTEXT = 'message;';
