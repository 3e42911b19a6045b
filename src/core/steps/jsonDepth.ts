// How deeply a JSON value nests, measured without recursion. A step's output is untrusted: about 3,000
// levels of captured JSON overflowed the stack of every recursive walk after it (rendering, masking,
// saving) and crashed the run, and every resume again (issue 12, b10). Output nested deeper than the
// limit fails the step that captured it; Prodigy (serde_json) refuses it beyond 128 levels too.

export const MAX_JSON_DEPTH = 128;

/** Whether `value` has arrays/objects nested more than `limit` levels deep (`[]` is one level). */
export function nestedDeeperThan(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: { value: object; depth: number }[] = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child !== null && typeof child === 'object') stack.push({ value: child as object, depth: depth + 1 });
  }
  return false;
}
