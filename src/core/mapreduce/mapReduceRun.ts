// A MapReduce job as one session (prodigy-workflows.md §2.3, §6.8): setup in the session's
// worktree, then one agent per work item (at most max_parallel at once), each in its own
// worktree, its work merged back one at a time (a conflict fails that item, never the job),
// failed items to the dead-letter queue, then reduce. Job state is saved after setup, after every
// item and after every reduce step, so a resume runs only what did not finish. This file runs the phases
// in order (setupPhase.ts, mapPhase.ts, reducePhase.ts); jobSession.ts is what they share.
import { errorMessage } from '../errors';
import type { SessionManager } from '../sessions/sessionManager';
import type { EngineListener } from '../steps/events';
import type { MapReduceSpec } from '../workflow/model';
import type { LoopResult, RunContext } from '../steps/runContext';
import type { DeadLetterQueue } from './deadLetterQueue';
import type { JobState, JobStore } from './jobState';
import { JobSession } from './jobSession';
import { agentSlots, MapPhase } from './mapPhase';
import { runReduce } from './reducePhase';
import { loadItems, runSetup } from './setupPhase';
import type { WorkItem } from './workItems';

export class MapReduceRun {
  private readonly job: JobSession;
  private readonly mapPhase: MapPhase;

  constructor(
    manager: SessionManager,
    ctx: RunContext,
    spec: MapReduceSpec,
    store: JobStore,
    dlq: DeadLetterQueue,
    state: JobState,
    listener: EngineListener,
  ) {
    this.job = new JobSession(manager, ctx, spec, store, dlq, state, listener);
    this.mapPhase = new MapPhase(this.job);
  }

  async execute(): Promise<LoopResult> {
    const { job } = this;
    const { ctx } = job;
    try {
      job.restoreVariables();
      if (!job.state.setup_completed) {
        const setup = await runSetup(job);
        if (setup) return setup;
      }
      if (ctx.signal.aborted) return job.pause();
      if (!job.state.config.items_loaded) {
        const loaded = await loadItems(job);
        if (loaded) return loaded;
      }
      if (job.state.total_items === 0) {
        ctx.log.message('info', 'No work items to process');
        return job.complete();
      }
      const pending = this.pendingItems();
      if (pending.length) {
        await job.phase('Map');
        const map = await this.mapPhase.map(pending);
        if (map) return map;
      } else {
        // Resumed after every item finished: a run killed before its map phase ended (kill -9, a crash) left
        // slots and merged agent branches that no map phase of this run removes.
        await agentSlots(job).dispose();
      }
      const s = job.state;
      ctx.log.message(
        s.failed_count ? 'warning' : 'success',
        `Map phase completed: ${s.successful_count} successful, ${s.failed_count} failed (total: ${s.total_items})`,
      );
      if (pending.length) await job.checkpoint('map completed');
      const reduce = await runReduce(job);
      if (reduce) return reduce;
      return job.complete();
    } catch (err) {
      return job.fail(errorMessage(err));
    }
  }

  /**
   * Runs the dead-letter queue's items again (after the cause was fixed); no reduce. `itemIds`: only these
   * (Retry This Item); an id not in the queue is ignored.
   */
  async retryFailed(
    itemIds?: readonly string[],
  ): Promise<{ retried: number; succeeded: number; failed: number; stopped: boolean }> {
    const { job } = this;
    const items = job.dlq
      .list()
      .filter((d) => !itemIds || itemIds.includes(d.item_id))
      .map((d) => ({ id: d.item_id, index: Number(d.item_id.replace(/^item_/, '')), data: d.item_data }));
    if (items.length === 0) return { retried: 0, succeeded: 0, failed: 0, stopped: false };
    // The agents see what setup captured, as they did the first time.
    job.restoreVariables();
    for (const item of items) {
      job.state.item_retry_counts[item.id] = (job.state.item_retry_counts[item.id] ?? 0) + 1;
      delete job.state.failed_agents[item.id];
      job.state.completed_agents = job.state.completed_agents.filter((i) => i !== item.id);
      job.state.failed_count = Math.max(0, job.state.failed_count - 1);
    }
    const before = job.state.successful_count;
    const stopped = await this.mapPhase.map(items);
    return {
      retried: items.length,
      succeeded: job.state.successful_count - before,
      failed: job.dlq.list().length,
      stopped: stopped !== undefined,
    };
  }

  /**
   * Runs the reduce phase again from its first step, with every item's result as it is now: after failed items
   * succeeded on a retry, the reduce that ran before them summed up a job without them. For a job whose map
   * phase is over. `keepStatus`: the session is Completed and stays so (JobSession.keepStatus).
   */
  async rerunReduce(keepStatus: boolean): Promise<LoopResult> {
    const { job } = this;
    job.keepStatus = keepStatus;
    try {
      job.restoreVariables();
      job.state.reduce_phase_state = null;
      job.store.save(job.state);
      const reduce = await runReduce(job);
      if (reduce) return reduce;
      return await job.complete();
    } catch (err) {
      return job.fail(errorMessage(err));
    }
  }

  /** The items without a result yet (all of them in a fresh job). */
  private pendingItems(): WorkItem[] {
    const done = new Set(this.job.state.completed_agents);
    return this.job.state.work_items
      .map((data, index) => ({ id: `item_${index}`, index, data }))
      .filter((i) => !done.has(i.id));
  }
}
