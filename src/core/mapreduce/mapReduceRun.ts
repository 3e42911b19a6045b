// A MapReduce job as one session (prodigy-workflows.md §2.3, §6.8): setup in the session's
// worktree, then one agent per work item (at most max_parallel at once), each in its own
// worktree, its work merged back one at a time (a conflict fails that item, never the job),
// failed items to the dead-letter queue, then reduce. Job state is saved after setup, after every
// item and after every reduce step, so a resume runs only what did not finish.
import { headCommit, readHeadSync, runGit } from '../git';
import { errorMessage } from '../errors';
import type { MapReducePhase } from '../model/session';
import { durationFromMs, nowTimestamp } from '../model/serde';
import type { SessionManager, SessionPatch } from '../sessions/sessionManager';
import type { EngineListener } from '../steps/events';
import { interpolate, renderValue, type Variables } from '../steps/interpolation';
import type { MapReduceSpec } from '../workflow/model';
import type { RunContext } from '../steps/runContext';
import { SessionLog } from '../steps/sessionLog';
import { executeStep } from '../steps/stepExecutor';
import { enterStep } from '../steps/stepVariables';
import { conflictResolver } from '../steps/mergeConflicts';
import type { LoopResult } from '../steps/runContext';
import { AgentSlots, mergeAgent, type AgentWorktree } from './agentWorktree';
import { DeadLetterQueue, type DeadLetteredItem, type FailureType } from './deadLetterQueue';
import { failurePolicyOf, stopReason, type FailurePolicy } from './failurePolicy';
import { JOB_SNAPSHOT_KEY, JobStore, type AgentResult, type JobSnapshot, type JobState } from './jobState';
import { itemVariables, loadWorkItems, type WorkItem } from './workItems';
import { sumCalls } from '../claude/totals';
import type { ClaudeCall } from '../claude/types';
import { nextStep, nextStepSentence } from '../nextStep';
import { abortableSleep, backoffDelay, isRetryable, jittered } from '../steps/retry';
import { CircuitBreaker } from './circuitBreaker';
import { clearItemRetry, keepItemRetry, keptItemRetries } from './itemRetryState';
import { ErrorReport } from './errorReport';
import { agentTimeouts, isCommandTimeout } from './timeouts';

/** An agent whose steps have run (`outcome` set when it already failed or was stopped). */
interface AgentRun {
  item: WorkItem;
  agentId: string;
  logFile: string;
  started: number;
  wt?: AgentWorktree;
  /** The Claude calls of its steps, in order. */
  calls: ClaudeCall[];
  /** The item branch's commit when its steps ended (the slot moves on to other items). */
  head?: string | null;
  outcome?: AgentOutcome;
}

interface AgentOutcome {
  item: WorkItem;
  status: 'success' | 'failed' | 'stopped';
  error?: string;
  errorType?: FailureType;
  durationMs: number;
  commits: string[];
  branchKept?: string;
  logFile: string;
  /** Its Claude calls summed (null without any). */
  claude?: ClaudeCall | null;
  /** It failed because a time limit ran out (agent_timeout_secs, timeout_config): timeout_action applies. */
  timedOut?: boolean;
}

export class MapReduceRun {
  private running = 0;
  private slots: AgentSlots | undefined;
  private mergeChain: Promise<unknown> = Promise.resolve();
  private readonly policy: FailurePolicy;
  /** Items waiting for an agent (a retried item comes back here). */
  private queue: WorkItem[] = [];
  /** Attempts at each item in this run (on_item_failure: retry). */
  private readonly attempts = new Map<string, number>();
  /** Set when the error policy ends the map phase: no new agent starts. */
  private stopping: string | null = null;
  /** Items waiting out their retry_config backoff before they go back in the queue. */
  private delayed: Promise<void>[] = [];
  /** The retry waits each item has had in this run (for retry_budget). */
  private readonly waited = new Map<string, number>();
  /** When each item's retry_budget expires (set at its first failure; a resume checks it). */
  private readonly budgetExpiry = new Map<string, number>();
  /** Items resumed past their kept budget expiry: not run again. */
  private readonly budgetSpent = new Set<string>();
  private readonly errors: ErrorReport;
  private readonly breaker: CircuitBreaker | undefined;

