// One Claude call: `claude -p --output-format stream-json --verbose …` (or print mode), its stream kept verbatim
// as it arrives in H/logs/claude-streaming/<ts>-<uuid>.jsonl (the process's own stdout), read line by line into
// readable activity for the log and listeners, and summed up (turns, tokens, cost, tools, files) when it ends. A
// `result` with is_error fails the call with the result's own message, whatever the exit code says.
import * as fs from 'node:fs';
import { ClaudeCallTracker, isStreamEventLine } from '../claude/callTracker';
import { usageLine } from '../claude/format';
import { StreamLogTail, StreamLogWriter } from '../claude/streamLog';
import type { ClaudeCall } from '../claude/types';
import {
  MAX_KEPT,
  MAX_LINE,
  runProcess,
  SpawnError,
  type ProcessResult,
  type RunProcessOptions,
} from '../process/runProcess';
import { claudeArgs, claudeStreams, type RunContext } from './runContext';
import { ProdigyError } from '../errors';

export interface ClaudeCallResult {
  res: ProcessResult;
  /** The call's summary (null in print mode: nothing to read usage from). */
  call: ClaudeCall | null;
  /** What the step's output is: the result's text when the stream had one, else what was printed. */
  output: string;
  /** Why it failed, or undefined. */
  error?: string;
}

export class ClaudeNotFoundError extends ProdigyError {
  constructor(command: string) {
    super(
      `The Claude CLI could not be started: \`${command}\` was not found. Install Claude Code, or point the ` +
        `\`prodigy.claude.command\` setting (CLI: --claude-command or PRODIGY_CLAUDE_COMMAND) at it.`,
    );
  }
}

export async function runClaudeCall(
  prompt: string,
  what: { step: string | null; display: string },
  opts: Omit<RunProcessOptions, 'onLine' | 'onStdoutBytes'>,
  ctx: RunContext,
): Promise<ClaudeCallResult> {
  ctx.claudeUsage.beforeCall();
  const { command } = ctx.claude;
  const args = claudeArgs(ctx.claude, opts.env);
  const argv = args.some((a) => a.includes('{prompt}'))
    ? args.map((a) => a.split('{prompt}').join(prompt))
    : [...args, prompt];
  const env = { ...opts.env, PRODIGY_AUTOMATION: 'true' };
  if (!claudeStreams(ctx.claude, opts.env)) {
    const res = await spawnClaude(command, argv, {
      ...opts,
      env,
      onLine: (stream, line) => ctx.log.output(stream, line),
    });
    return { res, call: null, output: res.stdout, error: exitError(res, prompt, processDetail(res), null) };
  }
  const writer = StreamLogWriter.open(ctx.claudeLogDir);
  ctx.log.message('info', `📁 Claude streaming log: ${writer.path}`);
  const tracker = new ClaudeCallTracker({ step: what.step, cwd: opts.cwd, jsonLogLocation: writer.path });
  const itemId = ctx.itemId ?? null;
  const verbatim = ctx.masker.isEmpty;
  // The stream is not kept in memory (it is in its file): only the result's text and lines that are not JSON,
  // which are the step's output.
  let result: string | null = null;
  const textLines: string[] = [];
  let textSize = 0;
  const onStdoutLine = (line: string) => {
    if (!verbatim) writer.write(Buffer.from(`${ctx.masker.mask(line)}\n`));
    // Only meaningful lines make activity (a tool call, a text, an error): partial-message lines make none.
    for (const activity of tracker.feed(line)) {
      if (activity.kind === 'output') {
        ctx.log.output('stdout', activity.text);
        if (textSize < MAX_KEPT) textLines.push(activity.text);
        textSize += activity.text.length + 1;
      } else {
        if (activity.kind === 'result') result = resultOf(line);
        ctx.log.claude(activity, tracker.currentTool, itemId);
      }
    }
  };
  // Split here, a chunk at a time. Partial-message lines (most of a stream with them) are not even decoded: the
  // `result` line has the call's usage, and a stream that ends without one has them read back from its file.
  // A masked stream is kept line by line, so each of its lines is decoded.
  const lines = new ByteLines(onStdoutLine, verbatim ? isStreamEventLine : null);
  // Kept as printed, as it arrives: a verbatim stream is the Claude process's own stdout, written by it straight
  // to its file (which keeps it whole even if this process dies) and read back from there as it lands. A
  // workflow with secrets has its stream piped here and kept line by line, masked: no file under the home holds
  // a secret's value.
  const fd = verbatim ? writer.descriptor : null;
  const tail = fd === null ? null : new StreamLogTail(fd, writer.path, (chunk) => lines.push(chunk));
  let res: ProcessResult;
  try {
    res = await spawnClaude(command, argv, {
      ...opts,
      env,
      keepStdout: false,
      ...(fd !== null
        ? { stdoutFd: fd }
        : {
            // Masked line by line as it is read (onStdoutLine); or, with no file to write to, only read.
            stdoutBytesOnly: true,
            onStdoutBytes: (chunk: Buffer) => lines.push(chunk),
          }),
      onLine: (_stream, line) => ctx.log.output('stderr', line),
    });
    tail?.stop();
    lines.end();
  } finally {
    tail?.stop();
    await writer.close();
  }
  if (tail?.failure) ctx.log.message('warning', `The Claude stream could not be read back: ${tail.failure}`);
  if (writer.failure) ctx.log.message('warning', `The Claude stream could not be kept: ${writer.failure}`);
  else if (verbatim && !tracker.hasResult) await readStreamUsage(writer.path, tracker);
  const call = tracker.summary();
  const printed = textLines.length ? `${textLines.join('\n')}\n` : '';
  res = { ...res, stdout: printed };
  const output = call.has_result ? (result ?? call.error ?? '') : printed;
  let error: string | undefined;
  if (res.aborted) error = undefined;
  else if (call.is_error) {
    error = `Claude step '${what.display}' failed: ${call.error ?? 'Claude reported an error'}\nFull log: ${writer.path}`;
  } else if (res.code !== 0) {
    // stdout is the stream (JSON): what went wrong is on stderr, or in the stream's last error.
    const detail = res.stderr.trim() ? processDetail({ ...res, stdout: '' }) : call.error ? `: ${call.error}` : '';
    error = exitError(res, prompt, detail, writer.path);
    call.is_error = true;
    call.error ??= `exit code ${res.code}`;
  }
  // The stream's own result line made the usage line already; a stream that ended without one gets it here.
  if (!call.has_result) ctx.log.claude({ kind: 'result', text: usageLine(call) }, null, itemId);
  // Recorded even when stopped: what was spent counts.
  await ctx.claudeUsage.ended(call, itemId);
  return { res, call, output, error };
}

