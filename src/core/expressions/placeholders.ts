// The shape of a placeholder, shared by the interpolation that fills it (steps) and the loader that checks it
// before a run (workflow): which `${…}` names a Prodigy variable, and which is a computed value.

/** §4.1's placeholder regex: `${path}` (group 1) or `$NAME` / `$1` (group 2). */
export const PLACEHOLDER = /\$\{([^}]+)\}|\$([A-Za-z_][A-Za-z0-9_]*|\d+)/g;

const COMPUTED = /^(?:env\.|file:|cmd:|json:|date:|uuid$|workflow\.(?:name|id|iteration)$)/;

/** `${env.X}`, `${file:…}`, `${cmd:…}`, `${json:…}`, `${date:…}`, `${uuid}`, `${workflow.name|id|iteration}`. */
export function isComputed(expr: string): boolean {
  return COMPUTED.test(expr);
}

/** `${x:-a:-b}` → path `x`, default `a:-b` (split at the first `:-`, as Prodigy does). */
export function splitDefault(expr: string): { path: string; fallback?: string } {
  const at = expr.indexOf(':-');
  return at < 0 ? { path: expr } : { path: expr.slice(0, at), fallback: expr.slice(at + 2) };
}

/**
 * Whether a placeholder is Prodigy's to resolve rather than the shell's: a path with `.` or `[n]` in its name
 * (`${coverage.spec}`, `${items[0]}`, `${step.files_added:*.md}`), or a computed value (`${file:x}`).
 * `${NAME}`, `${f%.md}` and `${#x}` are shell syntax, left to the shell.
 */
export function namesProdigyVariable(path: string): boolean {
  if (isComputed(path)) return true;
  const name = /^[A-Za-z_][\w-]*((?:\.[\w-]+|\[\d+\])*)(?::|$)/.exec(path);
  return !!name && name[1] !== '';
}

/** The variable a path starts from: `coverage` in `coverage.spec`, `items` in `items[0]`. */
export function rootOf(path: string): string {
  return /^[^.[:]*/.exec(path)![0];
}
