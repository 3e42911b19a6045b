// Whether a command can be started, checked before a run so a missing Claude CLI is one clear
// message up front rather than a failed step later.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const executable = (file: string) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return executable(command) ? path.resolve(command) : null;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    if (executable(file)) return file;
  }
  return null;
}
