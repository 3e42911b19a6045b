// A MapReduce agent's time limits: `map.agent_timeout_secs` and `map.timeout_config` (Prodigy's timeout chapter).
// per_agent (default) and hybrid: one limit for all of an agent's steps; per_command: each step gets it on its
// own. `command_timeouts` (`claude`, `shell`, `write_file`, or `claude_0` for the first claude: step) limit the
// steps they name in every policy; a step's own `timeout:` is kept. `timeout_action` says what a timed-out item
// does: dlq (the error policy, as any failed item), skip (no dead-letter queue), fail (the job stops, Failed).
import type { MapSpec, MapTimeoutConfig, WorkflowStep } from '../workflow/model';

/** With timeout_config and no agent_timeout_secs anywhere: Prodigy's documented default. */
export const DEFAULT_AGENT_TIMEOUT_SECS = 600;

export interface AgentTimeouts {
  /** Seconds for the whole agent (per_agent, hybrid), or undefined. */
  agentLimit?: number;
  /** The agent's steps, each with the timeout it runs under. */
  steps: WorkflowStep[];
  action: MapTimeoutConfig['timeout_action'];
}

/** `seconds` resolves a number or "$VAR" to seconds (undefined when unset or not a positive number). */
export function agentTimeouts(
  map: MapSpec,
  seconds: (v: number | string | undefined) => number | undefined,
): AgentTimeouts {
  const config = map.timeout_config;
  const limit = config
    ? (seconds(config.agent_timeout_secs) ?? seconds(map.agent_timeout_secs) ?? DEFAULT_AGENT_TIMEOUT_SECS)
    : seconds(map.agent_timeout_secs);
  if (!config) return { agentLimit: limit, steps: map.agent_template, action: 'dlq' };
  const perCommand = config.timeout_policy === 'per_command';
  const seen: Record<string, number> = {};
  const steps = map.agent_template.map((step) => {
    const n = (seen[step.kind] = (seen[step.kind] ?? -1) + 1);
    const own = seconds(config.command_timeouts[`${step.kind}_${n}`]) ?? seconds(config.command_timeouts[step.kind]);
    const timeout = step.timeout ?? own ?? (perCommand ? limit : undefined);
    return timeout === undefined ? step : { ...step, timeout };
  });
  return { agentLimit: perCommand ? undefined : limit, steps, action: config.timeout_action };
}

/** Whether a failed step's error is its command's time limit running out. */
export function isCommandTimeout(error: string | undefined): boolean {
  return /Command timed out after \d+ seconds/.test(error ?? '');
}
