// The messages of a picker with nothing to offer: no workflow file, no session, no checkpoint.
import { show } from './notify';

export function showNoWorkflowFiles(): void {
  void show({
    level: 'info',
    text:
      'no workflow files found in this workspace ' +
      '(YAML files with `commands:` or a list of `claude:`/`shell:` steps).',
  });
}

/**
 * A session picker had nothing to offer. `none` says what was looked for, as a sentence of its own (`no stopped,
 * failed or interrupted session to resume.`): a picker's title is no verb to build one from.
 */
export function showNoSessionsToPick(none: string): void {
  void show({ level: 'info', text: none });
}

export function showNoCheckpoints(who: string): void {
  void show({ level: 'info', text: `${who} has no checkpoints to restore.` });
}
