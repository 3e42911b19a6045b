// Every command the manifest contributes is registered by the extension.
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'prodigy-vscode.prodigy-vscode';

describe('Contributed commands', () => {
  it('are all registered after activation', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    const contributed: { command: string }[] = ext.packageJSON.contributes.commands;
    assert.ok(contributed.length > 0);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepStrictEqual(missing, []);
  });
});
