// `merge`: a finished session's branch merged back now (after "keep branch", or after fixing a conflict),
// with the workflow's own `merge:` steps when it has them.
import * as fs from 'node:fs';
import { ProdigyError } from '../errors';
import { assertSafeId } from '../storage/ids';
import { findSessionFolder, sessionArgs } from '../worktrees/sessionFolder';
import { sessionParameters } from '../workflow/compose';
import { loadWorkflowFile } from '../workflow/loader';
import type { Workflow } from '../workflow/model';
import { mergeBack, type MergeOutcome } from './mergeBack';
import { knownProfiles } from '../steps/workflowEnv';
import type { EngineOptions } from './options';
import { sessionProfile, withRunScope, workflowSecrets } from './prelude';

export async function mergeSession(opts: EngineOptions & { sessionId: string }): Promise<MergeOutcome> {
  const { manager } = opts;
  const id = assertSafeId(opts.sessionId, 'session id');
  return withRunScope(opts, id, async (scope) => {
    const session = await manager.getSession(id);
    if (session.status !== 'Completed')
      throw new ProdigyError(`Session ${id} is ${session.status}; only a completed session is merged back`);
    const { worktree } = await findSessionFolder(manager, session);
    if (!worktree)
      throw new ProdigyError(`Session ${id} has no worktree to merge (it ran in place, or its worktree was removed)`);
    const workflowPath = typeof session.metadata.workflow_path === 'string' ? session.metadata.workflow_path : null;
    // The workflow file may be gone by now: then a plain git merge, with no merge steps or secrets.
    const workflow: Workflow =
      workflowPath && fs.existsSync(workflowPath)
        ? loadWorkflowFile(workflowPath, sessionParameters(session.metadata))
        : {
            path: workflowPath ?? '',
            format: 'yaml',
            shape: 'list',
            name: '',
            env: {},
            secrets: {},
            steps: [],
            warnings: [],
            hash: '',
          };
    // A file gone or changed since: its profile may be too; the merge steps then run without one.
    const profile = knownProfiles(workflow).includes(sessionProfile(session) ?? '')
      ? sessionProfile(session)
      : undefined;
    const { secrets } = scope.open(workflow, workflowSecrets(workflow, scope.env, profile));
    const ctx = scope.context({
      workflow,
      cwd: worktree.path,
      git: true,
      secrets,
      args: sessionArgs(session),
      session,
      profile,
    });
    return mergeBack({ manager, ctx, worktree, policy: 'always' });
  });
}
