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

  it('every command a menu or a welcome view refers to is contributed, or is one the workbench has', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    const contributes = ext.packageJSON.contributes;
    const contributed = new Set((contributes.commands as { command: string }[]).map((c) => c.command));
    const referenced: { command: string; where: string }[] = [];
    for (const [menu, entries] of Object.entries(
      contributes.menus as Record<string, { command?: string; submenu?: string }[]>,
    )) {
      for (const e of entries) if (e.command) referenced.push({ command: e.command, where: `menus.${menu}` });
    }
    for (const w of contributes.viewsWelcome as { view: string; contents: string }[]) {
      // Links are [text](command:id) or [text](command:id?urlencoded-args).
      for (const m of w.contents.matchAll(/\]\(command:([^)?\s]+)/g))
        referenced.push({ command: m[1], where: `viewsWelcome(${w.view})` });
    }
    assert.ok(
      referenced.some((r) => r.where.startsWith('menus.')),
      'no menu entries found',
    );
    assert.ok(
      referenced.some((r) => r.where.startsWith('viewsWelcome')),
      'no welcome-view links found',
    );
    // A built-in is one the running workbench has registered; our own must be contributed (so they have a title).
    const registered = new Set(await vscode.commands.getCommands(false));
    const unknown = referenced.filter(({ command }) =>
      command.startsWith('prodigy.') ? !contributed.has(command) : !registered.has(command),
    );
    assert.deepStrictEqual(unknown, []);
  });
});
