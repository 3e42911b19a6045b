// The loader's all-errors mode (analyzeWorkflowText, for the editor): every error of a file with its own
// position, the warnings beside them, a missing key reported on the key of the map that lacks it, and
// "did you mean" for unknown keys. A run (loadWorkflowText) still stops at the first error.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core } from './helpers/env.mjs';

const { analyzeWorkflowText, loadWorkflowText, unknownKeySuggestion, WorkflowLoadError } = core;
const at = (e) => `${e.line}:${e.col} ${e.reason ?? e.message}`;

describe('analyzeWorkflowText: every error', () => {
  it('reports an error in each step and each option, in file order, with the warnings', () => {
    const text = [
      'name: demo', //                                       1
      'commands:', //                                        2
      '  - shell: echo one', //                              3
      '    timeout: soon', //                                4: error
      '    commit_required: maybe', //                       5: error (same step)
      '  - {}', //                                           6: error (no command)
      '  - claude: /lint', //                                7
      '    colour: red', //                                  8: warning
      '    validate:', //                                    9: error (needs a command), on the key
      '      threshold: 150', //                             10: error
    ].join('\n');
    const result = analyzeWorkflowText(text, 'wf.yml');
    assert.equal(result.workflow, undefined);
    assert.ok(result.errors.every((e) => e instanceof WorkflowLoadError));
    assert.deepEqual(result.errors.map(at), [
      '4:14 timeout must be a number of seconds, got "soon"',
      '5:22 commit_required must be true or false, got "maybe"',
      '6:5 step 2 has no command (claude:, shell: or write_file:)',
      '9:5 validate needs claude:, shell: or commands: (the check to run), or result_file:',
    ]);
    assert.deepEqual(result.warnings.map(at), ['8:5 Unknown key `colour` in step 3, ignored']);
    // A run stops at the first one it meets (commit_required is read before timeout), with the same message.
    const run = (() => {
      try {
        loadWorkflowText(text, 'wf.yml');
      } catch (err) {
        return err;
      }
    })();
    assert.equal(run.message, 'wf.yml:5:22: commit_required must be true or false, got "maybe"');
    assert.ok(result.errors.some((e) => e.message === run.message));
  });

  it('reports every problem of one value (several bad keys of map:)', () => {
    const text =
      'name: x\nmode: mapreduce\nmap:\n  input: items.json\n  max_items: -1\n  offset: lots\n  agent_template: [shell: b]\n';
    const { errors } = analyzeWorkflowText(text, 'wf.yml');
    assert.deepEqual(
      errors.map((e) => `${e.line}:${e.col}`),
      ['5:14', '6:11'],
    );
  });

  it('reports every YAML syntax error', () => {
    const { errors, workflow } = analyzeWorkflowText('commands:\n  - shell: "a\n', 'wf.yml');
    assert.equal(workflow, undefined);
    assert.ok(errors.length >= 1);
    const two = analyzeWorkflowText('a: [1\nb: {c\n', 'wf.yml');
    assert.ok(two.errors.length >= 2, two.errors.map(at).join('; '));
  });

  it('a valid file has its workflow, no errors, and the same warnings as a run', () => {
    const text = 'commands:\n  - shell: echo hi\n    timout: 5\n';
    const result = analyzeWorkflowText(text, 'wf.yml');
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.workflow, { ...loadWorkflowText(text, 'wf.yml') });
    assert.deepEqual(result.warnings, result.workflow.warnings);
  });

  it('errors in setup, map and reduce are each reported', () => {
    const text = [
      'name: x',
      'mode: mapreduce',
      'setup:',
      '  - shell: a',
      '    timeout: never',
      'map:',
      '  input: items.json',
      '  agent_template:',
      '    - {}',
      'reduce:',
      '  - claude: ""',
    ].join('\n');
    const { errors } = analyzeWorkflowText(text, 'wf.yml');
    assert.deepEqual(
      errors.map((e) => e.line),
      [5, 9, 11],
    );
  });
});

describe('unknown keys: on the key, with "did you mean"', () => {
  const TYPO = 'name: x\nmode: mapreduce\nmap:\n  input: items.json\n  agent_templat:\n    - shell: echo ${item}\n';

  it('a misspelt agent_template: the warning is on the key, the missing key on map:', () => {
    const { errors, warnings } = analyzeWorkflowText(TYPO, 'wf.yml');
    assert.deepEqual(errors.map(at), ['3:1 map.agent_template is required (the steps run for each item)']);
    assert.deepEqual(warnings.map(at), ['5:3 Unknown key `agent_templat` in map: did you mean `agent_template`?']);
    // A run reports the same error at the same place (map:, not input:).
    assert.throws(() => loadWorkflowText(TYPO, 'wf.yml'), { message: /^wf\.yml:3:1: map\.agent_template is required/ });
  });

  it('the suggestion can be read back from the message', () => {
    const { warnings } = analyzeWorkflowText(TYPO, 'wf.yml');
    assert.deepEqual(unknownKeySuggestion(warnings[0].message), { key: 'agent_templat', suggestion: 'agent_template' });
    assert.equal(unknownKeySuggestion('Unknown key `colour` in step 1, ignored'), undefined);
  });

  it('suggests within a third of the length (1 edit up to 5 characters), transpositions count as one', () => {
    const suggestion = (key) => {
      const { warnings } = analyzeWorkflowText(`commands:\n  - shell: a\n    ${key}: 1\n`, 'wf.yml');
      return unknownKeySuggestion(warnings.find((w) => w.message.includes(`\`${key}\``))?.message ?? '')?.suggestion;
    };
    assert.equal(suggestion('timout'), 'timeout');
    assert.equal(suggestion('tiemout'), 'timeout'); // a swap: one edit
    assert.equal(suggestion('captur_outptu'), 'capture_output');
    assert.equal(suggestion('nme'), 'name');
    assert.equal(suggestion('ebx'), undefined); // 2 edits from env: too far for 3 characters
    assert.equal(suggestion('colour'), undefined);
  });

  it('in nested maps too: on_failure, validate, setup', () => {
    const text = [
      'commands:',
      '  - shell: a',
      '    on_failure:',
      '      shell: fix',
      '      max_atempts: 3',
      '    validate:',
      '      shell: check',
      '      treshold: 90',
    ].join('\n');
    const { warnings, errors } = analyzeWorkflowText(text, 'wf.yml');
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings.map(at), [
      '5:7 Unknown key `max_atempts` in step 1 on_failure: did you mean `max_attempts`?',
      '8:7 Unknown key `treshold` in step 1 validate: did you mean `threshold`?',
    ]);
  });
});
