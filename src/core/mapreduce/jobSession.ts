// What every phase of a MapReduce job shares: its session, context, spec, job state and dead-letter queue, and
// what it writes to the session at its boundaries: the phase, a checkpoint (with the job state and DLQ of that
// moment), and how the job ends (Completed, Paused, Failed). Also the job's saved variables, and the spec's
// numbers that may name a variable.
import { readHeadSync } from '../git';
import type { MapReducePhase } from '../model/session';
import type { SessionManager, SessionPatch } from '../sessions/sessionManager';
import type { EngineListener } from '../steps/events';
import { renderValue, type Variables } from '../steps/interpolation';
import type { MapReduceSpec } from '../workflow/model';
import type { LoopResult, RunContext } from '../steps/runContext';
import type { DeadLetterQueue } from './deadLetterQueue';
import { JOB_SNAPSHOT_KEY, type JobSnapshot, type JobState, type JobStore } from './jobState';
import { nextStep, nextStepSentence } from '../nextStep';

export class JobSession {
  /**
   * A Completed job's reduce run again keeps the record Completed (a finished session does not run again, as a
   * retry of its items does not): how the run went is in its outcome, its log and the job state.
   */
  keepStatus = false;

  constructor(
    readonly manager: SessionManager,
    readonly ctx: RunContext,
    readonly spec: MapReduceSpec,
    readonly store: JobStore,
    readonly dlq: DeadLetterQueue,
    readonly state: JobState,
    readonly listener: EngineListener,
  ) {}

  // ---- endings -------------------------------------------------------------------------

  async complete(): Promise<LoopResult> {
    this.state.is_complete = true;
    this.store.save(this.state);
    await this.checkpoint('job completed', { mapreduce_data: { phase: 'Complete', agent_count: 0 } });
    this.listener({ type: 'phase', sessionId: this.ctx.sessionId, phase: 'Complete', total: this.state.total_items });
    if (!this.keepStatus) await this.manager.completeSession(this.ctx.sessionId);
    return { status: 'Completed', error: null };
  }

  async pause(): Promise<LoopResult> {
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

  async fail(raw: string): Promise<LoopResult> {
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

  async phase(phase: MapReducePhase): Promise<void> {
    await this.manager.updateSession(this.ctx.sessionId, { mapreduce_data: { phase } });
    this.listener({ type: 'phase', sessionId: this.ctx.sessionId, phase, total: this.state.total_items });
  }

  /**
   * A checkpoint at a phase boundary. Its snapshot keeps the job state and the dead-letter queue of that moment:
   * restoring it rewinds them with the files, so a resume runs again what the files no longer have (b03).
   */
  async checkpoint(label: string, patch?: SessionPatch): Promise<void> {
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

  // ---- the spec's numbers and the job's variables ---------------------------------------

  seconds(v: number | string | undefined): number | undefined {
    return v === undefined ? undefined : this.number(v);
  }

  /** A number, or "$VAR"/"${VAR}" from the workflow env, then the process env. */
  number(v: number | string): number | undefined {
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
  restoreVariables(): void {
    Object.assign(this.ctx.vars, this.ctx.masker.restoreVariables(this.state.variables));
  }

  persistedVariables(): Variables {
    const out: Variables = {};
    for (const [k, v] of Object.entries(this.ctx.vars)) if (!k.startsWith('map.')) out[k] = v;
    return this.ctx.masker.maskVariables(out);
  }
}
