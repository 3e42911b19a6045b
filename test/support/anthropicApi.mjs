// A scripted Anthropic Messages API on 127.0.0.1, so tests run the real Claude Code CLI offline: each request of
// Claude's main agent loop gets the next turn of a script (text, tool calls, an HTTP error), streamed in the API's
// own SSE format; everything else Claude Code sends on the side gets a harmless fixed answer.
import http from 'node:http';

/**
 * What Claude Code 2.1.332 sends in `-p` mode (every request logged by hand against this server):
 * - its main agent loop: `POST /v1/messages?beta=true`, `stream: true`, with a non-empty `tools` array (Bash, Read,
 *   Write, …), the agent's system prompt and the default model. With CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 these
 *   are the only requests, tool calls and API errors included.
 * - without that variable, also `HEAD /api/hello` (a connection warm-up) at start.
 * No title, topic or quota call and no `count_tokens` was seen in `-p` runs; such side calls of the Messages API (a
 * small model, `max_tokens: 1`) carry no tools, and this server answers them, `count_tokens`, and anything else
 * harmlessly, without using script turns. So a main-loop request is a Messages request with tools. A subagent's loop
 * (the Agent tool) has tools too and would take script turns as well: pass `options.isMainLoop` to tell it apart.
 */
export function hasTools(body) {
  return Array.isArray(body?.tools) && body.tools.length > 0;
}

