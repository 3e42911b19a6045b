// Authoring workflow files in a real extension host: problems from our loader (source `prodigy`), the
// Run / summary CodeLens, and which YAML documents count as workflow files at all.
// Documents are files written to a temp folder (code-server's host opens them by path) or untitled YAML.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { isWorkflowPath, looksLikeWorkflow } from '../../src/extension/authoring/workflowFiles';

const EXTENSION_ID = 'prodigy-vscode.prodigy-vscode';
const RUN_COMMAND = 'prodigy.runWorkflowFile';

// A timeout: is not a number. The loader reports line 3, col 14 (the value `three`).
const MALFORMED = 'commands:\n  - shell: echo hi\n    timeout: three\n';
const MALFORMED_FIXED = 'commands:\n  - shell: echo hi\n    timeout: 30\n';
// Loads, with one warning: `shel:` (line 5, col 5) is not a step key.
const WITH_UNKNOWN_KEY = 'name: demo\ncommands:\n  - shell: echo hi\n  - claude: /lint\n    shel: typo\n';
const VALID_LIST = '- shell: echo one\n- claude: /lint\n';
// Not workflows, and each would be a load *error* if it were (mistakenly) loaded as one.
const DOCKER_COMPOSE =
  'version: "3.8"\nservices:\n  web:\n    image: nginx:latest\n    command: ["nginx", "-g", "daemon off;"]\n    ports:\n      - "8080:80"\n';
const GITHUB_ACTIONS =
  'name: CI\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - shell: bash\n        run: make test\n';

let dir: string;

async function activate(): Promise<void> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, 'extension not found');
  await ext.activate();
}

/** Writes `text` to `<temp>/<name>` and opens it (not in an editor). */
async function openFile(name: string, text: string): Promise<vscode.TextDocument> {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  assert.strictEqual(doc.languageId, 'yaml', `${name} did not open as YAML`);
  return doc;
}

function prodigyDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'prodigy');
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function waitForDiagnostics(
  doc: vscode.TextDocument,
  what: string,
  accept: (ds: vscode.Diagnostic[]) => boolean,
): Promise<vscode.Diagnostic[]> {
  return waitFor(what, () => {
    const ds = prodigyDiagnostics(doc.uri);
    return accept(ds) ? ds : undefined;
  });
}

async function codeLenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
}

function textAt(doc: vscode.TextDocument, range: vscode.Range): string {
  return doc.getText(range);
}

async function replaceAll(doc: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, doc.validateRange(new vscode.Range(0, 0, doc.lineCount, 0)), text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'the edit was not applied');
  assert.strictEqual(doc.getText(), text);
}