  constructor(
    private readonly manager: SessionManager,
    private readonly ctx: RunContext,
    private readonly spec: MapReduceSpec,
    private readonly store: JobStore,
    private readonly dlq: DeadLetterQueue,
    private readonly state: JobState,
    private readonly listener: EngineListener,
  ) {
    this.policy = failurePolicyOf(spec.error_policy, spec.policies);
    this.errors = new ErrorReport(spec.policies?.error_collection ?? { mode: 'aggregate' }, (text) =>
      ctx.log.message('warning', text),
    );
    const breaker = spec.policies?.circuit_breaker;
    this.breaker = breaker ? new CircuitBreaker(breaker) : undefined;
  }

  async execute(): Promise<LoopResult> {
    const { ctx } = this;
    try {
      this.restoreVariables();
      if (!this.state.setup_completed) {
        const setup = await this.setup();
        if (setup) return setup;
      }
      if (ctx.signal.aborted) return this.pause();
      if (!this.state.config.items_loaded) {
        const loaded = await this.loadItems();
        if (loaded) return loaded;
      }
      if (this.state.total_items === 0) {
        ctx.log.message('info', 'No work items to process');
        return this.complete();
      }
      const pending = this.pendingItems();
      if (pending.length) {
        await this.phase('Map');
        const map = await this.map(pending);
        if (map) return map;
      } else {
        // Resumed after every item finished: a run killed before its map phase ended (kill -9, a crash) left
        // slots and merged agent branches that no map phase of this run removes.
        await this.agentSlots().dispose();
      }
      const s = this.state;
      ctx.log.message(
        s.failed_count ? 'warning' : 'success',
        `Map phase completed: ${s.successful_count} successful, ${s.failed_count} failed (total: ${s.total_items})`,
      );
      if (pending.length) await this.checkpoint('map completed');
      const reduce = await this.reduce();
      if (reduce) return reduce;
      return this.complete();
    } catch (err) {
      return this.fail(errorMessage(err));
    }
  }

  /**
   * Runs the dead-letter queue's items again (after the cause was fixed); no reduce. `itemIds`: only these
   * (Retry This Item); an id not in the queue is ignored.
   */
  async retryFailed(
    itemIds?: readonly string[],
  ): Promise<{ retried: number; succeeded: number; failed: number; stopped: boolean }> {
    const items = this.dlq
      .list()
      .filter((d) => !itemIds || itemIds.includes(d.item_id))
      .map((d) => ({ id: d.item_id, index: Number(d.item_id.replace(/^item_/, '')), data: d.item_data }));
    if (items.length === 0) return { retried: 0, succeeded: 0, failed: 0, stopped: false };
    // The agents see what setup captured, as they did the first time.
    this.restoreVariables();
    for (const item of items) {
      this.state.item_retry_counts[item.id] = (this.state.item_retry_counts[item.id] ?? 0) + 1;
      delete this.state.failed_agents[item.id];
      this.state.completed_agents = this.state.completed_agents.filter((i) => i !== item.id);
      this.state.failed_count = Math.max(0, this.state.failed_count - 1);
    }
    const before = this.state.successful_count;
    const stopped = await this.map(items);
    return {
      retried: items.length,
      succeeded: this.state.successful_count - before,
      failed: this.dlq.list().length,
      stopped: stopped !== undefined,
    };
  }

  /**
   * A Completed job's reduce run again keeps the record Completed (a finished session does not run again, as a
   * retry of its items does not): how the run went is in its outcome, its log and the job state.
   */
  private keepStatus = false;

  /**
   * Runs the reduce phase again from its first step, with every item's result as it is now: after failed items
   * succeeded on a retry, the reduce that ran before them summed up a job without them. For a job whose map
   * phase is over. `keepStatus`: the session is Completed and stays so.
   */
  async rerunReduce(keepStatus: boolean): Promise<LoopResult> {
    this.keepStatus = keepStatus;
    try {
      this.restoreVariables();
      this.state.reduce_phase_state = null;
      this.store.save(this.state);
      const reduce = await this.reduce();
      if (reduce) return reduce;
      return await this.complete();
    } catch (err) {
      return this.fail(errorMessage(err));
    }
  }

  // ---- phases --------------------------------------------------------------------------

