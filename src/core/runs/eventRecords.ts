// Prodigy's event log (prodigy-formats §9.4): H/events/{repo}/{id}/events-{YYYYMMDD_HHMMSS}.jsonl, one EventRecord
// per line. This module is its shape, its place, and reading it back; runs/eventLog.ts writes it. Reading is
// loose: the files may come from other Prodigy versions, or end in a line a crash cut short, so a line that is not
// a record is counted, never fatal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { ProdigyError } from '../errors';
import { isSafeId } from '../storage/ids';
import { readLinesFrom } from '../storage/fileTail';

/**
 * One line: `{id, timestamp, correlation_id, event: {event_type, …}, metadata?}`. `event_type` is serde's
 * snake_case of Prodigy's variant (`job_started`, `agent_failed`, `d_l_q_item_added` …).
 */
export interface EventRecord {
  id: string;
  timestamp: string;
  correlation_id: string;
  event: { event_type: string; [field: string]: unknown };
  metadata?: Record<string, unknown>;
}

/** A record as read, with the folder it was found in: the job (or session) id, and the repository name. */
export interface ReadEvent {
  record: EventRecord;
  repo: string;
  job: string;
  file: string;
}

/** What a reader may ask for; every field narrows. */
export interface EventFilter {
  /** Prodigy's spelling or ours, any case: `agent_failed`, `AgentFailed`, `dlq_item_added`, `DLQItemAdded`. */
  type?: string;
  /** Only records at or after this time (ms since the epoch). */
  since?: number;
  agentId?: string;
}

/** `H/events`. */
export function eventsRoot(home: string): string {
  return path.join(home, 'events');
}

/** `YYYYMMDD_HHMMSS` in UTC, as Prodigy stamps its event files. */
function fileStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '_');
}

/** The file a run that starts now appends to. */
export function newEventsFile(home: string, repo: string, id: string, now = new Date()): string {
  return path.join(eventsRoot(home), safeSegment(repo), id, `events-${fileStamp(now)}.jsonl`);
}

/** Where Prodigy's writer rotates an events file at 100 MB: `events-X.{YYYYMMDD_HHMMSS}.jsonl.gz`, plain text. */
export const EVENTS_ROTATE_BYTES = 100 * 1024 * 1024;
export function rotatedEventsFile(file: string, now = new Date()): string {
  // Never over an earlier piece: a second rotation within the same second takes the next free second's name.
  for (let t = now.getTime(); ; t += 1000) {
    const name = file.replace(/\.jsonl$/, `.${fileStamp(new Date(t))}.jsonl.gz`);
    if (!fs.existsSync(name)) return name;
  }
}

/**
 * The lines of a rotated file that is really compressed (gzip's magic bytes), or null for a plain one, as Prodigy
 * leaves them: only its first two bytes are read to tell, and a plain one is then read as any other.
 */
function gzippedLines(file: string): string[] | null {
  try {
    const magic = Buffer.alloc(2);
    const fd = fs.openSync(file, 'r');
    try {
      if (fs.readSync(fd, magic, 0, 2, 0) < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) return null;
    } finally {
      fs.closeSync(fd);
    }
    return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n');
  } catch {
    return null;
  }
}

/** A repository's folder name as a path segment (it comes from the disk, but never leaves the events folder). */
function safeSegment(name: string): string {
  if (isSafeId(name)) return name;
  return String(name).replace(/[^A-Za-z0-9_-]/g, '_') || 'unknown';
}

/** chrono's Duration as serde writes it: `[secs, nanos]`. */
export function chronoDuration(ms: number): [number, number] {
  const whole = Math.max(0, ms);
  const secs = Math.floor(whole / 1000);
  return [secs, Math.round((whole - secs * 1000) * 1e6)];
}

/** Seconds from a duration as written: `[secs, nanos]` (Prodigy's), or `{secs, nanos}` (its docs' example). */
export function durationSeconds(value: unknown): number | null {
  if (Array.isArray(value) && typeof value[0] === 'number') return value[0] + (Number(value[1]) || 0) / 1e9;
  if (value && typeof value === 'object' && typeof (value as { secs?: unknown }).secs === 'number') {
    const d = value as { secs: number; nanos?: unknown };
    return d.secs + (Number(d.nanos) || 0) / 1e9;
  }
  return null;
}

/** `AgentFailed`, `agent-failed`, `d_l_q_item_added` and `dlq_item_added` all compare equal. */
export function eventTypeKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export interface EventFileRef {
  repo: string;
  job: string;
  file: string;
}

/**
 * The events files of the home, oldest first by name within a job; `job`: only that job's (or session's) folder, in
 * any repository. Folders and files that are not Prodigy's layout are passed over.
 */
export function listEventFiles(home: string, job?: string): EventFileRef[] {
  const found: EventFileRef[] = [];
  for (const repo of subfolders(eventsRoot(home))) {
    const jobs = job ? [job] : subfolders(path.join(eventsRoot(home), repo));
    for (const j of jobs) {
      const dir = path.join(eventsRoot(home), repo, j);
      let names: string[];
      try {
        // Rotated pieces (`events-X.{stamp}.jsonl.gz`) sort before the file they came from (`events-X.jsonl`).
        names = fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl') || n.endsWith('.jsonl.gz'));
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        const file = path.join(dir, name);
        if (fs.statSync(file, { throwIfNoEntry: false })?.isFile()) found.push({ repo, job: j, file });
      }
    }
  }
  return found;
}

