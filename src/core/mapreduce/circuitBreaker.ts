// `error_policy.circuit_breaker` for a MapReduce job, as Prodigy's error-handling chapter documents it: after
// `failure_threshold` consecutive failed items the circuit opens and no new agent starts; after `timeout` it is
// half-open and lets `half_open_requests` agents try; `success_threshold` successes close it, any failure opens it
// again. Items wait while it is open (they are not failed for it): a stop or a resume finds them not run yet.
import type { CircuitBreakerSpec } from '../workflow/model';

export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private failures = 0;
  private successes = 0;
  private openedAt = 0;
  /** Agents let through while half-open, not finished yet. */
  private trials = 0;

  constructor(
    private readonly spec: CircuitBreakerSpec,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get current(): CircuitState {
    if (this.state === 'open' && this.now() - this.openedAt >= this.spec.timeout) {
      this.state = 'half-open';
      this.successes = 0;
      this.trials = 0;
    }
    return this.state;
  }

  /** How long until an open circuit turns half-open (0 when an agent may start now or later, by trial). */
  waitMs(): number {
    return this.current === 'open' ? Math.max(0, this.spec.timeout - (this.now() - this.openedAt)) : 0;
  }

  /** Whether a new agent may start now; when half-open, starting one takes a trial. */
  tryStart(): boolean {
    const s = this.current;
    if (s === 'closed') return true;
    if (s === 'open' || this.trials >= this.spec.half_open_requests) return false;
    this.trials++;
    return true;
  }

  /** An item's result; returns the state change it caused, if any, for the log. */
  record(success: boolean): CircuitState | null {
    const before = this.current;
    if (before === 'half-open') this.trials = Math.max(0, this.trials - 1);
    if (success) {
      this.failures = 0;
      if (before === 'half-open' && ++this.successes >= this.spec.success_threshold) this.state = 'closed';
    } else if (before === 'half-open' || ++this.failures >= this.spec.failure_threshold) {
      this.state = 'open';
      this.openedAt = this.now();
      this.failures = 0;
    }
    return this.state !== before ? this.state : null;
  }
}
