// `events ls|follow|export` (and, in eventsQuery.ts, `stats|search`): Prodigy's event log (H/events/{repo}/{job}/events-*.jsonl, written by every run, resume
// and dlq retry), read loosely: files from other Prodigy versions may hold lines of other shapes, and the last line
// of a file a run is writing may be cut short, so a line that is not an event is counted, never fatal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  durationSeconds,
  eventFilesForJob,
  eventsRoot,
  eventTypeKey,
  EVENT_TYPES,
  listEventFiles,
  ProdigyError,
  readEvents,
  readEventsFrom,
  writeFileAtomicSync,
  type EventFileRef,
  type EventFilter,
  type EventRecord,
  type ReadEvent,
  type SessionManager,
} from '../../core';
import { jsonText } from '../terminalText';
import { plural } from '../format';
import { printJson, UsageError, type Io } from '../io';
import { stopOnInterrupt } from '../stdio';

export interface EventSelection {
  jobId?: string;
  type?: string;
  eventType?: string;
  since?: number;
  agentId?: string;
  file?: string;
}

/** Prodigy's `events ls` shows the last 100 unless told otherwise. */
const DEFAULT_LIMIT = 100;
const POLL_MS = 200;

/** `events ls`: one readable line per event, oldest first (the newest `--limit`). */
export async function eventsList(
  manager: SessionManager,
  io: Io,
  flags: EventSelection & { json: boolean; limit?: number; outputFormat?: 'human' | 'table' | 'json' },
): Promise<number> {
  const filter = filterOf(flags);
  const refs = await selectFiles(manager, flags);
  const { events, unreadable } = readEvents(refs, filter);
  const limit = flags.limit ?? DEFAULT_LIMIT;
  const shown = events.slice(Math.max(0, events.length - limit));
  if (flags.json || flags.outputFormat === 'json') {
    printJson(io, { events: shown.map((e) => e.record), total: events.length, unreadable_lines: unreadable });
    return 0;
  }
  if (refs.length === 0) io.out(`No events yet: runs write them to ${eventsRoot(manager.home)} as they go.`);
  else if (events.length === 0) io.out(`No events match (${plural(refs.length, 'events file')} read).`);
  for (const e of shown) io.out(eventLine(e));
  if (shown.length < events.length)
    io.out(`(the last ${shown.length} of ${events.length} events; --limit N shows more)`);
  noteUnreadable(io, unreadable);
  return 0;
}

/**
 * `events follow`: the events there are, then each new one as it is appended (new files too: a resume, another
 * job), until Ctrl-C, like tail -f. A line still being written is held back until its newline arrives.
 */
export async function eventsFollow(manager: SessionManager, io: Io, flags: EventSelection): Promise<number> {
  const filter = filterOf(flags);
  // Checked now, so an unknown job id is one line, not a silent wait.
  await selectFiles(manager, flags);
  // Ctrl-C, or a reader that went away (`… | head`), ends the follow quietly.
  const interrupt = stopOnInterrupt();
  const offsets = new Map<string, number>();
  let unreadable = 0;
  try {
    io.err(`Following ${flags.file ?? describeWhere(manager, flags.jobId)} (Ctrl-C stops)`);
    let first = true;
    while (!interrupt.signal.aborted) {
      const refs = await selectFiles(manager, flags);
      const batch: ReadEvent[] = [];
      for (const ref of refs) {
        const r = readEventsFrom(ref, offsets.get(ref.file) ?? 0, filter, (e) => batch.push(e), false);
        offsets.set(ref.file, r.offset);
        unreadable += r.unreadable;
      }
      // What was there before the follow began, in time order across files; after that, in the order found.
      if (first) batch.sort((a, b) => Date.parse(a.record.timestamp) - Date.parse(b.record.timestamp));
      first = false;
      for (const e of batch) io.out(eventLine(e));
      await sleep(POLL_MS, interrupt.signal);
    }
    noteUnreadable(io, unreadable);
    return 0;
  } finally {
    interrupt.dispose();
  }
}

