// Where work items come from (prodigy-workflows.md §6.8 item 2): `map.input` names a JSON file (relative to the
// working directory, or absolute) when such a file exists; otherwise it is a shell command (`sh -c`, 300 s).
// The result is the document the pipeline starts from.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ProdigyError, errorMessage } from '../errors';
import type { ProcessGroups } from '../process/groups';
import { runProcess } from '../process/runProcess';

export const INPUT_COMMAND_TIMEOUT_MS = 300_000;

export interface InputOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** The run's record of its commands' process groups (see RunContext.groups). */
  groups?: ProcessGroups;
  /** For tests; default 300 s. */
  timeoutMs?: number;
}

export interface LoadedInput {
  source: 'file' | 'command';
  /** The file's JSON, or the command's output (see `documentFromOutput`). */
  document: unknown;
}

export async function readWorkItemsInput(input: string, opts: InputOptions): Promise<LoadedInput> {
  if (!input.trim())
    throw new ProdigyError('map.input is empty: give a JSON file or a command that prints the work items');
  const file = path.resolve(opts.cwd, input.trim());
  const stat = await fs.stat(file).catch(() => undefined);
  if (stat?.isFile()) {
    const text = await fs.readFile(file, 'utf8').catch((e: unknown) => {
      throw new ProdigyError(`Cannot read work items from ${file} (map.input "${input}"): ${errorMessage(e)}`);
    });
    return { source: 'file', document: parseWorkItemsFile(file, input, text) };
  }
  if (stat?.isDirectory()) {
    throw new ProdigyError(`map.input "${input}" is a directory (${file}), not a JSON file or a command`);
  }
  return { source: 'command', document: await runInputCommand(input, file, opts) };
}

/** A work-items file's text as JSON; an error names the file and the `map.input` it came from. */
export function parseWorkItemsFile(file: string, input: string, text: string): unknown {
  try {
    return JSON.parse(stripBom(text));
  } catch (e) {
    throw new ProdigyError(`Work items file ${file} (map.input "${input}") is not valid JSON: ${errorMessage(e)}`);
  }
}

async function runInputCommand(input: string, file: string, opts: InputOptions): Promise<unknown> {
  const timeoutMs = opts.timeoutMs ?? INPUT_COMMAND_TIMEOUT_MS;
  const result = await runProcess('sh', ['-c', input], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    timeoutMs,
    signal: opts.signal,
    groups: opts.groups,
  });
  if (result.aborted) throw new ProdigyError(`Loading work items was stopped (map.input command "${input}")`);
  const notAFile = `map.input "${input}" is not a file (no ${file})`;
  if (result.timedOut) {
    throw new ProdigyError(`${notAFile}, and as a command it timed out after ${Math.round(timeoutMs / 1000)} seconds`);
  }
  if (result.code !== 0) {
    const stderr = result.stderr.trim();
    throw new ProdigyError(
      `${notAFile}, and as a command it failed with exit code ${result.code}${stderr ? `: ${lastLines(stderr, 5)}` : ''}`,
    );
  }
  return documentFromOutput(result.stdout);
}

/**
 * A command's stdout as a document: the whole output parsed as JSON if it is JSON (an array gives the items; any
 * other value is the document itself, so a `json_path` can reach into it, and without one it is one item);
 * otherwise an array with one entry per non-empty line: the line parsed as JSON, or `{"item": "<line>"}`.
 * Empty output is an empty array.
 */
export function documentFromOutput(stdout: string): unknown {
  const trimmed = stripBom(stdout).trim();
  if (!trimmed) return [];
  try {
    return JSON.parse(trimmed);
  } catch {
    // not one JSON value: line by line
  }
  return trimmed
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return { item: line };
      }
    });
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function lastLines(text: string, n: number): string {
  const lines = text.split('\n');
  return lines.length > n ? `…\n${lines.slice(-n).join('\n')}` : text;
}
