// An item's retry in flight (error_policy.retry_config) kept in the job state when the run stops during its wait,
// so a resume continues it as a step's retry continues (steps/retry.ts): at the next attempt, with what was left of
// the wait, the waits counted so far and the budget's expiry kept. Prodigy's readers ignore the key (ours).
import type { JobState } from './jobState';

export interface ItemRetryState {
  /** The attempt that last failed (from 1). */
  attempt: number;
  last_error: string;
  /** The waits counted so far against retry_budget (ms). */
  total_delay_ms: number;
  /** RFC 3339, set at the item's first failure; null without retry_budget. */
  retry_budget_expires_at: string | null;
  /** RFC 3339: when the next attempt was due. */
  next_attempt_at: string;
}

/** The job-state key (ours): item id → its retry in flight. */
export const ITEM_RETRY_STATE = 'item_retry_state';

type WithRetries = JobState & { [ITEM_RETRY_STATE]?: Record<string, ItemRetryState> };

export function keptItemRetries(state: JobState): Record<string, ItemRetryState> {
  return (state as WithRetries)[ITEM_RETRY_STATE] ?? {};
}

export function keepItemRetry(state: JobState, itemId: string, retry: ItemRetryState): void {
  (state as WithRetries)[ITEM_RETRY_STATE] = { ...keptItemRetries(state), [itemId]: retry };
}

/** When the item ends (recorded as done or failed). */
export function clearItemRetry(state: JobState, itemId: string): void {
  const s = state as WithRetries;
  if (!s[ITEM_RETRY_STATE]?.[itemId]) return;
  const { [itemId]: _, ...rest } = s[ITEM_RETRY_STATE];
  if (Object.keys(rest).length) s[ITEM_RETRY_STATE] = rest;
  else delete s[ITEM_RETRY_STATE];
}
