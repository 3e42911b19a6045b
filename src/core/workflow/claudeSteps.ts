// Whether a workflow has a Claude step anywhere it could run: any phase (standard steps, MapReduce setup, agents,
// reduce, custom merge) and any nesting (on_failure, on_success and on_exit_code handlers, foreach do:, validation
// and its on_incomplete). Before a run the editor checks the Claude CLI is there only when this says so.
import type { Workflow } from './model';

export function workflowUsesClaude(workflow: Workflow): boolean {
  const seen = new Set<object>();
  const visit = (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return false;
    seen.add(value);
    if (!Array.isArray(value) && (value as { kind?: unknown }).kind === 'claude') return true;
    return Object.values(value).some(visit);
  };
  return visit([workflow.steps, workflow.mapreduce, workflow.merge]);
}