/** `events export`: the events as JSON (an array), JSONL, CSV or a Markdown table; to stdout or --output FILE. */
export async function eventsExport(
  manager: SessionManager,
  io: Io,
  flags: EventSelection & { format?: 'json' | 'jsonl' | 'csv' | 'markdown'; output?: string },
): Promise<number> {
  const filter = filterOf(flags);
  const refs = await selectFiles(manager, flags);
  const { events, unreadable } = readEvents(refs, filter);
  const records = events.map((e) => e.record);
  const format = flags.format ?? formatFromName(flags.output) ?? 'json';
  const text = render(records, format);
  if (flags.output) {
    const out = path.resolve(flags.output);
    if (fs.statSync(out, { throwIfNoEntry: false })?.isDirectory())
      throw new UsageError(`--output ${flags.output} is a folder; name a file`, 'events export');
    writeFileAtomicSync(out, text);
    io.err(`Wrote ${plural(events.length, 'event')} to ${out} (${format})`);
  } else (io.data ?? io.out)(text.replace(/\n$/, ''));
  noteUnreadable(io, unreadable);
  return 0;
}

// ---- selecting ---------------------------------------------------------------------------

export function filterOf(flags: EventSelection): EventFilter {
  if (
    flags.type !== undefined &&
    flags.eventType !== undefined &&
    eventTypeKey(flags.type) !== eventTypeKey(flags.eventType)
  )
    throw new UsageError(`--type ${flags.type} and --event-type ${flags.eventType} disagree; give one`);
  const type = flags.type ?? flags.eventType;
  if (type !== undefined && !EVENT_TYPES.some((t) => eventTypeKey(t) === eventTypeKey(type)))
    throw new UsageError(
      `--type ${type} is not an event type; one of: ${EVENT_TYPES.join(', ')} (Prodigy's AgentFailed spelling works too)`,
    );
  return { type, since: flags.since, agentId: flags.agentId };
}

export async function selectFiles(manager: SessionManager, flags: EventSelection): Promise<EventFileRef[]> {
  if (flags.file !== undefined) {
    const file = path.resolve(flags.file);
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new ProdigyError(`No events file ${file}`);
    return [{ repo: '', job: path.basename(path.dirname(file)), file }];
  }
  if (flags.jobId === undefined) return listEventFiles(manager.home);
  // A MapReduce session's id finds its job's events too.
  return eventFilesForJob(manager.home, flags.jobId, async (id) => {
    try {
      return (await manager.getSession(id)).mapreduce_data?.job_id ?? null;
    } catch {
      return null;
    }
  });
}

function describeWhere(manager: SessionManager, jobId: string | undefined): string {
  const root = eventsRoot(manager.home);
  return jobId ? `the events of job ${jobId} in ${root}` : `every job's events in ${root}`;
}

// ---- one line per event ------------------------------------------------------------------

/** `2026-12-06 14:08:40  agent_failed        mapreduce-…-fbf506df  agent_1 item_1  Step 'shell: …' failed …`. */
export function eventLine(e: ReadEvent): string {
  const ev = e.record.event;
  const job = str(ev.job_id) ?? e.job;
  const agent = str(ev.agent_id);
  const who = [agent && job ? agent.replace(`${job}_`, '') : agent, str(ev.item_id)].filter(Boolean).join(' ');
  return [localTime(e.record.timestamp), ev.event_type.padEnd(20), job || '-', who || '-', details(ev)]
    .filter((part) => part !== '')
    .join('  ');
}

