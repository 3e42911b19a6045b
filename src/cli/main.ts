// `prodigy-vscode`: a thin command line over the session core. This is the entry point, kept small: it reads the
// command line (parse.ts, against commandTable.ts) and answers help and --version itself, without loading the
// session core, the workflow engine, its schemas or YAML; any other command is run by runCommandLine.ts, loaded
// only then (esbuild.mjs builds it as dist/cli-run.js, and as dist/cli-read.js with only the bodies of the
// commands marked `runner: 'read'`). It ends the process only once its output has drained (stdio.ts).
import { errorMessage } from '../core/basics';
import { isGroup } from './commandTable';
import { commandHelp, groupHelp, overviewHelp } from './help';
import { terminalIo, UsageError, usageErrorLine, type Io } from './io';
import { parseCommandLine } from './parse';
import type { Command } from './spec';
import { exitWhenDrained, guardStdio, processIo } from './stdio';

export async function main(argv: string[], given: Io = processIo): Promise<number> {
  const io = terminalIo(given);
  let runner: Command['runner'];
  try {
    const invocation = parseCommandLine(argv);
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
      case 'command':
        runner = invocation.command.runner;
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(usageErrorLine(err));
    return 2;
  }
  const { runCommandLine, takeWordingFromEnv } =
    runner === 'read' ? await import('./readCommandLine') : await import('./runCommandLine');
  if (require.main === module) takeWordingFromEnv();
  return runCommandLine(argv, io);
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

if (require.main === module) {
  guardStdio();
  main(process.argv.slice(2)).then(exitWhenDrained, (err) => {
    processIo.err(`prodigy-vscode: ${errorMessage(err)}`);
    return exitWhenDrained(1);
  });
}
