// Moving unreadable session files aside (H/quarantine/{time}/sessions, with a README), and sweeping temp
// files that writers which died mid-write left in H/sessions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { reasonOf } from '../errors';
import { processAlive } from '../process/alive';
import { withFileLock } from '../storage/fileLock';
import { fileStamp, type HomePaths } from '../storage/paths';
import { parseSessionText } from '../storage/readJson';
import { readRegularTextSync } from '../storage/readRegularFile';
import { writeNewFileSync } from '../storage/fileWrite';
import type { UnreadableFile } from './summary';

export interface QuarantineResult {
  folder: string;
  moved: { from: string; to: string; reason: string }[];
  skipped: { file: string; reason: string }[];
  /** Temp files of writers that died mid-write (never sessions, never listed), removed. */
  removedTempFiles: string[];
}

/**
 * Moves the `unreadable` session files into H/quarantine/{time}/sessions, after checking each once more
 * under its lock. Files written in the last seconds are left alone: a writer (real prodigy writes in place)
 * may be half-way through.
 */
export async function quarantineFiles(
  paths: HomePaths,
  unreadable: UnreadableFile[],
  options: { minAgeMs?: number } = {},
): Promise<QuarantineResult> {
  const minAge = options.minAgeMs ?? 2_000;
  const folder = path.join(paths.quarantineDir, fileStamp(), 'sessions');
  const result: QuarantineResult = {
    folder,
    moved: [],
    skipped: [],
    removedTempFiles: sweepDeadTempFiles(paths.sessionsDir),
  };
  for (const bad of unreadable) {
    const id = bad.name.slice(0, -'.json'.length);
    const check = () => {
      const stat = fs.statSync(bad.file, { throwIfNoEntry: false });
      if (!stat) return result.skipped.push({ file: bad.file, reason: 'already gone' });
      if (Date.now() - stat.mtimeMs < minAge)
        return result.skipped.push({ file: bad.file, reason: 'modified just now; try again shortly' });
      const reason = readProblem(bad.file, id);
      if (!reason) return result.skipped.push({ file: bad.file, reason: 'readable now' });
      fs.mkdirSync(folder, { recursive: true });
      const to = path.join(folder, bad.name);
      fs.renameSync(bad.file, to);
      result.moved.push({ from: bad.file, to, reason });
      return undefined;
    };
    await withFileLock(path.join(paths.locksDir, `quarantine-${bad.name}.lock`), check);
  }
  if (result.moved.length) {
    writeNewFileSync(
      path.join(path.dirname(folder), 'README.txt'),
      `Files moved here by Prodigy for VS Code because they could not be read as sessions.\n` +
        `To put one back after repairing it, move it into ${paths.sessionsDir}.\n\n` +
        result.moved.map((m) => `${path.basename(m.to)}: ${m.reason}`).join('\n') +
        '\n',
    );
  }
  return result;
}

const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;
const TEMP_MAX_AGE_MS = 10 * 60_000;

function sweepDeadTempFiles(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP_FILE.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat || Date.now() - stat.mtimeMs < TEMP_MAX_AGE_MS || processAlive(Number(m[1]))) continue;
    fs.rmSync(file, { force: true });
    removed.push(file);
  }
  return removed;
}

function readProblem(file: string, id: string): string | undefined {
  try {
    parseSessionText(file, readRegularTextSync(file, 'session file'), id);
    return undefined;
  } catch (err) {
    return reasonOf(err);
  }
}
