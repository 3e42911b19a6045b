// Commands on a MapReduce job's rows: Retry This Item on a failed item's row, and Run Reduce Again on a job whose
// failed items succeeded after its reduce ran (the session's Retry Failed Items, which runs every failed item, is
// in run.ts).
import { guarded, requireTrust, type CommandContext, type CommandTable } from './context';
import { runAnswers } from './answers';
import { sessionIdOrPick } from './pickers';
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

    // A MapReduce session's row, `{ sessionId }` (with the run answers), or a picker of finished jobs.
    'prodigy.rerunReduce': async (arg) => {
      if (!requireTrust()) return undefined;
      const { manager } = homes.current;
      const id = await sessionIdOrPick(manager, arg, ['Completed', 'Failed'], {
        title: 'Run Reduce Again',
        none: 'no finished MapReduce job to run the reduce phase of again.',
        only: (s) => s.session_type === 'MapReduce',
      });
      if (!id) return undefined;
      const { merge, progress } = runAnswers(arg);
      return guarded('could not run the reduce phase again', () => runs.rerunReduce(manager, id, { merge, progress }));
    },
  };
}
