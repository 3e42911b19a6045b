// `validate <file>`: load a workflow file the way `run` would, and say what it is or what is wrong.
// Warnings are printed in the `file:line:col:` form editors and terminals link to. A composable workflow is checked
// with the --param values given (as run would compose it); without any, its required parameters are listed.
import { loadWorkflowFile, WorkflowLoadError, type ParameterInfo, type Workflow } from '../../core';
import { plural } from '../format';
import { printJson, type Io } from '../io';
import { paramValues } from '../params';

const SHAPES: Record<Workflow['shape'], string> = {
  list: 'list-form',
  commands: 'standard',
  mapreduce: 'MapReduce',
};

export async function validateCommand(
  io: Io,
  file: string,
  opts: { json: boolean; param: string[]; paramFile?: string },
): Promise<number> {
  const given = opts.param.length > 0 || opts.paramFile !== undefined;
  let workflow: Workflow;
  try {
    workflow = loadWorkflowFile(file, given ? { params: paramValues(opts.param, opts.paramFile) } : {});
  } catch (err) {
    if (!(err instanceof WorkflowLoadError)) throw err;
    if (opts.json)
      printJson(io, { ok: false, file, shape: null, name: null, steps: null, warnings: [], error: err.message });
    else io.err(`✗ ${err.message}`);
    return 1;
  }
  const phases = phaseCounts(workflow);
  if (opts.json) {
    printJson(io, {
      ok: true,
      file,
      path: workflow.path,
      shape: workflow.shape,
      name: workflow.name,
      // Steps the run executes (merge runs only when merging back, so it is counted apart).
      steps: Object.entries(phases).reduce((sum, [phase, n]) => (phase === 'merge' ? sum : sum + n), 0),
      ...(workflow.mapreduce || workflow.merge ? { phases } : {}),
      ...(workflow.composition ? { parameters: workflow.composition.declared } : {}),
      warnings: workflow.warnings.map(({ line, col, message }) => ({ line, col, message })),
    });
    return 0;
  }
  const counts = Object.entries(phases)
    .map(([phase, n]) => (phase === 'steps' ? plural(n, 'step') : `${phase} ${plural(n, 'step')}`))
    .join(', ');
  io.out(`✓ ${file}: ${SHAPES[workflow.shape]} workflow "${workflow.name || 'default'}", ${counts}`);
  for (const w of workflow.warnings) io.out(`  warning: ${file}:${w.line}:${w.col}: ${w.message}`);
  const missing = (workflow.composition?.declared ?? []).filter((p) => p.required && !p.hasValue);
  if (missing.length > 0)
    io.out(
      `  needs ${missing.map(paramHint).join(' ')} to run (${plural(missing.length, 'required parameter')} ` +
        'without a value; validate with them to check the composed workflow)',
    );
  return 0;
}

function paramHint(p: ParameterInfo): string {
  return `--param ${p.name}=${p.type === 'Any' ? 'VALUE' : p.type.toUpperCase()}`;
}

/** Step counts per phase: `steps` for a standard workflow; setup/agent/reduce for MapReduce; merge when present. */
function phaseCounts(workflow: Workflow): Record<string, number> {
  const counts: Record<string, number> = workflow.mapreduce
    ? {
        setup: workflow.mapreduce.setup.steps.length,
        agent: workflow.mapreduce.map.agent_template.length,
        reduce: workflow.mapreduce.reduce.length,
      }
    : { steps: workflow.steps.length };
  if (workflow.merge) counts.merge = workflow.merge.steps.length;
  return counts;
}
