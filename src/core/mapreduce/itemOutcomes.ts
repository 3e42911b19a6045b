// What a finished agent's outcome does to its work item in a MapReduce map phase: the item runs again
// (error_policy retry, after retry_config's backoff within its budget, continued across a resume), or its result is
// recorded: the job state, the dead-letter queue or a skip, the circuit breaker, the error policy's stop, the
// session record and the events. It keeps the items waiting for an agent, which the map phase takes from.
import { durationFromMs, nowTimestamp } from '../model/serde';
import { nextStep } from '../nextStep';
import { abortableSleep, backoffDelay, isRetryable, jittered } from '../steps/retry';
import type { AgentOutcome } from './agentRun';
import { CircuitBreaker } from './circuitBreaker';
import type { DeadLetteredItem } from './deadLetterQueue';
import { ErrorReport } from './errorReport';
import { failurePolicyOf, stopReason, type FailurePolicy } from './failurePolicy';
import { clearItemRetry, keepItemRetry, keptItemRetries } from './itemRetryState';
import type { AgentResult } from './jobState';
import type { JobSession } from './jobSession';
import type { WorkItem } from './workItems';

export class ItemOutcomes {
  readonly policy: FailurePolicy;
  /** Items waiting for an agent (a retried item comes back here). */
  queue: WorkItem[] = [];
  /** Attempts at each item in this run (on_item_failure: retry). */
  readonly attempts = new Map<string, number>();
  /** Set when the error policy ends the map phase: no new agent starts. */
  stopping: string | null = null;
  /** Items waiting out their retry_config backoff before they go back in the queue. */
  readonly delayed: Promise<void>[] = [];
  /** The retry waits each item has had in this run (for retry_budget). */
  private readonly waited = new Map<string, number>();
  /** When each item's retry_budget expires (set at its first failure; a resume checks it). */
  private readonly budgetExpiry = new Map<string, number>();
  /** Items resumed past their kept budget expiry: not run again. */
  private readonly budgetSpent = new Set<string>();
  readonly errors: ErrorReport;
  readonly breaker: CircuitBreaker | undefined;

  constructor(
    private readonly job: JobSession,
    /** The agents running now (the record's agent_count). */
    private readonly running: () => number,
  ) {
    const { ctx, spec } = job;
    this.policy = failurePolicyOf(spec.error_policy, spec.policies);
    this.errors = new ErrorReport(spec.policies?.error_collection ?? { mode: 'aggregate' }, (text) =>
      ctx.log.message('warning', text),
    );
    const breaker = spec.policies?.circuit_breaker;
    this.breaker = breaker ? new CircuitBreaker(breaker) : undefined;
  }

