// workflowUsesClaude: the editor checks the Claude CLI before a run only when a Claude step can run, wherever the
// workflow nests it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { core } from './helpers/env.mjs';

const uses = (text) => core.workflowUsesClaude(core.loadWorkflowText(text, '/w/wf.yml'));

describe('workflowUsesClaude', () => {
  it('no Claude step: false', () => {
    assert.equal(uses('commands:\n  - shell: "true"\n    on_failure:\n      shell: "echo no"\n'), false);
    assert.equal(
      uses(
        'name: job\nmode: mapreduce\nmap:\n  input: items.json\n  json_path: "$[*]"\n  agent_template:\n    - shell: "true"\n',
      ),
      false,
    );
  });

  it('a Claude step in any phase or nesting: true', () => {
    for (const text of [
      'commands:\n  - claude: "/fix"\n',
      'commands:\n  - shell: "true"\n    on_failure:\n      claude: "/fix"\n',
      'commands:\n  - shell: "true"\n    on_success:\n      claude: "/next"\n',
      'commands:\n  - shell: "make"\n    on_exit_code:\n      2:\n        claude: "/fix"\n',
      'commands:\n  - foreach: [a, b]\n    do:\n      - claude: "/do ${item}"\n',
      'commands:\n  - shell: "true"\n    validate:\n      claude: "/check"\n',
      'name: job\nmode: mapreduce\nmap:\n  input: items.json\n  json_path: "$[*]"\n  agent_template:\n    - claude: "/do ${item}"\n',
      'name: job\nmode: mapreduce\nsetup:\n  - claude: "/plan"\nmap:\n  input: items.json\n  json_path: "$[*]"\n  agent_template:\n    - shell: "true"\n',
      'name: job\nmode: mapreduce\nmap:\n  input: items.json\n  json_path: "$[*]"\n  agent_template:\n    - shell: "true"\nreduce:\n  - claude: "/sum"\n',
      'commands:\n  - shell: "true"\nmerge:\n  - claude: "/merge ${merge.source_branch}"\n',
    ])
      assert.equal(uses(text), true, text);
  });
});
