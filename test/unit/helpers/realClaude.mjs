// The real Claude Code CLI (the pinned devDependency) run offline against a scripted API (test/support/anthropicApi.mjs).
// Not a test file.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptedApi } from '../../support/anthropicApi.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** npm installs the native binary as an optional dependency named after the platform (…-linux-x64, …-linux-x64-musl). */
function platformPackage() {
  const musl = process.platform === 'linux' && !process.report?.getReport().header.glibcVersionRuntime;
  return `@anthropic-ai/claude-code-${process.platform}-${process.arch}${musl ? '-musl' : ''}`;
}

function findClaude() {
  const exe = process.platform === 'win32' ? 'claude.exe' : 'claude';
  const native = path.join(ROOT, 'node_modules', platformPackage(), exe);
  if (fs.existsSync(native)) return native;
  // The wrapper's postinstall copies the same binary here (a stub when install scripts did not run).
  return path.join(ROOT, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');
}

/** Absolute path of the real `claude` binary. */
export const CLAUDE_BIN = findClaude();

/**
 * The environment for running Claude offline against `apiUrl`: nothing from this machine's environment but PATH,
 * a throwaway HOME (so the user's ~/.claude and ~/.claude.json are never read or written), and no traffic but the
 * Messages API. `extra` is merged last. The caller removes `HOME` when done (`runRealClaude` does).
 */
export function claudeEnv(apiUrl, extra = {}) {
  const home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-claude-home-')));
  const tmp = path.join(home, 'tmp');
  fs.mkdirSync(tmp, { mode: 0o700 });
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    // Claude's own temp files (the Bash tool's cwd files and task output, its messaging socket) go here instead of
    // /tmp/claude-<uid> and /tmp/cc-socks, which a killed run would leave behind.
    CLAUDE_CODE_TMPDIR: tmp,
    // Git inside Claude's Bash tool: no system or global config of this machine, a fixed identity.
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
    GIT_AUTHOR_NAME: 'Test User',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test User',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    ANTHROPIC_BASE_URL: apiUrl,
    ANTHROPIC_API_KEY: 'sk-ant-offline-test',
    // No preconnect, telemetry, update check or error reports: only the Messages API is called.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    // A scripted 401, 429, 5xx or 529 ends the run at once instead of after 10 retries with backoff (minutes).
    CLAUDE_CODE_MAX_RETRIES: '0',
    // As root, Claude refuses --dangerously-skip-permissions unless told it runs in a sandbox. Tests only.
    IS_SANDBOX: '1',
    ...extra,
  };
}

/**
 * Runs `claude -p --output-format stream-json --verbose --dangerously-skip-permissions <prompt> ...args` in `cwd`
 * against a scripted API (`script`, see startScriptedApi), stdin ignored.
 * Returns `{ code, signal, lines, stdout, stderr, requests, sideRequests, remaining, ms }`: `lines` are stdout's
 * JSON lines parsed, `requests` the main-loop request bodies, `ms` the wall time of the process.
 */
export async function runRealClaude({ cwd, prompt, script = [], args = [], env = {}, apiOptions, timeoutMs = 60_000 }) {
  const api = await startScriptedApi(script, apiOptions);
  const childEnv = claudeEnv(api.url, env);
  try {
    const started = Date.now();
    const child = spawn(
      CLAUDE_BIN,
      ['-p', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions', prompt, ...args],
      { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const [code, signal] = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    }).finally(() => clearTimeout(timer));
    const ms = Date.now() - started;
    const lines = stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return { type: 'unparsed', text: l };
        }
      });
    return {
      code,
      signal,
      lines,
      stdout,
      stderr,
      requests: api.requests,
      sideRequests: api.sideRequests,
      remaining: api.remaining(),
      ms,
    };
  } finally {
    fs.rmSync(childEnv.HOME, { recursive: true, force: true });
    await api.close(); // throws what a turn function threw
  }
}
