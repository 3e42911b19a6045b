// STUB: being implemented (prodigy-workflows.md §4.1).
export type Variables = Record<string, unknown>;
export function interpolate(template: string, _vars: Variables): string {
  return template;
}
export function renderValue(value: unknown): string {
  return String(value);
}
export function resolveVariable(_path: string, _vars: Variables): { found: boolean; value?: unknown } {
  return { found: false };
}
