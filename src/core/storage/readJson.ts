// Read a JSON file against a schema, turning every way it can be bad into one reason.
import type * as z from 'zod';
import { CorruptFileError } from '../errors';
import { UnifiedSession } from '../model/session';
import { readRegularTextSync } from './readRegularFile';

export function describeZodError(error: z.ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    return `${where}: ${issue.message}`;
  });
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : '';
  return `wrongly shaped: ${parts.join('; ')}${more}`;
}

/** Parses text; throws CorruptFileError naming the file and the reason. */
export function parseJsonText<S extends z.ZodType>(file: string, text: string, schema: S): z.infer<S> {
  if (text.trim() === '') throw new CorruptFileError(file, 'empty file');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CorruptFileError(file, `not valid JSON (truncated or partly written?): ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new CorruptFileError(file, describeZodError(parsed.error));
  return parsed.data;
}

/** A session record, which must also carry the id its file is named after. */
export function parseSessionText(file: string, text: string, expectedId: string | undefined): UnifiedSession {
  const session = parseJsonText(file, text, UnifiedSession);
  if (session.id !== expectedId)
    throw new CorruptFileError(file, `its id "${session.id}" does not match the file name`);
  return session;
}

/** Reads a regular file only (never a FIFO or a device), of at most MAX_FILE_BYTES. */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  return parseJsonText(file, readRegularTextSync(file, 'JSON file'), schema);
}
