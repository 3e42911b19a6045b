// The step loop of one run or resume: skip what is done, run the rest, checkpoint after every
// step, and leave the session Completed, Failed (with its error) or Paused (stopped; the step in
// flight is not counted) — with Prodigy's workflow checkpoint file saying the same.
import { headCommit, readHeadSync, updateWorktreeState, type SessionWorktree } from '../git';
import { randomUUID } from 'node:crypto';
import { ProdigyError, errorMessage } from '../errors';
import type { WorkflowSessionData } from '../model/session';
import { durationFromMs, nowTimestamp, rfc3339PlusZero } from '../model/serde';
import type { CompletedStep } from '../model/workflowCheckpoint';
import type { SessionManager } from '../sessions/sessionManager';
import { ProgressRecorder } from './progressRecorder';
import type { CheckpointJournal, JournalStepLine } from '../sessions/checkpointJournal';
import { outOfSpace } from '../storage/fileWrite';
import { SpaceReserve } from './spaceReserve';
import { buildCheckpointFile, completedIndices } from './checkpointFile';
import type { EngineListener } from '../steps/events';
import { interpolate, renderValue, type Variables } from '../steps/interpolation';
import type { LoopResult, RunContext } from '../steps/runContext';
import { executeStep } from '../steps/stepExecutor';
import { enterStep } from '../steps/stepVariables';
import { RETRY_STATE } from '../steps/retry';
import { RunPlan, type Pass } from './runPlan';
import { PASS_START_HEAD, PassProgress, SKIPPED_PASSES } from './passProgress';
import { sumCalls } from '../claude/totals';
import type { ClaudeCall } from '../claude/types';
import { nextStep, nextStepSentence } from '../nextStep';

export interface RunProgress {
  completed: CompletedStep[];
  startTime: string;
  /** The checkpoint the first new step continues from, in the session's journal. */
  parent: string | null;
}

const RECORD_VALUE_LIMIT = 2_000;
const OUTPUT_LIMIT = 64 * 1024;

/**
 * A run that failed and could not even record that (the disk is full): the record still reads Running.
 * A resume treats a Running session whose process is gone as interrupted, so it works once the cause is fixed.
 */
export class StatusNotRecordedError extends ProdigyError {
  constructor(
    readonly sessionId: string,
    readonly error: string,
    readonly writeError: string,
  ) {
    super(
      `${error}. The session could not be marked Failed either (${writeError}), so it still reads Running: ` +
        `once that is fixed, ${nextStep({ kind: 'resume', sessionId, lead: 'resume it' })}`,
    );
  }
}

/** What a completed step keeps of its Claude calls (Prodigy's readers skip the extra keys). */
function claudeOfStep(calls: ClaudeCall[], step: string): { claude?: ClaudeCall; json_log_location?: string } {
  const call = sumCalls(calls, step);
  if (!call) return {};
  return { claude: call, ...(call.json_log_location ? { json_log_location: call.json_log_location } : {}) };
}

/** The record's checkpoint entry of a Claude step: its cost and kept stream (for the tree's checkpoint row). */
function claudeInfo(step: CompletedStep | undefined): { claude_cost_usd?: number; json_log_location?: string } {
  const call = step?.claude as ClaudeCall | undefined;
  if (!call) return {};
  return {
    claude_cost_usd: call.total_cost_usd,
    ...(call.json_log_location ? { json_log_location: call.json_log_location } : {}),
  };
}

export class WorkflowRun {
  private readonly captured: Record<string, string> = {};
  /** Each pass's variables, and the passes an early stop skipped. */
  private readonly passes: PassProgress;
  private readonly recorder: ProgressRecorder;
  private readonly journal: CheckpointJournal;
  private parent: string | null = null;
  /** The record's workflow_data as of the last checkpoint (what a snapshot restores). */
  private recordData: WorkflowSessionData | null = null;
  /** The steps done, this run's included (a step is added as it finishes, before its checkpoint). */
  private completed: CompletedStep[] = [];
  private readonly reserve: SpaceReserve;

