// A workflow file after loading: one step schema (the union of Prodigy's two), with the
// documented meaning of every option (prodigy-workflows.md §3, §9). The loader builds it;
// the engine only ever sees this shape.

/** foreach: runs its `do:` steps per item; validate: a standalone `validate:` step (no command of its own). */
export type StepKind = 'claude' | 'shell' | 'write_file' | 'foreach' | 'validate';
export type CaptureFormat = 'string' | 'json' | 'lines' | 'number' | 'boolean';

/** Where something was written in the workflow file (1-based), for messages. */
export interface SourcePosition {
  line: number;
  col: number;
}

export interface WriteFileSpec {
  /** Interpolated at run time; relative to the step's working directory; `..` is refused. */
  path: string;
  content: string;
  format: 'text' | 'json' | 'yaml';
  /** Octal string such as "0644". */
  mode?: string;
  create_dirs: boolean;
}

/**
 * `foreach:` (prodigy-workflows.md §3.5, and the docs' `items:`/`input:` spellings): the `do:` steps run once per
 * item, in the session's worktree, with `${item}`, `${index}` (0-based) and `${total}`.
 */
export interface ForeachSpec {
  /** The items as written (strings, numbers or maps; strings are interpolated at run time). */
  list?: unknown[];
  /** Or a shell command whose stdout lines (blank ones dropped) are the items. */
  command?: string;
  do: WorkflowStep[];
  /** Items at once: 1 for `false` (the default), 10 for `true`, or N. */
  parallel: number;
  /** Run the other items when one fails (the step then succeeds); default false: stop at the first failure. */
  continue_on_error: boolean;
  /** Only the first N items. */
  max_items?: number;
}

export interface OnFailure {
  /** `on_failure: true`: a failure is noted and the workflow goes on. */
  ignore: boolean;
  /** Run after each failed attempt (claude or shell steps). */
  handlers: WorkflowStep[];
  /** Total runs of the failing step, the first included (string/list forms: 1). */
  max_attempts: number;
  /** When the attempts are used up: fail the workflow (true) or note it and go on (false). */
  fail_workflow: boolean;
}

export interface OnIncomplete {
  commands: WorkflowStep[];
  max_attempts: number;
  fail_workflow: boolean;
  prompt?: string;
}

export interface ValidationSpec {
  /** Empty when only `result_file` is given: the step's own command writes that file. */
  commands: WorkflowStep[];
  result_file?: string;
  /** Percent, default 100. */
  threshold: number;
  timeout?: number;
  on_incomplete?: OnIncomplete;
}

/** Which streams and metadata a capture keeps (`capture_streams`; docs: custom-variable-capture). */
export interface CaptureStreams {
  stdout: boolean;
  stderr: boolean;
  exit_code: boolean;
  success: boolean;
  duration: boolean;
}

/** A named output of a step with `id:` (`outputs: {spec: {file_pattern: "*.md"}}` → `${id.spec}`). */
export interface StepOutput {
  file_pattern: string;
}

export interface WorkflowStep {
  kind: StepKind;
  /**
   * The claude prompt or shell command before interpolation ('' for write_file). For foreach and validate steps,
   * only what the log and a dry run show: the items (command or list) or the check; the step never runs it as is.
   */
  command: string;
  write_file?: WriteFileSpec;
  /** A `name:` label given next to a command key. */
  name?: string;
  /** Prodigy's display name: "shell: cargo test", "claude: /lint", "write_file: out.json". */
  display: string;
  commit_required: boolean;
  /** Seconds. */
  timeout?: number;
  /** false, true (→ claude.output / shell.output / write_file.output), or a variable name. */
  capture_output: boolean | string;
  capture?: string;
  capture_format: CaptureFormat;
  /** Absent: stdout captured, with exit_code, success, duration (and stderr when there was some). */
  capture_streams?: CaptureStreams;
  /** `${id.output}`, `${id.exit_code}`, `${id.success}` and each of `outputs` as `${id.name}`. */
  id?: string;
  outputs?: Record<string, StepOutput>;
  output_file?: string;
  env: Record<string, string>;
  working_dir?: string;
  /** `clear_env: true`: the command gets only the step's `env:` (with PATH and HOME, to find programs). */
  clear_env?: boolean;
  on_failure?: OnFailure;
  on_success?: WorkflowStep;
  validate?: ValidationSpec;
  /**
   * `when:`: the step runs only when this condition holds (expressions/condition.ts; checked at load time,
   * evaluated just before the step). A step whose condition is false is skipped and recorded as skipped.
   * Written `true`/`false` in YAML: the text "true"/"false".
   */
  when?: string;
  /**
   * `on_exit_code: {N: step}`: after the command exits with N, that step runs. For a non-zero N it is the
   * failure's handling (on_failure and retries do not run; the step's failure is handled when it succeeds).
   */
  on_exit_code?: Record<number, WorkflowStep>;
  /** `allow_failure: true`: when the step still fails (after on_failure and retries), it is recorded and the run goes on. */
  allow_failure?: boolean;
  /** `retry:` / `retry_config:`: the step run again, after a delay, while it fails (steps/retry.ts). */
  retry?: RetrySpec;
  /** kind 'foreach': the items and the steps run for each. */
  foreach?: ForeachSpec;
  position?: SourcePosition;
  /** Absolute path of the file the step was written in, when composition brought it from another file. */
  file?: string;
}

