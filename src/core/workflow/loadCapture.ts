// What a step keeps of its run: `capture_format:` and `capture_streams:` (how the output is captured), and
// `id:` / `outputs:` (the names its variables and output files are read under, `${id.output}`).
import { isPlainMap, show, type LoadContext, type Path } from './loadContext';
import { Bool, NonEmptyStr } from './loadSchemas';
import type { StepSite } from './loadStepParts';
import type { CaptureFormat, CaptureStreams, StepOutput } from './model';

const CAPTURE_FORMATS: readonly CaptureFormat[] = ['string', 'json', 'lines', 'number', 'boolean'];

/** Prodigy's formats, plus the documented `text` (an alias of string). Anything else: string, with a warning. */
export function captureFormat(ctx: LoadContext, value: unknown, path: Path, label: string): CaptureFormat {
  if (value === undefined || value === null) return 'string';
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if ((CAPTURE_FORMATS as readonly string[]).includes(text)) return text as CaptureFormat;
  if (text === 'text') return 'string';
  ctx.warn(
    path,
    `${label}: capture_format must be one of ${CAPTURE_FORMATS.join(', ')}; got ${show(value)}, using string`,
    'value',
  );
  return 'string';
}

const STREAM_KEYS = ['stdout', 'stderr', 'exit_code', 'success', 'duration'] as const;

/**
 * Both Prodigy forms: the standard schema's string (`stdout`, `stderr`, `both`: which streams make the captured
 * value) and the map of booleans (the docs' form; defaults stdout, exit_code, success, duration on, stderr off).
 */
export function loadCaptureStreams(ctx: LoadContext, value: unknown, path: Path, label: string): CaptureStreams {
  const meta = { exit_code: true, success: true, duration: true };
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'stdout' || v === 'stderr' || v === 'both')
      return { stdout: v !== 'stderr', stderr: v !== 'stdout', ...meta };
  } else if (isPlainMap(value)) {
    ctx.warnUnknownKeys(value, path, new Set(STREAM_KEYS), `${label} capture_streams`);
    const out: CaptureStreams = { stdout: true, stderr: false, ...meta };
    for (const key of STREAM_KEYS)
      if (value[key] !== undefined && value[key] !== null) out[key] = ctx.parse(Bool, value[key], [...path, key]);
    return out;
  }
  ctx.fail(
    path,
    `${label}: capture_streams must be stdout, stderr, both or a map {stdout, stderr, exit_code, success, duration} of true/false, got ${show(value)}`,
  );
}

/** `id:` names the step's variables (`${id.output}`): a name, as the docs advise, without dots or spaces. */
export function loadStepId(ctx: LoadContext, value: unknown, path: Path, site: StepSite): string {
  const id = ctx.parse(NonEmptyStr, value, path, site.base).trim();
  if (!/^[A-Za-z_][\w-]*$/.test(id))
    ctx.fail(
      path,
      `${site.label}: id must be letters, digits, _ and - (it is read as \${${id}.output}), got ${show(value)}`,
    );
  return id;
}

/** `outputs: {name: {file_pattern: "*.md"}}` (a bare string is the pattern). Needs the step's `id:`. */
export function loadOutputs(
  ctx: LoadContext,
  value: unknown,
  path: Path,
  site: StepSite,
  id: string | undefined,
): Record<string, StepOutput> {
  if (!isPlainMap(value))
    ctx.fail(path, `${site.label}: outputs must be a map {name: {file_pattern: "..."}}, got ${show(value)}`);
  if (id === undefined)
    ctx.fail(path, `${site.label}: outputs: needs an id: on the step (its outputs are read as \${id.name})`, 'key');
  const out: Record<string, StepOutput> = {};
  for (const [name, spec] of Object.entries(value)) {
    const at = [...path, name];
    if (typeof spec === 'string') {
      out[name] = { file_pattern: ctx.parse(NonEmptyStr, spec, at, site.base) };
      continue;
    }
    if (!isPlainMap(spec))
      ctx.fail(at, `${site.label}: outputs.${name} must be a map {file_pattern: "..."}, got ${show(spec)}`);
    ctx.warnUnknownKeys(spec, at, new Set(['file_pattern']), `${site.label} outputs.${name}`);
    if (spec.file_pattern === undefined)
      ctx.fail(at, `${site.label}: outputs.${name} needs file_pattern: (the file it names, e.g. "*-spec.md")`, 'key');
    out[name] = { file_pattern: ctx.parse(NonEmptyStr, spec.file_pattern, [...at, 'file_pattern'], site.base) };
  }
  return out;
}
