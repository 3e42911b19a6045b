// Every run, resume and dlq retry writes Prodigy's event log (prodigy-formats §9.4) from the engine's own event
// stream: the prelude (engine/prelude.ts) puts `EventLog.tee` in front of the run's listener, and nothing else
// writes events. The folder is H/events/{repo}/{id}/ where {id} is the MapReduce job id for a MapReduce run and the
// session id for a standard one (Prodigy names its folder after a fresh `session-{uuid}` no other file knows), so
// `events ls --job-id` finds both. Each run or resume appends to a file of its own start time.
//
// The lines go to the file through eventsAppender.ts. Writing events never fails a run: the first error is noted in
// the session log, and from then on the log is off.
import * as os from 'node:os';
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../errors';
import { nowTimestamp } from '../model/serde';
import type { UnifiedSession } from '../model/session';
import type { SessionManager } from '../sessions/sessionManager';
import type { EngineEvent, EngineListener } from '../steps/events';
import type { Workflow } from '../workflow/model';
import { EVENTS_ROTATE_BYTES, chronoDuration } from './eventRecords';
import { EventsAppender, repoName } from './eventsAppender';

/** Every line's `metadata.host`: asked once. */
const HOST = os.hostname();

/** Prodigy writes `agent_id: "agent-default"` for the Claude calls of a run that is not a MapReduce agent. */
const MAIN_AGENT = 'agent-default';

interface AgentSeen {
  agentId: string;
  started: number;
}

export class EventLog {
  /** Set by `start`, with the job: where the lines go. */
  private out: EventsAppender | null = null;
  /** Set by `start`: null when the session could not be read (nothing is written then). */
  private job: { id: string; repo: string; fresh: boolean; session: UnifiedSession } | null = null;
  private broken = false;
  private workflow: Workflow | null = null;
  private started: number | null = null;
  private ended = false;
  private readonly agents = new Map<string, AgentSeen>();
  private steps = { ok: 0, failed: 0 };
  private items: { processed: number; failed: number } | null = null;
  private checkpoints = 0;
  /**
   * A new MapReduce job's job_started waits for its item count, known once setup has run: meanwhile the lines of
   * its setup are held (in order, with their own times) and follow it.
   */
  private startHeld: { workflowName: string; timestamp: string; lines: string[] } | null = null;
  /** Set for a dlq retry: how many items succeeded, for its d_l_q_items_reprocessed. */
  private reprocessed: number | null = null;
  /** Where the first write error is reported (the session log, once it is open). */
  warn: ((text: string) => void) | undefined;

  constructor(
    private readonly manager: SessionManager,
    private readonly sessionId: string,
    /** At this size the file is rotated, as Prodigy's writer does (EVENTS_ROTATE_BYTES). */
    private readonly rotateBytes = EVENTS_ROTATE_BYTES,
  ) {}

  /** Reads the session: its job id, its repository, and whether this is its first run. Never throws. */
  async start(): Promise<void> {
    try {
      const session = await this.manager.getSession(this.sessionId);
      this.job = {
        id: session.mapreduce_data?.job_id ?? session.id,
        repo: await repoName(session),
        fresh: session.status === 'Initializing',
        session,
      };
      this.out = new EventsAppender(this.manager.home, this.job.repo, this.job.id, this.rotateBytes);
      this.checkpoints = session.checkpoints.length;
      const md = session.mapreduce_data;
      if (md) this.items = { processed: md.processed_items, failed: md.failed_items };
    } catch {
      this.job = null;
    }
  }

  /** The workflow the run follows (job_started reports its MapReduce settings). */
  describe(workflow: Workflow): void {
    this.workflow = workflow;
  }

  /** This run is a dlq retry: its end says how many items were reprocessed (d_l_q_items_reprocessed). */
  markRetry(): void {
    this.reprocessed = 0;
  }

  /** Writes what the engine reports, then passes it on to `next`. */
  tee(next: EngineListener | undefined): EngineListener {
    return (e) => {
      this.handle(e);
      next?.(e);
    };
  }

  /** The run is over (`error`: it ended by throwing): a job that started and did not end is recorded as failed. */
  close(error?: unknown): void {
    this.releaseStart();
    if (this.started !== null && !this.ended && this.job)
      this.write({
        event_type: 'job_failed',
        job_id: this.job.id,
        error: error === undefined ? 'the run ended without saying how' : errorMessage(error),
        partial_results: this.partialResults(),
      });
    this.ended = true;
    this.out?.close();
  }

