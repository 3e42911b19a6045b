// The value types a workflow file uses, as zod schemas. Each leaf carries one phrase saying what
// it expects ("a number of seconds"), which becomes the end of an error message
// (`timeout must be a number of seconds, got "soon"`); `LoadContext.parse` adds the key and the
// position. The many-forms keys (on_failure, validate, setup, ...) are dispatched by hand in
// loadSteps/loadMapReduce, where each form gets its own message; these schemas check the parts.
import * as z from 'zod';

/**
 * A schema that reports any failure of `inner` as one issue whose message is `expected`, so
 * messages never show zod's wording, however `inner` is built (unions, refinements, transforms).
 */
export function leaf<T extends z.ZodType>(expected: string, inner: T) {
  return z.unknown().transform((value, ctx): z.output<T> => {
    const result = inner.safeParse(value);
    if (result.success) return result.data;
    ctx.addIssue({ code: 'custom', message: expected });
    return z.NEVER;
  });
}

// YAML users write `timeout: "300"` as often as `timeout: 300`; both mean the number.
const numericString = z
  .string()
  .regex(/^\s*\d+(\.\d+)?\s*$/)
  .transform(Number);
const number = z.union([z.number(), numericString]);
const VAR_REF = /^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/;

export const Str = leaf('a string', z.string());
export const NonEmptyStr = leaf('a non-empty string', z.string().trim().min(1));
/** Labels: `name: 2024` is a number to YAML but a name to the author. */
export const Label = leaf('a string', z.union([z.string(), z.number(), z.boolean()]).transform(String));
export const Bool = leaf('true or false', z.boolean());
export const Seconds = leaf('a number of seconds', number.pipe(z.number().nonnegative()));
export const PositiveInt = leaf('a number (1 or more)', number.pipe(z.number().int().min(1)));
export const Count = leaf('a number (0 or more)', number.pipe(z.number().int().min(0)));
export const Percent = leaf('a number from 0 to 100', number.pipe(z.number().min(0).max(100)));
export const Fraction = leaf('a number from 0 to 1', number.pipe(z.number().min(0).max(1)));
/** `max_parallel`, `agent_timeout_secs`, `setup.timeout`: a number now or `$VAR` / `${VAR}` at run time. */
export function numberOrVar(min: number) {
  return leaf(
    `a number (${min} or more) or "$VAR"/"\${VAR}"`,
    z.union([number.pipe(z.number().min(min)), z.string().regex(VAR_REF)]),
  );
}
/** `capture_output: true` (the command's default variable) or a variable name. */
export const CaptureOutput = leaf('true, false or a variable name', z.union([z.boolean(), z.string().trim().min(1)]));

/** `mode: "0644"`; an unquoted `0644` reaches us as the number 644, read back as the same digits. */
export const FileMode = leaf(
  'an octal mode string such as "0644"',
  z
    .union([z.string(), z.number().int()])
    .transform(String)
    .pipe(z.string().regex(/^[0-7]{3,4}$/))
    .transform((digits) => digits.padStart(4, '0')),
);

export const WriteFileSpec = z.object({
  path: NonEmptyStr,
  // Content is text; a YAML scalar that looks like a number is still meant as text.
  content: leaf('a string', z.union([z.string(), z.number(), z.boolean()]).transform(String)),
  format: leaf('one of text, json, yaml', z.enum(['text', 'json', 'yaml'])).optional(),
  mode: FileMode.optional(),
  create_dirs: Bool.optional(),
});
export const WRITE_FILE_KEYS = new Set(Object.keys(WriteFileSpec.shape));

export const SecretProviderRef = z.object({
  provider: NonEmptyStr,
  key: NonEmptyStr,
  version: Label.optional(),
});
export const SECRET_REF_KEYS = new Set(Object.keys(SecretProviderRef.shape));

/** MapReduce `error_policy` (and the same keys at top level): checked, then kept as written. */
export const ErrorPolicy = z.looseObject({
  on_item_failure: NonEmptyStr.optional(),
  continue_on_failure: Bool.optional(),
  max_failures: Count.optional(),
  failure_threshold: Fraction.optional(),
  error_collection: leaf(
    'aggregate, immediate, "batched:N" or a map',
    z.union([z.string(), z.record(z.string(), z.unknown())]),
  ).optional(),
  circuit_breaker: leaf('a map', z.record(z.string(), z.unknown())).optional(),
  retry_config: leaf('a map', z.record(z.string(), z.unknown())).optional(),
});
export const ERROR_POLICY_KEYS = new Set(Object.keys(ErrorPolicy.shape));
/** The error_policy keys also accepted at the top level of a MapReduce file. */
export const ERROR_POLICY_SHORTCUTS = [
  'on_item_failure',
  'continue_on_failure',
  'max_failures',
  'failure_threshold',
  'error_collection',
] as const;

export const MapScalars = z.object({
  input: NonEmptyStr,
  json_path: Str.optional(),
  max_parallel: numberOrVar(1).optional(),
  filter: Str.optional(),
  sort_by: Str.optional(),
  max_items: Count.optional(),
  offset: Count.optional(),
  distinct: Str.optional(),
  agent_timeout_secs: numberOrVar(0).optional(),
});
