// `prodigy-vscode`: a thin command line over the session core. This is the entry point: read the command
// line (parse.ts, against commandTable.ts), run the command, turn what went wrong into one line and an exit
// code, and end the process only once its output has drained (stdio.ts).
import { ProdigyError, SessionManager, WORDING_ENV, errorMessage, setWording, wordingFromEnv } from '../core';
import { commandHelp, groupHelp, overviewHelp } from './help';
import { terminalIo, UsageError, type Io } from './io';
import { parseCommandLine, type Invocation } from './parse';
import { isGroup } from './commandTable';
import { exitWhenDrained, guardStdio, processIo } from './stdio';

/** -vvv: a stack trace with an unexpected error (as PRODIGY_DEBUG=1 does). */
const TRACE_LEVEL = 3;

export async function main(argv: string[], given: Io = processIo): Promise<number> {
  const io = terminalIo(given);
  let invocation: Invocation | undefined;
  let manager: SessionManager | undefined;
  try {
    invocation = parseCommandLine(argv);
    switch (invocation.kind) {
      case 'version':
        io.out(VERSION);
        return 0;
      case 'overview':
        io.out(overviewHelp());
        return 0;
      case 'help':
        io.out(isGroup(invocation.target) ? groupHelp(invocation.target) : commandHelp(invocation.target));
        return 0;
      default: {
        const { command, values, args } = invocation;
        const home = typeof values.home === 'string' ? values.home : undefined;
        // Opened on first use: `validate` and a refused argument never touch the home.
        const open = () => (manager ??= new SessionManager({ home }));
        return await command.invoke(io, open, values, args);
      }
    }
  } catch (err) {
    const where = invocation?.kind === 'command' ? invocation.command.path.join(' ') : undefined;
    if (err instanceof UsageError) {
      const name = ['prodigy-vscode', err.command ?? where].filter(Boolean).join(' ');
      io.err(`${name}: ${err.message} (see ${name} --help)`);
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

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

if (require.main === module) {
  guardStdio();
  // A runner the extension started writes what to do next in VS Code's words: its session log is read there.
  // Taken out of the environment so the workflow's steps see the same environment as under a plain CLI run.
  setWording(wordingFromEnv(process.env));
  delete process.env[WORDING_ENV];
  main(process.argv.slice(2)).then(exitWhenDrained, (err) => {
    processIo.err(`prodigy-vscode: ${errorMessage(err)}`);
    return exitWhenDrained(1);
  });
}
