// `resume-job <job-id>`: Prodigy's resume of a MapReduce job by its job id. The id has already been turned into its
// session's (spec.ts); this continues that session as `resume` does, then runs the items that failed again, up to
// --max-retries more times, as `dlq retry` does. A completed job is left alone unless --force.
import { ProdigyError, SessionNotFoundError, listDeadLetters, type SessionManager } from '../../core';
import { plural } from '../format';
import { printJson, UsageError, type Io } from '../io';
import { dlqRetry } from './dlq';
import { resumeCommand } from './run';
import type { TerminalFlags } from './runOutput';

/** Prodigy's default for `resume-job --max-retries`. */
const DEFAULT_MAX_RETRIES = 2;

export async function resumeJobCommand(
  manager: SessionManager,
  io: Io,
  id: string,
  flags: TerminalFlags & { force: boolean; maxRetries?: number },
): Promise<number> {
  const session = await manager.getSession(id).catch((err: unknown) => {
    if (err instanceof SessionNotFoundError)
      throw new ProdigyError(`No MapReduce job or session ${id} in ${manager.home} (sessions list shows them)`);
    throw err;
  });
  const jobId = session.mapreduce_data?.job_id;
  if (!jobId)
    throw new ProdigyError(
      `${id} is a workflow session, not a MapReduce job: continue it with prodigy-vscode resume ${id}`,
    );
  const name = `Job ${jobId} (session ${id})`;
  const rounds = flags.maxRetries ?? DEFAULT_MAX_RETRIES;
  // --json: one document on stdout, made of what each part would print.
  const parts: unknown[] = [];
  const part: Io = flags.json ? { ...io, data: (text) => parts.push(JSON.parse(text)) } : io;
  let code = 0;
  let resumed: unknown = null;
  if (session.status === 'Completed') {
    const failed = (await listDeadLetters(manager, id)).length;
    if (failed === 0) throw new ProdigyError(`${name} has completed, every item done: nothing to resume`);
    if (!flags.force)
      throw new ProdigyError(
        `${name} has completed, with ${plural(failed, 'failed item')}: --force runs ${failed === 1 ? 'it' : 'them'} again (or prodigy-vscode dlq retry ${id})`,
      );
    if (rounds === 0)
      throw new UsageError('--force on a completed job runs its failed items again: --max-retries 0 runs none');
    if (!flags.json) io.out(`${name} has completed; --force: running its ${plural(failed, 'failed item')} again`);
  } else {
    if (!flags.json) io.out(`Resuming ${name}`);
    code = await resumeCommand(manager, part, id, { ...flags, force: false });
    resumed = parts.shift() ?? null;
  }
  for (let round = 1; round <= rounds && (code === 0 || code === 1); round++) {
    const now = await manager.getSession(id);
    const failed = await listDeadLetters(manager, id);
    if (now.status !== 'Completed' || failed.length === 0) break;
    if (!flags.json) io.out(`Retry ${round} of ${rounds}: ${plural(failed.length, 'failed item')}`);
    code = await dlqRetry(manager, part, id, flags);
  }
  if (flags.json) printJson(io, { job_id: jobId, session_id: id, resume: resumed, retries: parts });
  return code;
}
