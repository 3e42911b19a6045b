// Shared by the run-command and perf integration tests: the extension's API, temp git repos and
// Prodigy homes, settings that are put back, a recorder for notifications, and small waits.
// Not a test file (index.ts does not require it).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ProdigyExtensionApi } from '../../../src/extension/extension';
import type { TreeNode } from '../../../src/extension/sessionsTree/nodes';

export const EXTENSION_ID = 'prodigy-vscode.prodigy-vscode';

/** The repository root (this bundle is dist/test/integration.js). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The stand-in Claude CLI (its header lists the slash commands it understands). */
export const FAKE_CLAUDE = path.join(REPO_ROOT, 'test', 'fixtures', 'bin', 'claude');
export const PRODIGY_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'prodigy');
export const INTEGRATION_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'integration');

/**
 * Every command the test files ran through `exec` (runCommands.test.ts, loaded after the others, checks at its
 * end that none the manifest contributes was left out).
 */
export const executed = new Set<string>();

/** vscode.commands.executeCommand, counted in `executed`. */
export function exec<T = unknown>(command: string, ...args: unknown[]): Thenable<T> {
  executed.add(command);
  return vscode.commands.executeCommand<T>(command, ...args);
}

export async function api(): Promise<ProdigyExtensionApi> {
  const ext = vscode.extensions.getExtension<ProdigyExtensionApi>(EXTENSION_ID);
  assert.ok(ext, 'extension not found');
  return ext.activate();
}

const tempDirs: string[] = [];

/** A fresh folder under the OS temp dir (real path: git and the engine resolve symlinks). */
export function tempDir(prefix: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  tempDirs.push(dir);
  return dir;
}

/** Removes every folder tempDir() made (call from a root-level or suite `after`). */
export function removeTempDirs(): void {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Runs git; returns stdout without the trailing newline. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
}

/** A repo `<tmp>/<name>` on `main` with one commit (README.md) and a repo-local identity. */
export function makeRepo(name = 'repo'): string {
  const root = tempDir('prodigy-it-repo-');
  const repo = path.join(root, name);
  git(root, 'init', '-q', '-b', 'main', repo);
  git(repo, 'config', 'user.name', 'Integration Test');
  git(repo, 'config', 'user.email', 'integration@example.com');
  git(repo, 'config', 'commit.gpgsign', 'false');
  fs.writeFileSync(path.join(repo, 'README.md'), 'hello\n');
  git(repo, 'add', 'README.md');
  git(repo, 'commit', '-q', '-m', 'initial');
  return repo;
}

/** Writes a workflow file into `dir` (outside any repo unless `dir` is one); returns its path. */
export function writeWorkflow(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `fn` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message ?? last})` : ''}`,
      );
    }
    await sleep(25);
  }
}

/** Sets a `prodigy.*` user setting; returns a function that puts the previous user value back. */
export async function setSetting(key: string, value: unknown): Promise<() => Promise<void>> {
  const config = vscode.workspace.getConfiguration('prodigy');
  const previous = config.inspect(key)?.globalValue;
  await config.update(key, value, vscode.ConfigurationTarget.Global);
  return async () => {
    await vscode.workspace.getConfiguration('prodigy').update(key, previous, vscode.ConfigurationTarget.Global);
  };
}

/** Points the extension at another Prodigy home and waits until it has replaced its ProdigyHome. */
export async function useHome(a: ProdigyExtensionApi, home: string): Promise<() => Promise<void>> {
  const before = a.homes.current;
  const restore = await setSetting('home', home);
  await waitFor(`the extension to use ${home}`, () => a.homes.current !== before && a.homes.current.folder === home);
  return async () => {
    const current = a.homes.current;
    await restore();
    await waitFor('the extension to leave the test home', () => a.homes.current !== current);
  };
}

export type MessageLevel = 'info' | 'warning' | 'error';
export interface ShownMessage {
  level: MessageLevel;
  text: string;
  /** The buttons offered (string items only). */
  items: string[];
  modal: boolean;
}

