import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Local fake AI providers on 127.0.0.1 speaking the real wire formats the AI SDK reads:
 * OpenAI Chat Completions (`POST <base>/chat/completions`, JSON or SSE chunks with tool-call
 * deltas and a final usage chunk; also what Ollama and OpenRouter serve) and Anthropic Messages
 * (`POST <base>/messages`, JSON or the named SSE events). Each request takes the next scripted
 * turn; every request is recorded (headers and body) for assertions.
 */

export type Turn =
  | { text: string; usage?: { input: number; output: number }; chunk?: number }
  | { tools: { name: string; args: Record<string, unknown> }[]; text?: string; usage?: { input: number; output: number } }
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { hang: true };

export interface AiRequest {
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

type Script = Turn | ((req: AiRequest) => Turn);

export class FakeAi {
  readonly requests: AiRequest[] = [];
  url = '';
  private server: Server | null = null;
  private script: Script[] = [];
  private sockets = new Set<Socket>();
  private ids = 0;

  constructor(readonly protocol: 'openai' | 'anthropic') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  /** Queue turns; each provider request consumes one (a function sees the request first). */
  queue(...turns: Script[]): this {
    this.script.push(...turns);
    return this;
  }

  /** The messages (OpenAI) or content blocks (Anthropic) of request `i`, as text, for assertions. */
  sent(i: number): string {
    return JSON.stringify(this.requests[i]?.body ?? null);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      body = {};
    }
    const r: AiRequest = { path: req.url ?? '', headers, body };
    this.requests.push(r);
    const next = this.script.shift();
    const turn: Turn = typeof next === 'function' ? next(r) : (next ?? { text: 'No scripted reply left.' });
    if ('hang' in turn) return; // never answer: the client's timeout must fire
    if ('status' in turn) {
      res.writeHead(turn.status, { 'content-type': 'application/json', ...turn.headers });
      res.end(JSON.stringify(turn.body ?? { error: { message: `scripted ${turn.status}`, type: 'scripted' } }));
      return;
    }
    const stream = body.stream === true;
    if (this.protocol === 'openai') this.openai(turn, stream, res, String(body.model ?? 'model'));
    else this.anthropic(turn, stream, res, String(body.model ?? 'model'));
  }

  private openai(turn: Exclude<Turn, { status: number } | { hang: true }>, stream: boolean, res: ServerResponse, model: string): void {
    const id = `chatcmpl-${++this.ids}`;
    const usage = turn.usage ?? { input: 100, output: 20 };
    const tools = 'tools' in turn ? turn.tools : [];
    const toolCalls = tools.map((t, i) => ({ id: `call_${this.ids}_${i}`, type: 'function', function: { name: t.name, arguments: JSON.stringify(t.args) } }));
    const finish = tools.length > 0 ? 'tool_calls' : 'stop';
    const text = turn.text ?? '';
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created: 1_700_000_000,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: text || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) }, finish_reason: finish }],
          usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    const chunk = (delta: unknown, finishReason: string | null = null) =>
      send({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finishReason }] });
    chunk({ role: 'assistant', content: '' });
    const size = 'chunk' in turn && turn.chunk ? turn.chunk : 7;
    for (let i = 0; i < text.length; i += size) chunk({ content: text.slice(i, i + size) });
    toolCalls.forEach((c, index) => {
      chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] });
      const args = c.function.arguments;
      const half = Math.ceil(args.length / 2);
      chunk({ tool_calls: [{ index, function: { arguments: args.slice(0, half) } }] });
      chunk({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] });
    });
    chunk({}, finish);
    send({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } });
    res.end('data: [DONE]\n\n');
  }

  private anthropic(turn: Exclude<Turn, { status: number } | { hang: true }>, stream: boolean, res: ServerResponse, model: string): void {
    const id = `msg_${++this.ids}`;
    const usage = turn.usage ?? { input: 100, output: 20 };
    const tools = 'tools' in turn ? turn.tools : [];
    const text = turn.text ?? '';
    const stop = tools.length > 0 ? 'tool_use' : 'end_turn';
    const blocks: { type: string; [k: string]: unknown }[] = [];
    if (text) blocks.push({ type: 'text', text });
    tools.forEach((t, i) => blocks.push({ type: 'tool_use', id: `toolu_${this.ids}_${i}`, name: t.name, input: t.args }));
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model, content: blocks, stop_reason: stop, stop_sequence: null, usage: { input_tokens: usage.input, output_tokens: usage.output } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const ev = (name: string, o: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(o)}\n\n`);
    ev('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input, output_tokens: 1 } } });
    blocks.forEach((b, index) => {
      if (b.type === 'text') {
        ev('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        const size = 'chunk' in turn && turn.chunk ? turn.chunk : 7;
        for (let i = 0; i < text.length; i += size) ev('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: text.slice(i, i + size) } });
      } else {
        ev('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
        ev('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
      }
      ev('content_block_stop', { type: 'content_block_stop', index });
    });
    ev('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output } });
    ev('message_stop', { type: 'message_stop' });
    res.end();
  }
}

/** Parses the assistant stream (`data: <json>` frames, `data: [DONE]`). */
export function parseAssistStream(body: string): { frames: Record<string, unknown>[]; done: boolean } {
  const frames: Record<string, unknown>[] = [];
  let done = false;
  for (const block of body.split('\n\n')) {
    const line = block.split('\n').find((l) => l.startsWith('data: '));
    if (!line) continue;
    const data = line.slice(6);
    if (data === '[DONE]') done = true;
    else frames.push(JSON.parse(data) as Record<string, unknown>);
  }
  return { frames, done };
}
