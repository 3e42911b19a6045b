// `dlq list <id>`, `dlq inspect <id> <item>` and `dlq retry <id> [--item <item>]`: a MapReduce session's failed items,
// one of them in full, and running them again; and `reduce <id>`, the reduce phase again once they succeeded.
import { ProdigyError, listDeadLetters, rerunReduce, retryDeadLetters, type SessionManager } from '../../core';
import { oneLine, relativeTime, table, truncate } from '../format';
import { printJson, type Io } from '../io';
import { inTerminal, noteKeptBranch, type TerminalFlags } from './runOutput';

export async function dlqList(manager: SessionManager, io: Io, id: string, opts: { json: boolean }): Promise<number> {
  const items = await listDeadLetters(manager, id);
  if (opts.json) {
    printJson(io, { session_id: id, items });
    return 0;
  }
  if (items.length === 0) {
    io.out(`Session ${id} has no failed items.`);
    return 0;
  }
  io.out(
    table(
      ['ITEM', 'ATTEMPTS', 'LAST ATTEMPT', 'ERROR', 'LOG'],
      items.map((i) => {
        const last = i.failure_history[i.failure_history.length - 1];
        return [
          i.item_id,
          String(i.failure_count),
          relativeTime(i.last_attempt),
          truncate(oneLine(last?.error_message.split('\n')[0] ?? '-'), 60),
          last?.json_log_location ?? '-',
        ];
      }),
    ),
  );
  io.out(`\nRun them again with: prodigy-vscode dlq retry ${id}`);
  return 0;
}

/** One dead-lettered item as pretty JSON (Prodigy's `dlq inspect`), with or without --json. */
export async function dlqInspect(manager: SessionManager, io: Io, id: string, itemId: string): Promise<number> {
  const items = await listDeadLetters(manager, id);
  const item = items.find((i) => i.item_id === itemId);
  if (!item) {
    const known = items.length
      ? `its failed items: ${items.map((i) => i.item_id).join(', ')}`
      : 'it has no failed items';
    io.err(`prodigy-vscode: session ${id} has no dead-lettered item "${itemId}"; ${known}`);
    return 1;
  }
  printJson(io, item);
  return 0;
}

export async function dlqRetry(
  manager: SessionManager,
  io: Io,
  id: string,
  flags: TerminalFlags & { item?: string[] },
): Promise<number> {
  const itemIds = flags.item?.length ? flags.item : undefined;
  if (itemIds) {
    const queued = new Set((await listDeadLetters(manager, id)).map((d) => d.item_id));
    const unknown = itemIds.filter((i) => !queued.has(i));
    if (unknown.length)
      throw new ProdigyError(`Not in the dead-letter queue of ${id}: ${unknown.join(', ')} (dlq list ${id} shows it)`);
  }
  const { outcome, code } = await inTerminal(manager, io, flags, (common) =>
    retryDeadLetters({ ...common, sessionId: id, itemIds }),
  );
  const left = await listDeadLetters(manager, id);
  if (flags.json) {
    printJson(io, {
      session_id: id,
      status: outcome.status,
      still_failing: left.map((i) => i.item_id),
      reduce_stale: outcome.retry?.reduce_stale ?? false,
      merge: outcome.merge ?? null,
    });
    noteKeptBranch(io, outcome);
  } else
    io.out(
      left.length
        ? `${left.length} item(s) still failing: ${left.map((i) => i.item_id).join(', ')}`
        : 'Every failed item succeeded.',
    );
  if (outcome.retry?.reduce_stale && !flags.json)
    io.out(`The reduce phase ran before they succeeded; run it again with: prodigy-vscode reduce ${id}`);
  return code === 0 && left.length ? 1 : code;
}

/** `reduce <id>`: the reduce phase again, with the items' results as they are now. */
export async function reduceAgain(manager: SessionManager, io: Io, id: string, flags: TerminalFlags): Promise<number> {
  const { outcome, code } = await inTerminal(manager, io, flags, (common) => rerunReduce({ ...common, sessionId: id }));
  if (flags.json) {
    printJson(io, { session_id: id, status: outcome.status, error: outcome.error, merge: outcome.merge ?? null });
    noteKeptBranch(io, outcome);
  }
  return code;
}
