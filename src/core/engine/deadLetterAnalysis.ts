// `dlq analyze`: a dead-letter queue's failures grouped into patterns (the same kind of error with the same message
// once the parts that differ from item to item, numbers, ids, paths, quoted values, are set aside), counted by error
// type, and spread over time. Prodigy documents pattern_groups, error_distribution and temporal_distribution.
import type { DeadLetteredItem } from '../mapreduce/deadLetterQueue';
import { deadLetterView } from './deadLetters';

export interface PatternGroup {
  error_type: string;
  /** The first line of the error with what varies replaced: <path>, <id>, <n>, "…". */
  pattern: string;
  count: number;
  item_ids: string[];
  /** One real message of the group (its first line), as the pattern's example. */
  example: string;
  first_seen: string;
  last_seen: string;
}

export interface DeadLetterAnalysis {
  total: number;
  /** Most frequent first. */
  pattern_groups: PatternGroup[];
  error_distribution: Record<string, number>;
  /** Failed items by the hour (`…T14:00Z`) or, over more than two days, the day of their last attempt. */
  temporal_distribution: { bucket: 'hour' | 'day'; counts: Record<string, number> };
}

const VARYING: [RegExp, string][] = [
  [/"[^"\n]*"|'[^'\n]*'|`[^`\n]*`/g, '"…"'],
  [/(?:[A-Za-z]:)?(?:\/[\w.@+-]+){2,}\/?/g, '<path>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>'],
  [/\b(?=[0-9a-f]*\d)[0-9a-f]{7,}\b/gi, '<id>'],
  [/\d+(?:\.\d+)?/g, '<n>'],
];

/** The first line of `message` with what differs from item to item replaced. */
export function errorPattern(message: string): string {
  let line = message.split('\n')[0].trim();
  for (const [re, mark] of VARYING) line = line.replace(re, mark);
  return line.replace(/\s+/g, ' ') || '(no message)';
}

const HOUR_MS = 3_600_000;

export function analyzeDeadLetters(items: readonly DeadLetteredItem[]): DeadLetterAnalysis {
  const groups = new Map<string, PatternGroup>();
  const errorDistribution: Record<string, number> = {};
  for (const item of items) {
    const view = deadLetterView(item);
    const type = String(view.error_type);
    const message = String(view.error_message ?? '');
    errorDistribution[type] = (errorDistribution[type] ?? 0) + 1;
    const pattern = errorPattern(message);
    const key = `${type}\u0000${pattern}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, {
        error_type: type,
        pattern,
        count: 1,
        item_ids: [item.item_id],
        example: message.split('\n')[0],
        first_seen: item.first_attempt,
        last_seen: item.last_attempt,
      });
      continue;
    }
    group.count++;
    group.item_ids.push(item.item_id);
    if (Date.parse(item.first_attempt) < Date.parse(group.first_seen)) group.first_seen = item.first_attempt;
    if (Date.parse(item.last_attempt) > Date.parse(group.last_seen)) group.last_seen = item.last_attempt;
  }
  const times = items.map((i) => Date.parse(i.last_attempt)).filter((t) => Number.isFinite(t));
  const span = times.length ? Math.max(...times) - Math.min(...times) : 0;
  const bucket = span > 48 * HOUR_MS ? 'day' : 'hour';
  const counts: Record<string, number> = {};
  for (const t of times.sort((a, b) => a - b)) {
    const iso = new Date(t).toISOString();
    const key = bucket === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00Z`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return {
    total: items.length,
    pattern_groups: [...groups.values()].sort(
      (a, b) => b.count - a.count || a.error_type.localeCompare(b.error_type) || a.pattern.localeCompare(b.pattern),
    ),
    error_distribution: errorDistribution,
    temporal_distribution: { bucket, counts },
  };
}
