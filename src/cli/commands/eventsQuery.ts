// `events stats` and `events search`: Prodigy's event log counted by type, job or agent, and searched with a
// regular expression (over the whole record, or some of the event's fields), with the selection the other events
// commands take (--job-id, --type, --since, --agent-id, --file).
import { readEvents, type ReadEvent, type SessionManager } from '../../core';
import { plural, table } from '../format';
import { printJson, UsageError, type Io } from '../io';
import { eventLine, filterOf, noteUnreadable, selectFiles, type EventSelection } from './events';

export async function eventsStats(
  manager: SessionManager,
  io: Io,
  flags: EventSelection & { groupBy?: 'event_type' | 'job_id' | 'agent_id'; json: boolean },
): Promise<number> {
  const groupBy = flags.groupBy ?? 'event_type';
  const refs = await selectFiles(manager, flags);
  const { events, unreadable } = readEvents(refs, filterOf(flags));
  const groups = new Map<string, { count: number; first: string; last: string }>();
  for (const e of events) {
    const key = groupOf(e, groupBy);
    const g = groups.get(key);
    if (!g) groups.set(key, { count: 1, first: e.record.timestamp, last: e.record.timestamp });
    else {
      g.count++;
      g.last = e.record.timestamp;
    }
  }
  const rows = [...groups.entries()].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
  if (flags.json) {
    printJson(io, {
      group_by: groupBy,
      total: events.length,
      groups: rows.map(([key, g]) => ({ [groupBy]: key, count: g.count, first: g.first, last: g.last })),
      unreadable_lines: unreadable,
    });
    return 0;
  }
  if (events.length === 0) io.out(`No events match (${plural(refs.length, 'events file')} read).`);
  else {
    io.out(
      table(
        [groupBy.toUpperCase(), 'EVENTS', 'FIRST', 'LAST'],
        rows.map(([key, g]) => [key, String(g.count), g.first.slice(0, 19), g.last.slice(0, 19)]),
      ),
    );
    io.out(`\n${plural(events.length, 'event')} in ${plural(refs.length, 'events file')}`);
  }
  noteUnreadable(io, unreadable);
  return 0;
}

/** Events of no agent (the job's own, checkpoints) are counted under `(no agent)`. */
function groupOf(e: ReadEvent, by: 'event_type' | 'job_id' | 'agent_id'): string {
  const ev = e.record.event;
  if (by === 'event_type') return ev.event_type;
  if (by === 'job_id') return typeof ev.job_id === 'string' ? ev.job_id : e.job;
  return typeof ev.agent_id === 'string' ? ev.agent_id : '(no agent)';
}

export async function eventsSearch(
  manager: SessionManager,
  io: Io,
  pattern: string,
  flags: EventSelection & { fields?: string[]; limit?: number; json: boolean },
): Promise<number> {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'i');
  } catch (err) {
    throw new UsageError(`<pattern> is not a regular expression: ${(err as Error).message}`, 'events search');
  }
  const refs = await selectFiles(manager, flags);
  const { events, unreadable } = readEvents(refs, filterOf(flags));
  const hits = events.filter((e) => searched(e, flags.fields).some((text) => re.test(text)));
  const shown = flags.limit === undefined ? hits : hits.slice(Math.max(0, hits.length - flags.limit));
  if (flags.json) {
    printJson(io, { events: shown.map((e) => e.record), total: hits.length, unreadable_lines: unreadable });
    return 0;
  }
  if (hits.length === 0) io.out(`No event matches /${pattern}/i (${plural(events.length, 'event')} searched).`);
  for (const e of shown) io.out(eventLine(e));
  if (shown.length < hits.length) io.out(`(the last ${shown.length} of ${hits.length} matches)`);
  noteUnreadable(io, unreadable);
  return 0;
}

/** The texts a search looks in: the whole record as JSON, or the named fields of its event (as text). */
function searched(e: ReadEvent, fields: string[] | undefined): string[] {
  if (!fields) return [JSON.stringify(e.record)];
  const ev = e.record.event as Record<string, unknown>;
  return fields
    .filter((f) => ev[f] !== undefined && ev[f] !== null)
    .map((f) => (typeof ev[f] === 'string' ? (ev[f] as string) : JSON.stringify(ev[f])));
}
