// Placeholders that can be known to fail before a run: a `${x.y}` in a command whose `x` no step (`id:`,
// `capture:`, `capture_output:`), env, secret, parameter or built-in namespace defines. Each is a positioned
// warning (the editor's Problems panel, `validate`); at run time such a placeholder fails its step by name.
import { isComputed, namesProdigyVariable, PLACEHOLDER, rootOf, splitDefault } from '../expressions/placeholders';
import { describePath, isPlainMap, type LoadContext, type Path } from './loadContext';

// Namespaces the engine or a phase fills in (prodigy-workflows.md §4.2, docs/variables).
const BUILT_IN_ROOTS = new Set([
  'shell',
  'claude',
  'test',
  'handler',
  'foreach',
  'write_file',
  'last',
  'error',
  'validation',
  'step',
  'workflow',
  'merge',
  'map',
  'item',
  'env',
  'setup',
  'worker',
  'agent',
]);
// Keys whose string value is a command that gets interpolated.
const COMMAND_KEYS = new Set(['claude', 'shell']);

interface Reference {
  path: Path;
  offset: number;
  placeholder: string;
  root: string;
}

/** Warns at each placeholder in a command that names a variable nothing in the file defines. */
export function warnUndefinedPlaceholders(ctx: LoadContext, data: unknown): void {
  const defined = new Set<string>();
  const refs: Reference[] = [];
  const visit = (value: unknown, path: Path): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => visit(v, [...path, i]));
    if (!isPlainMap(value)) return;
    for (const [key, v] of Object.entries(value)) {
      if ((key === 'id' || key === 'capture' || key === 'capture_output') && typeof v === 'string') defined.add(v);
      if ((key === 'env' || key === 'secrets' || key === 'capture_outputs' || key === 'defaults') && isPlainMap(v))
        for (const name of Object.keys(v)) defined.add(name);
      if (key === 'parameters' && isPlainMap(v))
        for (const list of [v.required, v.optional])
          if (Array.isArray(list))
            for (const p of list) if (isPlainMap(p) && typeof p.name === 'string') defined.add(p.name);
      if (COMMAND_KEYS.has(key) && typeof v === 'string') refs.push(...references(v, [...path, key]));
      else visit(v, [...path, key]);
    }
  };
  visit(data, []);
  for (const ref of refs) {
    if (BUILT_IN_ROOTS.has(ref.root) || defined.has(ref.root)) continue;
    ctx.warnAt(
      ctx.positionInString(ref.path, ref.offset),
      `${describePath(ref.path)}: ${ref.placeholder} is not defined: no step has id: ${ref.root} or captures ${ref.root}, ` +
        `and no env, parameter or built-in variable is named so; the step will fail when it runs`,
    );
  }
}

function references(text: string, path: Path): Reference[] {
  const out: Reference[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m[1] === undefined) continue;
    const { path: name, fallback } = splitDefault(m[1]);
    if (fallback !== undefined || isComputed(name) || !namesProdigyVariable(name)) continue;
    out.push({ path, offset: m.index ?? 0, placeholder: m[0], root: rootOf(name) });
  }
  return out;
}
