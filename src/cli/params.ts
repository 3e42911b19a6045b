// `run --param K=V` (repeatable) and `--param-file F` (JSON or YAML): the values of a composable workflow's
// parameters. The file's values keep their types; a `--param` is text, read by the parameter's declared type
// (compose.ts), and wins over the file.
import * as fs from 'node:fs';
import { parse } from 'yaml';
import type { ParamValues } from '../core';
import { UsageError } from './io';

export function paramValues(params: readonly string[], paramFile: string | undefined): ParamValues {
  const out: ParamValues = {};
  if (paramFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(paramFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(`--param-file ${paramFile}: ${code === 'ENOENT' ? 'no such file' : String(err)}`);
    }
    let data: unknown;
    try {
      // JSON is YAML, so one parser reads both.
      data = parse(text);
    } catch (err) {
      const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new UsageError(`--param-file ${paramFile}: not JSON or YAML: ${detail}`);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new UsageError(`--param-file ${paramFile} must hold a map of parameter names to values`);
    for (const [k, v] of Object.entries(data)) out[k] = { value: v, from: paramFile };
  }
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${p}: expected NAME=VALUE`);
    const name = p.slice(0, eq).trim();
    out[name] = { value: p.slice(eq + 1), from: `--param ${p}`, text: true };
  }
  return out;
}