/**
 * Replaces vscode.window.show{Information,Warning,Error}Message for the extension (the test bundle
 * lives in the extension's folder, so it shares the extension's `vscode` object) and records every
 * message. `answer` picks the button to "click" (undefined = dismissed), at once or later.
 */
export class MessageRecorder implements vscode.Disposable {
  readonly messages: ShownMessage[] = [];
  /** The button to "click" (undefined = dismissed); a promise answers later, when the test resolves it. */
  answer: (m: ShownMessage) => string | undefined | Promise<string | undefined> = () => undefined;
  private readonly saved: Record<string, unknown> = {};
  private static readonly METHODS: Record<string, MessageLevel> = {
    showInformationMessage: 'info',
    showWarningMessage: 'warning',
    showErrorMessage: 'error',
  };

  constructor() {
    const w = vscode.window as unknown as Record<string, unknown>;
    for (const [method, level] of Object.entries(MessageRecorder.METHODS)) {
      this.saved[method] = w[method];
      w[method] = (text: string, ...rest: unknown[]) => {
        const options =
          rest.length && rest[0] && typeof rest[0] === 'object' && !('title' in (rest[0] as object))
            ? (rest.shift() as vscode.MessageOptions)
            : undefined;
        const items = rest.map((i) => (typeof i === 'string' ? i : (i as vscode.MessageItem).title));
        const m: ShownMessage = { level, text, items, modal: Boolean(options?.modal) };
        this.messages.push(m);
        return Promise.resolve(this.answer(m)).then((choice) => {
          if (choice !== undefined && !items.includes(choice))
            throw new Error(`test answered "${choice}" but the message offers ${JSON.stringify(items)}: ${text}`);
          // The extension gets the item it passed (a string here: it offers string buttons).
          return choice;
        });
      };
    }
    assert.strictEqual(
      vscode.window.showInformationMessage,
      w.showInformationMessage,
      'could not replace vscode.window.showInformationMessage',
    );
  }

  find(level: MessageLevel, pattern: RegExp): ShownMessage | undefined {
    return this.messages.find((m) => m.level === level && pattern.test(m.text));
  }

  clear(): void {
    this.messages.length = 0;
  }

  dispose(): void {
    const w = vscode.window as unknown as Record<string, unknown>;
    for (const [method, fn] of Object.entries(this.saved)) w[method] = fn;
  }
}

/** A session record as it is on disk. */
export function readRecord(home: string, id: string): any {
  return JSON.parse(fs.readFileSync(path.join(home, 'sessions', `${id}.json`), 'utf8'));
}

export function sessionIdsOnDisk(home: string): string[] {
  const dir = path.join(home, 'sessions');
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((n) => n.endsWith('.json'))
        .map((n) => n.slice(0, -5))
        .sort()
    : [];
}

export function label(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

/** The root rows VS Code would get now, with their tree items. */
export async function rootRows(a: ProdigyExtensionApi): Promise<{ node: TreeNode; item: vscode.TreeItem }[]> {
  const nodes = await a.tree.getChildren();
  return nodes.map((node) => ({ node, item: a.tree.getTreeItem(node) }));
}

/** The tree item of session `id` as a fresh listing shows it (undefined when it is not listed). */
export async function sessionRow(a: ProdigyExtensionApi, id: string): Promise<vscode.TreeItem | undefined> {
  return (await rootRows(a)).find(({ item }) => item.id === `session:${id}`)?.item;
}

/** Resolves with the next onDidChangeTreeData payload (undefined = the root was re-listed). */
export function nextTreeChange(
  a: ProdigyExtensionApi,
  accept: (node: TreeNode | undefined) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<TreeNode | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`the tree did not change within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = a.tree.onDidChangeTreeData((node) => {
      if (!accept(node)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(node);
    });
  });
}

/** A promise with its resolve function, for answering a notification when the test is ready. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
