import type { FastifyBaseLogger } from 'fastify';
import type { AssignmentSource, LiveAgentConnection } from '../protocol-types.js';
import { MAX_BACKLOG_EVENTS, type SseSink } from './stream.sse.js';
import type { StreamDialect } from './stream-dialect.js';

/** A frame waiting while an async step (push on connect, retarget) runs, with what it is for. */
interface Held {
  frame: Buffer;
  /** Set for contract_update: dropped at flush if the connection no longer targets this bundle. */
  bundle?: string | undefined;
  revision?: string | undefined;
}

/** What an async step returns: frames to write before anything that queued meanwhile. */
export interface StepFrame {
  frame: Buffer;
  revision?: string | undefined;
}

/**
 * One live agent stream. Frames from the bus are written at once, except while a step is
 * running: then they wait, so a step's output (e.g. the current bundle looked up on connect) can
 * never overtake a newer deploy that arrived during the lookup. Steps run one at a time.
 */
export class AgentConnection implements LiveAgentConnection {
  bundleName: string | null;
  bundleSource: 'agent' | 'assignment' | 'none';
  /** How bundleName was found; re-resolution applies only to `rule` and `none`. */
  resolution: AssignmentSource;
  /** Registration tags overlaid with the tags from the query; the query part is kept to re-overlay. */
  tags: Record<string, unknown>;
  /** The revision the agent runs as far as we know: reported on connect, then what we sent it. */
  knownRevision: string | null;
  /** Told when a delivered contract_update changes knownRevision (the hub persists it for drift). */
  onRevision: ((c: AgentConnection) => void) | null = null;
  /** Which SDK generation and convention the stream speaks (stream-dialect.ts). */
  dialect: StreamDialect = 'contract_bundle';
  private held: Held[] | null = null;
  private steps = 0;
  private chain: Promise<void> | null = null;

  constructor(
    readonly connectionId: string,
    readonly tenantId: string,
    readonly agentId: string,
    readonly env: string,
    readonly keyId: string,
    readonly policyVersion: string | null,
    readonly queryTags: Record<string, unknown>,
    readonly connectedAt: Date,
    readonly sink: SseSink,
    target: {
      bundleName: string | null;
      bundleSource: 'agent' | 'assignment' | 'none';
      resolution: AssignmentSource;
      tags: Record<string, unknown>;
    },
  ) {
    this.bundleName = target.bundleName;
    this.bundleSource = target.bundleSource;
    this.resolution = target.resolution;
    this.tags = target.tags;
    this.knownRevision = policyVersion;
  }

  get closed(): boolean {
    return this.sink.closed || this.sink.res.destroyed;
  }

  /** A bus frame: written now, or held behind a running step. */
  deliver(frame: Buffer, meta: { bundle?: string | undefined; revision?: string | undefined } = {}): void {
    if (this.held) {
      this.held.push({ frame, bundle: meta.bundle, revision: meta.revision });
      // The hold is part of this consumer's backlog too (decision 6).
      if (this.held.length > MAX_BACKLOG_EVENTS) this.sink.destroy();
      return;
    }
    if (meta.revision) this.learned(meta.revision);
    this.sink.write(frame);
  }

  /** Run `step` after any running one; hold bus frames until no step is left. */
  enqueue(step: () => Promise<StepFrame[]>, log: FastifyBaseLogger): void {
    this.steps++;
    this.held ??= [];
    const run = async () => {
      let out: StepFrame[] = [];
      try {
        out = await step();
      } catch (err) {
        log.warn({ err, agent_id: this.agentId }, 'stream step failed');
      }
      for (const f of out) {
        if (f.revision) this.learned(f.revision);
        this.sink.write(f.frame);
      }
    };
    this.chain = (this.chain ?? Promise.resolve()).then(run).finally(() => {
      if (--this.steps === 0) {
        this.chain = null;
        this.flush();
      }
    });
  }

  private flush(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const h of held) {
      if (h.bundle !== undefined && h.bundle !== this.bundleName) continue;
      if (h.revision) this.learned(h.revision);
      this.sink.write(h.frame);
    }
  }

  private learned(revision: string): void {
    if (revision === this.knownRevision) return;
    this.knownRevision = revision;
    this.onRevision?.(this);
  }

  /** Whether a bus message narrowed to `bundle` is for this connection right now. */
  targets(bundle: string): boolean {
    return this.bundleName === bundle;
  }
}
