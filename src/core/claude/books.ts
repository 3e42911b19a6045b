// Bounded books a call tracker keeps per id (tool calls seen, tools waiting for their result, usage per
// message), so that its memory stays the same however long a stream runs: each keeps its most recent
// entries only. Lines about one id arrive close together (a repeated line, a tool's result), never far apart.
import type { Usage } from './streamParser';
import type { ClaudeTokens } from './types';

/** How many entries a book keeps by default; older ones are dropped. */
export const BOOK_SIZE = 1024;

export const TOKEN_KEYS = [
  'input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
] as const satisfies readonly (keyof ClaudeTokens)[];

export function zeroTokens(): ClaudeTokens {
  return { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
}

/** A set that forgets its oldest members past `limit`. */
export class RecentSet {
  private readonly items = new Set<string>();
  constructor(private readonly limit = BOOK_SIZE) {}
  /** Adds `key`; false if it was already there. */
  add(key: string): boolean {
    if (this.items.has(key)) return false;
    this.items.add(key);
    if (this.items.size > this.limit) this.items.delete(this.items.values().next().value as string);
    return true;
  }
}

/** A map that drops its oldest entries past `limit` (setting a key again makes it the newest). */
export class RecentMap<V> extends Map<string, V> {
  constructor(private readonly limit = BOOK_SIZE) {
    super();
  }
  override set(key: string, value: V): this {
    super.delete(key);
    super.set(key, value);
    if (this.size > this.limit) this.delete(this.keys().next().value as string);
    return this;
  }
}

/**
 * Tokens per message id, for a call that ends without a `result`. The lines of one message repeat its usage
 * (a snapshot taken while streaming) and `message_delta` brings the final counts, so each message keeps the
 * largest value seen per field (the counts only grow) instead of a sum over lines. Messages pushed out of
 * the book are folded into `settled`: by then their counts are final.
 */
export class UsageBook {
  private readonly open = new Map<string, ClaudeTokens>();
  private readonly settled = zeroTokens();

  constructor(private readonly limit = BOOK_SIZE) {}

  record(messageId: string, usage: Usage | undefined): void {
    if (!usage) return;
    let tokens = this.open.get(messageId);
    if (!tokens) {
      tokens = zeroTokens();
      this.open.set(messageId, tokens);
      if (this.open.size > this.limit) {
        const [oldId, old] = this.open.entries().next().value as [string, ClaudeTokens];
        for (const k of TOKEN_KEYS) this.settled[k] += old[k];
        this.open.delete(oldId);
      }
    }
    for (const k of TOKEN_KEYS) {
      const v = usage[k];
      if (typeof v === 'number' && Number.isFinite(v) && v > tokens[k]) tokens[k] = v;
    }
  }

  total(): ClaudeTokens {
    const sum = { ...this.settled };
    for (const tokens of this.open.values()) for (const k of TOKEN_KEYS) sum[k] += tokens[k];
    return sum;
  }
}
