// A session's Claude usage as its calls end: each call's usage is added to the record's `metadata.claude`
// (one locked read-modify-write, so agents ending together all count), and a budget (`--max-cost`) stops new
// calls once the sums reach it. The call in flight always finishes.
import { addCall, readTotals } from '../claude/totals';
import type { ClaudeCall, ClaudeTotals } from '../claude/types';
import { formatCost } from '../claude/format';
import { ProdigyError } from '../errors';
import type { SessionManager } from '../sessions/sessionManager';
import type { EngineListener } from './events';
import type { ClaudeUsageSink } from './runContext';

/** No new Claude call starts: the session's calls have cost what its budget allows. */
export class BudgetReachedError extends ProdigyError {
  constructor(
    readonly limitUsd: number,
    readonly spentUsd: number,
  ) {
    super(budgetMessage(limitUsd, spentUsd));
  }
}

export function budgetMessage(limitUsd: number, spentUsd: number): string {
  return (
    `Claude budget reached: ${formatCost(spentUsd)} spent of the ${formatCost(limitUsd)} allowed ` +
    `(--max-cost / prodigy.claude.maxCostPerSession). Resume with a higher limit to go on`
  );
}

export class SessionClaudeUsage implements ClaudeUsageSink {
  private spent: number;

  constructor(
    private readonly manager: SessionManager,
    private readonly sessionId: string,
    private readonly listener: EngineListener,
    /** What the session had spent before this run (its record's sums). */
    spentBefore: number,
    private readonly limitUsd: number | undefined,
  ) {
    this.spent = spentBefore;
  }

  get stopReason(): string | null {
    return this.reached() ? budgetMessage(this.limitUsd!, this.spent) : null;
  }

  beforeCall(): void {
    if (this.reached()) throw new BudgetReachedError(this.limitUsd!, this.spent);
  }

  async ended(call: ClaudeCall, itemId: string | null): Promise<void> {
    // Counted at once, so an agent starting while the record is written already sees it.
    this.spent += call.total_cost_usd;
    let totals: ClaudeTotals | null = null;
    await this.manager.updateSession(this.sessionId, (current) => {
      totals = addCall(readTotals(current.metadata.claude) ?? undefined, call);
      return { ...current, metadata: { ...current.metadata, claude: totals } };
    });
    if (totals) {
      this.spent = Math.max(this.spent, (totals as ClaudeTotals).total_cost_usd);
      this.listener({ type: 'claude-call', sessionId: this.sessionId, itemId, call, totals });
    }
  }

  private reached(): boolean {
    return this.limitUsd !== undefined && this.spent >= this.limitUsd;
  }
}
