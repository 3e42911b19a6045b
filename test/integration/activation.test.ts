// Smoke test: the extension is present in the extension host, activates, and registers its commands.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'prodigy-vscode.prodigy-vscode';

describe('Extension activation', () => {
  it(`finds ${EXTENSION_ID}`, () => {
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID), `extension ${EXTENSION_ID} is not loaded`);
  });

  it('activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    assert.ok(ext.isActive, 'extension did not become active');
  });

  it('registers prodigy.refreshSessions', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('prodigy.refreshSessions'), 'command prodigy.refreshSessions is not registered');
  });

  it('runs against the temporary Prodigy home seeded by the runner', () => {
    const home = process.env.PRODIGY_TEST_HOME;
    assert.ok(home, 'PRODIGY_TEST_HOME is not set (the test runner should set it)');
    assert.strictEqual(process.env.PRODIGY_HOME, home);
    assert.ok(fs.existsSync(path.join(home, 'sessions', 'workflow-1736937000123.json')), 'seeded session file missing');
  });
});