  private async setup(): Promise<LoopResult | undefined> {
    const { ctx } = this;
    await this.phase('Setup');
    const steps = this.spec.setup.steps;
    if (steps.length) ctx.log.message('progress', 'Running setup phase...');
    const timeout = this.seconds(this.spec.setup.timeout);
    const timer = timeout ? setTimeout(() => this.setupTimedOut.abort(), timeout * 1000) : undefined;
    const outputs: string[] = [];
    try {
      const setupCtx = { ...ctx, signal: AbortSignal.any([ctx.signal, this.setupTimedOut.signal]) };
      for (let i = 0; i < steps.length; i++) {
        ctx.log.message('progress', `Setup step ${i + 1}/${steps.length}: ${steps[i].display}`);
        enterStep(setupCtx, steps[i], i);
        const r = await executeStep(steps[i], setupCtx);
        if (r.status === 'stopped')
          return this.setupTimedOut.signal.aborted
            ? this.fail(`Setup phase timed out after ${timeout} seconds`)
            : this.pause();
        if (r.status === 'failed') return this.fail(`Setup command ${i + 1} failed: ${r.error}`);
        outputs.push(r.output);
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
    for (const [name, from] of Object.entries(this.spec.setup.capture_outputs)) {
      if (typeof from === 'number' && outputs[from] !== undefined) ctx.vars[name] = outputs[from].replace(/\n+$/, '');
    }
    this.state.setup_completed = true;
    this.state.setup_output = ctx.masker.mask(outputs.join(''));
    this.state.variables = this.persistedVariables();
    this.store.save(this.state);
    if (steps.length) ctx.log.message('success', 'Setup phase completed');
    await this.checkpoint('setup completed', { mapreduce_data: { phase: 'Map' } });
    return undefined;
  }

  private readonly setupTimedOut = new AbortController();

  private async loadItems(): Promise<LoopResult | undefined> {
    const { ctx } = this;
    const map = this.spec.map;
    let items: WorkItem[];
    try {
      items = await loadWorkItems(
        {
          input: interpolate(map.input, ctx.vars),
          json_path: map.json_path,
          filter: map.filter,
          sort_by: map.sort_by,
          max_items: map.max_items,
          offset: map.offset,
          distinct: map.distinct,
        },
        { cwd: ctx.cwd, env: ctx.env, signal: ctx.signal, groups: ctx.groups },
      );
    } catch (err) {
      if (ctx.signal.aborted) return this.pause();
      return this.fail(`Could not load work items: ${errorMessage(err)}`);
    }
    this.state.work_items = items.map((i) => i.data);
    this.state.total_items = items.length;
    this.state.pending_items = items.map((i) => i.id);
    this.state.config.items_loaded = true;
    this.store.save(this.state);
    await this.manager.updateSession(ctx.sessionId, { mapreduce_data: { total_items: items.length } });
    return undefined;
  }

  private pendingItems(): WorkItem[] {
    const done = new Set(this.state.completed_agents);
    return this.state.work_items
      .map((data, index) => ({ id: `item_${index}`, index, data }))
      .filter((i) => !done.has(i.id));
  }

  /** Runs the items with at most max_parallel agents; undefined when all finished, a result when stopped. */
  private async map(items: WorkItem[]): Promise<LoopResult | undefined> {
    const { ctx } = this;
    const parallel = Math.max(1, Math.min(this.maxParallel(), items.length));
    ctx.log.message('progress', `Processing ${items.length} items with ${parallel} parallel agents`);
    if (this.policy.unsupportedAction)
      ctx.log.message(
        'warning',
        `on_item_failure: ${this.policy.unsupportedAction} is not supported; failed items go to the dead-letter queue`,
      );
    this.queue = await this.continueKeptRetries(items);
    const finishing: Promise<void>[] = [];
    let stopped = false;
    const slots = this.agentSlots();
    this.slots = slots;
    const worker = async (slot: number) => {
      // A spent Claude budget starts no new agent; the ones running finish their call in flight.
      while (this.queue.length && !ctx.signal.aborted && !this.stopping && !ctx.claudeUsage.stopReason) {
        // An open circuit breaker starts no agent until its timeout; half-open, only its trial agents.
        if (this.breaker && !this.breaker.tryStart()) {
          await abortableSleep(Math.min(Math.max(this.breaker.waitMs(), 50), 1_000), ctx.signal);
          continue;
        }
        const item = this.queue.shift()!;
        this.attempts.set(item.id, (this.attempts.get(item.id) ?? 0) + 1);
        const ran = await this.runAgent(item, slot);
        if (ran.outcome?.status === 'stopped') {
          stopped = true;
          continue;
        }
        // Merging and clean-up queue up one at a time, off the slot: the next agent starts now.
        const finished = this.serialized(() => this.finishAgent(ran)).then((o) => this.record(o));
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
        while (this.delayed.length) await Promise.all(this.delayed.splice(0));
      } while (this.queue.length && !stopped && !ctx.signal.aborted && !this.stopping && !ctx.claudeUsage.stopReason);
    } finally {
      this.errors.flush();
      await slots.dispose();
    }
    if (stopped || ctx.signal.aborted || ctx.claudeUsage.stopReason) return this.pause();
    if (this.stopping)
      return this.fail(
        `Map phase stopped: ${this.stopping}. Items not run yet are kept; after fixing the cause, resume runs them; ${nextStep({ kind: 'retry-failed-items', sessionId: ctx.sessionId, lead: 'retry the failed items' })}`,
      );
    return undefined;
  }

  /** Runs an agent's steps in its worktree and commits what it left uncommitted. */
  private async runAgent(item: WorkItem, slot: number): Promise<AgentRun> {
    const { ctx } = this;
    const retry = this.state.item_retry_counts[item.id] ?? 0;
    const attempt = this.attempts.get(item.id) ?? 1;
    // Each attempt its own agent (and branch): a failed attempt's commits stay on theirs.
    const agentId = `${this.state.job_id}_agent_${item.index}${retry ? `_retry${retry}` : ''}${attempt > 1 ? `_attempt${attempt}` : ''}`;
    const logFile = this.manager.paths.agentLogFile(ctx.sessionId, item.id);
    const started = performance.now();
    this.running++;
    this.listener({
      type: 'agent-started',
      sessionId: ctx.sessionId,
      itemId: item.id,
      agentId,
      running: this.running,
      attempt,
      worktree: this.slots!.slotPath(slot),
    });
    const log = new SessionLog(ctx.sessionId, logFile, ctx.masker, this.listener);
    const run: AgentRun = { item, agentId, logFile, started, calls: [] };
    const end = (status: AgentOutcome['status'], extra: Partial<AgentOutcome> = {}): AgentRun => {
      run.outcome = {
        item,
        status,
        durationMs: performance.now() - started,
        commits: [],
        logFile,
        claude: sumCalls(run.calls, `item ${item.id}`),
        ...extra,
      };
      run.head = run.wt ? readHeadSync(run.wt.path) : null;
      return run;
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      log.note(`=== ${new Date().toISOString()} agent ${agentId} for ${item.id}`);
      try {
        run.wt = await this.slots!.checkout(slot, agentId);
      } catch (err) {
        return end('failed', {
          error: `Could not create the agent's worktree: ${errorMessage(err)}`,
          errorType: 'WorktreeError',
        });
      }
      // agent_timeout_secs / timeout_config: the agent's steps are stopped and the item fails with a Timeout.
      const timeouts = agentTimeouts(this.spec.map, (v) => this.seconds(v));
      const grace = this.spec.map.timeout_config?.cleanup_grace_period_secs;
      const limit = timeouts.agentLimit;
      const timedOut = new AbortController();
      timer = limit ? setTimeout(() => timedOut.abort(), limit * 1000) : undefined;
      const agentCtx: RunContext = {
        ...ctx,
        cwd: run.wt.path,
        log,
        vars: { ...ctx.vars, ...itemVariables(item) },
        env: { ...ctx.env, PRODIGY_WORKTREE: run.wt.path },
        itemId: item.id,
        signal: limit ? AbortSignal.any([ctx.signal, timedOut.signal]) : ctx.signal,
        // timeout_config.cleanup_grace_period_secs: what a stopped agent's processes get to clean up.
        killGraceMs: grace === undefined ? ctx.killGraceMs : grace * 1000,
      };
      const steps = timeouts.steps;
      for (let i = 0; i < steps.length; i++) {
        log.message('progress', `Agent ${agentId}: Executing step ${i + 1}/${steps.length}: ${steps[i].display}`);
        enterStep(agentCtx, steps[i], i);
        const r = await executeStep(steps[i], agentCtx);
        run.calls.push(...r.claude);
        if (r.status === 'stopped' && timedOut.signal.aborted && !ctx.signal.aborted) {
          log.message('error', `Agent ${agentId} timed out after ${limit} s (agent_timeout_secs)`);
          return end('failed', {
            error: `Agent timed out after ${limit} seconds (agent_timeout_secs) in step ${i + 1}: ${steps[i].display}`,
            errorType: 'Timeout',
            timedOut: true,
          });
        }
        if (r.status === 'stopped') return end('stopped');
        if (r.status === 'failed') {
          // A step's own limit (its timeout:, or timeout_config's command_timeouts) is a timeout too.
          const timeout = this.spec.map.timeout_config !== undefined && isCommandTimeout(r.error);
          // Prodigy's DLQ types a command that exited non-zero {"CommandFailed": {"exit_code": n}}.
          const errorType: FailureType = timeout
            ? 'Timeout'
            : r.exitCode !== undefined && r.exitCode !== 0
              ? { CommandFailed: { exit_code: r.exitCode } }
              : 'Unknown';
          return end('failed', { error: r.error, errorType, timedOut: timeout });
        }
      }
      // Files an agent changed but did not commit would vanish with its worktree: commit them.
      const status = (await runGit(run.wt.path, ['status', '--porcelain', '--ignored'], { allowFail: true })).stdout
        .split('\n')
        .filter(Boolean);
      if (status.some((l) => !l.startsWith('!!'))) {
        await runGit(run.wt.path, ['add', '-A']);
        await runGit(run.wt.path, ['commit', '-q', '-m', `Agent ${agentId}: ${item.id}`], { allowFail: true });
      }
      run.head = readHeadSync(run.wt.path) ?? (await headCommit(run.wt.path));
      // Ignored files (build output) would leak into the slot's next item: then it gets a `git clean`.
      if (!status.some((l) => l.startsWith('!!'))) this.slots!.markClean(slot);
      return run;
    } finally {
      if (timer) clearTimeout(timer);
      this.running--;
      log.close();
    }
  }

  /** Merges a finished agent's work into the session (callers serialize this); its slot takes the next item. */
  private async finishAgent(run: AgentRun): Promise<AgentOutcome> {
    const { ctx } = this;
    const { item, wt } = run;
    const done = (status: AgentOutcome['status'], extra: Partial<AgentOutcome> = {}): AgentOutcome => ({
      item,
      status,
      durationMs: performance.now() - run.started,
      commits: [],
      logFile: run.logFile,
      claude: sumCalls(run.calls, `item ${item.id}`),
      ...extra,
    });
    // Branches the session merged go when the map phase ends (AgentSlots.dispose); the others keep their work.
    let outcome = run.outcome;
    if (!outcome && wt) {
      const head = run.head ?? wt.base;
      const commits = head !== wt.base ? [head] : [];
      const merged = await mergeAgent(
        ctx.cwd,
        wt,
        head,
        `Merge agent ${wt.branch} (${item.id})`,
        conflictResolver(ctx),
      );
      if (merged.status === 'merged' && merged.resolved)
        ctx.log.message('success', `Claude resolved the conflicts of ${item.id} in ${merged.resolved.join(', ')}`);
      if (merged.status === 'conflict') {
        outcome = done('failed', {
          error: `Merging ${item.id} into the session conflicts in ${merged.conflicts.join(', ')}; its work is kept on branch ${wt.branch}`,
          errorType: 'MergeConflict',
          commits,
          branchKept: wt.branch,
        });
      } else if (merged.status === 'failed') {
        outcome = done('failed', {
          error: `Merging ${item.id} failed: ${merged.error}; its work is kept on branch ${wt.branch}`,
          errorType: 'Unknown',
          commits,
          branchKept: wt.branch,
        });
      } else outcome = done('success', { commits });
    } else if (wt) {
      // A failed agent's commits (if any) stay on its branch.
      if (run.head !== null && run.head !== undefined && run.head !== wt.base)
        outcome = { ...outcome!, branchKept: wt.branch };
    }
    return outcome ?? done('failed', { error: 'the agent did not run', errorType: 'Unknown' });
  }

  private agentSlots(): AgentSlots {
    return new AgentSlots(this.ctx.cwd, this.manager.paths.worktreesDir, this.state.job_id);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.mergeChain.then(fn, fn);
    this.mergeChain = next.catch(() => undefined);
    return next;
  }

  private async record(o: AgentOutcome): Promise<void> {
    const { ctx } = this;
    const s = this.state;
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
      this.listener({
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
      this.dlq.remove(o.item.id);
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
        this.policy.action === 'skip' || (o.timedOut && this.spec.map.timeout_config?.timeout_action === 'skip');
      if (skip) {
        this.errors.add(
          `Item ${o.item.id} failed: ${error} (skipped: ${this.policy.action === 'skip' ? 'on_item_failure' : 'timeout_action'} is skip)`,
        );
      } else {
        const added = this.dlq.add(
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
      const timeoutFails = o.timedOut && this.spec.map.timeout_config?.timeout_action === 'fail';
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
    this.store.save(s);
    await this.manager.updateSession(ctx.sessionId, {
      mapreduce_data: {
        processed_items: s.successful_count + s.failed_count,
        failed_items: s.failed_count,
        agent_count: this.running,
      },
    });
    this.listener({
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
      this.listener({
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
  private async continueKeptRetries(items: WorkItem[]): Promise<WorkItem[]> {
    const { ctx } = this;
    const kept = keptItemRetries(this.state);
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
      const logFile = this.manager.paths.agentLogFile(ctx.sessionId, item.id);
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
    if (attempt >= this.policy.attempts || this.stopping || this.ctx.signal.aborted) return null;
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
    const spec = this.spec.policies?.circuit_breaker;
    if (!change || !spec) return;
    const words = {
      open: `Circuit breaker open (${o.item.id} failed): no new agent starts for ${spec.timeout / 1_000}s`,
      'half-open': 'Circuit breaker half-open',
      closed: `Circuit breaker closed after ${spec.success_threshold} successful items: agents start again`,
    };
    this.ctx.log.message(change === 'closed' ? 'info' : 'warning', words[change]);
  }

  private async reduce(): Promise<LoopResult | undefined> {
    const { ctx } = this;
    const steps = this.spec.reduce;
    if (steps.length === 0) return undefined;
    await this.phase('Reduce');
    const s = this.state;
    s.reduce_phase_state ??= {
      started: true,
      completed: false,
      executed_commands: 0,
      output: null,
      error: null,
      started_at: nowTimestamp(),
      completed_at: null,
    };
    const results = s.work_items.map((_, i) => s.agent_results[`item_${i}`]).filter(Boolean);
    Object.assign(ctx.vars, {
      'map.total': s.total_items,
      'map.successful': s.successful_count,
      'map.failed': s.failed_count,
      'map.results': results,
    });
    ctx.log.message(
      'info',
      `Reduce phase input: ${s.total_items} items (${s.successful_count} successful, ${s.failed_count} failed)`,
    );
    for (let i = s.reduce_phase_state.executed_commands; i < steps.length; i++) {
      ctx.log.message('progress', `Reduce phase: Executing step ${i + 1}/${steps.length}: ${steps[i].display}`);
      enterStep(ctx, steps[i], i);
      const r = await executeStep(steps[i], ctx);
      if (r.status === 'stopped') return this.pause();
      if (r.status === 'failed') {
        s.reduce_phase_state.error = ctx.masker.mask(r.error ?? 'failed');
        this.store.save(s);
        return this.fail(`Reduce step ${i + 1} failed: ${r.error}`);
      }
      s.reduce_phase_state.executed_commands = i + 1;
      s.variables = this.persistedVariables();
      this.store.save(s);
    }
    s.reduce_phase_state.completed = true;
    s.reduce_phase_state.completed_at = nowTimestamp();
    this.store.save(s);
    ctx.log.message('success', 'Reduce phase completed');
    return undefined;
  }

  // ---- endings -------------------------------------------------------------------------

  private async complete(): Promise<LoopResult> {
    this.state.is_complete = true;
    this.store.save(this.state);
    await this.checkpoint('job completed', { mapreduce_data: { phase: 'Complete', agent_count: 0 } });
    this.listener({ type: 'phase', sessionId: this.ctx.sessionId, phase: 'Complete', total: this.state.total_items });
    if (!this.keepStatus) await this.manager.completeSession(this.ctx.sessionId);
    return { status: 'Completed', error: null };
  }

  private async pause(): Promise<LoopResult> {
    this.store.save(this.state);
    await this.manager.updateSession(this.ctx.sessionId, { mapreduce_data: { agent_count: 0 } });
    if (this.keepStatus) {
      this.ctx.log.message('warning', 'Stopped. The reduce phase can be run again from its first step');
      return { status: 'Paused', error: null };
    }
    await this.manager.pauseSession(this.ctx.sessionId);
    const budget = this.ctx.claudeUsage.stopReason;
    if (budget) await this.manager.updateSession(this.ctx.sessionId, { error: budget });
    this.ctx.log.message(
      'warning',
      budget
        ? `${budget}. No new agent started; finished items are kept. ${nextStepSentence({ kind: 'resume-with-higher-budget', sessionId: this.ctx.sessionId })}`
        : `Stopped. Finished items are kept; ${nextStep({ kind: 'resume', sessionId: this.ctx.sessionId })}`,
    );
    return { status: 'Paused', error: budget };
  }

  private async fail(raw: string): Promise<LoopResult> {
    const error = this.ctx.masker.mask(raw);
    this.store.save(this.state);
    if (this.keepStatus) {
      this.ctx.log.message('error', `The reduce phase failed again: ${error}`);
      return { status: 'Failed', error };
    }
    await this.manager.completeSession(this.ctx.sessionId, { success: false, error });
    this.ctx.log.message('error', `Session failed: ${error}`);
    return { status: 'Failed', error };
  }

  private async phase(phase: MapReducePhase): Promise<void> {
    await this.manager.updateSession(this.ctx.sessionId, { mapreduce_data: { phase } });
    this.listener({ type: 'phase', sessionId: this.ctx.sessionId, phase, total: this.state.total_items });
  }

  /**
   * A checkpoint at a phase boundary. Its snapshot keeps the job state and the dead-letter queue of that moment:
   * restoring it rewinds them with the files, so a resume runs again what the files no longer have (b03).
   */
  private async checkpoint(label: string, patch?: SessionPatch): Promise<void> {
    const job: JobSnapshot = { state: structuredClone(this.state), dead_letters: this.dlq.list() };
    const { summary } = await this.manager.recordCheckpoint(this.ctx.sessionId, {
      info: { label, ...this.commit() },
      snapshot: { [JOB_SNAPSHOT_KEY]: job },
      ...(patch ? { patch } : {}),
    });
    this.listener({
      type: 'checkpoint-saved',
      sessionId: this.ctx.sessionId,
      checkpointId: summary.id,
      label,
      agentsCompleted: this.state.completed_agents.length,
    });
  }

  private commit(): { commit?: string } {
    const head = readHeadSync(this.ctx.cwd);
    return head ? { commit: head } : {};
  }

  private maxParallel(): number {
    return this.number(this.spec.map.max_parallel) ?? 10;
  }

  private seconds(v: number | string | undefined): number | undefined {
    return v === undefined ? undefined : this.number(v);
  }

  /** A number, or "$VAR"/"${VAR}" from the workflow env, then the process env. */
  private number(v: number | string): number | undefined {
    if (typeof v === 'number') return v;
    const name = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(v.trim())?.[1];
    const raw = name ? (this.ctx.vars[name] ?? this.ctx.env[name]) : v;
    const n = Number(renderValue(raw));
    return Number.isFinite(n) && n > 0 ? Math.floor(n) : undefined;
  }

  /**
   * The job's saved variables (setup's captures) back in the context. They were saved masked: the secrets they
   * held come back from this run's values, read again from their sources.
   */
  private restoreVariables(): void {
    Object.assign(this.ctx.vars, this.ctx.masker.restoreVariables(this.state.variables));
  }

  private persistedVariables(): Variables {
    const out: Variables = {};
    for (const [k, v] of Object.entries(this.ctx.vars)) if (!k.startsWith('map.')) out[k] = v;
    return this.ctx.masker.maskVariables(out);
  }
}
