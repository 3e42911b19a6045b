// `init`: writes the Claude Code slash commands this project's features call into the project's .claude/commands/
// (the texts: core claude/projectCommands.ts). A file that is there already is kept unless --force.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { installProjectCommands, PROJECT_COMMANDS } from '../../core';
import { printJson, UsageError, type Io } from '../io';

export async function initCommand(
  io: Io,
  flags: { force: boolean; commands: string[]; path?: string; json: boolean },
): Promise<number> {
  const projectDir = path.resolve(flags.path ?? '.');
  if (!fs.statSync(projectDir, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(`--path ${flags.path} is not a folder`);
  const wanted = flags.commands.flatMap((c) => c.split(',')).map((c) => c.trim().replace(/^\/|\.md$/g, ''));
  const unknown = wanted.filter((w) => w && !PROJECT_COMMANDS.some((c) => c.name === w));
  if (unknown.length)
    throw new UsageError(
      `--commands: no command ${unknown.join(', ')}; there are ${PROJECT_COMMANDS.map((c) => c.name).join(', ')}`,
    );
  const chosen = wanted.some(Boolean) ? PROJECT_COMMANDS.filter((c) => wanted.includes(c.name)) : PROJECT_COMMANDS;
  const result = installProjectCommands(projectDir, chosen, { force: flags.force });
  if (flags.json) {
    printJson(io, { dir: result.dir, written: result.written, kept: result.kept });
    return 0;
  }
  const purpose = (file: string) => PROJECT_COMMANDS.find((c) => `${c.name}.md` === path.basename(file))?.purpose;
  for (const f of result.written) io.out(`Wrote ${path.relative(projectDir, f)}: ${purpose(f)}`);
  for (const f of result.kept) io.out(`Kept  ${path.relative(projectDir, f)}: it exists (--force replaces it)`);
  return 0;
}
