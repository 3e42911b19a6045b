// Commands on a MapReduce job's rows: Retry This Item on a failed item's row (the session's Retry Failed Items,
// which runs every failed item, is in run.ts).
import { guarded, requireTrust, type CommandContext, type CommandTable } from './context';
import { runAnswers } from './answers';
import { toAgentLogTarget } from './targets';

export function mapReduceCommands({ homes, runs }: CommandContext): CommandTable {
  return {
    // A failed item's row, or `{ sessionId, itemId }` (with the run answers: `{ merge, progress }`).
    'prodigy.retryFailedItem': async (arg) => {
      if (!requireTrust()) return undefined;
      const target = toAgentLogTarget(arg);
      if (!target) return undefined;
      const { manager } = homes.current;
      const { merge, progress } = runAnswers(arg);
      return guarded(`could not retry item ${target.itemId} of ${target.sessionId}`, () =>
        runs.retryFailedItems(manager, target.sessionId, { merge, progress }, [target.itemId]),
      );
    },
  };
}
