import { performance } from 'node:perf_hooks';
import { generateText, stepCountIs, streamText, type ModelMessage } from 'ai';
import type { AppContext } from '../../context.js';
import { tooManyRequests, unavailable } from '../../platform/errors.js';
import type { EvaluationPool } from '../evaluate/evaluation-pool.js';
import { estimateCostUsd } from './ai-pricing.js';
import { AiError, classifyAiError, languageModel, type ProviderSettings } from './ai-provider.js';
import type { AiSettingsService } from './ai-settings.service.js';
import { ProofBusy, proveYaml, type Proof } from './assistant.proofs.js';
import { DESCRIBE_PROMPT, systemPrompt } from './assistant.prompt.js';
import type { AssistBodyT, DescribeBodyT } from './assistant.schemas.js';
import { assistantTools } from './assistant.tools.js';
import { YamlFenceSplitter, yamlBlocks } from './yaml-fences.js';

/** Per tenant: assistant requests per minute (each may make several model calls). */
export const ASSIST_PER_MINUTE = 20;
const MAX_STEPS = 8;
const MAX_OUTPUT_TOKENS = 4096;
const MAX_PROPOSALS = 3;
const RESULT_PREVIEW_CHARS = 2000;

/** One frame of the reference's stream: `data: <json>` (no event names), ended by `data: [DONE]`. */
export type AssistFrame = Record<string, unknown>;

export interface AssistSink {
  send(frame: AssistFrame): void;
  readonly signal: AbortSignal;
}

export interface ProposalFrame {
  type: 'proposal';
  index: number;
  yaml: string;
  /** Apply is offered only when true: the YAML validated. */
  applicable: boolean;
  repaired: boolean;
  proof: Proof;
}

function preview(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > RESULT_PREVIEW_CHARS ? `${s.slice(0, RESULT_PREVIEW_CHARS)}…` : s;
}

interface Usage {
  input: number;
  output: number;
}

