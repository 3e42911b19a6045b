// How messages, pickers and tab titles name a session (`"fix-tests" (started 14:02)`) and count its commits,
// and how they count anything else (`1 item`, `3 items`).
import { plural } from '../../core';
export { plural };
/**
 * What a message calls a session: its workflow and start time (`"fix-tests" (started 14:02)`). A record carries
 * the name in `workflow_data`, a listing's summary in `workflow_name`: either will do.
 */
export interface SessionWords {
  readonly id: string;
  readonly started_at: string;
  readonly workflow_data?: { readonly workflow_name: string } | null;
  readonly workflow_name?: string;
  /** A MapReduce record has no workflow_data: its name is `metadata.workflow_name`. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A session as messages, pickers and tab titles name it: `"fix-tests" (started 14:02)`. */
export function describeSession(s: SessionWords): string {
  return sessionWords(s);
}

/** "1 commit", "3 new commits". */
export function commits(n: number, adjective = ''): string {
  return plural(n, `${adjective}commit`);
}

/** A session log's tab title from `describeSession`: `fix-tests (started 14:02)`, without the quotes. */
export function logTitle(who: string): string {
  return who.replace(/^"(.*)"( |$)/, '$1$2');
}

export function sessionWords(s: SessionWords): string {
  const kept = s.metadata?.workflow_name;
  const name = `"${s.workflow_data?.workflow_name || s.workflow_name || (typeof kept === 'string' && kept) || s.id}"`;
  const started = new Date(s.started_at);
  if (Number.isNaN(started.getTime())) return name;
  const time = started.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const today = started.toDateString() === new Date().toDateString();
  const day = today ? '' : `${started.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} `;
  return `${name} (started ${day}${time})`;
}
