// Turning an option's or a positional's text into the value a command needs, before the command runs.
// Each throws a ValueError saying what it needs; the parser adds which option and what was given.
// The core's light facade, not its index: `help` loads this file and must not load the engine.
import {
  compileFilter,
  errorMessage,
  isSafeId,
  OUTCOME_KINDS,
  SESSION_STATUSES,
  type OutcomeKind,
  type SessionStatus,
} from '../core/basics';
import { ValueError } from './spec';

/** At least 1: --limit, -n. */
export function positiveWhole(raw: string): number {
  const n = wholeOrNull(raw);
  if (n === null || n < 1) throw new ValueError('needs a whole number of at least 1');
  return n;
}

/** 0 or more: --lines. */
export function whole(raw: string): number {
  const n = wholeOrNull(raw);
  if (n === null) throw new ValueError('needs a whole number, 0 or more');
  return n;
}

function wholeOrNull(raw: string): number | null {
  const n = Number(raw);
  return /^\s*\d+\s*$/.test(raw) && Number.isSafeInteger(n) ? n : null;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * A length of time in milliseconds, as Prodigy's --older-than writes it: a number and a unit, `7d`, `24h`,
 * `30m`, `45s`, `500ms` (also `2w`); fractions allowed (`1.5h`); a bare number is days (our `sessions clean`
 * took days before). One parser for every option that takes a duration.
 */
export function duration(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d|w)?\s*$/i.exec(raw);
  if (!m) throw new ValueError('needs a duration such as 7d, 24h, 30m or 45s');
  return Number(m[1]) * DURATION_UNITS[(m[2] ?? 'd').toLowerCase()];
}

/** --older-than on `sessions clean`: days, or any duration (`7d`, `12h`), as days. */
export function days(raw: string): number {
  try {
    return duration(raw) / DURATION_UNITS.d;
  } catch {
    throw new ValueError('needs a number of days, 0 or more');
  }
}

const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * A size in bytes, as Prodigy's `events clean --max-size` writes it: `100MB`, `1GB`, `500KB`, `2.5M` or bare bytes,
 * any case; a KB is 1024 bytes (KiB, MiB … are taken too). At least 1 byte.
 */
export function byteSize(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(?:([kmgt])(?:i?b)?|b|bytes?)?\s*$/i.exec(raw);
  const bytes = m ? Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]) : 0;
  if (!m || !Number.isSafeInteger(bytes) || bytes < 1)
    throw new ValueError('needs a size of at least 1 byte such as 100MB, 1GB, 500KB or a number of bytes');
  return bytes;
}

/** --filter on dlq: Prodigy's filter language (the work-item `filter:`), checked before the command runs. */
export function filterExpression(raw: string): { text: string; test: (value: unknown) => boolean } {
  try {
    return { text: raw, test: compileFilter(raw) };
  } catch (err) {
    // The parser's message repeats the expression, which the usage error shows anyway.
    const where = errorMessage(err).replace(/^Invalid filter ".*" (?=at column)/s, '');
    throw new ValueError(`needs a filter expression such as 'item.priority >= 5' (${where})`);
  }
}

/** --format on dlq export. */
export const EXPORT_FORMATS = ['json', 'csv'] as const;
export function exportFormat(raw: string): (typeof EXPORT_FORMATS)[number] {
  const match = EXPORT_FORMATS.find((f) => f === raw.trim().toLowerCase());
  if (!match) throw new ValueError(`needs ${EXPORT_FORMATS.join(' or ')}`);
  return match;
}

/** --max-cost: US dollars above 0, `2.50` or `$2.50`. */
export function usd(raw: string): number {
  const text = raw.trim().replace(/^\$/, '');
  const n = Number(text);
  if (!/^(\d+\.?\d*|\.\d+)$/.test(text) || !Number.isFinite(n) || n <= 0)
    throw new ValueError('needs an amount in US dollars above 0, such as 2.50');
  return n;
}

/** How a conflict met while merging back is handled: --merge-conflicts, PRODIGY_MERGE_CONFLICTS. */
export const MERGE_CONFLICT_MODES = ['abort', 'claude'] as const;
export type MergeConflictMode = (typeof MERGE_CONFLICT_MODES)[number];

