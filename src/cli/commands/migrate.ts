// `migrate`: import what older Prodigy versions left (a project's session_state.json, runs with checkpoint files
// but no record) as session records, leaving the originals where they are.
import * as path from 'node:path';
import { migrate, type SessionManager } from '../../core';
import { printJson, type Io } from '../io';

export async function migrateCommand(
  manager: SessionManager,
  io: Io,
  opts: { json: boolean; path?: string; dryRun: boolean },
): Promise<number> {
  const projectDir = path.resolve(opts.path ?? process.cwd());
  const report = await migrate(manager, { projectDir, dryRun: opts.dryRun });
  if (opts.json) {
    printJson(io, { project: projectDir, home: manager.home, dry_run: opts.dryRun, ...report });
    return report.failed.length ? 1 : 0;
  }
  io.out(`Looking for sessions to migrate in ${path.join(projectDir, '.prodigy')} and ${manager.paths.stateDir}`);
  io.out(`Found ${report.found.workflow} workflow session${report.found.workflow === 1 ? '' : 's'}`);
  io.out(`Found ${report.found.mapreduce} MapReduce session${report.found.mapreduce === 1 ? '' : 's'}`);
  for (const i of report.imported)
    io.out(`  ${opts.dryRun ? 'would import' : 'imported'} ${i.id} (${i.type}) from ${i.source}`);
  for (const s of report.skipped) io.out(`  skipped ${s.id}: ${s.reason}`);
  for (const f of report.failed) io.out(`  could not read ${f.file}: ${f.reason}`);
  const verb = opts.dryRun ? 'Dry run complete' : 'Migration complete';
  io.out(
    `${verb}: ${report.imported.length} ${opts.dryRun ? 'to import' : 'imported'}, ${report.skipped.length} already present, ${report.failed.length} unreadable. ` +
      'Your original files were left where they were.',
  );
  return report.failed.length ? 1 : 0;
}