  async record(o: AgentOutcome): Promise<void> {
    const { ctx } = this.job;
    const s = this.job.state;
    const attempt = this.attempts.get(o.item.id) ?? 1;
    this.recordInBreaker(o);
    const again = o.status === 'failed' ? this.retryDelay(o, attempt) : null;
    if (again !== null) {
      const budget = this.policy.retry?.retry_budget;
      if (budget !== undefined && !this.budgetExpiry.has(o.item.id))
        this.budgetExpiry.set(o.item.id, Date.now() + budget);
      const expiry = this.budgetExpiry.get(o.item.id);
      keepItemRetry(s, o.item.id, {
        attempt,
        last_error: ctx.masker.mask(o.error ?? 'failed'),
        total_delay_ms: this.waited.get(o.item.id) ?? 0,
        retry_budget_expires_at: expiry === undefined ? null : new Date(expiry).toISOString(),
        next_attempt_at: new Date(Date.now() + again).toISOString(),
      });
      ctx.log.message(
        'warning',
        `Item ${o.item.id} failed (attempt ${attempt} of ${this.policy.attempts}): ${ctx.masker.mask(o.error ?? 'failed')}; running it again${again ? ` in ${(again / 1_000).toFixed(again < 10_000 ? 2 : 1)}s` : ''}`,
      );
      this.job.listener({
        type: 'agent-retrying',
        sessionId: ctx.sessionId,
        itemId: o.item.id,
        error: ctx.masker.mask(o.error ?? 'failed'),
        attempt: attempt + 1,
        backoffMs: again,
      });
      if (!again) this.queue.push(o.item);
      else
        this.delayed.push(
          abortableSleep(again, ctx.signal).then((waited) => {
            if (waited) this.queue.push(o.item);
          }),
        );
      return;
    }
    const result: AgentResult = {
      item_id: o.item.id,
      status: o.status === 'success' ? 'Success' : { Failed: ctx.masker.mask(o.error ?? 'failed') },
      commits: o.commits,
      duration: durationFromMs(o.durationMs),
      ...(o.error ? { error: ctx.masker.mask(o.error) } : {}),
      ...(o.branchKept ? { branch_name: o.branchKept } : {}),
      // The agent's (last) Claude stream, as Prodigy names it; the agent's own log when it made no Claude call.
      json_log_location: o.claude?.json_log_location ?? o.logFile,
      ...(o.claude ? { claude: o.claude } : {}),
    };
    s.agent_results[o.item.id] = result;
    clearItemRetry(s, o.item.id);
    if (!s.completed_agents.includes(o.item.id)) s.completed_agents.push(o.item.id);
    s.pending_items = s.pending_items.filter((i) => i !== o.item.id);
    // Announced after the agent's own end, as Prodigy orders them (agent failed, then the item in the DLQ).
    let deadLettered: DeadLetteredItem | undefined;
    if (o.status === 'success') {
      s.successful_count++;
      this.job.dlq.remove(o.item.id);
    } else {
      s.failed_count++;
      const error = ctx.masker.mask(o.error ?? 'failed');
      s.failed_agents[o.item.id] = {
        item_id: o.item.id,
        attempts: (s.item_retry_counts[o.item.id] ?? 0) + attempt,
        last_error: error,
        last_attempt: nowTimestamp(),
        worktree_info: null,
      };
      const skip =
        this.policy.action === 'skip' || (o.timedOut && this.job.spec.map.timeout_config?.timeout_action === 'skip');
      if (skip) {
        this.errors.add(
          `Item ${o.item.id} failed: ${error} (skipped: ${this.policy.action === 'skip' ? 'on_item_failure' : 'timeout_action'} is skip)`,
        );
      } else {
        const added = this.job.dlq.add(
          o.item.id,
          o.item.data,
          {
            error_type: o.errorType ?? 'Unknown',
            error_message: error,
            agent_id: `agent-${o.item.id}`,
            step_failed: 'agent_execution',
            duration_ms: Math.round(o.durationMs),
            json_log_location: o.claude?.json_log_location ?? o.logFile,
          },
          o.branchKept
            ? { worktree_path: '', branch_name: o.branchKept, uncommitted_changes: null, error_logs: [o.logFile] }
            : null,
        );
        deadLettered = added;
        this.errors.add(
          `Item ${o.item.id} failed: ${error} (in the dead-letter queue; ${nextStep({ kind: 'retry-failed-items', sessionId: ctx.sessionId })})`,
        );
      }
      const timeoutFails = o.timedOut && this.job.spec.map.timeout_config?.timeout_action === 'fail';
      const reason = this.stopping
        ? null
        : timeoutFails
          ? `item ${o.item.id} timed out (timeout_action: fail)`
          : stopReason(this.policy, s.failed_count, s.total_items);
      if (reason) {
        this.stopping = reason;
        ctx.log.message('error', `Stopping the map phase: ${reason}; agents already running finish, no new one starts`);
      }
    }
    this.job.store.save(s);
    await this.job.manager.updateSession(ctx.sessionId, {
      mapreduce_data: {
        processed_items: s.successful_count + s.failed_count,
        failed_items: s.failed_count,
        agent_count: this.running(),
      },
    });
    this.job.listener({
      type: 'agent-finished',
      sessionId: ctx.sessionId,
      itemId: o.item.id,
      agentId: '',
      success: o.status === 'success',
      error: result.error ?? null,
      processed: s.successful_count + s.failed_count,
      failed: s.failed_count,
      total: s.total_items,
      durationMs: o.durationMs,
      commits: o.commits,
      jsonLogLocation: result.json_log_location,
    });
    if (deadLettered)
      this.job.listener({
        type: 'dlq-item-added',
        sessionId: ctx.sessionId,
        itemId: o.item.id,
        errorSignature: deadLettered.error_signature,
        failureCount: deadLettered.failure_count,
      });
  }

