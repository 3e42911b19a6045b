// `prodigy-vscode`: a thin command line over the session core. This is the entry point, kept small: it reads the
// command line (parse.ts, against commandTable.ts) and answers help and --version itself, without loading the
// session core, the workflow engine, its schemas or YAML; any other command is run by runCommandLine.ts, loaded
// only then (esbuild.mjs builds it as dist/cli-run.js, and as dist/cli-read.js with only the bodies of the
// commands marked `runner: 'read'`). It ends the process only once its output has drained (stdio.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../core/basics';
import { requireWithCodeCache } from './codeCache';
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
      case 'command': {
        const { command, values } = invocation;
        if (command.fromCache?.(io, values, typeof values.home === 'string' ? values.home : undefined)) return 0;
        runner = command.runner;
      }
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(usageErrorLine(err));
    return 2;
  }
  const { runCommandLine, takeWordingFromEnv } = await loadRunner(runner);
  if (require.main === module) takeWordingFromEnv();
  return runCommandLine(argv, io);
}

/**
 * dist/cli-read.js for a command that only reads the home, else dist/cli-run.js, beside this bundle, through V8's
 * code cache (codeCache.ts). Run from the sources (no bundles beside), the runner modules themselves.
 */
async function loadRunner(runner: Command['runner']): Promise<typeof import('./runCommandLine')> {
  const bundle = path.join(__dirname, runner === 'read' ? 'cli-read.js' : 'cli-run.js');
  if (fs.existsSync(bundle)) return requireWithCodeCache(bundle) as typeof import('./runCommandLine');
  return runner === 'read' ? import('./readCommandLine') : import('./runCommandLine');
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
