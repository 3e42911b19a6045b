// The questions of "Repeat Workflow or Run per Input…": Prodigy's `-n N`, `--map GLOB` and
// several `--args` (prodigy-workflows.md §6.5–6.6), asked one at a time with the answer checked
// as it is typed (a count, files that match, a non-empty list).
import * as vscode from 'vscode';
import { errorMessage, inputsFromPatterns } from '../../core';

export interface PassOptions {
  iterations?: number;
  inputs?: string[];
}

/** `inputs` given as a list, or `map` as glob patterns resolved in `folder`. */
export function passOptionsFrom(
  args: { iterations?: number; inputs?: string[]; map?: string[] },
  folder: string,
): PassOptions | undefined {
  if (args.iterations === undefined && args.inputs === undefined && args.map === undefined) return undefined;
  const inputs = [...(args.map?.length ? inputsFromPatterns(args.map, folder) : []), ...(args.inputs ?? [])];
  return { iterations: args.iterations, inputs: inputs.length ? inputs : undefined };
}

export async function askPassOptions(folder: string): Promise<PassOptions | undefined> {
  const repeat = {
    label: '$(sync) Repeat the workflow',
    description: '-n N',
    detail: 'Run the steps up to N times, stopping after a round that commits nothing',
  };
  const files = {
    label: '$(files) Once per matching file',
    description: '--map GLOB',
    detail:
      'Each file matching a pattern is one input: ${ARG} is its name up to the first "-" (specs/65-refactor.md → 65)',
  };
  const list = {
    label: '$(list-unordered) Once per value',
    description: '--args',
    detail: 'Type the inputs, separated by commas: ${ARG} takes each in turn',
  };
  const mode = await vscode.window.showQuickPick([repeat, files, list], {
    title: 'Repeat Workflow or Run per Input',
    placeHolder: 'How should the workflow run?',
  });
  if (!mode) return undefined;
  if (mode === repeat) {
    const n = await vscode.window.showInputBox({
      title: 'Repeat the workflow',
      prompt: 'At most how many times? (a round that commits nothing ends the run early)',
      value: '3',
      validateInput: (v) => (/^\s*[1-9]\d*\s*$/.test(v) ? undefined : 'A whole number of at least 1'),
    });
    return n === undefined ? undefined : { iterations: Number(n) };
  }
  if (mode === files) {
    const pattern = await vscode.window.showInputBox({
      title: 'Once per matching file',
      prompt: `A glob pattern, relative to ${folder}`,
      placeHolder: 'specs/*.md',
      validateInput: (v) => {
        if (!v.trim()) return 'A pattern such as specs/*.md';
        try {
          const inputs = inputsFromPatterns([v.trim()], folder);
          const shown = inputs.slice(0, 8).join(', ') + (inputs.length > 8 ? ', …' : '');
          return {
            message: `${inputs.length} input${inputs.length === 1 ? '' : 's'}: ${shown}`,
            severity: vscode.InputBoxValidationSeverity.Info,
          };
        } catch (err) {
          return errorMessage(err);
        }
      },
    });
    return pattern === undefined ? undefined : { inputs: inputsFromPatterns([pattern.trim()], folder) };
  }
  const text = await vscode.window.showInputBox({
    title: 'Once per value',
    prompt: 'The inputs, separated by commas',
    placeHolder: '65, 70, 71',
    validateInput: (v) => (splitList(v).length ? undefined : 'At least one value'),
  });
  return text === undefined ? undefined : { inputs: splitList(text) };
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
