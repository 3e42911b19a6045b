// One MapReduce agent: a work item's agent_template steps in a slot's worktree (under agent_timeout_secs and
// timeout_config), what it left uncommitted committed, then its work merged into the session's worktree (callers
// serialize the merges). Each ends in an outcome: success, failed (with Prodigy's failure type) or stopped.
import { headCommit, readHeadSync, runGit } from '../git';
import { errorMessage } from '../errors';
import type { RunContext } from '../steps/runContext';
import { SessionLog } from '../steps/sessionLog';
import { executeStep } from '../steps/stepExecutor';
import { enterStep } from '../steps/stepVariables';
import { conflictResolver } from '../steps/mergeConflicts';
import { sumCalls } from '../claude/totals';
import type { ClaudeCall } from '../claude/types';
import { mergeAgent, type AgentSlots, type AgentWorktree } from './agentWorktree';
import type { FailureType } from './deadLetterQueue';
import type { JobSession } from './jobSession';
import { agentTimeouts, isCommandTimeout } from './timeouts';
import { itemVariables, type WorkItem } from './workItems';

/** An agent whose steps have run (`outcome` set when it already failed or was stopped). */
export interface AgentRun {
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

export interface AgentOutcome {
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

/** Runs a job's agents in the map phase's slots, and counts those running (the record's agent_count). */
export class AgentRunner {
  running = 0;
  /** The map phase's slots (set as it starts). */
  slots: AgentSlots | undefined;

  constructor(private readonly job: JobSession) {}

  /** Runs an agent's steps in its worktree and commits what it left uncommitted. `attempt`: from 1, in this run. */
  async runAgent(item: WorkItem, slot: number, attempt: number): Promise<AgentRun> {
    const { ctx } = this.job;
    const retry = this.job.state.item_retry_counts[item.id] ?? 0;
    // Each attempt its own agent (and branch): a failed attempt's commits stay on theirs.
    const agentId = `${this.job.state.job_id}_agent_${item.index}${retry ? `_retry${retry}` : ''}${attempt > 1 ? `_attempt${attempt}` : ''}`;
    const logFile = this.job.manager.paths.agentLogFile(ctx.sessionId, item.id);
    const started = performance.now();
    this.running++;
    this.job.listener({
      type: 'agent-started',
      sessionId: ctx.sessionId,
      itemId: item.id,
      agentId,
      running: this.running,
      attempt,
      worktree: this.slots!.slotPath(slot),
    });
    const log = new SessionLog(ctx.sessionId, logFile, ctx.masker, this.job.listener);
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
      const timeouts = agentTimeouts(this.job.spec.map, (v) => this.job.seconds(v));
      const grace = this.job.spec.map.timeout_config?.cleanup_grace_period_secs;
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
          const timeout = this.job.spec.map.timeout_config !== undefined && isCommandTimeout(r.error);
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
  async finishAgent(run: AgentRun): Promise<AgentOutcome> {
    const { ctx } = this.job;
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
}