  private handle(e: EngineEvent): void {
    const job = this.job;
    if (!job || this.broken || this.ended) return;
    switch (e.type) {
      case 'session-created':
        if (this.started !== null) return;
        this.started = Date.now();
        if (job.fresh && this.workflow?.shape === 'mapreduce')
          this.startHeld = { workflowName: e.workflowName, timestamp: nowTimestamp(), lines: [] };
        else if (job.fresh)
          this.write({
            event_type: 'job_started',
            job_id: job.id,
            config: this.config(),
            total_items: e.totalSteps,
            timestamp: nowTimestamp(),
            workflow_name: e.workflowName,
          });
        else
          this.write({
            event_type: 'job_resumed',
            job_id: job.id,
            checkpoint_version: this.checkpoints,
            pending_items: this.pending(e.totalSteps),
          });
        return;
      case 'step-finished':
        if (e.skipped) return;
        if (e.success) this.steps.ok++;
        else this.steps.failed++;
        if (e.checkpointId)
          this.write({
            event_type: 'checkpoint_created',
            job_id: job.id,
            version: ++this.checkpoints,
            agents_completed: 0,
            checkpoint_id: e.checkpointId,
            step: e.display,
          });
        return;
      case 'checkpoint-saved':
        this.write({
          event_type: 'checkpoint_created',
          job_id: job.id,
          version: ++this.checkpoints,
          agents_completed: e.agentsCompleted,
          checkpoint_id: e.checkpointId,
          label: e.label,
        });
        return;
      case 'agent-started':
        this.agents.set(e.itemId, { agentId: e.agentId, started: Date.now() });
        this.write({
          event_type: 'agent_started',
          job_id: job.id,
          agent_id: e.agentId,
          item_id: e.itemId,
          worktree: e.worktree ?? '',
          attempt: e.attempt ?? 1,
        });
        return;
      case 'agent-retrying':
        this.write({
          event_type: 'agent_failed',
          job_id: job.id,
          agent_id: this.agentOf(e.itemId),
          error: e.error,
          retry_eligible: true,
          item_id: e.itemId,
        });
        this.write({
          event_type: 'agent_retrying',
          job_id: job.id,
          agent_id: this.agentOf(e.itemId),
          attempt: e.attempt,
          backoff_ms: Math.round(e.backoffMs),
          item_id: e.itemId,
        });
        return;
      case 'agent-finished': {
        this.items = { processed: e.processed, failed: e.failed };
        if (e.success && this.reprocessed !== null) this.reprocessed++;
        const seen = this.agents.get(e.itemId);
        if (e.success)
          this.write({
            event_type: 'agent_completed',
            job_id: job.id,
            agent_id: this.agentOf(e.itemId),
            duration: chronoDuration(e.durationMs ?? (seen ? Date.now() - seen.started : 0)),
            commits: e.commits ?? [],
            json_log_location: e.jsonLogLocation ?? null,
            item_id: e.itemId,
          });
        else
          this.write({
            event_type: 'agent_failed',
            job_id: job.id,
            agent_id: this.agentOf(e.itemId),
            error: e.error ?? 'failed',
            retry_eligible: false,
            item_id: e.itemId,
            json_log_location: e.jsonLogLocation ?? null,
          });
        return;
      }
      case 'dlq-item-added':
        this.write({
          event_type: 'd_l_q_item_added',
          job_id: job.id,
          item_id: e.itemId,
          error_signature: e.errorSignature,
          failure_count: e.failureCount,
        });
        return;
      case 'claude-call': {
        const c = e.call;
        this.write({
          event_type: 'claude_token_usage',
          agent_id: e.itemId ? this.agentOf(e.itemId) : MAIN_AGENT,
          input_tokens: c.input_tokens,
          output_tokens: c.output_tokens,
          cache_tokens: c.cache_read_input_tokens + c.cache_creation_input_tokens,
          // Ours (Prodigy's readers skip unknown keys): what the call cost, and which job and item it was for.
          cost_usd: c.total_cost_usd,
          job_id: job.id,
          ...(e.itemId ? { item_id: e.itemId } : {}),
          ...(c.step ? { step: c.step } : {}),
        });
        return;
      }
      case 'phase':
        if (e.phase === 'Map') this.releaseStart(e.total);
        return;
      case 'session-finished':
        this.finish(e.status, e.error);
        return;
      default:
        return;
    }
  }

