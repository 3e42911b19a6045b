// The workflows `exec` and `batch` make from a command line (Prodigy's `exec "<claude:|shell: …>"` and `batch <glob>
// --command …`). Each is written as a real workflow file in the home, H/vscode/workflows/, because everything that
// continues a session later (resume, merge, dlq retry, reduce, VS Code's Open Workflow) reads its workflow from the
// file the session names: a one-step run resumes exactly as a run of a file does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import fg from 'fast-glob';
import * as YAML from 'yaml';
import { ProdigyError } from '../errors';
import { writeFileAtomicSync } from '../storage/atomicFile';
import { fileStamp, type HomePaths } from '../storage/paths';

/** `claude: /cmd args` or `shell: npm test`, as Prodigy's exec and batch take it. */
export interface CommandStep {
  kind: 'claude' | 'shell';
  text: string;
}

/** The command's kind and text, or a sentence saying what is wrong with it (for a usage error). */
export function parseCommandStep(raw: string): CommandStep | string {
  const match = /^\s*(claude|shell)\s*:\s*([\s\S]*)$/.exec(raw);
  if (!match) return `"${raw}" needs a claude: or shell: prefix, as in "shell: npm test" or "claude: /lint src"`;
  const text = match[2].trim();
  if (!text) return `"${raw}" has nothing after ${match[1]}:`;
  return { kind: match[1] as CommandStep['kind'], text };
}

export interface StepLimits {
  /** Runs in all while it fails (Prodigy's `--retry N`, its `max_attempts`); 1 or absent: once. */
  attempts?: number;
  /** Seconds before the step is stopped and fails. */
  timeout?: number;
}

export interface GeneratedWorkflow {
  file: string;
  name: string;
}

/** A one-step workflow, named after the command's first words (the session's name in lists and the tree). */
export function writeExecWorkflow(paths: HomePaths, step: CommandStep, limits: StepLimits): GeneratedWorkflow {
  const name = `exec: ${firstWords(step.text)}`;
  return write(paths, 'exec', { name, steps: [stepOf(step, limits)] });
}

/**
 * The files `batch` works on: the glob matched in the project (`*.py` with no `/` matches that name in every folder,
 * as Prodigy's `find . -name` does; `src/**\/*.ts` is a path glob), relative paths, sorted. Dot folders and
 * node_modules are left out.
 */
export function batchFiles(pattern: string, projectDir: string): string[] {
  return fg
    .sync(pattern, {
      cwd: projectDir,
      onlyFiles: true,
      dot: false,
      baseNameMatch: !pattern.includes('/'),
      ignore: ['**/node_modules/**'],
    })
    .sort();
}

/**
 * A MapReduce workflow with one work item per file (`${item}` = its path, relative to the repository, so each agent
 * finds it in its own worktree) and the command as its agent step. A command that does not name `${item}` gets the
 * path appended, so `--command "claude: /add-types"` works on each file. The reduce step prints the counts.
 */
export function writeBatchWorkflow(
  paths: HomePaths,
  pattern: string,
  files: string[],
  step: CommandStep,
  options: StepLimits & { parallel: number },
): GeneratedWorkflow {
  if (files.length === 0) throw new ProdigyError(`batch: no files match ${pattern}`);
  const withItem = /\$\{item\b/.test(step.text) ? step : { ...step, text: `${step.text} \${item}` };
  const name = `batch: ${firstWords(pattern, 40)} · ${firstWords(step.text)}`;
  const dir = workflowsDir(paths);
  const base = uniqueBase('batch');
  const items = path.join(dir, `${base}.items.json`);
  writeFileAtomicSync(items, `${JSON.stringify(files, null, 2)}\n`);
  return write(
    paths,
    'batch',
    {
      name,
      mode: 'mapreduce',
      map: { input: items, max_parallel: options.parallel, agent_template: [stepOf(withItem, options)] },
      reduce: [{ shell: 'echo "batch: ${map.successful} of ${map.total} files done, ${map.failed} failed"' }],
    },
    base,
  );
}

function stepOf(step: CommandStep, limits: StepLimits): Record<string, unknown> {
  return {
    [step.kind]: step.text,
    ...(limits.timeout !== undefined ? { timeout: limits.timeout } : {}),
    ...(limits.attempts !== undefined && limits.attempts > 1 ? { retry: { attempts: limits.attempts } } : {}),
  };
}

function write(
  paths: HomePaths,
  kind: string,
  workflow: Record<string, unknown>,
  base = uniqueBase(kind),
): GeneratedWorkflow {
  const file = path.join(workflowsDir(paths), `${base}.yml`);
  const header = `# Made by the command line's ${kind} (Prodigy for VS Code); its session reads it again on resume.\n`;
  writeFileAtomicSync(file, header + YAML.stringify(workflow, { lineWidth: 0 }));
  return { file, name: String(workflow.name) };
}

function workflowsDir(paths: HomePaths): string {
  const dir = path.join(paths.ownDir, 'workflows');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Sorts by time; the random part keeps two commands started in one second apart. */
function uniqueBase(kind: string): string {
  return `${kind}-${fileStamp()}-${randomBytes(4).toString('hex')}`;
}

function firstWords(text: string, max = 48): string {
  const line = text.split('\n')[0].trim().replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}
