// A MapReduce job's `error_policy` as Prodigy documents it (prodigy-workflows.md §6.8 item 9; its
// code parses the policy and applies none of it, and §10 asks for the documented meaning): what
// happens to a failed item, and when failures end the map phase.
import type { ErrorPolicySpec, RetrySpec } from '../workflow/model';

export type ItemFailureAction = 'dlq' | 'retry' | 'skip' | 'stop';

const ACTIONS: readonly string[] = ['dlq', 'retry', 'skip', 'stop'];
const DEFAULT_ATTEMPTS = 3;

export interface FailurePolicy {
  /** dlq: into the dead-letter queue (default); retry: run again first; skip: count it, queue nothing; stop: end the map phase. */
  action: ItemFailureAction;
  /** How many times an item runs before it counts as failed (more than 1 only for retry). */
  attempts: number;
  continueOnFailure: boolean;
  maxFailures: number | null;
  /** A fraction of all the job's items. */
  failureThreshold: number | null;
  /** An `on_item_failure` value this project does not know (treated as dlq). */
  unsupportedAction: string | null;
  /** retry: the delays between an item's attempts (`retry_config`'s backoff; none written: run again at once). */
  retry?: RetrySpec;
}

export function failurePolicyOf(policy: Record<string, unknown>, parsed?: ErrorPolicySpec): FailurePolicy {
  const raw = typeof policy.on_item_failure === 'string' ? policy.on_item_failure : 'dlq';
  const action = (ACTIONS.includes(raw) ? raw : 'dlq') as ItemFailureAction;
  const retry = parsed?.retry_config;
  const maxAttempts = retry?.attempts ?? DEFAULT_ATTEMPTS;
  return {
    ...(action === 'retry' && retry ? { retry } : {}),
    action,
    attempts: action === 'retry' ? maxAttempts : 1,
    continueOnFailure: policy.continue_on_failure !== false && action !== 'stop',
    maxFailures: typeof policy.max_failures === 'number' ? policy.max_failures : null,
    failureThreshold: typeof policy.failure_threshold === 'number' ? policy.failure_threshold : null,
    unsupportedAction: ACTIONS.includes(raw) ? null : raw,
  };
}

/** Why the map phase stops now that `failed` of the job's `total` items have failed, or null to go on. */
export function stopReason(p: FailurePolicy, failed: number, total: number): string | null {
  if (failed === 0) return null;
  if (!p.continueOnFailure)
    return p.action === 'stop'
      ? 'an item failed (on_item_failure: stop)'
      : 'an item failed (continue_on_failure: false)';
  if (p.maxFailures !== null && failed > p.maxFailures)
    return `${failed} items failed, more than max_failures (${p.maxFailures})`;
  if (p.failureThreshold !== null && total > 0 && failed / total > p.failureThreshold) {
    return `${failed} of ${total} items failed, more than failure_threshold (${p.failureThreshold})`;
  }
  return null;
}