  constructor(
    private readonly manager: SessionManager,
    private readonly ctx: RunContext,
    private readonly worktree: SessionWorktree | null,
    private readonly listener: EngineListener,
    /** The checkpoint file's name in H/state/{id}/checkpoints (one per session). */
    private readonly checkpointFileName: string,
    private readonly plan: RunPlan = new RunPlan(ctx.workflow.steps.length),
  ) {
    this.passes = new PassProgress(ctx, plan);
    this.recorder = new ProgressRecorder(manager, ctx.sessionId, checkpointFileName);
    this.journal = manager.openCheckpointJournal(ctx.sessionId);
    this.reserve = new SpaceReserve(manager.paths.spaceReserveDir, ctx.sessionId);
  }

  async execute(progress: RunProgress): Promise<LoopResult> {
    this.parent = progress.parent;
    this.completed = [...progress.completed];
    this.reserve.hold();
    try {
      return await this.loop(progress);
    } catch (err) {
      if (err instanceof StatusNotRecordedError) throw err;
      // Not a step failing but the run itself: a checkpoint that could not be written (a full disk), or a
      // bug. The session ends Failed with the reason instead of being left Running; the steps done count.
      return await this.fail(progress, this.completed, this.nextStep(this.completed), errorMessage(err));
    } finally {
      this.journal.close();
      this.reserve.release();
    }
  }

  /** After a write failed for lack of space: frees the run's reserve, so the same write can be tried again. */
  private useReserve(err: unknown): boolean {
    return outOfSpace(err) && this.reserve.release();
  }

  private async loop(progress: RunProgress): Promise<LoopResult> {
    const { ctx, plan } = this;
    const steps = ctx.workflow.steps;
    const total = plan.totalSteps;
    const done = completedIndices(progress.completed);
    const { completed } = this;
    let current: Pass | null = null;
    for (let i = 0; i < total; i++) {
      if (done.has(i) || this.passes.skips(i)) continue;
      if (ctx.signal.aborted) return this.pause(progress, completed, i);
      this.recorder.throwIfFailed();
      const s = plan.stepOf(i);
      const step = steps[s];
      const pass = plan.passOf(i);
      if (current?.index !== pass.index) current = this.passes.enter(pass, s === 0);
      const label = plan.label(current);
      const display = step.name ?? step.display;
      this.listener({
        type: 'step-started',
        sessionId: ctx.sessionId,
        index: i,
        total,
        display: label ? `${label} · ${display}` : display,
      });
      ctx.log.message(
        'progress',
        `Executing step ${s + 1}/${steps.length}${label ? ` (${label})` : ''}: ${step.kind}: ${interpolate(step.command || step.write_file?.path || '', ctx.vars)}`,
        `--- ${new Date().toISOString()} step ${i + 1}/${total}`,
      );
      enterStep(ctx, step, s);
      const before = { ...ctx.vars };
      const outcome = await executeStep(step, ctx);
      if (outcome.status === 'stopped') return this.pause(progress, completed, i, outcome.error);
      if (outcome.status === 'failed')
        return this.fail(progress, completed, i, outcome.error ?? `Step '${step.display}' failed`);
      this.noteCaptures(before);
      completed.push({
        step_index: i,
        command: step.display,
        // A step its when: skipped did not fail: Prodigy reads success; `skipped` is ours (its readers skip it).
        success: outcome.status === 'success' || outcome.status === 'skipped',
        ...(outcome.status === 'skipped' ? { skipped: true } : {}),
        output: ctx.masker.mask(outcome.output.slice(0, OUTPUT_LIMIT)),
        captured_variables: { ...this.captured },
        duration: durationFromMs(outcome.durationMs),
        completed_at: nowTimestamp(),
        ...claudeOfStep(outcome.claude, step.name ?? step.display),
      });
      // Decided before the checkpoint, so a resume after it knows what was skipped.
      if (s === steps.length - 1) this.passes.leave(current);
      const checkpointId = await this.checkpoint(progress, completed, i);
      this.listener({
        type: 'step-finished',
        sessionId: ctx.sessionId,
        index: i,
        total,
        display: step.display,
        success: outcome.status === 'success' || outcome.status === 'skipped',
        ...(outcome.status === 'skipped' ? { skipped: true } : {}),
        durationMs: outcome.durationMs,
        checkpointId,
      });
    }
    await this.recorder.finish({ status: 'Completed' }, () =>
      this.fileContent(progress, completed, 'Completed', total),
    );
    this.markWorktree('completed');
    return { status: 'Completed', error: null };
  }

