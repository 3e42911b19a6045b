// Run Workflow…'s parameter prompt: a composable workflow's required `parameters:` that nothing gives a value
// (no default, no template `with:`, no `defaults:`) are asked for one by one, each box showing the parameter's
// description, type and default, and checking the type as it is typed. The answers go to the run as text, read by
// the parameter's type as `--param NAME=VALUE` is.
import * as vscode from 'vscode';
import { loadWorkflowFile, type ParameterInfo } from '../../core';

/** Values by name; undefined: the user cancelled a box (nothing runs). */
export async function askParameters(file: string): Promise<Record<string, string> | undefined> {
  let declared: ParameterInfo[];
  try {
    declared = loadWorkflowFile(file).composition?.declared ?? [];
  } catch {
    // A file that cannot be loaded is refused by the run itself, with its file:line:col.
    return {};
  }
  const values: Record<string, string> = {};
  const asked = declared.filter((p) => p.required && !p.hasValue);
  for (const [i, p] of asked.entries()) {
    const value = await vscode.window.showInputBox({
      title: `Parameter ${p.name} (${i + 1}/${asked.length})`,
      prompt:
        [p.description, p.type !== 'Any' ? `Type: ${p.type}` : undefined].filter(Boolean).join(' · ') || undefined,
      placeHolder: p.default !== undefined ? `default: ${JSON.stringify(p.default)}` : `${p.name} (required)`,
      ignoreFocusOut: true,
      validateInput: (text) => problem(p, text),
    });
    if (value === undefined) return undefined;
    values[p.name] = value;
  }
  return values;
}

/** What is wrong with `text` for parameter `p`, as the run would read it; undefined when it reads. */
export function problem(p: ParameterInfo, text: string): string | undefined {
  const t = text.trim();
  if (!t && p.type !== 'String') return `${p.name} is required`;
  switch (p.type) {
    case 'Number':
      return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t) ? undefined : `${p.name} is a Number: type digits, such as 300`;
    case 'Boolean':
      return t === 'true' || t === 'false' ? undefined : `${p.name} is a Boolean: type true or false`;
    case 'Array':
    case 'Object':
      try {
        const v: unknown = JSON.parse(t);
        const ok = p.type === 'Array' ? Array.isArray(v) : typeof v === 'object' && v !== null && !Array.isArray(v);
        return ok ? undefined : `${p.name} is an ${p.type}: type it as JSON`;
      } catch {
        return `${p.name} is an ${p.type}: type it as JSON (${p.type === 'Array' ? '["a", "b"]' : '{"key": "value"}'})`;
      }
    default:
      return undefined;
  }
}
