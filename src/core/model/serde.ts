// Encodings serde uses in Prodigy's files (prodigy-formats.md §0).
import { z } from 'zod';

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

export function nowTimestamp(date: Date = new Date()): string {
  return date.toISOString();
}

/** chrono's `to_rfc3339()` spelling, used for timestamps stored as strings in metadata. */
export function rfc3339PlusZero(date: Date = new Date()): string {
  return date.toISOString().replace('Z', '+00:00');
}

export function durationFromMs(ms: number): StdDuration {
  const whole = Math.max(0, ms);
  const secs = Math.floor(whole / 1000);
  return { secs, nanos: Math.round((whole - secs * 1000) * 1e6) };
}

export function durationToMs(d: StdDuration): number {
  return d.secs * 1000 + d.nanos / 1e6;
}

/** `serde_json::to_string_pretty`: two-space indent, no trailing newline. */
export function toPrettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
