// The question a deleting command asks before it deletes (clean, dlq purge): asked on a terminal, refused in one
// line when there is none to ask on (a script must say -f), skipped with -f.
import * as readline from 'node:readline/promises';
import { ProdigyError } from '../../core';
import type { Io } from '../io';

/** True to go ahead; false when the person said no. Throws (one line, exit 1) when nobody can be asked. */
export async function confirmDeletion(
  io: Io,
  question: string,
  force: boolean,
  terminal: { stdin: boolean; stdout: boolean } = { stdin: !!process.stdin.isTTY, stdout: !!process.stdout.isTTY },
): Promise<boolean> {
  if (force) return true;
  if (!terminal.stdin || !terminal.stdout)
    throw new ProdigyError(
      `not deleting without a terminal to ask on: pass -f to delete (--dry-run shows what would go)`,
    );
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    const yes = /^y(es)?$/i.test(answer.trim());
    if (!yes) io.out('Nothing was deleted.');
    return yes;
  } catch {
    // Ctrl-C or end of input at the question: a no.
    io.out('\nNothing was deleted.');
    return false;
  } finally {
    rl.close();
  }
}

/** `12.3 KB`: a size for people, as the dry runs print it. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let n = bytes / 1024;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

/** `7d`, `12h`, `30m`, `45s`: a duration as --older-than takes it, in its largest whole unit. */
export function formatAge(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
