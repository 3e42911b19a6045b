// Output helpers shared by the commands. JSON output is stable: two-space indent, one newline.
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
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
