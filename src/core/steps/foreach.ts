// A `foreach:` step (prodigy-workflows.md §3.5): its `do:` steps run once per item, each through executeStep,
// in the session's worktree, up to `parallel` items at once. Each item that finishes is written down at once
// (foreachProgress.ts), so a foreach stopped or killed midway resumes with only the items not done. Each item's
// start and end is also a `foreach-progress` event (events.ts), which the tree and the status bar show.
import { sumCalls } from '../claude/totals';
import { processDetail } from './claudeCall';
import { stepCwd, stepEnv, type CommandResult } from './commands';
import { ForeachProgress } from './foreachProgress';
import { interpolate, renderValue, type Variables } from './interpolation';
import { runProcess } from '../process/runProcess';
import type { ForeachSpec, WorkflowStep } from '../workflow/model';
import type { ClaudeCall } from '../claude/types';
import type { RunContext } from './runContext';
import type { ExecuteStep } from './validation';

type ItemEnd = { status: 'done' } | { status: 'failed'; error: string } | { status: 'stopped' };

export async function runForeach(step: WorkflowStep, ctx: RunContext, execute: ExecuteStep): Promise<CommandResult> {
  const started = performance.now();
  const spec = step.foreach as ForeachSpec;
  const result = (success: boolean, stdout: string, error?: string, aborted = false): CommandResult => ({
    success,
    exitCode: success ? 0 : 1,
    stdout,
    stderr: success ? '' : (error ?? ''),
    durationMs: performance.now() - started,
    aborted,
    timedOut: false,
    error: success ? undefined : aborted ? 'stopped' : error,
    ...(calls.length ? { claude: sumCalls(calls, step.name ?? step.display) ?? undefined } : {}),
  });
  const calls: ClaudeCall[] = [];

  const listed = await itemsOf(step, spec, ctx);
  if ('aborted' in listed) return result(false, '', 'stopped', true);
  if ('error' in listed) return result(false, '', listed.error);
  const items = spec.max_items !== undefined ? listed.items.slice(0, spec.max_items) : listed.items;
  const total = items.length;
  const progress = ForeachProgress.open(ctx, step, items);
  const pending = items.map((_, i) => i).filter((i) => !progress.isDone(i));
  if (pending.length < total)
    ctx.log.message(
      'info',
      `foreach: ${total - pending.length} of ${total} items were done before; running the other ${pending.length}`,
    );
  else ctx.log.message('info', `foreach: ${total} item${total === 1 ? '' : 's'}, ${spec.parallel} at a time`);

  const failures: Array<{ index: number; error: string }> = [];
  let stopped = false;
  let next = 0;
  // Finished items (done or failed), counted from those a resumed foreach had done before.
  let finished = total - pending.length;
  const report = (current?: string) =>
    ctx.log.foreachProgress(step.display, finished, total, current, ctx.itemId ?? null);
  const runItem = async (index: number): Promise<ItemEnd> => {
    const item = items[index];
    ctx.log.message('progress', `foreach ${index + 1}/${total}: ${itemLabel(item)}`);
    report(itemLabel(item));
    // Each item has its own variables: parallel items never see each other's ${item} or captures.
    const itemCtx: RunContext = { ...ctx, vars: { ...ctx.vars, ...itemVariables(item, index, total) } };
    for (const s of spec.do) {
      const o = await execute(s, itemCtx);
      calls.push(...o.claude);
      if (o.status === 'stopped') return { status: 'stopped' };
      if (o.status === 'failed') return { status: 'failed', error: o.error ?? `'${s.display}' failed` };
    }
    return { status: 'done' };
  };
  const worker = async (): Promise<void> => {
    while (next < pending.length && !stopped && !ctx.signal.aborted) {
      if (failures.length && !spec.continue_on_error) return;
      const index = pending[next++];
      const end = await runItem(index);
      if (end.status === 'stopped') stopped = true;
      else if (end.status === 'failed') {
        failures.push({ index, error: end.error });
        ctx.log.message('warning', `foreach ${index + 1}/${total} failed: ${end.error}`);
      } else progress.markDone(index);
      if (end.status !== 'stopped') {
        finished++;
        report();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.parallel, pending.length) }, worker));
  if (stopped || ctx.signal.aborted) return result(false, '', 'stopped', true);

  const summary = `Foreach completed: ${total} total, ${total - failures.length} successful, ${failures.length} failed`;
  if (failures.length && !spec.continue_on_error) {
    const first = failures.sort((a, b) => a.index - b.index)[0];
    return result(
      false,
      summary,
      `foreach item ${first.index + 1}/${total} (${itemLabel(items[first.index])}) failed: ${first.error}`,
    );
  }
  // The step is through: its items are not "done" for a later run of the same step (another pass, a rerun).
  progress.clear();
  ctx.log.message(failures.length ? 'warning' : 'success', summary);
  return result(true, summary);
}

/** The items: the list as written (strings interpolated), or the command's stdout lines without the blank ones. */
async function itemsOf(
  step: WorkflowStep,
  spec: ForeachSpec,
  ctx: RunContext,
): Promise<{ items: unknown[] } | { error: string } | { aborted: true }> {
  if (spec.list) return { items: spec.list.map((v) => (typeof v === 'string' ? interpolate(v, ctx.vars) : v)) };
  const text = interpolate(spec.command ?? '', ctx.vars);
  const res = await runProcess('sh', ['-c', text], {
    cwd: stepCwd(step, ctx),
    env: stepEnv(step, ctx),
    signal: ctx.signal,
    killGraceMs: ctx.killGraceMs,
    groups: ctx.groups,
  });
  if (res.aborted) return { aborted: true };
  if (res.code !== 0)
    return { error: `The items command of '${step.display}' failed with exit code ${res.code}${processDetail(res)}` };
  if (res.stdoutCut) return { error: `The items command of '${step.display}' printed more than can be kept` };
  return {
    items: res.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  };
}

/**
 * `${item}`, `${index}` (0-based) and `${total}`, with the other documented names of the same: `${foreach.item}`,
 * `${foreach.index}`, `${foreach.total}`, and `${item_index}`/`${item_total}`. A map item's fields read as
 * `${item.field}`.
 */
export function itemVariables(item: unknown, index: number, total: number): Variables {
  return {
    item,
    index,
    total,
    item_index: index,
    item_total: total,
    'foreach.item': item,
    'foreach.index': index,
    'foreach.total': total,
  };
}

/** An item as a log line shows it (one line, at most 100 characters). */
function itemLabel(item: unknown): string {
  const text = renderValue(item).replace(/\s+/g, ' ');
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
