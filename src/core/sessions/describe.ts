// Short human descriptions of sessions, shared by the CLI table and the tree.
import type { CheckpointSummary } from './checkpoints';
import type { SessionSummary } from './summary';

export function relativeTime(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 0) return 'in the future';
  if (s < 45) return 'just now';
  const units: [number, string][] = [
    [60, 'min'],
    [3600, 'h'],
    [86400, 'd'],
    [86400 * 30, 'mo'],
    [86400 * 365, 'y'],
  ];
  let label = `${Math.round(s / 60)} min ago`;
  for (let i = units.length - 1; i >= 0; i--) {
    if (s >= units[i][0]) {
      label = `${Math.floor(s / units[i][0])} ${units[i][1]} ago`;
      break;
    }
  }
  return label;
}

/**
 * `1 item`, `3 items`, `2 uncommitted files`: a count with its noun, for messages; `many` for a noun that takes more
 * than an s (`2 unmerged branches`). The one plural of the core, the CLI and the extension.
 */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `step 3/7`: the one spelling of where a run is (1-based), in the tree, the status bar and progress. */
export function stepText(step: number, total: number): string {
  return `step ${step}/${total}`;
}

/** `Map 12/40 · 2 failed`: the one spelling of a MapReduce job's progress. */
export function jobProgressText(job: { phase: string; processed: number; total: number; failed: number }): string {
  return `${job.phase} ${job.processed}/${job.total}${job.failed ? ` · ${job.failed} failed` : ''}`;
}

export function progressText(s: SessionSummary): string {
  if (s.mapreduce) {
    const m = s.mapreduce;
    return jobProgressText({
      phase: m.phase,
      processed: m.processed_items,
      total: m.total_items,
      failed: m.failed_items,
    });
  }
  if (s.total_steps > 0) {
    // The step running, or the one a resume starts at (a failed run: the step that failed).
    // Prodigy never advances its step counters (§2.2): a completed run did every step.
    const done = Math.min(s.completed_steps || s.current_step, s.total_steps);
    return stepText(s.status === 'Completed' ? s.total_steps : Math.min(done + 1, s.total_steps), s.total_steps);
  }
  return '-';
}

/**
 * Where a checkpoint stands, 1-based: ours are taken after a step ("after step 2/5"); Prodigy's
 * checkpoint files record the next step to run, i.e. how many are done ("2/5 steps done").
 */
export function checkpointStepText(c: Pick<CheckpointSummary, 'kind' | 'step_index' | 'total_steps'>): string | null {
  if (c.step_index === null) return null;
  const total = c.total_steps ? `/${c.total_steps}` : '';
  if (c.kind === 'session') return `after step ${c.step_index + 1}${total}`;
  return `${c.step_index}${total} ${c.total_steps || c.step_index !== 1 ? 'steps' : 'step'} done`;
}