/**
 * A stream's bytes split into lines a chunk at a time, each decoded only when `skip` (if any) does not pass it
 * over. A line longer than MAX_LINE bytes is kept up to there and marked as cut: a line that never ends cannot
 * take all memory. A line is only decoded whole, so a character split between chunks is never torn.
 */
class ByteLines {
  /** The start of a line that has not ended yet, at most MAX_LINE bytes of it. */
  private rest: Buffer[] = [];
  private restSize = 0;
  /** How many bytes of that line were dropped past MAX_LINE. */
  private cut = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly skip: ((bytes: Buffer, start: number, end: number) => boolean) | null,
  ) {}

  push(chunk: Buffer): void {
    let pos = 0;
    if (this.restSize > 0 || this.cut > 0) {
      const nl = chunk.indexOf(0x0a);
      this.hold(chunk, 0, nl < 0 ? chunk.length : nl);
      if (nl < 0) return;
      this.flush();
      pos = nl + 1;
    }
    for (let nl = chunk.indexOf(0x0a, pos); nl >= 0; nl = chunk.indexOf(0x0a, pos)) {
      if (nl - pos > MAX_LINE) {
        this.hold(chunk, pos, nl);
        this.flush();
      } else if (!this.skip?.(chunk, pos, nl)) this.onLine(chunk.toString('utf8', pos, nl));
      pos = nl + 1;
    }
    if (pos < chunk.length) this.hold(chunk, pos, chunk.length);
  }

  end(): void {
    if (this.restSize > 0 || this.cut > 0) this.flush();
  }

  private hold(chunk: Buffer, start: number, end: number): void {
    const room = Math.max(0, MAX_LINE - this.restSize);
    const kept = Math.min(room, end - start);
    // A copy: the chunk's memory is the stream's, reused once this returns.
    if (kept > 0) this.rest.push(Buffer.from(chunk.subarray(start, start + kept)));
    this.restSize += kept;
    this.cut += end - start - kept;
  }

  private flush(): void {
    const line = this.rest.length === 1 ? this.rest[0] : Buffer.concat(this.rest, this.restSize);
    const cut = this.cut;
    this.rest = [];
    this.restSize = 0;
    this.cut = 0;
    if (cut > 0) this.onLine(`${line.toString('utf8')} … [${cut} more bytes]`);
    else if (!this.skip?.(line, 0, line.length)) this.onLine(line.toString('utf8'));
  }
}

/**
 * The partial-message lines a live call passed over (`isStreamEventLine`), read back from the kept stream for a
 * call that ended without a `result`: their `message_delta` lines hold each message's final output tokens.
 */
async function readStreamUsage(file: string, tracker: ClaudeCallTracker): Promise<void> {
  const lines = new ByteLines(
    (line) => tracker.feed(line),
    (bytes, start, end) => !isStreamEventLine(bytes, start, end),
  );
  try {
    for await (const chunk of fs.createReadStream(file)) lines.push(chunk as Buffer);
    lines.end();
  } catch {
    // Unreadable now: the usage the `assistant` lines carried stands.
  }
}

/** The text of a `result` line (the tracker keeps no texts). */
function resultOf(line: string): string | null {
  try {
    const v = JSON.parse(line) as { result?: unknown };
    return typeof v.result === 'string' ? v.result : null;
  } catch {
    return null;
  }
}

async function spawnClaude(command: string, argv: string[], opts: RunProcessOptions): Promise<ProcessResult> {
  try {
    return await runProcess(command, argv, opts);
  } catch (err) {
    if (err instanceof SpawnError && err.code === 'ENOENT') throw new ClaudeNotFoundError(command);
    throw err;
  }
}

function exitError(res: ProcessResult, prompt: string, detail: string, logFile: string | null): string | undefined {
  if (res.code === 0 || res.aborted) return undefined;
  return `Claude command '${prompt}' failed with exit code ${res.code}${detail}${logFile ? `\nFull log: ${logFile}` : ''}`;
}

/** stderr (or stdout), the first and last 25 lines when longer than 50 (as Prodigy shows it). */
export function processDetail(res: ProcessResult): string {
  const text = (res.stderr.trim() || res.stdout.trim()).split('\n');
  if (text.length === 1 && text[0] === '') return '';
  const shown = text.length > 50 ? [...text.slice(0, 25), `… ${text.length - 50} lines …`, ...text.slice(-25)] : text;
  return `: ${shown.join('\n')}`;
}
