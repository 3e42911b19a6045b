// The second half of `prodigy-vscode`: a command that does work. main.ts answers help and --version itself and
// loads this file (dist/cli-run.js) for everything else, so those answers never load the session core. Reads the
// command line again (parse.ts, against commandTable.ts), runs the command, and turns what went wrong into one
// line and an exit code.
// The store facade, not the index: a reading command (sessions list) then loads no workflow engine.
import { ProdigyError, SessionManager, WORDING_ENV, errorMessage, setWording, wordingFromEnv } from '../core/store';
import { UsageError, usageErrorLine, type Io } from './io';
import { parseCommandLine, type Invocation } from './parse';

/** -vvv: a stack trace with an unexpected error (as PRODIGY_DEBUG=1 does). */
const TRACE_LEVEL = 3;

/** `io` is already terminal-safe (main.ts). */
export async function runCommandLine(argv: string[], io: Io): Promise<number> {
  let invocation: Invocation | undefined;
  let manager: SessionManager | undefined;
  try {
    invocation = parseCommandLine(argv);
    if (invocation.kind !== 'command') throw new Error(`not a command: ${argv.join(' ')}`);
    const { command, values, args } = invocation;
    const home = typeof values.home === 'string' ? values.home : undefined;
    // Opened on first use: `validate` and a refused argument never touch the home.
    const open = () => (manager ??= new SessionManager({ home }));
    return await command.invoke(io, open, values, args);
  } catch (err) {
    const where = invocation?.kind === 'command' ? invocation.command.path.join(' ') : undefined;
    if (err instanceof UsageError) {
      io.err(usageErrorLine(err, where));
      return 2;
    }
    // Known problems are one line; anything else too, with the stack only on request.
    io.err(`prodigy-vscode: ${errorMessage(err)}`);
    const verbose = invocation?.kind === 'command' ? Number(invocation.values.verbose) : 0;
    if (!(err instanceof ProdigyError) && (process.env.PRODIGY_DEBUG || verbose >= TRACE_LEVEL))
      io.err(String((err as Error).stack));
    return 1;
  } finally {
    manager?.close();
  }
}

/**
 * A runner the extension started writes what to do next in VS Code's words: its session log is read there.
 * Taken out of the environment so the workflow's steps see the same environment as under a plain CLI run.
 */
export function takeWordingFromEnv(): void {
  setWording(wordingFromEnv(process.env));
  delete process.env[WORDING_ENV];
}