  /**
   * The items to start with: those with a retry kept from a stopped run continue it (their attempt count, waits and
   * budget expiry restored; queued after what was left of their wait); one whose kept budget expired fails now,
   * without another attempt, as the retry-budget page documents for a resume.
   */
  async continueKeptRetries(items: WorkItem[]): Promise<WorkItem[]> {
    const { ctx } = this.job;
    const kept = keptItemRetries(this.job.state);
    const ready: WorkItem[] = [];
    for (const item of items) {
      const k = kept[item.id];
      if (!k) {
        ready.push(item);
        continue;
      }
      this.attempts.set(item.id, k.attempt);
      this.waited.set(item.id, k.total_delay_ms);
      const expiry = k.retry_budget_expires_at ? Date.parse(k.retry_budget_expires_at) : undefined;
      if (expiry !== undefined) this.budgetExpiry.set(item.id, expiry);
      const logFile = this.job.manager.paths.agentLogFile(ctx.sessionId, item.id);
      if (expiry !== undefined && Date.now() >= expiry) {
        const error = `${k.last_error} (retry budget exhausted after ${k.attempt} attempts)`;
        this.budgetSpent.add(item.id);
        await this.record({ item, status: 'failed', error, durationMs: 0, commits: [], logFile });
        continue;
      }
      const rest = Math.max(0, Date.parse(k.next_attempt_at) - Date.now());
      ctx.log.message(
        'progress',
        `Item ${item.id}: resuming its retry (attempt ${k.attempt + 1} of ${this.policy.attempts})${rest ? ` in ${(rest / 1_000).toFixed(2)}s` : ''}`,
      );
      if (!rest) ready.push(item);
      else
        this.delayed.push(
          abortableSleep(rest, ctx.signal).then((waited) => {
            if (waited) this.queue.push(item);
          }),
        );
    }
    return ready;
  }

  /**
   * The wait before a failed item runs again (0: at once), or null when it does not: on_item_failure is not
   * retry, its attempts are used up, its error matches no retry_on entry, or the wait would pass retry_budget.
   */
  private retryDelay(o: AgentOutcome, attempt: number): number | null {
    if (attempt >= this.policy.attempts || this.stopping || this.job.ctx.signal.aborted) return null;
    const spec = this.policy.retry;
    if (!spec) return 0;
    if (!isRetryable(spec.retry_on, o.error ?? '') || this.budgetSpent.has(o.item.id)) return null;
    const delay = jittered(backoffDelay(spec, attempt), spec.jitter, Math.random());
    const waited = (this.waited.get(o.item.id) ?? 0) + delay;
    if (spec.retry_budget !== undefined && waited > spec.retry_budget) return null;
    this.waited.set(o.item.id, waited);
    return delay;
  }

  private recordInBreaker(o: AgentOutcome): void {
    const change = this.breaker?.record(o.status === 'success');
    const spec = this.job.spec.policies?.circuit_breaker;
    if (!change || !spec) return;
    const words = {
      open: `Circuit breaker open (${o.item.id} failed): no new agent starts for ${spec.timeout / 1_000}s`,
      'half-open': 'Circuit breaker half-open',
      closed: `Circuit breaker closed after ${spec.success_threshold} successful items: agents start again`,
    };
    this.job.ctx.log.message(change === 'closed' ? 'info' : 'warning', words[change]);
  }
}
