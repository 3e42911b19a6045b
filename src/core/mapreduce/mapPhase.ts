// A MapReduce job's map phase: max_parallel slots, each taking the next waiting item while the run is not
// stopped (Ctrl-C, a spent Claude budget, the error policy) and the circuit breaker lets agents start; each
// agent's merge and outcome queue up one at a time, off its slot. The slots go when the phase ends.
import { nextStep } from '../nextStep';
import type { LoopResult } from '../steps/runContext';
import { abortableSleep } from '../steps/retry';
import { AgentRunner } from './agentRun';
import { AgentSlots } from './agentWorktree';
import { ItemOutcomes } from './itemOutcomes';
import type { JobSession } from './jobSession';
import type { WorkItem } from './workItems';

/** The worktrees of the job's agents (also what a run killed mid-map left of them). */
export function agentSlots(job: JobSession): AgentSlots {
  return new AgentSlots(job.ctx.cwd, job.manager.paths.worktreesDir, job.state.job_id);
}

export class MapPhase {
  private readonly agents: AgentRunner;
  private readonly outcomes: ItemOutcomes;
  private mergeChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly job: JobSession) {
    this.agents = new AgentRunner(job);
    this.outcomes = new ItemOutcomes(job, () => this.agents.running);
  }

  /** Runs the items with at most max_parallel agents; undefined when all finished, a result when stopped. */
  async map(items: WorkItem[]): Promise<LoopResult | undefined> {
    const { ctx } = this.job;
    // The items waiting for an agent, and what an outcome does to its item.
    const q = this.outcomes;
    const parallel = Math.max(1, Math.min(this.maxParallel(), items.length));
    ctx.log.message('progress', `Processing ${items.length} items with ${parallel} parallel agents`);
    if (q.policy.unsupportedAction)
      ctx.log.message(
        'warning',
        `on_item_failure: ${q.policy.unsupportedAction} is not supported; failed items go to the dead-letter queue`,
      );
    q.queue = await q.continueKeptRetries(items);
    const finishing: Promise<void>[] = [];
    let stopped = false;
    const slots = agentSlots(this.job);
    this.agents.slots = slots;
    const worker = async (slot: number) => {
      // A spent Claude budget starts no new agent; the ones running finish their call in flight.
      while (q.queue.length && !ctx.signal.aborted && !q.stopping && !ctx.claudeUsage.stopReason) {
        // An open circuit breaker starts no agent until its timeout; half-open, only its trial agents.
        if (q.breaker && !q.breaker.tryStart()) {
          await abortableSleep(Math.min(Math.max(q.breaker.waitMs(), 50), 1_000), ctx.signal);
          continue;
        }
        const item = q.queue.shift()!;
        const attempt = (q.attempts.get(item.id) ?? 0) + 1;
        q.attempts.set(item.id, attempt);
        const ran = await this.agents.runAgent(item, slot, attempt);
        if (ran.outcome?.status === 'stopped') {
          stopped = true;
          continue;
        }
        // Merging and clean-up queue up one at a time, off the slot: the next agent starts now.
        const finished = this.serialized(() => this.agents.finishAgent(ran)).then((o) => q.record(o));
        finishing.push(finished);
        // A failure is counted before this slot takes another item: the error policy may stop the job.
        if (ran.outcome?.status === 'failed') await finished;
      }
    };
    try {
      // Again while a retried item came back after every worker had finished.
      do {
        await Promise.all(Array.from({ length: parallel }, (_, slot) => worker(slot)));
        await Promise.all(finishing);
        // Items waiting out a retry backoff come back in the queue (or not, when the run is stopped meanwhile).
        while (q.delayed.length) await Promise.all(q.delayed.splice(0));
      } while (q.queue.length && !stopped && !ctx.signal.aborted && !q.stopping && !ctx.claudeUsage.stopReason);
    } finally {
      q.errors.flush();
      await slots.dispose();
    }
    if (stopped || ctx.signal.aborted || ctx.claudeUsage.stopReason) return this.job.pause();
    if (q.stopping)
      return this.job.fail(
        `Map phase stopped: ${q.stopping}. Items not run yet are kept; after fixing the cause, resume runs them; ${nextStep({ kind: 'retry-failed-items', sessionId: ctx.sessionId, lead: 'retry the failed items' })}`,
      );
    return undefined;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.mergeChain.then(fn, fn);
    this.mergeChain = next.catch(() => undefined);
    return next;
  }

  private maxParallel(): number {
    return this.job.number(this.job.spec.map.max_parallel) ?? 10;
  }
}