export function createAssistantService(ctx: AppContext, settings: AiSettingsService, pool: EvaluationPool) {
  const { database, logger, rateLimiter } = ctx.deps;
  const log = logger.child({ module: 'assistant' });
  const toolDeps = { database, pool, now: ctx.deps.now };

  /** Settings and model, or the 503 the reference answers before any stream starts. */
  async function ready(tenantId: string): Promise<{ s: ProviderSettings; model: ReturnType<typeof languageModel> }> {
    const s = await settings.resolve(tenantId);
    if (!s) throw unavailable('AI is not configured. Choose a provider in Settings > AI.', 'assistant.not_configured');
    await settings.checkBudget(tenantId);
    try {
      return { s, model: languageModel(s, settings.io()) };
    } catch (err) {
      const e = err instanceof AiError ? err : classifyAiError(err, s);
      throw unavailable(e.message, `assistant.${e.kind}`);
    }
  }

  async function limit(tenantId: string): Promise<void> {
    const d = await rateLimiter.hit(`ai-assist:${tenantId}`, ASSIST_PER_MINUTE, 60);
    if (!d.allowed) throw tooManyRequests(`At most ${ASSIST_PER_MINUTE} assistant requests a minute per tenant. Try again shortly.`, d.retryAfterSeconds, 'assistant.rate_limited');
  }

  /** One model run (with tools), streamed to the sink; returns the full text and usage. */
  async function runModel(
    m: ReturnType<typeof languageModel>,
    system: string,
    messages: ModelMessage[],
    tenantId: string,
    sink: AssistSink,
    onYaml: (yaml: string) => void,
  ): Promise<{ text: string; usage: Usage }> {
    const started = new Map<string, number>();
    let text = '';
    const usage: Usage = { input: 0, output: 0 };
    const splitter = new YamlFenceSplitter((t) => sink.send({ content: t }), onYaml);
    const result = streamText({
      model: m.model,
      system,
      messages,
      tools: assistantTools(toolDeps, tenantId),
      stopWhen: stepCountIs(MAX_STEPS),
      maxRetries: 0,
      maxOutputTokens: MAX_OUTPUT_TOKENS,
      abortSignal: sink.signal,
      // The default prints the error, request body included, to the console; the 'error' part below handles it.
      onError: () => undefined,
    });
    for await (const part of result.fullStream) {
      switch (part.type) {
        case 'text-delta':
          text += part.text;
          splitter.push(part.text);
          break;
        case 'tool-call':
          started.set(part.toolCallId, performance.now());
          sink.send({ type: 'tool_call_start', tool: part.toolName, id: part.toolCallId });
          break;
        case 'tool-result':
        case 'tool-error': {
          const t0 = started.get(part.toolCallId) ?? performance.now();
          const result = part.type === 'tool-result' ? preview(part.output) : `error: ${part.error instanceof Error ? part.error.message : 'the tool failed'}`;
          sink.send({ type: 'tool_call_result', id: part.toolCallId, tool: part.toolName, result, duration_ms: Math.round(performance.now() - t0) });
          break;
        }
        case 'finish-step':
          // A step boundary ends a paragraph of prose.
          break;
        case 'finish':
          usage.input += part.totalUsage.inputTokens ?? 0;
          usage.output += part.totalUsage.outputTokens ?? 0;
          break;
        case 'error':
          throw part.error;
        default:
          break;
      }
    }
    splitter.end();
    return { text, usage };
  }

  async function proposal(tenantId: string, index: number, yaml: string, repaired: boolean): Promise<ProposalFrame> {
    const proof = await proveYaml(toolDeps, tenantId, yaml);
    return { type: 'proposal', index, yaml, applicable: proof.valid, repaired, proof };
  }

  return {
    ready,
    limit,

    /**
     * POST /contracts/assist after its checks: the conversation streamed, every ```yaml block held
     * back, proved (validator, sample calls, replay) and sent as a `proposal` frame; an invalid
     * one goes back to the model once for repair. Usage is recorded whatever happens.
     */
    async assist(tenantId: string, body: AssistBodyT, m: { s: ProviderSettings; model: ReturnType<typeof languageModel> }, sink: AssistSink): Promise<void> {
      const t0 = performance.now();
      const usage: Usage = { input: 0, output: 0 };
      const system = systemPrompt(body.current_yaml);
      const messages: ModelMessage[] = body.messages.map((x) => ({ role: x.role, content: x.content }));
      try {
        const yamls: string[] = [];
        const first = await runModel(m.model, system, messages, tenantId, sink, (y) => {
          yamls.push(y);
          sink.send({ type: 'proposal_pending', index: yamls.length - 1 });
        });
        usage.input += first.usage.input;
        usage.output += first.usage.output;
        let index = 0;
        for (const yaml of yamls.slice(0, MAX_PROPOSALS)) {
          let frame = await proposal(tenantId, index, yaml, false);
          if (!frame.applicable && !sink.signal.aborted) {
            // One repair: the validator's messages go back to the model; its answer is proved again.
            sink.send({ type: 'repair', index, errors: frame.proof.errors });
            const fix = await runModel(
              m.model,
              system,
              [
                ...messages,
                { role: 'assistant', content: first.text },
                {
                  role: 'user',
                  content: `The console's validator rejected this YAML:\n${frame.proof.errors.map((e) => `- ${e.path}: ${e.message}`).join('\n')}\n\nReply with the corrected complete YAML in one \`\`\`yaml block and one sentence on what you changed.`,
                },
              ],
              tenantId,
              sink,
              () => undefined,
            );
            usage.input += fix.usage.input;
            usage.output += fix.usage.output;
            const repairedYaml = yamlBlocks(fix.text)[0];
            if (repairedYaml !== undefined) {
              const second = await proposal(tenantId, index, repairedYaml, true);
              if (second.applicable) frame = second;
              else frame = { ...second, applicable: false };
            }
          }
          sink.send(frame as unknown as AssistFrame);
          index += 1;
        }
      } catch (err) {
        if (err instanceof ProofBusy) sink.send({ error: err.message, error_kind: 'busy' });
        else if (!sink.signal.aborted) {
          const e = classifyAiError(err, m.s);
          log.info({ tenant: tenantId, kind: e.kind }, 'assistant request failed');
          sink.send({ error: e.message, error_kind: e.kind });
        }
      } finally {
        const durationMs = Math.round(performance.now() - t0);
        const cost = estimateCostUsd(m.s.provider, m.model.modelId, usage.input, usage.output);
        if (usage.input + usage.output > 0) {
          await settings.record({ tenantId, provider: m.s.provider, model: m.model.modelId, inputTokens: usage.input, outputTokens: usage.output, durationMs, requestType: 'assist' });
        }
        sink.send({
          type: 'usage',
          input_tokens: usage.input,
          output_tokens: usage.output,
          total_tokens: usage.input + usage.output,
          duration_ms: durationMs,
          tokens_per_second: durationMs > 0 ? Math.round((usage.output / (durationMs / 1000)) * 10) / 10 : 0,
          estimated_cost_usd: cost,
          model: m.model.modelId,
        });
      }
    },

    async describe(tenantId: string, body: DescribeBodyT): Promise<{ description: string }> {
      const m = await ready(tenantId);
      const t0 = performance.now();
      try {
        const out = await generateText({
          model: m.model.model,
          system: DESCRIBE_PROMPT,
          prompt: `Contract name: ${body.name}\nType: ${body.type}\nTags: ${body.tags.join(', ') || '(none)'}\n<contract_yaml>\n${body.definition_yaml}\n</contract_yaml>`,
          maxOutputTokens: 200,
          maxRetries: 0,
        });
        await settings.record({
          tenantId,
          provider: m.s.provider,
          model: m.model.modelId,
          inputTokens: out.usage.inputTokens ?? 0,
          outputTokens: out.usage.outputTokens ?? 0,
          durationMs: Math.round(performance.now() - t0),
          requestType: 'describe',
        });
        return { description: out.text.trim().slice(0, 2000) };
      } catch (err) {
        const e = classifyAiError(err, m.s);
        throw unavailable(e.message, `assistant.${e.kind}`);
      }
    },
  };
}

export type AssistantService = ReturnType<typeof createAssistantService>;