/** The numbers that matter for each kind of event; any other kind: its scalar fields. */
function details(ev: EventRecord['event']): string {
  const n = (k: string) => (typeof ev[k] === 'number' ? (ev[k] as number) : null);
  const secs = (k: string) => {
    const s = durationSeconds(ev[k]);
    return s === null ? null : s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
  };
  const parts: (string | null)[] = [];
  switch (ev.event_type) {
    case 'job_started':
      // 0 while a MapReduce job's items are not loaded yet (they load after setup).
      // A standard run is a job whose items are its steps (its config has no input).
      parts.push(
        str(ev.workflow_name),
        n('total_items')
          ? plural(n('total_items') ?? 0, str((ev.config as { input?: unknown })?.input) ? 'item' : 'step')
          : null,
      );
      break;
    case 'job_completed':
      parts.push(secs('duration'), `${n('success_count') ?? 0} ok`, `${n('failure_count') ?? 0} failed`);
      break;
    case 'job_failed':
      parts.push(str(ev.error), n('partial_results') !== null ? `${n('partial_results')} done` : null);
      break;
    case 'job_paused':
      parts.push(`checkpoint ${n('checkpoint_version') ?? '?'}`, str(ev.reason));
      break;
    case 'job_resumed':
      parts.push(`checkpoint ${n('checkpoint_version') ?? '?'}`, `${n('pending_items') ?? '?'} pending`);
      break;
    case 'agent_started':
      parts.push(`attempt ${n('attempt') ?? 1}`);
      break;
    case 'agent_completed':
      parts.push(secs('duration'), Array.isArray(ev.commits) ? `${ev.commits.length} commits` : null);
      break;
    case 'agent_failed':
      parts.push(str(ev.error), ev.retry_eligible === true ? '(runs again)' : null);
      break;
    case 'agent_retrying':
      parts.push(`attempt ${n('attempt') ?? '?'}`, n('backoff_ms') !== null ? `in ${n('backoff_ms')}ms` : null);
      break;
    case 'checkpoint_created':
      parts.push(
        `v${n('version') ?? '?'}`,
        str(ev.label) ?? str(ev.step),
        n('agents_completed') ? `${n('agents_completed')} agents done` : null,
      );
      break;
    case 'd_l_q_item_added':
    case 'dlq_item_added':
      parts.push(
        `failures ${n('failure_count') ?? '?'}`,
        str(ev.error_signature) && `signature ${str(ev.error_signature)}`,
      );
      break;
    case 'claude_token_usage':
      parts.push(
        `in ${n('input_tokens') ?? 0}`,
        `out ${n('output_tokens') ?? 0}`,
        `cache ${n('cache_tokens') ?? 0}`,
        n('cost_usd') !== null ? `$${n('cost_usd')!.toFixed(2)}` : null,
      );
      break;
    default:
      for (const [k, v] of Object.entries(ev))
        if (!['event_type', 'job_id', 'agent_id', 'item_id'].includes(k) && v !== null && typeof v !== 'object')
          parts.push(`${k} ${String(v)}`);
  }
  return parts.filter((p): p is string => !!p).join(' · ');
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** `2026-12-06 14:08:40` in the local zone (the record's own text when it is not a time). */
function localTime(ts: string): string {
  const t = new Date(ts);
  if (Number.isNaN(t.getTime())) return ts;
  const p = (x: number) => String(x).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;
}

// ---- export formats ----------------------------------------------------------------------

function formatFromName(file: string | undefined): 'json' | 'jsonl' | 'csv' | 'markdown' | null {
  const ext = file ? path.extname(file).toLowerCase() : '';
  return ext === '.jsonl' ? 'jsonl' : ext === '.csv' ? 'csv' : ext === '.md' ? 'markdown' : null;
}

const COLUMNS = ['timestamp', 'event_type', 'job_id', 'agent_id', 'item_id', 'details'] as const;

function columnsOf(r: EventRecord): string[] {
  const { event_type, job_id, agent_id, item_id, ...rest } = r.event;
  const cell = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
  return [r.timestamp, event_type, cell(job_id), cell(agent_id), cell(item_id), JSON.stringify(rest)];
}

function render(records: EventRecord[], format: 'json' | 'jsonl' | 'csv' | 'markdown'): string {
  switch (format) {
    case 'json':
      return `${jsonText(records)}\n`;
    case 'jsonl':
      return records.map((r) => `${JSON.stringify(r)}\n`).join('');
    case 'csv': {
      const quote = (c: string) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
      return [COLUMNS.join(','), ...records.map((r) => columnsOf(r).map(quote).join(','))].join('\n') + '\n';
    }
    case 'markdown': {
      const cell = (c: string) => c.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
      return (
        [
          `| ${COLUMNS.join(' | ')} |`,
          `|${COLUMNS.map(() => '---').join('|')}|`,
          ...records.map((r) => `| ${columnsOf(r).map(cell).join(' | ')} |`),
        ].join('\n') + '\n'
      );
    }
  }
}

// ---- small things ------------------------------------------------------------------------

export function noteUnreadable(io: Io, count: number): void {
  if (count > 0)
    io.err(`${plural(count, 'line')} could not be read (not an event record: another tool's or cut short); skipped`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
