// A step's `retry:` (or `retry_config:`): the step run again after a delay while it fails, as Prodigy's retry
// chapter documents: the backoff strategies, max_delay, jitter, retry_on and the retry budget. The wait between
// attempts ends at once when the run is stopped (the step is then stopped, not failed: a resume runs it again).
// MapReduce uses the same delays for an item retried by `error_policy.retry_config`.
// A retry in flight when the run stops is kept with the session's variables (`__retry_state`, so in the
// checkpoint), and a resume continues it as the retry-budget page documents (see RetryState).
import type { Backoff, RetryMatcher, RetrySpec, WorkflowStep } from '../workflow/model';
import type { Variables } from './interpolation';
import type { RunContext, StepOutcome } from './runContext';

/** Time and chance, injectable so that tests see the delays without waiting for them. */
export interface RetryClock {
  /** Wall-clock ms (Date.now): a kept budget expiry must mean the same after a restart. */
  now(): number;
  /** Resolves true after `ms`, or false as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<boolean>;
  /** In [0, 1). */
  random(): number;
}

export const realClock: RetryClock = {
  now: () => Date.now(),
  sleep: abortableSleep,
  random: Math.random,
};

export function abortableSleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (finished: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(finished);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The delay before retry `n` (1 = the first retry), before jitter and capped at max_delay, in ms. */
export function backoffDelay(spec: Pick<RetrySpec, 'backoff' | 'initial_delay' | 'max_delay'>, n: number): number {
  const raw = uncapped(spec.backoff, spec.initial_delay, spec.max_delay, n);
  return Math.min(Math.max(raw, 0), spec.max_delay);
}

function uncapped(b: Backoff, initial: number, max: number, n: number): number {
  switch (b.kind) {
    case 'fixed':
      return initial;
    case 'linear':
      return initial + (n - 1) * b.increment;
    case 'exponential':
      return initial * b.base ** (n - 1);
    case 'fibonacci':
      return initial * fibonacci(n);
    case 'custom':
      return b.delays[n - 1] ?? max;
  }
}

function fibonacci(n: number): number {
  let [a, b] = [1, 1];
  for (let i = 2; i < n; i++) [a, b] = [b, a + b];
  return n <= 2 ? 1 : b;
}

/** With jitter: the delay moved by up to ±delay·jitter/2 (Prodigy's formula), `random` in [0, 1). */
export function jittered(delay: number, jitter: number, random: number): number {
  if (!jitter) return delay;
  const range = delay * jitter;
  return Math.max(0, delay + (random - 0.5) * range);
}

const BUILT_IN: Record<Exclude<RetryMatcher['kind'], 'pattern'>, readonly string[]> = {
  network: ['network', 'connection', 'refused', 'unreachable'],
  timeout: ['timeout', 'timed out'],
  server_error: ['500', '502', '503', '504', 'server error'],
  rate_limit: ['rate limit', '429', 'too many requests'],
};

/**
 * Whether a failure's message is one `retry_on` retries: none listed retries every failure; built-in classes
 * match their words in any case; a pattern is a regular expression (case-sensitive unless written with `(?i)`).
 */
export function isRetryable(matchers: readonly RetryMatcher[], message: string): boolean {
  if (matchers.length === 0) return true;
  const lower = message.toLowerCase();
  return matchers.some((m) =>
    m.kind === 'pattern'
      ? new RegExp(m.pattern, m.flags).test(message)
      : BUILT_IN[m.kind].some((w) => lower.includes(w)),
  );
}

/** What `retry_on` is matched against: the error and output, without the step's own command text. */
function failureText(step: WorkflowStep, outcome: StepOutcome): string {
  const error = (outcome.error ?? '').split(`'${step.display}'`).join('');
  return outcome.output ? `${error}\n${outcome.output}` : error;
}

function seconds(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)}ms` : `${+(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

/** The variable a step's retry in flight is kept in (a `__` key: Prodigy's readers pass it by). */
export const RETRY_STATE = '__retry_state';

/**
 * A step's retry in flight, kept when the run stops during it: its last failed attempt, the budget's expiry and
 * when the interrupted wait was due to end. A resume continues at the next attempt, keeps the budget's expiry (the
 * retry-budget page: set at the first failure, checked as `now >= expiry` after a resume) and waits only what was
 * left of the wait. The step ending (success, failure or going on) clears it.
 */
export interface RetryState {
  step: string;
  /** The attempt that last failed (attempts are numbered from 1). */
  current_attempt: number;
  max_attempts: number;
  last_error: string;
  /** The waits counted so far against retry_budget (ms). */
  total_delay_ms: number;
  /** RFC 3339; null without retry_budget. */
  retry_budget_expires_at: string | null;
  /** RFC 3339: when the next attempt was due. */
  next_attempt_at: string;
}

/** The kept retry state of `step`, if the variables hold one for it. */
export function keptRetryState(vars: Variables | undefined, step: WorkflowStep): RetryState | undefined {
  const v = vars?.[RETRY_STATE] as Partial<RetryState> | undefined;
  if (!v || typeof v !== 'object' || v.step !== step.display) return undefined;
  if (typeof v.current_attempt !== 'number' || typeof v.next_attempt_at !== 'string') return undefined;
  return v as RetryState;
}

/**
 * Runs `once` (the step with its on_failure handling) and, while it fails, again after the backoff's delay, up to
 * `spec.attempts` runs in all. Stops retrying when the failure does not match `retry_on`, or when the next wait would
 * take the waits past `retry_budget`. A step its on_failure lets go on ('continued') is not retried. With
 * `ctx.vars`, a retry in flight is kept there while it waits, and a kept one is continued (RetryState).
 */
export async function runWithRetry(
  step: WorkflowStep,
  spec: RetrySpec,
  ctx: Pick<RunContext, 'log' | 'signal'> & { vars?: Variables },
  once: () => Promise<StepOutcome>,
  clock: RetryClock = realClock,
): Promise<StepOutcome> {
  const claude: StepOutcome['claude'] = [];
  const kept = keptRetryState(ctx.vars, step);
  let waited = kept?.total_delay_ms ?? 0;
  let expiresAt = kept?.retry_budget_expires_at ? Date.parse(kept.retry_budget_expires_at) : undefined;
  let attempts = 0;
  const started = clock.now();
  const end = (o: StepOutcome, error = o.error): StepOutcome => {
    if (o.status !== 'stopped' && ctx.vars) delete ctx.vars[RETRY_STATE];
    return {
      ...o,
      ...(error !== undefined ? { error } : {}),
      attempts,
      claude,
      durationMs: clock.now() - started,
    };
  };
  let n = 1;
  if (kept) {
    const next = kept.current_attempt + 1;
    const failed: StepOutcome = {
      status: 'failed',
      output: '',
      error: kept.last_error,
      durationMs: 0,
      attempts: 0,
      claude: [],
    };
    const tries = ` after ${kept.current_attempt} attempts`;
    // After a resume the budget is its kept expiry: a pause longer than what was left of it ends the retries.
    if (expiresAt !== undefined && spec.retry_budget !== undefined && clock.now() >= expiresAt)
      return giveUpWith(failed, `${tries} (retry budget of ${seconds(spec.retry_budget)} exhausted)`);
    if (next > spec.attempts) return giveUpWith(failed, tries);
    const rest = Math.max(0, Date.parse(kept.next_attempt_at) - clock.now());
    ctx.log.message(
      'progress',
      `Resuming the retry of '${step.display}'${rest ? ` in ${seconds(rest)}` : ''} (attempt ${next}/${spec.attempts}): ${firstLine(kept.last_error)}`,
    );
    if (rest && !(await clock.sleep(rest, ctx.signal))) {
      ctx.log.message('warning', `Stopped while waiting to retry '${step.display}'`);
      return end({ ...failed, status: 'stopped' }, 'stopped');
    }
    n = next;
  }
  function giveUpWith(outcome: StepOutcome, why: string, logged = why): StepOutcome {
    const error = `${outcome.error ?? 'failed'}${why}`;
    if (spec.on_failure === 'continue') {
      ctx.log.message('warning', `'${step.display}' failed${logged}; going on (retry on_failure: continue)`);
      return end({ ...outcome, status: 'continued' }, error);
    }
    return end(outcome, error);
  }
  for (; ; n++) {
    const outcome = await once();
    attempts += outcome.attempts;
    claude.push(...outcome.claude);
    if (outcome.status !== 'failed') return end(outcome);
    const tries = n > 1 ? ` after ${n} attempts` : '';
    const giveUp = (why: string): StepOutcome => giveUpWith(outcome, why, why || tries);
    if (n >= spec.attempts) return giveUp(tries);
    if (!isRetryable(spec.retry_on, failureText(step, outcome))) {
      if (n === 1) return giveUp('');
      return giveUp(`${tries} (not retried: the error matches no retry_on entry)`);
    }
    const delay = jittered(backoffDelay(spec, n), spec.jitter, clock.random());
    if (spec.retry_budget !== undefined && waited + delay > spec.retry_budget)
      return giveUp(`${tries} (retry budget of ${seconds(spec.retry_budget)} exhausted)`);
    // Set at the first failure (the retry-budget page); only a resume checks it (a run counts the waits).
    if (spec.retry_budget !== undefined) expiresAt ??= clock.now() + spec.retry_budget;
    ctx.log.message(
      'progress',
      `Retrying '${step.display}' in ${seconds(delay)} (attempt ${n + 1}/${spec.attempts}): ${firstLine(outcome.error)}`,
    );
    waited += delay;
    if (ctx.vars) {
      const state: RetryState = {
        step: step.display,
        current_attempt: n,
        max_attempts: spec.attempts,
        last_error: outcome.error ?? 'failed',
        total_delay_ms: waited,
        retry_budget_expires_at: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
        next_attempt_at: new Date(clock.now() + delay).toISOString(),
      };
      ctx.vars[RETRY_STATE] = state;
    }
    if (!(await clock.sleep(delay, ctx.signal))) {
      ctx.log.message('warning', `Stopped while waiting to retry '${step.display}'`);
      return end({ ...outcome, status: 'stopped' }, 'stopped');
    }
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? 'failed').split('\n')[0];
}
