// `run --dry-run`: what a run would do, without a session, a worktree or any command. Variables are built by
// the real run's code (`startVariables`, `passVariables`); a MapReduce file also shows its work-item plan when
// its input file can be read now (a command is never run).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../errors';
import { planItems } from '../mapreduce/workItems';
import { parseWorkItemsFile } from '../mapreduce/workItemsInput';
import { RunPlan, passVariables } from '../runs/runPlan';
import { plural } from '../sessions/describe';
import { interpolate, type Variables } from '../steps/interpolation';
import type { ParamValues } from '../workflow/compose';
import { loadWorkflowFile } from '../workflow/loader';
import type { MapReduceSpec, Workflow, WorkflowStep } from '../workflow/model';
import { startVariables } from './prelude';
import { activeProfile } from '../steps/workflowEnv';

export interface PreviewOptions {
  iterations?: number;
  inputs?: string[];
  /** The folder the run would start from (`${PROJECT_ROOT}`, where `map.input` is read); default the current one. */
  projectDir?: string;
  env?: NodeJS.ProcessEnv;
  /** `--param`/`--param-file` values for a composable workflow (compose.ts). */
  parameters?: ParamValues;
  /** `--profile`: one of the workflow's profiles (checked: an unknown one is an error listing them). */
  profile?: string;
}

/** How many work items the dry run lists by name. */
const SHOWN_ITEMS = 5;

export function previewWorkflow(
  workflowFile: string,
  args: string[] = [],
  options: PreviewOptions = {},
): { workflow: Workflow; lines: string[] } {
  const workflow = loadWorkflowFile(path.resolve(workflowFile), { params: options.parameters ?? {} });
  const isMapReduce = workflow.shape === 'mapreduce';
  const inputs = isMapReduce ? [] : (options.inputs ?? []);
  const plan = new RunPlan(workflow.steps.length, isMapReduce ? 1 : (options.iterations ?? 1), inputs);
  const cwd = path.resolve(options.projectDir ?? process.cwd());
  const profile = activeProfile(workflow, options.profile, options.env ?? process.env);
  const { vars } = startVariables(workflow, { cwd, args, env: options.env ?? process.env, profile });
  Object.assign(vars, passVariables(plan.pass(0)));
  const out = (text: string) => `[DRY RUN] ${text}`;
  const name = workflow.name || 'default';
  if (isMapReduce) return { workflow, lines: mapReduceLines(workflow.mapreduce!, name, vars, cwd).map(out) };

  const lines = [`Would create a worktree and a session for "${name}" (${workflow.steps.length} steps)`];
  if (inputs.length > 1)
    lines.push(
      `Would process ${inputs.length} inputs, one after another: ${inputs.join(', ')} (shown for ${inputs[0]})`,
    );
  if (plan.iterations > 1)
    lines.push(`Would run up to ${plan.iterations} iterations, stopping after one that changes nothing (shown once)`);
  workflow.steps.forEach((s, i) =>
    lines.push(`Would execute step ${i + 1}/${workflow.steps.length}: ${stepText(s, vars)}`),
  );
  return { workflow, lines: lines.map(out) };
}

function stepText(step: WorkflowStep, vars: Variables): string {
  return step.kind === 'write_file'
    ? `write_file: ${interpolate(step.write_file!.path, vars)}`
    : `${step.kind}: ${interpolate(step.command, vars)}`;
}

function mapReduceLines(spec: MapReduceSpec, name: string, vars: Variables, cwd: string): string[] {
  const { setup, map, reduce } = spec;
  const lines = [
    `Would create a worktree and a MapReduce session for "${name}" (${setup.steps.length} setup, ` +
      `${map.agent_template.length} per item, ${reduce.length} reduce steps)`,
  ];
  setup.steps.forEach((s, i) =>
    lines.push(`Would run setup step ${i + 1}/${setup.steps.length}: ${stepText(s, vars)}`),
  );
  lines.push(...itemPlan(spec, vars, cwd));
  map.agent_template.forEach((s, i) =>
    lines.push(`Each agent would execute step ${i + 1}/${map.agent_template.length}: ${stepText(s, {})}`),
  );
  reduce.forEach((s, i) => lines.push(`Would reduce, step ${i + 1}/${reduce.length}: ${stepText(s, {})}`));
  return lines;
}

/** The work-item plan: the count after each stage of the pipeline and the first items, when the input is a file now. */
function itemPlan(spec: MapReduceSpec, vars: Variables, cwd: string): string[] {
  const { map } = spec;
  const input = interpolate(map.input, vars);
  const file = path.resolve(cwd, input.trim());
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile()) {
    // A name that does not exist is a command to Prodigy; setup often writes the file a run then reads.
    const why = setupMayWrite(spec, input)
      ? `${file} does not exist yet (a setup step may write it)`
      : `map.input "${input}" is not a file, so it is a command, and a dry run runs no command`;
    return [`Work items: not listed: ${why}`];
  }
  let plan: ReturnType<typeof planItems>;
  try {
    plan = planItems(parseWorkItemsFile(file, input, fs.readFileSync(file, 'utf8')), map);
  } catch (err) {
    return [`Work items: could not be listed: ${errorMessage(err)}`];
  }
  const lines = [`Work items from ${path.relative(cwd, file) || file}:`];
  const width = String(Math.max(...plan.stages.map((s) => s.items))).length;
  for (const s of plan.stages) lines.push(`  ${String(s.items).padStart(width)} after ${s.stage} ${s.setting}`);
  const shown = plan.items.slice(0, SHOWN_ITEMS);
  lines.push(
    `Would run ${plural(plan.items.length, 'item')}, up to ${map.max_parallel} agents at a time` +
      (shown.length ? `; the first ${shown.length}:` : ''),
  );
  shown.forEach((item, i) => lines.push(`  item_${i}: ${shorten(JSON.stringify(item) ?? 'null', 100)}`));
  return lines;
}

function setupMayWrite(spec: MapReduceSpec, input: string): boolean {
  return spec.setup.steps.length > 0 && /\.json$/i.test(input.trim());
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