describe('Authoring', () => {
  before(async () => {
    await activate();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prodigy-authoring-'));
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('diagnostics', () => {
    it('puts the loader error of a malformed workflow file at its line and column', async () => {
      const doc = await openFile('malformed/x.workflow.yml', MALFORMED);
      const [d, ...rest] = await waitForDiagnostics(doc, 'an error on x.workflow.yml', (ds) => ds.length > 0);
      assert.deepStrictEqual(rest, [], 'expected exactly one problem');
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
      assert.strictEqual(d.source, 'prodigy');
      assert.match(d.message, /^timeout must be a number of seconds, got "three"/);
      // Loader: line 3, col 14 (1-based) → 2:13; the underline covers the value.
      assert.deepStrictEqual([d.range.start.line, d.range.start.character], [2, 13]);
      assert.strictEqual(textAt(doc, d.range), 'three');
    });

    it('underlines a typo in a MapReduce filter at its character, when the file loads', async () => {
      const text = [
        'name: debt',
        'mode: mapreduce',
        'map:',
        '  input: items.json',
        '  filter: "score >> 5"',
        '  agent_template:',
        '    - shell: "echo ${item.file}"',
        '',
      ].join('\n');
      const doc = await openFile('mapreduce/debt.workflow.yml', text);
      const [d, ...rest] = await waitForDiagnostics(doc, 'an error on debt.workflow.yml', (ds) => ds.length > 0);
      assert.deepStrictEqual(rest, [], 'expected exactly one problem');
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
      assert.match(d.message, /^map\.filter: Invalid filter "score >> 5" at column 8: /);
      // The second ">" of line 5: `  filter: "score >` is 18 characters.
      assert.deepStrictEqual([d.range.start.line, d.range.start.character], [4, 18]);
      assert.strictEqual(textAt(doc, d.range), '>');
    });

    it('reports a YAML syntax error where the parser found it', async () => {
      const doc = await openFile('syntax/y.workflow.yml', 'commands:\n  - shell: "echo hi\n  - claude: /x\n');
      const [d] = await waitForDiagnostics(doc, 'an error on y.workflow.yml', (ds) => ds.length === 1);
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
      assert.match(d.message, /quote/i);
      assert.strictEqual(d.range.start.line, 3);
    });

    it('shows a warning for an unknown key at its line, and no error', async () => {
      const doc = await openFile('warn/demo.workflow.yml', WITH_UNKNOWN_KEY);
      const ds = await waitForDiagnostics(doc, 'a warning on demo.workflow.yml', (all) => all.length > 0);
      assert.strictEqual(ds.length, 1, `expected one problem, got ${ds.map((d) => d.message).join('; ')}`);
      const [w] = ds;
      assert.strictEqual(w.severity, vscode.DiagnosticSeverity.Warning);
      assert.strictEqual(w.source, 'prodigy');
      assert.match(w.message, /^Unknown key `shel` in step 2/);
      assert.deepStrictEqual([w.range.start.line, w.range.start.character], [4, 4]);
      assert.strictEqual(textAt(doc, w.range), 'shel');
    });

    it('clears the error when the text is fixed, and brings it back when it breaks again', async () => {
      const doc = await openFile('fix/x.workflow.yml', MALFORMED);
      await waitForDiagnostics(doc, 'the initial error', (ds) =>
        ds.some((d) => d.severity === vscode.DiagnosticSeverity.Error),
      );

      await replaceAll(doc, MALFORMED_FIXED);
      await waitForDiagnostics(doc, 'the error to clear after the fix', (ds) => ds.length === 0);

      await replaceAll(doc, 'commands:\n  - shell: echo hi\n    timeout: soon\n');
      const [d] = await waitForDiagnostics(doc, 'the error to come back', (ds) => ds.length === 1);
      assert.strictEqual(textAt(doc, d.range), 'soon');
      await doc.save();
    });

    it('leaves docker-compose and GitHub Actions files alone', async () => {
      // Named so that it opens as plain YAML (VS Code gives docker-compose.yml its own language id).
      const compose = await openFile('plain/services.yml', DOCKER_COMPOSE);
      // .github/workflows/*.yml matches the `**/workflows/*.yml` schema glob but is not a Prodigy workflow.
      const actions = await openFile('plain/.github/workflows/ci.yml', GITHUB_ACTIONS);
      // A workflow opened after them: once its problems are shown, the two above have been looked at too.
      const marker = await openFile('plain/after.workflow.yml', MALFORMED);
      await waitForDiagnostics(marker, 'the marker workflow to be validated', (ds) => ds.length === 1);
      assert.deepStrictEqual(prodigyDiagnostics(compose.uri), []);
      assert.deepStrictEqual(prodigyDiagnostics(actions.uri), []);
    });

    it('recognises a workflow by its content when the name says nothing (untitled YAML)', async () => {
      const doc = await vscode.workspace.openTextDocument({
        language: 'yaml',
        content: '- shell: make\n- claude: /lint\n  bogus: 1\n',
      });
      const [w] = await waitForDiagnostics(doc, 'a warning on the untitled document', (ds) => ds.length > 0);
      assert.strictEqual(w.severity, vscode.DiagnosticSeverity.Warning);
      assert.match(w.message, /^Unknown key `bogus` in step 2/);
      assert.strictEqual(w.range.start.line, 2);
    });
  });

  describe('every problem, and a fix for a misspelt key', () => {
    it('reports every error of a file, each at its own place (not only the first a run stops at)', async () => {
      const text = [
        'name: demo',
        'commands:',
        '  - shell: echo one',
        '    timeout: soon',
        '  - claude: /lint',
        '    commit_required: maybe',
        '  - write_file: {path: a.txt}',
        '',
      ].join('\n');
      const doc = await openFile('every/e.workflow.yml', text);
      const ds = await waitForDiagnostics(doc, 'three errors', (all) => all.length >= 3);
      const errors = ds.filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
      assert.deepStrictEqual(
        errors.map((d) => [d.range.start.line, textAt(doc, d.range)]),
        [
          [3, 'soon'],
          [5, 'maybe'],
          [6, 'write_file'],
        ],
        errors.map((d) => d.message).join('; '),
      );
      assert.match(errors[2].message, /^write_file\.content is required/);
    });

    it('names a misspelt key on the key itself, puts the missing key on map:, and renames it with a quick fix', async () => {
      const text =
        'name: items\nmode: mapreduce\nmap:\n  input: items.json\n  agent_templat:\n    - shell: echo ${item}\n';
      const doc = await openFile('typo/t.workflow.yml', text);
      const ds = await waitForDiagnostics(doc, 'the typo warning and the missing-key error', (all) => all.length === 2);
      const warning = ds.find((d) => d.severity === vscode.DiagnosticSeverity.Warning);
      const error = ds.find((d) => d.severity === vscode.DiagnosticSeverity.Error);
      assert.ok(warning && error, ds.map((d) => d.message).join('; '));
      assert.strictEqual(warning.message, 'Unknown key `agent_templat` in map: did you mean `agent_template`?');
      assert.strictEqual(textAt(doc, warning.range), 'agent_templat');
      assert.strictEqual(warning.range.start.line, 4);
      assert.match(error.message, /^map\.agent_template is required/);
      assert.strictEqual(textAt(doc, error.range), 'map', 'the missing key is reported on map:, not on input:');

      const actions =
        (await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          doc.uri,
          warning.range,
          vscode.CodeActionKind.QuickFix.value,
        )) ?? [];
      const fix = actions.find((a) => a.title === 'Rename `agent_templat` to `agent_template`');
      assert.ok(fix?.edit, `no rename fix; got ${actions.map((a) => a.title).join(', ') || 'none'}`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit), 'the fix was not applied');
      assert.strictEqual(doc.lineAt(4).text, '  agent_template:');
      await waitForDiagnostics(doc, 'no problem left after the fix', (all) => all.length === 0);
      await doc.save();
    });
  });

  describe('completion and hover without the YAML extension', () => {
    before(function () {
      // What these check is our own providers; with Red Hat's YAML extension they stay silent by design.
      if (vscode.extensions.getExtension('redhat.vscode-yaml')) this.skip();
    });

    async function completions(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionItem[]> {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        doc.uri,
        position,
      );
      return (list?.items ?? []).filter((i) => i.detail === 'Prodigy workflow');
    }
    const label = (i: vscode.CompletionItem) => (typeof i.label === 'string' ? i.label : i.label.label);
    const docText = (i: vscode.CompletionItem | undefined) =>
      typeof i?.documentation === 'string' ? i.documentation : (i?.documentation?.value ?? '');

    it('offers the keys of a step, with their descriptions, at a step position', async () => {
      const doc = await openFile('complete/c.workflow.yml', 'name: demo\ncommands:\n  - shell: echo hi\n    \n');
      const items = await completions(doc, new vscode.Position(3, 4));
      const labels = items.map(label);
      for (const key of ['timeout', 'on_failure', 'validate', 'capture_output', 'claude'])
        assert.ok(labels.includes(key), `${key} missing from ${labels.join(' ')}`);
      assert.ok(!labels.includes('shell'), 'shell: is already there');
      assert.ok(!labels.includes('commands'), 'a top-level key offered inside a step');
      const timeout = items.find((i) => label(i) === 'timeout');
      assert.match(docText(timeout), /seconds/i);
      assert.strictEqual(timeout?.insertText, 'timeout: ');
    });

    it('offers the keys of map: in a MapReduce workflow, and of on_failure: in a step', async () => {
      const text =
        'name: m\nmode: mapreduce\nmap:\n  input: items.json\n  \nreduce:\n  - shell: x\n    on_failure:\n      \n';
      const doc = await openFile('complete/m.workflow.yml', text);
      const inMap = (await completions(doc, new vscode.Position(4, 2))).map(label);
      for (const key of ['agent_template', 'max_parallel', 'filter', 'json_path'])
        assert.ok(inMap.includes(key), `${key} missing from ${inMap.join(' ')}`);
      assert.ok(!inMap.includes('input'));
      const inOnFailure = (await completions(doc, new vscode.Position(8, 6))).map(label);
      for (const key of ['max_attempts', 'fail_workflow', 'commands'])
        assert.ok(inOnFailure.includes(key), `${key} missing from ${inOnFailure.join(' ')}`);
      assert.ok(!inOnFailure.includes('agent_template'));
    });

    it("shows a key's description on hover", async () => {
      const text =
        'name: m\nmode: mapreduce\nmap:\n  input: items.json\n  agent_template:\n    - shell: echo ${item}\n';
      const doc = await openFile('hover/h.workflow.yml', text);
      const hovers =
        (await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          doc.uri,
          new vscode.Position(4, 6),
        )) ?? [];
      const shown = hovers
        .flatMap((h) => h.contents)
        .map((c) => (typeof c === 'string' ? c : c.value))
        .join('\n');
      assert.match(shown, /\*\*agent_template\*\*/);
      assert.match(shown, /Steps run for each item/);
    });
  });

  describe('CodeLens', () => {
    it('offers Run Workflow with the document uri, and a summary, on line 0 of a workflow file', async () => {
      const doc = await openFile('lens/w.workflow.yml', VALID_LIST);
      const lenses = await codeLenses(doc.uri);
      const run = lenses.find((l) => l.command?.command === RUN_COMMAND);
      assert.ok(run, `no ${RUN_COMMAND} lens; got ${lenses.map((l) => l.command?.title).join(', ') || 'none'}`);
      assert.strictEqual(run.command!.title, '▶ Run Workflow');
      assert.strictEqual(run.range.start.line, 0);
      const [arg] = run.command!.arguments ?? [];
      assert.ok(arg instanceof vscode.Uri, 'the argument is not a Uri');
      assert.strictEqual(arg.toString(), doc.uri.toString());
      assert.ok(
        lenses.some((l) => l.command?.title === '2 steps · standard'),
        `no summary lens; got ${lenses.map((l) => l.command?.title).join(', ')}`,
      );
    });

    it('finds a workflow by its content in a file with an ordinary name', async () => {
      const doc = await openFile(
        'lens/tasks.yml',
        'name: nightly\ncommands:\n  - claude: /prodigy-debt\n  - shell: cargo test\n  - shell: cargo clippy\n',
      );
      const lenses = await codeLenses(doc.uri);
      assert.ok(
        lenses.some((l) => l.command?.command === RUN_COMMAND),
        'no Run lens on tasks.yml',
      );
      assert.ok(lenses.some((l) => l.command?.title === '3 steps · standard'));
    });

    it('says why a malformed workflow cannot run instead of offering Run', async () => {
      const doc = await openFile('lens/bad.workflow.yml', MALFORMED);
      const lenses = await codeLenses(doc.uri);
      assert.ok(!lenses.some((l) => l.command?.command === RUN_COMMAND), 'a malformed workflow offers Run');
      const why = lenses.find((l) => l.command?.title.startsWith('✗ cannot run: '));
      assert.ok(why, `no "cannot run" lens; got ${lenses.map((l) => l.command?.title).join(', ')}`);
      assert.match(why.command!.title, /timeout must be a number of seconds/);
    });

    it('follows edits: a fixed workflow offers Run again', async () => {
      const doc = await openFile('lens/edit.workflow.yml', MALFORMED);
      assert.ok(!(await codeLenses(doc.uri)).some((l) => l.command?.command === RUN_COMMAND));
      await replaceAll(doc, MALFORMED_FIXED);
      assert.ok(
        (await codeLenses(doc.uri)).some((l) => l.command?.command === RUN_COMMAND),
        'no Run lens after the fix',
      );
      await doc.save();
    });

    it('shows no lens on docker-compose or GitHub Actions files', async () => {
      for (const [name, text] of [
        ['nolens/services.yml', DOCKER_COMPOSE],
        ['nolens/.github/workflows/ci.yml', GITHUB_ACTIONS],
      ]) {
        const doc = await openFile(name, text);
        const ours = (await codeLenses(doc.uri)).filter(
          (l) => l.command?.command === RUN_COMMAND || /steps? ·|cannot run|not trusted/.test(l.command?.title ?? ''),
        );
        assert.deepStrictEqual(
          ours.map((l) => l.command?.title),
          [],
          `${name} got Prodigy lenses`,
        );
      }
    });
  });

  describe('workflow-file detection', () => {
    it('matches the schema paths, except CI workflow folders', () => {
      assert.strictEqual(isWorkflowPath('/p/workflows/debt.yml'), true);
      assert.strictEqual(isWorkflowPath('/p/x.workflow.yaml'), true);
      assert.strictEqual(isWorkflowPath('/p/.prodigy/implement.yml'), true);
      assert.strictEqual(isWorkflowPath('/p/prodigy-debt.yml'), true);
      assert.strictEqual(isWorkflowPath('/p/.github/workflows/ci.yml'), false);
      assert.strictEqual(isWorkflowPath('/p/docker-compose.yml'), false);
    });

    it('reads step lists, commands:/steps: objects and MapReduce files as workflows', () => {
      assert.strictEqual(looksLikeWorkflow(VALID_LIST), true);
      assert.strictEqual(looksLikeWorkflow('- /prodigy-lint\n- /prodigy-fix\n'), true);
      assert.strictEqual(looksLikeWorkflow(WITH_UNKNOWN_KEY), true);
      assert.strictEqual(looksLikeWorkflow('steps:\n  - shell: make\n    timeout: 10\n'), true);
      assert.strictEqual(looksLikeWorkflow('name: m\nmode: mapreduce\nmap:\n  input: items.json\n'), true);
      assert.strictEqual(looksLikeWorkflow('- shell: make\n- \n'), true, 'a step being typed');
    });

    it('does not read ordinary YAML as a workflow', () => {
      assert.strictEqual(looksLikeWorkflow(DOCKER_COMPOSE), false);
      assert.strictEqual(looksLikeWorkflow(GITHUB_ACTIONS), false);
      assert.strictEqual(
        looksLikeWorkflow('apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Service\n'),
        false,
      );
      assert.strictEqual(
        looksLikeWorkflow('- hosts: all\n  tasks:\n    - shell: echo hi\n'),
        false,
        'Ansible playbook',
      );
      assert.strictEqual(
        looksLikeWorkflow('- name: install\n  apt: name=git\n- name: run\n  shell: echo hi\n'),
        false,
        'Ansible tasks',
      );
      assert.strictEqual(
        looksLikeWorkflow('- name: run\n  shell: echo hi\n  register: out\n'),
        false,
        'Ansible task with register:',
      );
      assert.strictEqual(looksLikeWorkflow('steps:\n  - command: make\n'), false, 'Buildkite');
      assert.strictEqual(
        looksLikeWorkflow('kind: pipeline\nsteps:\n  - name: build\n    image: golang\n    commands: [go build]\n'),
        false,
        'Drone',
      );
      assert.strictEqual(looksLikeWorkflow('- a\n- b\n'), false);
      assert.strictEqual(looksLikeWorkflow(''), false);
    });
  });
});
