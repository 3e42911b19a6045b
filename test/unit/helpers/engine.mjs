// Helpers for the workflow-engine tests: a throwaway Prodigy home, a real git repo, the fake
// Claude CLI, workflow files in temp folders, and readers for what a run leaves behind (session
// record, Prodigy checkpoint file, session log, fake-claude call log). Not a test file.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, core, tempHome } from './env.mjs';
import { git, makeRepo } from './git.mjs';

/** The stand-in Claude CLI (see its header for the slash commands it understands). */
export const FAKE_CLAUDE = path.join(ROOT, 'test', 'fixtures', 'bin', 'claude');
/** Workflow files used by these tests. */
export const ENGINE_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'workflows', 'engine');

export const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * One test's world: a Prodigy home (`h.home`), a repo on `main` with one commit (`h.repo`), a
 * folder for workflow files outside the repo, and a fake-claude call log. Removed after the test.
 */
export function engineEnv(t, { repoName = 'repo', git: withGit = true } = {}) {
  const h = tempHome(t);
  let repo;
  if (withGit) repo = makeRepo(t, { name: repoName }).repo;
  else {
    repo = path.join(h.root, repoName);
    fs.mkdirSync(repo);
  }
  const workflowsDir = path.join(h.root, 'workflows');
  fs.mkdirSync(workflowsDir);
  const claudeLog = path.join(h.root, 'fake-claude.log');
  const manager = h.manager();
  let counter = 0;

  const env = {
    ...h,
    repo,
    manager,
    workflowsDir,
    claudeLog,

    /** Writes a workflow file (YAML unless the name says .json) and returns its path. */
    writeWorkflow(text, name = `wf-${++counter}.yml`) {
      const file = path.join(workflowsDir, name);
      fs.writeFileSync(file, text);
      return file;
    },

    /**
     * Runs a workflow file through `core.runWorkflow` with the fake Claude; `merge` defaults to
     * 'never', so worktree runs leave the repo untouched unless a test asks for the merge.
     * Returns the outcome plus the events the listener saw.
     */
    async run(workflowFile, opts = {}) {
      const events = [];
      const { env: extraEnv, ...rest } = opts;
      const outcome = await core.runWorkflow({
        manager,
        workflowFile,
        projectDir: repo,
        claude: { command: FAKE_CLAUDE, args: ['--print', '{prompt}'] },
        merge: 'never',
        listener: (e) => events.push(e),
        ...rest,
        // Built at call time: hermeticGit changes process.env in a before() hook.
        env: { ...process.env, FAKE_CLAUDE_LOG: claudeLog, ...extraEnv },
      });
      return { ...outcome, events };
    },

    /** Writes the workflow text and runs it. */
    async runText(text, opts = {}) {
      return env.run(env.writeWorkflow(text), opts);
    },

    /** The session record as stored (parsed JSON of H/sessions/{id}.json). */
    record(id) {
      return h.readSessionJson(id);
    },

    checkpointFilePath(id) {
      return path.join(h.home, 'state', id, 'checkpoints', `${id}.checkpoint.json`);
    },

    /** Prodigy's workflow checkpoint file, parsed as JSON (not validated). */
    checkpointFile(id) {
      return JSON.parse(fs.readFileSync(env.checkpointFilePath(id), 'utf8'));
    },

    /** The session log (H/vscode/logs/{id}.log). */
    log(outcome) {
      return fs.readFileSync(outcome.logFile, 'utf8');
    },

    /** Every fake-claude call so far: [{prompt, cwd, automation, argv}]. */
    claudeCalls() {
      if (!fs.existsSync(claudeLog)) return [];
      return fs
        .readFileSync(claudeLog, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    },

    /** Where a worktree run's worktree must be: H/worktrees/{repo}/{id}. */
    worktreePath(id) {
      return path.join(h.home, 'worktrees', path.basename(repo), id);
    },

    head(dir = repo) {
      return git(dir, 'rev-parse', 'HEAD');
    },
  };
  return env;
}

/** Reads a file relative to `dir` (utf8). */
export function readIn(dir, rel) {
  return fs.readFileSync(path.join(dir, rel), 'utf8');
}

export function existsIn(dir, rel) {
  return fs.existsSync(path.join(dir, rel));
}

/** Every regular file under `dir` (absolute paths), following no symlinks. */
export function allFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** Files under `dir` whose bytes contain `needle`. */
export function filesContaining(dir, needle) {
  const bytes = Buffer.from(needle, 'utf8');
  return allFiles(dir).filter((f) => fs.readFileSync(f).includes(bytes));
}

/** The text of the outcome's events of one type (output lines, messages). */
export function eventText(outcome) {
  return outcome.events
    .map((e) =>
      e.type === 'output'
        ? e.line
        : e.type === 'message'
          ? e.text
          : e.type === 'session-finished'
            ? (e.error ?? '')
            : '',
    )
    .join('\n');
}

/**
 * A MapReduce workflow over `items` (written by setup and committed) whose agents run `agent`
 * (YAML list text, indented as under agent_template); `extraMap` adds map keys, `tail` top-level text.
 */
export function mapReduceJob({ items, agent, reduce = '', parallel = 2, extraMap = '', tail = '' }) {
  const json = JSON.stringify({ items }).replace(/'/g, "'\\''");
  return `name: test-job
mode: mapreduce
setup:
  - shell: "printf '%s' '${json.replace(/"/g, '\\"')}' > items.json && git add items.json && git commit -qm items"
map:
  input: items.json
  json_path: "$.items[*]"
  max_parallel: ${parallel}
${extraMap}  agent_template:
${agent}
${reduce ? `reduce:\n${reduce}\n` : ''}${tail}`;
}

/**
 * The environment of a CLI child process run against `e` with the fake Claude: none of the machine's PRODIGY_*
 * settings, the fake's calls logged to `e.claudeLog`; `extra` on top.
 */
export function fakeClaudeCliEnv(e, extra = {}) {
  return {
    ...process.env,
    PRODIGY_HOME: '',
    PRODIGY_DEBUG: '',
    PRODIGY_MERGE_CONFLICTS: '',
    PRODIGY_CLAUDE_STREAMING: '',
    PRODIGY_CLAUDE_COMMAND: FAKE_CLAUDE,
    FAKE_CLAUDE_LOG: e.claudeLog,
    ...extra,
  };
}
