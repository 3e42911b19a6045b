// `dlq analyze [<session-id>] [--job-id J] [--export FILE] [--json]`: the failures of one session's dead-letter queue
// (every session's when none is named) grouped into patterns, counted by error type and spread over time.
import { analyzeDeadLetters, writeFileAtomicSync, type DeadLetterAnalysis, type SessionManager } from '../../core';
import { plural } from '../format';
import { printJson, type Io } from '../io';
import { queues, target } from './dlq';

export interface DlqAnalyzeFlags {
  jobId?: string;
  export?: string;
  json: boolean;
}

/** At most this many item ids are printed per pattern (--json and --export have them all). */
const SHOWN_IDS = 5;
const BAR_WIDTH = 30;

export async function dlqAnalyze(
  manager: SessionManager,
  io: Io,
  id: string | undefined,
  flags: DlqAnalyzeFlags,
): Promise<number> {
  const t = await target(manager, id, flags.jobId);
  const found = await queues(manager, t);
  const analysis = analyzeDeadLetters(found.flatMap((q) => q.items));
  const result = {
    ...(t.sessionId !== undefined ? { session_id: t.sessionId, job_id: found[0].jobId } : {}),
    jobs: found.filter((q) => q.items.length > 0).length,
    ...analysis,
  };
  if (flags.export !== undefined) {
    writeFileAtomicSync(flags.export, `${JSON.stringify(result, null, 2)}\n`);
    if (!flags.json) io.out(`Wrote the analysis of ${plural(analysis.total, 'failed item')} to ${flags.export}`);
  }
  if (flags.json) printJson(io, result);
  else if (flags.export === undefined) io.out(render(analysis, result.jobs, t.sessionId).join('\n'));
  return 0;
}

function render(a: DeadLetterAnalysis, jobs: number, sessionId: string | undefined): string[] {
  if (a.total === 0)
    return [
      sessionId !== undefined ? `Session ${sessionId} has no failed items.` : 'No MapReduce session has failed items.',
    ];
  const where = sessionId !== undefined ? `session ${sessionId}` : plural(jobs, 'job');
  const lines = [
    `${plural(a.total, 'failed item')} in ${where}, in ${plural(a.pattern_groups.length, 'pattern')}:`,
    '',
  ];
  const width = String(a.pattern_groups[0].count).length;
  for (const g of a.pattern_groups) {
    lines.push(`  ${String(g.count).padStart(width)}  ${g.error_type}  ${g.pattern}`);
    const more = g.item_ids.length > SHOWN_IDS ? ` (+${g.item_ids.length - SHOWN_IDS} more)` : '';
    lines.push(`  ${' '.repeat(width)}  items: ${g.item_ids.slice(0, SHOWN_IDS).join(', ')}${more}`);
    if (g.example !== g.pattern) lines.push(`  ${' '.repeat(width)}  e.g.   ${g.example}`);
  }
  const types = Object.entries(a.error_distribution).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  lines.push('', `By error type: ${types.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const counts = Object.entries(a.temporal_distribution.counts);
  const top = Math.max(...counts.map(([, n]) => n));
  lines.push(`By ${a.temporal_distribution.bucket} of the last attempt (UTC):`);
  for (const [when, n] of counts) {
    const label = a.temporal_distribution.bucket === 'day' ? when : when.replace('T', ' ').replace(/:00Z$/, ':00');
    lines.push(`  ${label}  ${'█'.repeat(Math.max(1, Math.round((n / top) * BAR_WIDTH)))} ${n}`);
  }
  return lines;
}
