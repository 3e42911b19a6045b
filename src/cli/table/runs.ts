// The commands that run or check a workflow: run, exec, batch, resume, resume-job, merge, validate, and init,
// which writes the slash commands runs use.
import { OPTIONS as O, RUN_VERBOSE } from '../options';
import { defineCommand } from '../spec';
import { safeId } from '../values';
import { CLAUDE_NOTE, ENGINE_OPTIONS, sessionId, workflowFile, type CommandBodies } from './shared';

/** What exec and batch take besides their own options: a run's, as `run` has them. */
const ONE_COMMAND_RUN_OPTIONS = {
  path: O.path,
  yes: O.yes,
  json: { ...O.json, help: 'Print the outcome as JSON at the end (no step output, no merge question)' },
  ...ENGINE_OPTIONS,
} as const;

export function runCommands(body: Pick<CommandBodies, 'run' | 'exec' | 'resumeJob' | 'init' | 'validate'>) {
  const run = defineCommand({
    path: ['run'],
    summary: 'Run a workflow file as a new session',
    description:
      'Runs a workflow file as a new session; its id is printed first. In a git repository it runs in its own ' +
      'worktree H/worktrees/<repo>/<id> on branch prodigy-<id>, and at the end asks before merging back (-y: merge; ' +
      'with no terminal to ask on, or with --json, the branch is kept and the way to merge later printed; Ctrl-C ' +
      'at the question keeps it too, exit 3). Ctrl-C stops the running step and leaves the session Paused, to ' +
      'resume later.\n' +
      CLAUDE_NOTE +
      '\nExit codes: 0 completed, 1 failed, 3 completed but the merge did not happen, 130 stopped (Ctrl-C, or ' +
      'Paused at --max-cost; 129 terminal closed, 143 SIGTERM).',
    positionals: [workflowFile],
    options: {
      path: O.path,
      yes: O.yes,
      noWorktree: O.noWorktree,
      args: O.args,
      maxIterations: O.maxIterations,
      map: O.map,
      profile: O.profile,
      param: O.param,
      paramFile: O.paramFile,
      dryRun: {
        ...O.dryRun,
        help: 'Print the steps that would run, interpolated (a MapReduce file: its work items, stage by stage); run nothing',
      },
      json: { ...O.json, help: 'Print the outcome as JSON at the end (no step output, no merge question)' },
      resume: O.resume,
      failFast: O.failFast,
      ...ENGINE_OPTIONS,
    },
    run: async ({ io, manager, args: [file], opts }) => (await body.run()).runCommand(manager(), io, file, opts),
  });

  const resume = defineCommand({
    path: ['resume'],
    summary: 'Continue a Paused, Failed or interrupted session where it stopped',
    description:
      'Continues a Paused, Failed or interrupted session at its first step not done, with its variables. ' +
      'Completed and Cancelled sessions, and a session another process is running, are refused. A MapReduce job id ' +
      'names its session. --from-checkpoint CP first restores that checkpoint, as restore does, then resumes from it.\n' +
      CLAUDE_NOTE +
      '\nExit codes: 0 completed, 1 failed, 3 completed but the merge did not happen, 130 stopped (Ctrl-C, or ' +
      'Paused at --max-cost; 129 terminal closed, 143 SIGTERM).',
    positionals: [sessionId()],
    options: {
      yes: O.yes,
      profile: O.profile,
      json: { ...O.json, help: 'Print the outcome as JSON at the end (no step output, no merge question)' },
      ...ENGINE_OPTIONS,
      fromCheckpoint: O.fromCheckpoint,
      force: {
        ...O.force,
        help: 'With --from-checkpoint: restore despite uncommitted changes (saved as a stash entry first)',
      },
    },
    run: async ({ io, manager, args: [id], opts }) => (await body.run()).resumeCommand(manager(), io, id, opts),
  });

  const exec = defineCommand({
    path: ['exec'],
    summary: 'Run one command as a session: "claude: /cmd …" or "shell: …"',
    description:
      'Runs one command as a one-step workflow, exactly as run runs a file: a new session named "exec: <command>" ' +
      '(its id printed first), in its own worktree, with the merge question at the end (-y merges), Ctrl-C leaving ' +
      'it Paused and resume <id> going on. The workflow is kept in H/vscode/workflows/ for that resume.\n' +
      'Exit codes as run: 0 completed, 1 failed, 3 not merged, 130 stopped.',
    positionals: [{ name: 'command', help: 'The command: "claude: /refactor main.rs" or "shell: npm test"' }],
    options: {
      retry: O.retry,
      timeout: O.timeout,
      ...ONE_COMMAND_RUN_OPTIONS,
    },
    run: async ({ io, manager, args: [command], opts }) =>
      (await body.exec()).execCommand(manager(), io, command, opts),
  });

  const batch = defineCommand({
    path: ['batch'],
    summary: 'Run one command on every file matching a glob, N at a time (a MapReduce job)',
    description:
      'Runs --command once per file matching the glob, as a MapReduce job: one work item per file (${item} is its ' +
      'path in the repository; a command without ${item} gets the path appended), --parallel agents at a time, ' +
      'each in its own worktree, failures into the dead letter queue (dlq list/retry), resumable like any job. A ' +
      "glob without / matches that file name in every folder (*.py), as Prodigy's find -name does; dot folders " +
      'and node_modules are left out. The agents see the files as committed.\n' +
      'Exit codes as run: 0 completed, 1 failed, 3 not merged, 130 stopped.',
    positionals: [{ name: 'pattern', help: 'The files: "*.py", "src/**/*.ts"' }],
    options: {
      command: { ...O.command, help: 'The command for each file: "claude: /add-types" or "shell: wc -l ${item}"' },
      parallel: { ...O.parallel, help: 'Files worked on at a time (default 5)' },
      retry: { ...O.retry, help: 'Run the command up to N times in all on a file while it fails (default once)' },
      timeout: { ...O.timeout, help: "Stop the command on a file after SECS seconds; that file's item fails" },
      ...ONE_COMMAND_RUN_OPTIONS,
    },
    run: async ({ io, manager, args: [pattern], opts }) =>
      (await body.exec()).batchCommand(manager(), io, pattern, opts),
  });

  const resumeJob = defineCommand({
    path: ['resume-job'],
    summary: 'Resume a MapReduce job by its job id, then run its failed items again',
    description:
      'Continues the session of a MapReduce job (mapreduce-…, as sessions show prints it; a session id works too) as ' +
      'resume does: the items without a result, then the reduce steps not done. Then the items that failed run again, ' +
      'up to --max-retries more times, as dlq retry runs them. A completed job is refused unless --force, which runs ' +
      'its failed items again.\n' +
      'Exit codes: 0 completed with no failed item, 1 failed or items still failing, 3 not merged, 130 stopped.',
    positionals: [
      { ...sessionId('The MapReduce job id (or its session id)'), name: 'job-id', parse: safeId('job id') },
    ],
    options: {
      force: { ...O.force, help: 'A completed job too: its failed items run again' },
      maxRetries: { ...O.maxRetries, help: 'Run the failed items again up to N more times (default 2; 0: not again)' },
      path: { ...O.path, help: "Accepted for Prodigy; the job's session knows its repository" },
      yes: O.yes,
      json: { ...O.json, help: 'Print { job_id, session_id, resume, retries } at the end (no step output)' },
      ...ENGINE_OPTIONS,
    },
    run: async ({ io, manager, args: [id], opts }) =>
      (await body.resumeJob()).resumeJobCommand(manager(), io, id, opts),
  });

  const init = defineCommand({
    path: ['init'],
    summary: "Write the Claude slash commands this tool's features use into .claude/commands/",
    description:
      "Writes the Claude Code slash commands the features call into the project's .claude/commands/: " +
      'prodigy-resolve-conflicts (what --merge-conflicts claude runs when the project has it) and ' +
      'prodigy-merge-worktree (for merge workflows: /prodigy-merge-worktree ${merge.source_branch} ' +
      '${merge.target_branch}). Edit them as you like: a file that exists is kept unless --force.',
    positionals: [],
    options: {
      force: { ...O.force, help: 'Replace files that exist' },
      commands: O.commands,
      path: { ...O.path, help: 'The project to write into; default: the current folder' },
      json: { ...O.json, help: 'Print { dir, written, kept }' },
    },
    run: async ({ io, opts }) => (await body.init()).initCommand(io, opts),
  });

  const merge = defineCommand({
    path: ['merge'],
    summary: "Merge a completed session's branch back",
    description:
      "Merges a completed session's branch back into the branch it started from: after the run kept it, or after " +
      'a conflict was resolved (--merge-conflicts claude: a Claude call resolves a conflict). Exit code 3 when the ' +
      'merge did not happen (a conflict, a failing merge step).',
    positionals: [sessionId()],
    options: { json: O.json, claudeCommand: O.claudeCommand, mergeConflicts: O.mergeConflicts, verbose: RUN_VERBOSE },
    run: async ({ io, manager, args: [id], opts }) => (await body.run()).mergeCommand(manager(), io, id, opts),
  });

  const validate = defineCommand({
    path: ['validate'],
    summary: 'Check a workflow file and print what it contains',
    description:
      'Loads a workflow file as run would: its shape, step count and warnings, or file:line:col: what is wrong. ' +
      'A composable workflow is composed with the --param values given, as run would; without any, the required ' +
      'parameters it still needs are listed. Exit code 1 when it cannot be run.',
    positionals: [workflowFile],
    options: { json: O.json, param: O.param, paramFile: O.paramFile },
    run: async ({ io, args: [file], opts }) => (await body.validate()).validateCommand(io, file, opts),
  });

  return { run, resume, exec, batch, resumeJob, init, merge, validate };
}