/**
 * How the delay before retry n (1 = the first retry) grows, from `initial` (the retry's `initial_delay`, or the
 * `initial:` written inside the strategy): fixed `initial`; linear `initial + (n-1)·increment`; exponential
 * `initial·base^(n-1)`; fibonacci `initial·fib(n)`; custom `delays[n-1]`, else `max_delay`. Milliseconds.
 */
export type Backoff =
  | { kind: 'fixed' }
  | { kind: 'linear'; increment: number }
  | { kind: 'exponential'; base: number }
  | { kind: 'fibonacci' }
  | { kind: 'custom'; delays: number[] };

/** A `retry_on:` entry: a built-in class of errors (case-insensitive words) or a regular expression. */
export type RetryMatcher =
  { kind: 'network' | 'timeout' | 'server_error' | 'rate_limit' } | { kind: 'pattern'; pattern: string; flags: string };

/** A step's `retry:` (or `retry_config:`), and a MapReduce job's `error_policy.retry_config`. Times in ms. */
export interface RetrySpec {
  /** Total runs, the first included (`attempts` or `max_attempts`). */
  attempts: number;
  backoff: Backoff;
  initial_delay: number;
  max_delay: number;
  /** The jitter factor: each delay moves by up to ±delay·jitter/2; 0 for none. */
  jitter: number;
  /** Empty: every failure is retried. */
  retry_on: RetryMatcher[];
  /** The most time all the waits of one step may add up to. */
  retry_budget?: number;
  /** When the attempts are used up: the step fails (stop) or is noted and the workflow goes on (continue). */
  on_failure: 'stop' | 'continue';
}

/** `NAME: "ENV_VAR"` or `{provider, key}`: where a secret's value comes from. */
export interface SecretRef {
  provider: string;
  key: string;
}

/**
 * A workflow `env:` (or profile) value as written: a string; `{command, cache}` (the command's output);
 * `{condition, when_true, when_false}`; per-profile values `{default, <profile>: ...}`. `secret` masks it like
 * `secrets:`. See loadEnv.ts for the spellings accepted and steps/workflowEnv.ts for how a run resolves them.
 */
export type EnvValue =
  | { kind: 'static'; value: string; secret?: boolean }
  | { kind: 'command'; command: string; cache: boolean; position?: SourcePosition }
  | { kind: 'condition'; condition: string; when_true: string; when_false: string; position?: SourcePosition }
  | { kind: 'per_profile'; values: Record<string, EnvValue>; secret?: boolean };

/** `env_files:`, `profiles:`, `active_profile:` and every `env:` entry in file order (the static ones too). */
export interface WorkflowEnvironment {
  entries: Record<string, EnvValue>;
  /** As written: relative paths are read from the workflow file's folder; `${...}` is resolved at run time. */
  files: { path: string; required: boolean; position?: SourcePosition }[];
  profiles: Record<string, { description?: string; env: Record<string, EnvValue> }>;
  active_profile?: string;
}

export interface MergeSpec {
  steps: WorkflowStep[];
  timeout?: number;
}

