// A step's `retry:` (or `retry_config:`): the step run again after a delay while it fails, as Prodigy's retry
// chapter documents: the backoff strategies, max_delay, jitter, retry_on and the retry budget. The wait between
// attempts ends at once when the run is stopped (the step is then stopped, not failed: a resume runs it again).
// MapReduce uses the same delays for an item retried by `error_policy.retry_config`.
import type { Backoff, RetryMatcher, RetrySpec, WorkflowStep } from '../workflow/model';
import type { RunContext, StepOutcome } from './runContext';

/** Time and chance, injectable so that tests see the delays without waiting for them. */
export interface RetryClock {
  now(): number;
  /** Resolves true after `ms`, or false as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<boolean>;
  /** In [0, 1). */
  random(): number;
}

export const realClock: RetryClock = {
  now: () => performance.now(),
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

/**
 * Runs `once` (the step with its on_failure handling) and, while it fails, again after the backoff's delay, up to
 * `spec.attempts` runs in all. Stops retrying when the failure does not match `retry_on`, or when the next wait would
 * take the waits past `retry_budget`. A step its on_failure lets go on ('continued') is not retried.
 */
export async function runWithRetry(
  step: WorkflowStep,
  spec: RetrySpec,
  ctx: Pick<RunContext, 'log' | 'signal'>,
  once: () => Promise<StepOutcome>,
  clock: RetryClock = realClock,
): Promise<StepOutcome> {
  const claude: StepOutcome['claude'] = [];
  let waited = 0;
  let attempts = 0;
  const started = clock.now();
  const end = (o: StepOutcome, error = o.error): StepOutcome => ({
    ...o,
    ...(error !== undefined ? { error } : {}),
    attempts,
    claude,
    durationMs: clock.now() - started,
  });
  for (let n = 1; ; n++) {
    const outcome = await once();
    attempts += outcome.attempts;
    claude.push(...outcome.claude);
    if (outcome.status !== 'failed') return end(outcome);
    const tries = n > 1 ? ` after ${n} attempts` : '';
    const giveUp = (why: string): StepOutcome => {
      const error = `${outcome.error ?? 'failed'}${why}`;
      if (spec.on_failure === 'continue') {
        ctx.log.message('warning', `'${step.display}' failed${why || tries}; going on (retry on_failure: continue)`);
        return end({ ...outcome, status: 'continued' }, error);
      }
      return end(outcome, error);
    };
    if (n >= spec.attempts) return giveUp(tries);
    if (!isRetryable(spec.retry_on, failureText(step, outcome))) {
      if (n === 1) return giveUp('');
      return giveUp(`${tries} (not retried: the error matches no retry_on entry)`);
    }
    const delay = jittered(backoffDelay(spec, n), spec.jitter, clock.random());
    if (spec.retry_budget !== undefined && waited + delay > spec.retry_budget)
      return giveUp(`${tries} (retry budget of ${seconds(spec.retry_budget)} exhausted)`);
    ctx.log.message(
      'progress',
      `Retrying '${step.display}' in ${seconds(delay)} (attempt ${n + 1}/${spec.attempts}): ${firstLine(outcome.error)}`,
    );
    waited += delay;
    if (!(await clock.sleep(delay, ctx.signal))) {
      ctx.log.message('warning', `Stopped while waiting to retry '${step.display}'`);
      return end({ ...outcome, status: 'stopped' }, 'stopped');
    }
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? 'failed').split('\n')[0];
}
