// Ids arrive from command lines, tree items and file names; none may reach outside `H`.
import { InvalidIdError } from '../errors';

const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

export function isSafeId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_ID.test(value) && !value.includes('..');
}

export function assertSafeId(value: string, kind = 'id'): string {
  if (!isSafeId(value)) throw new InvalidIdError(kind, String(value));
  return value;
}

/** A session file name (`{id}.json`) back to its id, or undefined when it is not one. */
export function idFromSessionFileName(name: string): string | undefined {
  if (!name.endsWith('.json')) return undefined;
  const id = name.slice(0, -'.json'.length);
  return isSafeId(id) ? id : undefined;
}