export interface MapSpec {
  /** A JSON file (relative to the worktree) or a shell command printing items. */
  input: string;
  json_path: string;
  agent_template: WorkflowStep[];
  /** A number, or "$VAR"/"${VAR}" resolved from env at run time. */
  max_parallel: number | string;
  filter?: string;
  sort_by?: string;
  max_items?: number;
  offset?: number;
  distinct?: string;
  agent_timeout_secs?: number | string;
  timeout_config?: MapTimeoutConfig;
}

/** `map.timeout_config` (mapreduce/timeouts.ts). */
export interface MapTimeoutConfig {
  /** Overrides `map.agent_timeout_secs`; 600 when neither is written. */
  agent_timeout_secs?: number | string;
  /** per_agent: one limit for all the agent's steps; per_command: each step gets it; hybrid: per_agent. */
  timeout_policy: 'per_agent' | 'per_command' | 'hybrid';
  /** `claude`, `shell`, `write_file`, or `claude_0` (the first claude: step of agent_template) → seconds. */
  command_timeouts: Record<string, number | string>;
  timeout_action: 'dlq' | 'skip' | 'fail' | 'graceful_terminate';
  cleanup_grace_period_secs?: number;
  enable_monitoring: boolean;
}

/** `error_collection`: when failed items are reported in the session log. */
export type ErrorCollection = { mode: 'aggregate' } | { mode: 'immediate' } | { mode: 'batched'; size: number };

/** `error_policy.circuit_breaker`. `timeout` in ms. */
export interface CircuitBreakerSpec {
  failure_threshold: number;
  success_threshold: number;
  timeout: number;
  half_open_requests: number;
}

/** The parts of `error_policy` read into their own shapes (mapreduce/failurePolicy.ts reads the rest). */
export interface ErrorPolicySpec {
  retry_config?: RetrySpec;
  error_collection: ErrorCollection;
  circuit_breaker?: CircuitBreakerSpec;
}

export interface MapReduceSpec {
  setup: { steps: WorkflowStep[]; timeout?: number | string; capture_outputs: Record<string, unknown> };
  map: MapSpec;
  reduce: WorkflowStep[];
  /** Parsed and kept; see the MapReduce engine for what is honoured. */
  error_policy: Record<string, unknown>;
  /** retry_config, error_collection and circuit_breaker of `error_policy`, read. */
  policies: ErrorPolicySpec;
}

export type WorkflowShape = 'list' | 'commands' | 'mapreduce';

export interface LoadWarning extends SourcePosition {
  message: string;
}

export interface Workflow {
  /** Absolute path of the file. */
  path: string;
  format: 'yaml' | 'json';
  shape: WorkflowShape;
  /** The `name:` key, '' when absent (Prodigy shows "default"). */
  name: string;
  env: Record<string, string>;
  secrets: Record<string, SecretRef>;
  /** Present when `env:` has more than strings, or the file has `env_files:`, `profiles:` or `active_profile:`. */
  environment?: WorkflowEnvironment;
  /** Standard workflows: the steps. MapReduce: empty (see `mapreduce`). */
  steps: WorkflowStep[];
  merge?: MergeSpec;
  mapreduce?: MapReduceSpec;
  warnings: LoadWarning[];
  /** sha256 (hex) of the file's bytes (composed: of every file and the parameter values): tells a resume whether the file changed. */
  hash: string;
  /** A composable workflow (imports, extends, template, parameters): what it was composed from and with. */
  composition?: CompositionInfo;
}

export type ParameterType = 'String' | 'Number' | 'Boolean' | 'Array' | 'Object' | 'Any';

/** A declared `parameters:` entry, as a prompt shows it. */
export interface ParameterInfo {
  name: string;
  type: ParameterType;
  required: boolean;
  description?: string;
  default?: unknown;
  /** Whether the composition gave it a value (a default, template `with:`, `defaults:`, or one passed in). */
  hasValue: boolean;
}

export interface CompositionInfo {
  /** The value of every parameter (what a session records, so its resume composes the same workflow). */
  parameters: Record<string, unknown>;
  declared: ParameterInfo[];
  /** Absolute paths of the other files read (bases, imports, the template). */
  sources: string[];
}
