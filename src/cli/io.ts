// Output helpers shared by the commands. JSON output is stable: two-space indent, one newline.
import { jsonText, terminalSafe } from './terminalText';

export interface Io {
  /** Text for people (main() makes it terminal-safe). */
  out(text: string): void;
  err(text: string): void;
  /** Output for programs (JSON), written as given; `out` when absent. */
  data?(text: string): void;
  /** Bytes of output for programs, written as they are (a kept listing); `data` decoded when absent. */
  bytes?(data: Buffer): void;
}

/** Prints bytes kept from an earlier printJson (which end in its newline) exactly as that printed them. */
export function printBytes(io: Io, data: Buffer): void {
  if (io.bytes) io.bytes(data);
  else (io.data ?? io.out)(data.toString('utf8').replace(/\n$/, ''));
}

export function printJson(io: Io, value: unknown): void {
  (io.data ?? io.out)(jsonText(value));
}

/**
 * The Io every command gets: people's text with control characters shown escaped, never obeyed by the terminal
 * (workflow names, errors, output lines, file names come from files anyone can write); JSON untouched.
 */
export function terminalIo(io: Io): Io {
  return {
    out: (text) => io.out(terminalSafe(text)),
    err: (text) => io.err(terminalSafe(text)),
    data: io.data ?? ((text) => io.out(text)),
    bytes: io.bytes,
  };
}

/** A usage mistake: printed as one line naming the command (when known) and its help, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command's words, `sessions list`; absent for a mistake before any command. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** `prodigy-vscode sessions list: --limit needs a whole number … (see prodigy-vscode sessions list --help)`. */
export function usageErrorLine(err: UsageError, where?: string): string {
  const name = ['prodigy-vscode', err.command ?? where].filter(Boolean).join(' ');
  return `${name}: ${err.message} (see ${name} --help)`;
}
