// How the loaded parts of a composition combine (Prodigy docs, composition/): `extends` overrides a base (maps merge
// deeply, a non-empty list replaces), imports and a template are added under the file (their steps first).
import { isPlainMap, type PlainMap } from './loadContext';
import type { Workflow, WorkflowStep } from './model';

/** What the normal load makes of one file's keys. */
export type LoadedPart = Omit<Workflow, 'path' | 'format' | 'warnings' | 'hash'>;

/** Another file's part: each of its steps names that file (messages point at where the step was written). */
export function marked(part: LoadedPart, file: string): LoadedPart {
  const mark = (steps: WorkflowStep[]) => steps.map((s) => ({ ...s, file }));
  return {
    ...part,
    steps: mark(part.steps),
    ...(part.merge ? { merge: { ...part.merge, steps: mark(part.merge.steps) } } : {}),
    ...(part.mapreduce
      ? {
          mapreduce: {
            ...part.mapreduce,
            setup: { ...part.mapreduce.setup, steps: mark(part.mapreduce.setup.steps) },
            map: { ...part.mapreduce.map, agent_template: mark(part.mapreduce.map.agent_template) },
            reduce: mark(part.mapreduce.reduce),
          },
        }
      : {}),
  };
}

/** imports and template: `low`'s steps run first, then `high`'s; maps merge with `high` winning. */
export function add(low: LoadedPart, high: LoadedPart): LoadedPart {
  const out = deepMerge(low, high, 'concat') as LoadedPart;
  return { ...out, name: high.name || low.name };
}

/** extends: the child over its base; the child's steps, when it has any, replace the base's. */
export function inherit(base: LoadedPart, child: LoadedPart, childHasSteps: boolean): LoadedPart {
  const out = deepMerge(base, child, 'replace') as LoadedPart;
  return {
    ...out,
    name: child.name || base.name,
    shape: childHasSteps ? child.shape : base.shape,
    steps: childHasSteps ? child.steps : base.steps,
    ...(child.mapreduce || base.mapreduce ? { mapreduce: child.mapreduce ?? base.mapreduce } : {}),
  };
}

/** Maps merge key by key (recursively); lists concatenate or, non-empty, replace; anything else `high` wins. */
function deepMerge(low: unknown, high: unknown, lists: 'concat' | 'replace'): unknown {
  if (high === undefined) return low;
  if (Array.isArray(low) && Array.isArray(high)) {
    if (lists === 'concat') return [...low, ...high];
    return high.length ? high : low;
  }
  // Steps and their parts are whole values: only the workflow's own maps (env, secrets, merge, …) merge.
  if (isPlainMap(low) && isPlainMap(high) && !('kind' in high)) {
    const out: PlainMap = { ...low };
    for (const [k, v] of Object.entries(high)) out[k] = deepMerge(low[k], v, lists);
    return out;
  }
  return high;
}