const DEFAULT_USAGE = {
  input_tokens: 100,
  output_tokens: 20,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

/**
 * Starts the server. `script`: turns consumed in order by main-loop requests; a turn is
 * `{ text?, tools?: [{ name, input }], usage?, error?: { status, type, message, retry? }, delayMs?, times? }` or a
 * function `(body, { index }) => turn` (it sees the request, e.g. the tool_result Claude sent back). `usage` is the
 * message's token counts (default 100 in, 20 out); `error` answers with that HTTP status and the API's error JSON
 * (`retry` sets `x-should-retry`); `delayMs` holds the answer back; `times` answers that many requests in a row with
 * the same turn. Once the script is used up, the answer is `end_turn` with the text "done".
 * Claude Code's own retries are requests too: with CLAUDE_CODE_MAX_RETRIES=0 (claudeEnv's default) or `retry: false`
 * a 401, 429, 5xx or 529 is sent once (otherwise up to 10 retries with backoff), but a 400 is sent 6 times in a row
 * whatever the settings (Claude drops one beta header after another before giving up): script it with `times: 6`.
 * `options.isMainLoop(body, req)`: which Messages requests take script turns (default: those with tools).
 * `options.onRequest({ method, url, headers, body, main })`: called for every request (for logging while investigating).
 * Returns `{ url, requests, sideRequests, close(), remaining() }`: `requests` holds the parsed bodies of main-loop
 * requests, `sideRequests` `{ method, url, body }` of everything else, `remaining()` the turns not used yet; `close()`
 * rejects with the first error a turn function threw (so an assertion inside one fails the test).
 */
export async function startScriptedApi(script = [], options = {}) {
  const isMainLoop = options.isMainLoop ?? hasTools;
  const turns = [...script];
  const requests = [];
  const sideRequests = [];
  let messageCount = 0;
  let toolCount = 0;
  let turnError;

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      const pathname = (req.url ?? '/').split('?')[0];
      const isMessages = req.method === 'POST' && pathname === '/v1/messages';
      const main = isMessages && Boolean(isMainLoop(body, req));
      options.onRequest?.({ method: req.method, url: req.url, headers: req.headers, body, main });
      if (!main) {
        sideRequests.push({ method: req.method, url: req.url, body });
        return answerSide(req, res, pathname, isMessages, body);
      }
      const index = requests.length;
      requests.push(body);
      const next = turns.length > 0 ? turns.shift() : { text: 'done' };
      if (typeof next !== 'function' && next.times > 1) turns.unshift({ ...next, times: next.times - 1 });
      let turn;
      try {
        turn = typeof next === 'function' ? next(body, { index }) : next;
      } catch (err) {
        // A failing assertion inside a turn function: end Claude's run (a 500 it does not retry), and rethrow at close().
        turnError ??= err;
        turn = {
          error: { status: 500, type: 'api_error', message: `script turn ${index} threw: ${err}`, retry: false },
        };
      }
      const send = () => answerMain(res, body, turn ?? { text: 'done' });
      if (turn?.delayMs) setTimeout(send, turn.delayMs);
      else send();
    });
  });

  function answerSide(req, res, pathname, isMessages, body) {
    if (req.method === 'POST' && pathname === '/v1/messages/count_tokens') return json(res, 200, { input_tokens: 100 });
    if (isMessages) {
      messageCount += 1;
      const message = buildMessage(`msg_side_${messageCount}`, body, [{ type: 'text', text: 'ok' }], 'end_turn', {
        input_tokens: 1,
        output_tokens: 1,
      });
      return body?.stream ? stream(res, message) : json(res, 200, message);
    }
    if (req.method === 'HEAD') {
      res.writeHead(200);
      return res.end();
    }
    return json(res, 200, {});
  }

  function answerMain(res, body, turn) {
    if (turn.error) {
      const { status = 400, type = 'invalid_request_error', message = 'scripted error', retry } = turn.error;
      const headers = { 'request-id': `req_scripted_${requests.length}` };
      // The SDK obeys x-should-retry before looking at the status (Claude's 400 fallbacks above ignore it).
      if (retry !== undefined) headers['x-should-retry'] = String(retry);
      return json(res, status, { type: 'error', error: { type, message }, request_id: headers['request-id'] }, headers);
    }
    messageCount += 1;
    const content = [];
    if (turn.text !== undefined) content.push({ type: 'text', text: turn.text });
    for (const tool of turn.tools ?? []) {
      toolCount += 1;
      content.push({ type: 'tool_use', id: `toolu_scripted_${toolCount}`, name: tool.name, input: tool.input ?? {} });
    }
    if (content.length === 0) content.push({ type: 'text', text: '' });
    const stopReason = turn.tools?.length ? 'tool_use' : 'end_turn';
    const message = buildMessage(`msg_scripted_${messageCount}`, body, content, stopReason, {
      ...DEFAULT_USAGE,
      ...turn.usage,
    });
    return body?.stream ? stream(res, message) : json(res, 200, message);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sideRequests,
    remaining: () => turns.length,
    /** Stops the server; rejects with the first error a turn function threw. */
    close: async () => {
      await new Promise((resolve) => {
        server.close(() => resolve());
        // Claude keeps its connections alive; a killed client can also leave a delayed answer pending.
        server.closeAllConnections();
      });
      if (turnError) throw turnError;
    },
  };
}

function buildMessage(id, body, content, stopReason, usage) {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: body?.model ?? 'claude-scripted',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  };
}

function json(res, status, value, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

/** Streams a complete message as the API does: start, ping, each block (start, deltas, stop), delta, stop. */
function stream(res, message) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const { content, stop_reason, usage, ...rest } = message;
  event('message_start', {
    message: { ...rest, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  event('ping', {});
  content.forEach((block, index) => {
    if (block.type === 'text') {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const part of halves(block.text))
        event('content_block_delta', { index, delta: { type: 'text_delta', text: part } });
    } else {
      event('content_block_start', { index, content_block: { ...block, input: {} } });
      // Like the API: an empty first chunk, then the JSON in pieces.
      for (const part of ['', ...halves(JSON.stringify(block.input))])
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } });
    }
    event('content_block_stop', { index });
  });
  event('message_delta', {
    delta: { stop_reason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  event('message_stop', {});
  res.end();
}

/** A string in two pieces (one when it is too short to split), so clients must join deltas. */
function halves(text) {
  if (text.length < 2) return [text];
  const mid = Math.floor(text.length / 2);
  return [text.slice(0, mid), text.slice(mid)];
}