  /** Captured outputs so far (strings, masked): Prodigy keeps them per completed step. */
  private noteCaptures(before: Variables): void {
    for (const [k, v] of Object.entries(this.ctx.vars)) {
      if (before[k] !== v) this.captured[k] = this.ctx.masker.mask(renderValue(v));
    }
  }

  private async checkpoint(progress: RunProgress, completed: CompletedStep[], index: number): Promise<string> {
    const { ctx, plan } = this;
    const step = ctx.workflow.steps[plan.stepOf(index)];
    const total = plan.totalSteps;
    const commit = ctx.git ? (readHeadSync(ctx.cwd) ?? (await headCommit(ctx.cwd).catch(() => null))) : null;
    const done = this.nextStep(completed);
    const pass = plan.passOf(index);
    const label = plan.label(pass);
    const workflowData = {
      current_step: done,
      total_steps: total,
      completed_steps: completed.map((c) => c.step_index),
      variables: this.recordVariables(),
      ...(plan.single ? {} : { iterations_completed: this.passes.completed(completed) }),
    };
    const current = this.recordData ?? (await this.manager.getSession(ctx.sessionId)).workflow_data;
    this.recordData = current ? { ...current, ...workflowData } : null;
    const checkpointId = `checkpoint-${randomUUID()}`;
    const createdAt = nowTimestamp();
    const variables = this.persistedVariables();
    // The resume point is on disk before the next step starts: one journal line.
    const line: JournalStepLine = {
      type: 'step',
      checkpoint_id: checkpointId,
      parent: this.parent,
      created_at: createdAt,
      step: completed[completed.length - 1],
      commit,
      variables,
      workflow_data: this.recordData,
      base: {
        workflow_id: this.workflowId(),
        workflow_hash: ctx.workflow.hash,
        total_steps: total,
        workflow_name: ctx.workflow.name || 'default',
        workflow_path: ctx.workflow.path,
        start_time: progress.startTime,
      },
    };
    let diskFull: unknown;
    try {
      this.journal.append(line);
    } catch (err) {
      // The disk is full: the reserve makes room for this line, so the finished step never runs again. The
      // run stops after this checkpoint all the same, and the rest of the room records why. The step's
      // output (up to 64 KB) is left out of the line: a resume does not need it, and the room is small.
      if (!this.useReserve(err)) throw err;
      this.journal.append({ ...line, step: { ...line.step, output: null } });
      diskFull = err;
    }
    this.parent = checkpointId;
    // The record and Prodigy's checkpoint file follow in the background (coalesced when steps are very short).
    this.recorder.add(
      {
        id: checkpointId,
        created_at: createdAt,
        info: {
          step_index: index,
          step_name: label ? `${label} · ${step.name ?? step.display}` : (step.name ?? step.display),
          total_steps: total,
          ...(completed[completed.length - 1].skipped ? { skipped: true } : {}),
          ...(commit ? { commit } : {}),
          ...claudeInfo(completed[completed.length - 1]),
        },
      },
      {
        workflow_data: workflowData,
        metadata: { current_step: done, ...(commit ? { head_commit: commit } : {}) },
        timings: { [step.display]: completed[completed.length - 1].duration },
      },
      () =>
        buildCheckpointFile({
          workflowId: this.workflowId(),
          workflow: ctx.workflow,
          plan,
          status: 'Running',
          currentStepIndex: index + 1,
          completed: completed.slice(),
          variables,
          startTime: progress.startTime,
        }),
    );
    if (diskFull) throw diskFull;
    return checkpointId;
  }

