// Open Demo Workflow (the Get Started walkthrough's second step): writes the shipped demo workflow into a folder and
// opens it; a different file of that name is replaced only when the user says so (Open Existing leaves it); a
// folder that is not a git repository with a commit is offered one, and Initialize Repository makes it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { MessageRecorder, REPO_ROOT, exec, git, makeRepo, removeTempDirs, tempDir, waitFor } from './helpers/harness';

const DEMO = fs.readFileSync(path.join(REPO_ROOT, 'media', 'walkthrough', 'prodigy-demo.workflow.yml'), 'utf8');
const FILE = 'prodigy-demo.workflow.yml';

describe('Open Demo Workflow', function () {
  this.timeout(30_000);
  let messages: MessageRecorder;
  /** Git identity for the commit Initialize Repository makes (the folder has no config of its own yet). */
  const identity: Record<string, string> = {
    GIT_AUTHOR_NAME: 'Integration Test',
    GIT_AUTHOR_EMAIL: 'integration@example.com',
    GIT_COMMITTER_NAME: 'Integration Test',
    GIT_COMMITTER_EMAIL: 'integration@example.com',
  };
  const saved: Record<string, string | undefined> = {};

  before(() => {
    messages = new MessageRecorder();
    for (const [k, v] of Object.entries(identity)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });

  after(async () => {
    messages?.dispose();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    removeTempDirs();
  });

  beforeEach(() => {
    messages.clear();
    messages.answer = () => undefined;
  });

  const activeFile = () => vscode.window.activeTextEditor?.document.uri.fsPath;

  it('writes the demo workflow into a git repository and opens it, asking nothing', async () => {
    const repo = makeRepo('demo-repo');
    const file = await exec<string>('prodigy.openDemoWorkflow', { folder: repo });
    assert.strictEqual(file, path.join(repo, FILE));
    assert.strictEqual(fs.readFileSync(file, 'utf8'), DEMO);
    assert.strictEqual(activeFile(), file);
    assert.deepStrictEqual(messages.messages, []);

    // Again, the file unchanged: opened, nothing asked.
    assert.strictEqual(await exec('prodigy.openDemoWorkflow', { folder: repo }), file);
    assert.deepStrictEqual(messages.messages, []);
  });

  it('a different file of that name: the modal asks; Open Existing keeps it, Replace replaces it, dismissed does neither', async () => {
    const repo = makeRepo('edited-repo');
    const file = path.join(repo, FILE);
    fs.writeFileSync(file, 'name: mine\ncommands:\n  - shell: "echo mine"\n');

    messages.answer = () => 'Open Existing';
    assert.strictEqual(await exec('prodigy.openDemoWorkflow', { folder: repo }), file);
    const asked = messages.messages[0];
    assert.ok(asked?.modal, JSON.stringify(messages.messages));
    assert.strictEqual(asked.text, 'Replace prodigy-demo.workflow.yml with the demo workflow?');
    assert.deepStrictEqual(asked.items, ['Replace', 'Open Existing']);
    assert.match(fs.readFileSync(file, 'utf8'), /^name: mine/);
    assert.strictEqual(activeFile(), file);

    messages.answer = () => undefined;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.strictEqual(await exec('prodigy.openDemoWorkflow', { folder: repo }), undefined);
    assert.match(fs.readFileSync(file, 'utf8'), /^name: mine/);
    assert.strictEqual(activeFile(), undefined, 'dismissed: nothing opened');

    messages.answer = () => 'Replace';
    assert.strictEqual(await exec('prodigy.openDemoWorkflow', { folder: repo }), file);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), DEMO);

    // `{ replace: true }` answers without asking.
    fs.writeFileSync(file, 'name: mine again\n');
    messages.clear();
    await exec('prodigy.openDemoWorkflow', { folder: repo, replace: true });
    assert.strictEqual(fs.readFileSync(file, 'utf8'), DEMO);
    assert.deepStrictEqual(messages.messages, []);
  });

  it('a folder that is no git repository: the warning offers Initialize Repository, which makes a first commit', async () => {
    const folder = tempDir('prodigy-it-demo-plain-');
    let offered!: () => void;
    const clicked = new Promise<void>((resolve) => (offered = resolve));
    messages.answer = (m) => {
      if (m.items.includes('Initialize Repository')) {
        offered();
        return 'Initialize Repository';
      }
      return undefined;
    };
    const file = await exec<string>('prodigy.openDemoWorkflow', { folder });
    assert.strictEqual(fs.readFileSync(file, 'utf8'), DEMO);
    await clicked;
    const warning = messages.find('warning', /is not a git repository/);
    assert.strictEqual(
      warning?.text,
      `Prodigy: ${path.basename(folder)} is not a git repository: the demo runs in a git worktree of its own, which starts ` +
        'from a commit. Make an empty first commit here?',
    );
    // The button's work ends with a message saying the demo can run.
    const ready = await waitFor('the message saying the demo can run', () =>
      messages.find('info', /now has a first commit: the demo workflow can run\./),
    );
    assert.deepStrictEqual(ready.items, ['Run Workflow…']);
    assert.strictEqual(git(folder, 'log', '--format=%s'), 'Initial commit');
    assert.strictEqual(git(folder, 'status', '--porcelain'), `?? ${FILE}`, 'the demo file is left for the user');
  });

  it('a repository with no commit: { initRepository: true } makes the first commit without asking; false leaves it', async () => {
    const folder = tempDir('prodigy-it-demo-empty-');
    git(folder, 'init', '-q');
    await exec('prodigy.openDemoWorkflow', { folder, initRepository: false });
    assert.deepStrictEqual(messages.messages, [], 'initRepository: false asks nothing');
    assert.throws(() => git(folder, 'rev-parse', '--verify', 'HEAD'));

    await exec('prodigy.openDemoWorkflow', { folder, initRepository: true });
    assert.strictEqual(git(folder, 'log', '--format=%s'), 'Initial commit');
    assert.ok(messages.find('info', /now has a first commit/), JSON.stringify(messages.messages));
    assert.ok(!messages.find('warning', /no commit yet/), 'not asked when answered');
  });
});