/** The job folders (ids) the home has events for, in any repository. */
export function listEventJobs(home: string): string[] {
  const ids = new Set<string>();
  for (const repo of subfolders(eventsRoot(home)))
    for (const j of subfolders(path.join(eventsRoot(home), repo))) ids.add(j);
  return [...ids];
}

function subfolders(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** A line as a record, or null when it is not one (not JSON, no `event.event_type`, no timestamp). */
export function parseEventLine(line: string): EventRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const r = value as Partial<EventRecord>;
  if (typeof r.timestamp !== 'string' || !r.event || typeof r.event !== 'object') return null;
  if (typeof (r.event as { event_type?: unknown }).event_type !== 'string') return null;
  return value as EventRecord;
}

/** Whether a record passes the filter. */
export function matchesFilter(record: EventRecord, filter: EventFilter): boolean {
  if (filter.type !== undefined && eventTypeKey(record.event.event_type) !== eventTypeKey(filter.type)) return false;
  if (filter.since !== undefined) {
    const t = Date.parse(record.timestamp);
    if (!Number.isFinite(t) || t < filter.since) return false;
  }
  if (filter.agentId !== undefined && record.event.agent_id !== filter.agentId) return false;
  return true;
}

/**
 * Reads lines of one file from `offset` on, calling `onEvent` for every record that passes the filter. Blank lines
 * are passed over; lines that are not records are counted in `unreadable`. A last line without its newline is held
 * back (a writer may be in the middle of it) unless `final`, when it is read as any other.
 */
export function readEventsFrom(
  ref: EventFileRef,
  offset: number,
  filter: EventFilter,
  onEvent: (e: ReadEvent) => void,
  final = true,
): { offset: number; unreadable: number } {
  let unreadable = 0;
  const take = (lines: string[]) => {
    for (const line of lines) {
      if (line.trim() === '') continue;
      const record = parseEventLine(line);
      if (!record) unreadable++;
      else if (matchesFilter(record, filter)) onEvent({ record, repo: ref.repo, job: ref.job, file: ref.file });
    }
  };
  const unpacked = ref.file.endsWith('.gz') && offset === 0 ? gzippedLines(ref.file) : null;
  if (unpacked) {
    // A compressed rotated file is whole: read at once (its size as the offset, so it is not read again).
    take(unpacked);
    return { offset: fs.statSync(ref.file).size, unreadable };
  }
  const r = readLinesFrom(ref.file, offset, take);
  let end = r.offset;
  if (final && r.partial.length) {
    take([r.partial.toString('utf8')]);
    end += r.partial.length;
  }
  return { offset: end, unreadable };
}

/** Every record of the given files that passes the filter, in time order, and how many lines could not be read. */
export function readEvents(refs: EventFileRef[], filter: EventFilter): { events: ReadEvent[]; unreadable: number } {
  const events: ReadEvent[] = [];
  let unreadable = 0;
  for (const ref of refs) unreadable += readEventsFrom(ref, 0, filter, (e) => events.push(e)).unreadable;
  // Stable: records of one file with the same time keep their order.
  events.sort((a, b) => timeOf(a) - timeOf(b));
  return { events, unreadable };
}

function timeOf(e: ReadEvent): number {
  const t = Date.parse(e.record.timestamp);
  return Number.isFinite(t) ? t : 0;
}

/**
 * The event files for `--job-id J`: J's own folder (a MapReduce job id, or a standard run's session id), else the
 * folder of the job a session named J ran (`jobOfSession`). An id with neither is refused, naming where it looked.
 */
export async function eventFilesForJob(
  home: string,
  job: string,
  jobOfSession: (id: string) => Promise<string | null>,
): Promise<EventFileRef[]> {
  const own = listEventFiles(home, job);
  if (own.length) return own;
  const viaSession = await jobOfSession(job);
  const other = viaSession && viaSession !== job ? listEventFiles(home, viaSession) : [];
  if (other.length) return other;
  throw new ProdigyError(
    `No events for job ${job} (nothing in ${path.join(eventsRoot(home), '*', job)}` +
      `${viaSession && viaSession !== job ? ` or ${path.join(eventsRoot(home), '*', viaSession)}` : ''}); ` +
      'events ls shows the jobs that have some (its third column)',
  );
}

/** Every event type Prodigy's log knows (serde's spelling), for checking a --type before reading anything. */
export const EVENT_TYPES = [
  'job_started',
  'job_completed',
  'job_failed',
  'job_paused',
  'job_resumed',
  'agent_started',
  'agent_progress',
  'agent_completed',
  'agent_failed',
  'agent_retrying',
  'checkpoint_created',
  'checkpoint_loaded',
  'checkpoint_failed',
  'worktree_created',
  'worktree_merged',
  'worktree_cleaned',
  'queue_depth_changed',
  'memory_pressure',
  'd_l_q_item_added',
  'd_l_q_item_removed',
  'd_l_q_items_reprocessed',
  'd_l_q_items_evicted',
  'd_l_q_analysis_generated',
  'claude_tool_invoked',
  'claude_token_usage',
  'claude_session_started',
  'claude_message',
] as const;
