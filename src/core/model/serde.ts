// Encodings serde uses in Prodigy's files (prodigy-formats.md §0).
import * as z from 'zod';

/** RFC 3339 with any offset (`Z` from serde, `+00:00` from `to_rfc3339`) and any precision. */
export const Timestamp = z.iso.datetime({ offset: true });

/** `std::time::Duration` → `{secs, nanos}`. */
export const StdDuration = z.looseObject({
  secs: z.number().int().nonnegative(),
  nanos: z.number().int().min(0).max(999_999_999),
});
export type StdDuration = z.infer<typeof StdDuration>;

export const Uint = z.number().int().nonnegative();

/** serde writes `Option<T>` as `null`; on read a missing key is `None` too. */
export function optionOf<T extends z.ZodType>(schema: T) {
  return schema.nullable().default(null);
}

// Nanosecond timestamps, as `Utc::now()` gives on Linux: two writes in one millisecond
// still get different, ordered `updated_at` values.
let originNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

function nowNs(): bigint {
  let ns = originNs + process.hrtime.bigint();
  // Follow wall-clock adjustments (NTP, suspend) instead of drifting away from them.
  if (Math.abs(Number(ns / 1_000_000n) - Date.now()) > 1_000) {
    originNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    ns = originNs + process.hrtime.bigint();
  }
  return ns;
}

/** RFC 3339 in UTC with nine fraction digits (serde's `DateTime<Utc>` spelling). */
export function nowTimestamp(date?: Date): string {
  if (date) return date.toISOString();
  return formatNs(nowNs());
}

function formatNs(ns: bigint): string {
  const whole = new Date(Number(ns / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
  return `${whole}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

/** chrono's `to_rfc3339()` spelling, used for timestamps stored as strings in metadata. */
export function rfc3339PlusZero(date?: Date): string {
  return nowTimestamp(date).replace('Z', '+00:00');
}

/** Milliseconds as a `std::time::Duration` (`{secs, nanos}`). */
export function durationFromMs(ms: number): StdDuration {
  const secs = Math.floor(ms / 1000);
  return { secs, nanos: Math.min(999_999_999, Math.round((ms - secs * 1000) * 1e6)) };
}

/** `serde_json::to_string_pretty`: two-space indent, no trailing newline. */
export function toPrettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Nanoseconds since the epoch of an RFC 3339 timestamp (any offset, any precision). */
export function timestampNs(ts: string): bigint | undefined {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(ts);
  if (!m) return undefined;
  const secs = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(secs)) return undefined;
  return BigInt(secs) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
}

/**
 * `candidate`, or one nanosecond after `previous` when clocks of different processes
 * (each only millisecond-accurate) would make time run backwards.
 */
export function after(candidate: string, previous: string): string {
  // Same spelling (ours: nine digits and Z) compares as text.
  if (candidate.length === previous.length && candidate.endsWith('Z') && previous.endsWith('Z')) {
    if (candidate > previous) return candidate;
  }
  const c = timestampNs(candidate);
  const p = timestampNs(previous);
  if (c === undefined || p === undefined || c > p) return candidate;
  return formatNs(p + 1n);
}
