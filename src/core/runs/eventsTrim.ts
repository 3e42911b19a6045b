// One events file as `events clean` reads, trims and writes it back (eventsRetention.ts carries the plan out): its
// bytes (gunzipped when a rotated piece really is gzip), its lines kept byte for byte, and what a policy leaves of
// them. A line that is not an event is never dropped.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { identityOf, type FileIdentity } from '../storage/fileIdentity';
import { systemReason } from '../storage/fileWrite';
import { parseEventLine } from './eventRecords';

/** What goes. Each null criterion does not apply. */
export interface RetentionPolicy {
  /** Events whose timestamp is older than now minus this (ms) go; one without a readable time stays. */
  olderThanMs: number | null;
  /** Per file, only the newest this many events stay. */
  maxEvents: number | null;
  /** Per file, the oldest events go until the file (as written on disk) is at most this many bytes. */
  maxSizeBytes: number | null;
}

/** What a policy leaves of one file's content: the bytes that stay, the lines that go, and the counts. */
export interface Trimmed {
  kept: Buffer;
  removed: Buffer[];
  eventsTotal: number;
  otherLines: number;
}

/**
 * The file's content (gunzipped when it is really gzip: a rotated piece may be either) and its identity as read: it
 * is rewritten only if it is still that file.
 */
export function readEventsFile(file: string): { content: Buffer; gzipped: boolean; seen: FileIdentity } {
  let raw: Buffer;
  let seen: FileIdentity;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      // Measured on the descriptor that is read, so the size and time are those of these bytes.
      seen = identityOf(fs.fstatSync(fd));
      raw = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new Error(`cannot read it (${systemReason(err)})`);
  }
  // Only rotated pieces (….jsonl.gz) may be compressed, as the readers in eventRecords.ts see them.
  const gzipped = file.endsWith('.gz') && raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  if (!gzipped) return { content: raw, gzipped, seen };
  try {
    return { content: zlib.gunzipSync(raw), gzipped, seen };
  } catch (err) {
    throw new Error(`it is not a whole gzip file (${systemReason(err)})`);
  }
}

/** The bytes to write for `content`: itself, or gzipped for a gzipped file. */
export function onDisk(content: Buffer, gzipped: boolean): Buffer {
  return gzipped ? zlib.gzipSync(content) : content;
}

/** One line of a file, its newline included (the last may have none), and what it is. */
interface Line {
  bytes: Buffer;
  /** 'other': not an event record (parseEventLine's rule), kept whatever the policy; 'blank': kept too. */
  kind: 'event' | 'other' | 'blank';
  /** An event's time (ms), NaN when its timestamp is not a time. */
  time: number;
}

/** The lines of `content` as bytes, so that what is kept is written back byte for byte. */
function linesOf(content: Buffer): Line[] {
  const lines: Line[] = [];
  for (let start = 0; start < content.length;) {
    const nl = content.indexOf(0x0a, start);
    const end = nl === -1 ? content.length : nl + 1;
    const bytes = content.subarray(start, end);
    const text = bytes.toString('utf8');
    const record = text.trim() === '' ? null : parseEventLine(text);
    lines.push({
      bytes,
      kind: record ? 'event' : text.trim() === '' ? 'blank' : 'other',
      time: record ? Date.parse(record.timestamp) : NaN,
    });
    start = end;
  }
  return lines;
}

/**
 * What `policy` leaves of one file: by age first, then the newest `maxEvents` of the events left, then the oldest
 * of those dropped until the file fits `maxSizeBytes`. "Newest" is the order of the file: a log is appended in
 * time order, and a line's place is what the writer did, whatever its clock said.
 */
export function trim(content: Buffer, gzipped: boolean, policy: RetentionPolicy, now: number): Trimmed {
  const lines = linesOf(content);
  const gone = lines.map(() => false);
  if (policy.olderThanMs !== null) {
    const cutoff = now - policy.olderThanMs;
    lines.forEach((l, i) => {
      if (l.kind === 'event' && l.time < cutoff) gone[i] = true;
    });
  }
  if (policy.maxEvents !== null) {
    let left = 0;
    for (let i = lines.length - 1; i >= 0; i--)
      if (lines[i].kind === 'event' && !gone[i] && ++left > policy.maxEvents) gone[i] = true;
  }
  if (policy.maxSizeBytes !== null) fitSize(lines, gone, policy.maxSizeBytes, gzipped);
  const kept = Buffer.concat(lines.filter((_, i) => !gone[i]).map((l) => l.bytes));
  // In the archive every event is a whole line, a file's last one too.
  const removed = lines
    .filter((_, i) => gone[i])
    .map((l) => (l.bytes[l.bytes.length - 1] === 0x0a ? l.bytes : Buffer.concat([l.bytes, Buffer.from('\n')])));
  return {
    kept,
    removed,
    eventsTotal: lines.filter((l) => l.kind === 'event').length,
    otherLines: lines.filter((l) => l.kind === 'other').length,
  };
}

/**
 * Drops the oldest events left until what stays is at most `max` bytes on disk. A gzipped file's size is its
 * compressed size, which only compressing tells: the fewest events to drop are found by halving (each try one
 * compression) instead of one compression per event. Lines that are not events stay even when they alone are over.
 */
function fitSize(lines: Line[], gone: boolean[], max: number, gzipped: boolean): void {
  const candidates = lines.flatMap((l, i) => (l.kind === 'event' && !gone[i] ? [i] : []));
  const sizeDropping = (k: number): number => {
    const drop = new Set(candidates.slice(0, k));
    const parts = lines.filter((_, i) => !gone[i] && !drop.has(i)).map((l) => l.bytes);
    return gzipped ? zlib.gzipSync(Buffer.concat(parts)).length : parts.reduce((n, b) => n + b.length, 0);
  };
  let k: number;
  if (!gzipped) {
    // Plain text: a running total, one subtraction per event dropped.
    let size = sizeDropping(0);
    for (k = 0; k < candidates.length && size > max; k++) size -= lines[candidates[k]].bytes.length;
  } else if (sizeDropping(0) <= max) k = 0;
  else {
    let lo = 1; // dropping lo-1 is too big
    let hi = candidates.length; // dropping them all is the most that can be done
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (sizeDropping(mid) <= max) hi = mid;
      else lo = mid + 1;
    }
    k = hi;
  }
  for (const i of candidates.slice(0, k)) gone[i] = true;
}