  private finish(status: string, error: string | null): void {
    const job = this.job!;
    if (this.started === null) return;
    this.releaseStart();
    if (this.reprocessed !== null)
      this.write({ event_type: 'd_l_q_items_reprocessed', job_id: job.id, count: this.reprocessed });
    const isMapReduce = job.session.mapreduce_data !== null;
    if (status === 'Completed') {
      const success = isMapReduce ? (this.items?.processed ?? 0) - (this.items?.failed ?? 0) : this.steps.ok;
      const failure = isMapReduce ? (this.items?.failed ?? 0) : this.steps.failed;
      this.write({
        event_type: 'job_completed',
        job_id: job.id,
        duration: chronoDuration(Date.now() - this.started),
        success_count: success,
        failure_count: failure,
      });
    } else if (status === 'Paused') {
      this.write({
        event_type: 'job_paused',
        job_id: job.id,
        checkpoint_version: this.checkpoints,
        ...(error ? { reason: error } : {}),
      });
    } else {
      this.write({
        event_type: 'job_failed',
        job_id: job.id,
        error: error ?? status,
        partial_results: this.partialResults(),
      });
    }
    this.ended = true;
  }

  private partialResults(): number {
    return this.items ? this.items.processed - this.items.failed : this.steps.ok;
  }

  private pending(totalSteps: number): number {
    const s = this.job!.session;
    if (s.mapreduce_data) return Math.max(0, s.mapreduce_data.total_items - s.mapreduce_data.processed_items);
    const done = s.workflow_data?.completed_steps.length ?? 0;
    return Math.max(0, (totalSteps || s.workflow_data?.total_steps || 0) - done);
  }

  private agentOf(itemId: string): string {
    return this.agents.get(itemId)?.agentId ?? `agent-${itemId}`;
  }

  /**
   * Prodigy's MapReduceConfig (every key it requires, so its reader takes the line). A standard run is a job of
   * one agent with no input.
   */
  private config(): Record<string, unknown> {
    const map = this.workflow?.mapreduce?.map;
    const whole = (v: unknown) => (typeof v === 'number' ? v : null);
    return {
      input: map?.input ?? '',
      json_path: map?.json_path ?? '',
      max_parallel: map ? (whole(map.max_parallel) ?? 10) : 1,
      agent_timeout_secs: whole(map?.agent_timeout_secs),
      continue_on_failure: false,
      batch_size: null,
      enable_checkpoints: true,
      max_items: map?.max_items ?? null,
      offset: map?.offset ?? null,
    };
  }

  /** Writes a held job_started (`total`: its item count, else the record's), then the lines held after it. */
  private releaseStart(total?: number): void {
    const held = this.startHeld;
    if (!held || !this.job) return;
    this.startHeld = null;
    this.write(
      {
        event_type: 'job_started',
        job_id: this.job.id,
        config: this.config(),
        total_items: total ?? this.job.session.mapreduce_data?.total_items ?? 0,
        timestamp: held.timestamp,
        workflow_name: held.workflowName,
      },
      held.timestamp,
    );
    for (const line of held.lines) this.append(line);
  }

  private write(event: Record<string, unknown> & { event_type: string }, timestamp = nowTimestamp()): void {
    if (this.broken || !this.job) return;
    const record = {
      id: randomUUID(),
      timestamp,
      // One id for all of a session's runs: its resumes and retries are the same workflow's events.
      correlation_id: this.sessionId,
      event,
      metadata: { host: HOST, pid: process.pid, session_id: this.sessionId },
    };
    const line = `${JSON.stringify(record)}\n`;
    if (this.startHeld) this.startHeld.lines.push(line);
    else this.append(line);
  }

  private append(line: string): void {
    if (this.broken || !this.out) return;
    try {
      this.out.append(line);
    } catch (err) {
      this.broken = true;
      this.warn?.(`Events are not being written (${errorMessage(err)}); the run goes on without them`);
    }
  }
}