export function mergeConflictMode(raw: string): MergeConflictMode {
  const match = MERGE_CONFLICT_MODES.find((m) => m === raw.trim().toLowerCase());
  if (!match) throw new ValueError(`needs ${MERGE_CONFLICT_MODES.join(' or ')}`);
  return match;
}

/** --status: any case, as `sessions list` prints it. */
export function status(raw: string): SessionStatus {
  const match = SESSION_STATUSES.find((s) => s.toLowerCase() === raw.trim().toLowerCase());
  if (!match) throw new ValueError(`needs one of ${SESSION_STATUSES.join(', ')}`);
  return match;
}

/** --outcome: one of the outcome kinds `sessions list --json` prints, any case. */
export function outcome(raw: string): OutcomeKind {
  const match = OUTCOME_KINDS.find((k) => k === raw.trim().toLowerCase());
  if (!match) throw new ValueError(`needs one of ${OUTCOME_KINDS.join(', ')}`);
  return match;
}

/** A session or checkpoint id names files in the home: refused before anything is read if it could escape it. */
export function safeId(kind: string): (raw: string) => string {
  return (raw) => {
    if (!isSafeId(raw)) throw new ValueError(`Invalid ${kind} "${raw}": use letters, digits, '.', '_' and '-' only`);
    return raw;
  };
}

/** --claude-args: a JSON array of strings. */
export function jsonStrings(raw: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = null;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new ValueError('needs a JSON array of strings, like ["-p","{prompt}"]');
  return value;
}

/**
 * --since on events: a time back from now (`30m`, `2h`, `1d`; a bare number is minutes, as Prodigy's `events ls
 * --since 30` means) or an ISO time (`2026-01-15T10:00:00Z`, `2026-01-15`). The earliest time, in ms since the epoch.
 */
export function since(raw: string): number {
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Date.now() - Number(text) * DURATION_UNITS.m;
  if (/^\d{4}-\d\d-\d\d/.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) return t;
  } else {
    try {
      return Date.now() - duration(text);
    } catch {
      /* the message below says both forms */
    }
  }
  throw new ValueError('needs a time back from now such as 30m, 2h or 1d, or an ISO time such as 2026-01-15T10:00:00Z');
}

/** --format on events export. */
export const EVENT_EXPORT_FORMATS = ['json', 'jsonl', 'csv', 'markdown'] as const;
export function eventExportFormat(raw: string): (typeof EVENT_EXPORT_FORMATS)[number] {
  const match = EVENT_EXPORT_FORMATS.find((f) => f === raw.trim().toLowerCase());
  if (!match) throw new ValueError(`needs ${EVENT_EXPORT_FORMATS.join(', ')}`);
  return match;
}

/** --output-format on events ls (Prodigy's): human and table print lines, json one record per line. */
export const EVENT_OUTPUT_FORMATS = ['human', 'table', 'json'] as const;
export function eventOutputFormat(raw: string): (typeof EVENT_OUTPUT_FORMATS)[number] {
  const match = EVENT_OUTPUT_FORMATS.find((f) => f === raw.trim().toLowerCase());
  if (!match) throw new ValueError(`needs ${EVENT_OUTPUT_FORMATS.join(', ')}`);
  return match;
}

/** `events stats --group-by` (Prodigy's): what the events are counted by. */
export const EVENT_GROUPS = ['event_type', 'job_id', 'agent_id'] as const;
export function eventGroup(raw: string): (typeof EVENT_GROUPS)[number] {
  const match = EVENT_GROUPS.find((g) => g === raw.trim().toLowerCase().replace(/-/g, '_'));
  if (!match) throw new ValueError(`needs ${EVENT_GROUPS.join(', ')}`);
  return match;
}

/** `events search --fields error,description`: the event's fields to search, at least one. */
export function fieldList(raw: string): string[] {
  const fields = raw
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (fields.length === 0) throw new ValueError('needs one field name or more, comma-separated');
  return fields;
}
