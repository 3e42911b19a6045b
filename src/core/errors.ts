// Typed errors with messages a user can act on. Every one names the thing that is wrong.
import type { SessionStatus } from './model/session';

export class ProdigyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class SessionNotFoundError extends ProdigyError {
  constructor(
    readonly sessionId: string,
    readonly file: string,
  ) {
    super(`Session not found: ${sessionId} (no file ${file})`);
  }
}

export class CheckpointNotFoundError extends ProdigyError {
  constructor(
    readonly sessionId: string,
    readonly checkpointId: string,
  ) {
    super(`Checkpoint ${checkpointId} not found in session ${sessionId}`);
  }
}

/**
 * Text quoted from a file the user does not control, as one printable line: line breaks and other control
 * characters are shown as escapes (`\n`, `\u001b`), so an error stays one line and cannot drive a terminal.
 */
export function oneLineText(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A file exists but is not a readable session/checkpoint: truncated, empty, not JSON or wrongly shaped. */
export class CorruptFileError extends ProdigyError {
  /** What is wrong, one printable line (parsers quote the file's bytes). */
  readonly reason: string;

  constructor(
    readonly file: string,
    reason: string,
  ) {
    const line = oneLineText(reason);
    super(`${file}: ${line}`);
    this.reason = line;
  }
}

export class InvalidIdError extends ProdigyError {
  constructor(
    readonly kind: string,
    readonly value: string,
  ) {
    super(`Invalid ${kind} "${value}": use letters, digits, '.', '_' and '-' only (at most 200 characters)`);
  }
}

export class IllegalTransitionError extends ProdigyError {
  constructor(
    readonly sessionId: string,
    readonly from: SessionStatus,
    readonly to: SessionStatus,
  ) {
    super(`Session ${sessionId} cannot go from ${from} to ${to}`);
  }
}

export class SessionExistsError extends ProdigyError {
  constructor(readonly sessionId: string) {
    super(`Session ${sessionId} already exists`);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Why a file could not be read, without repeating its path (listings show the path beside it). */
export function reasonOf(err: unknown): string {
  return err instanceof CorruptFileError ? err.reason : errorMessage(err);
}