  private async pause(
    progress: RunProgress,
    completed: CompletedStep[],
    index: number,
    reason?: string,
  ): Promise<LoopResult> {
    const { ctx } = this;
    await this.recorder.flush();
    await this.manager.writeWorkflowCheckpoint(
      ctx.sessionId,
      this.checkpointFileName,
      this.fileContent(progress, completed, 'Interrupted', index),
    );
    await this.manager.pauseSession(ctx.sessionId);
    const budget = ctx.claudeUsage.stopReason;
    // Why it paused, on the record (the tree and `sessions show` say it; a resume clears it).
    if (budget) await this.manager.updateSession(ctx.sessionId, { error: budget });
    this.markWorktree('interrupted');
    ctx.log.message(
      'warning',
      budget
        ? `${budget}. Paused before step ${index + 1}; ${nextStep({ kind: 'resume-with-higher-budget', sessionId: ctx.sessionId })}`
        : `${reason ?? 'Stopped'} before step ${index + 1} finished. ${nextStepSentence({ kind: 'resume', sessionId: ctx.sessionId })}`,
    );
    return { status: 'Paused', error: budget };
  }

  private async fail(
    progress: RunProgress,
    completed: CompletedStep[],
    index: number,
    rawError: string,
  ): Promise<LoopResult> {
    const { ctx } = this;
    const error = ctx.masker.mask(rawError);
    const failure = { __error_message: error, __failed_step_index: index, __error_timestamp: rfc3339PlusZero() };
    const finish = () =>
      this.recorder.finish({ status: 'Failed', error }, () =>
        this.fileContent(progress, completed, 'Failed', index, failure),
      );
    try {
      await finish().catch((err: unknown) => {
        if (!this.useReserve(err)) throw err;
        return finish();
      });
    } catch (err) {
      // Prodigy's checkpoint file (with every step's output) may not fit where the record does: then the
      // record alone says Failed and why, with the steps done (a resume reads them from the journal).
      await this.recorder
        .finishRecordOnly({ status: 'Failed', error })
        .catch(() => Promise.reject(new StatusNotRecordedError(ctx.sessionId, error, errorMessage(err))));
    }
    this.markWorktree('failed', error);
    ctx.log.message('error', `Session failed: ${error}`);
    ctx.log.message('info', `Fix the cause, then ${nextStep({ kind: 'resume', sessionId: ctx.sessionId })}`);
    return { status: 'Failed', error };
  }

  /** Prodigy's workflow checkpoint file for the run as it stands. */
  private fileContent(
    progress: RunProgress,
    completed: CompletedStep[],
    status: 'Completed' | 'Failed' | 'Interrupted',
    index: number,
    extra: Variables = {},
  ) {
    return buildCheckpointFile({
      workflowId: this.workflowId(),
      workflow: this.ctx.workflow,
      plan: this.plan,
      status,
      currentStepIndex: index,
      completed,
      variables: { ...this.persistedVariables(), ...extra },
      startTime: progress.startTime,
    });
  }

  /** The first step neither done nor skipped (the total when the run is through). */
  private nextStep(completed: CompletedStep[]): number {
    const done = completedIndices(completed);
    const { plan } = this;
    for (let i = 0; i < plan.totalSteps; i++) if (!done.has(i) && !this.passes.skips(i)) return i;
    return plan.totalSteps;
  }

  private workflowId(): string {
    return this.checkpointFileName.replace(/\.checkpoint\.json$/, '');
  }

  /** Every variable as a JSON value, masked, with where the secrets were: what a resume restores. */
  private persistedVariables(): Variables {
    return this.ctx.masker.maskVariables(this.ctx.vars);
  }

  /** The record's `workflow_data.variables` (strings; long values shortened, the checkpoint file has them whole). */
  private recordVariables(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.ctx.vars)) {
      if (k === PASS_START_HEAD || k === SKIPPED_PASSES || k === RETRY_STATE) continue;
      const text = this.ctx.masker.mask(renderValue(v));
      out[k] = text.length > RECORD_VALUE_LIMIT ? `${text.slice(0, RECORD_VALUE_LIMIT)}…` : text;
    }
    return out;
  }

  private markWorktree(status: 'completed' | 'failed' | 'interrupted', error?: string): void {
    if (!this.worktree) return;
    try {
      updateWorktreeState(this.worktree.metadataFile, {
        status,
        ...(error ? { error } : {}),
        ...(status === 'interrupted'
          ? { interrupted_at: nowTimestamp(), interruption_type: 'user_interrupt' as const, resumable: true }
          : { resumable: status === 'failed' }),
      });
    } catch (err) {
      this.ctx.log.message(
        'warning',
        `Could not update the worktree metadata ${this.worktree.metadataFile}: ${(err as Error).message}`,
      );
    }
  }
}
