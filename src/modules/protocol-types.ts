/**
 * The seams between the agent-protocol modules (bundles, stream, fleet, events, approvals,
 * sessions). Each module implements its part; agent-protocol.ts wires them together.
 */

/** The SSE `contract_update` payload (console-api.md 2.1 + decision 2). */
export interface ContractUpdatePayload {
  type: 'contract_update';
  bundle_name: string;
  version: number;
  /** sha256 hex of the YAML bytes. */
  revision_hash: string;
  /** Standard base64 Ed25519 signature over the raw YAML bytes, made by the tenant's active key. */
  signature: string | null;
  signature_hex: string | null;
  /** Hex of the tenant's active public key. */
  public_key: string | null;
  /** Base64 of the exact stored YAML bytes. */
  yaml_bytes: string;
  /**
   * The `kind: Ruleset` rendering for the current SDKs (decision 16), null when the bundle has
   * none. Travels on the bus only: stream-dialect.ts strips or substitutes it per connection.
   */
  _ruleset?: { yaml_bytes: string; revision_hash: string; signature: string; signature_hex: string } | null;
}

export interface BundlesApi {
  /** The signed payload for the bundle currently deployed as `bundleName` in `env`, or null (as served to the fleet). */
  currentUpdate(tenantId: string, env: string, bundleName: string): Promise<ContractUpdatePayload | null>;
  /** The payload for an agent with a break-glass switch of its own; null when the fleet's applies. */
  agentUpdate?(tenantId: string, env: string, bundleName: string, agentId: string): Promise<ContractUpdatePayload | null>;
  /** revision_hash of the current deployment of `bundleName` in `env`, or null (drift, decision 10). */
  deployedRevision(tenantId: string, env: string, bundleName: string): Promise<string | null>;
  /**
   * The signed payload agent `agentId` receives for `bundleName` in `env` INSTEAD of the current
   * deployment (a canary slice, BundleSigner.deliveredTo), or null: it gets the current one.
   */
  overrideUpdate(tenantId: string, env: string, bundleName: string, agentId: string): Promise<ContractUpdatePayload | null>;
  /** One version's signed payload (canary steps push it to the agents of a slice). */
  versionUpdate(tenantId: string, bundleName: string, version: number): Promise<ContractUpdatePayload | null>;
  /** A deploy, exactly as `POST /bundles/{name}/{version}/deploy` makes it (canary promotion). */
  deploy(tenantId: string, deployedBy: string, bundleName: string, version: number, env: string): Promise<{ id: string }>;
  /** Both renderings' hashes of that deployment: a current-generation agent reports the Ruleset one. */
  deployedRevisions(tenantId: string, env: string, bundleName: string): Promise<{ revision: string; ruleset: string | null } | null>;
}

export type AssignmentSource = 'explicit' | 'rule' | 'agent_provided' | 'none';

export interface Resolution {
  bundle_name: string | null;
  source: AssignmentSource;
  rule_id: string | null;
  rule_pattern: string | null;
}

export interface FleetApi {
  /** Upsert the registration when an agent connects (X-Edictum-Agent-Id is the identity). */
  onConnect(input: { tenantId: string; agentId: string; env: string; policyVersion: string | null }): Promise<{ tags: Record<string, unknown> }>;
  /** Resolve an agent's bundle (explicit assignment, then rules for `env`, in priority order). */
  resolve(input: { tenantId: string; agentId: string; env: string | null; tags: Record<string, unknown>; agentProvided?: string | null }): Promise<Resolution>;
}

/** One live agent stream, as the hub knows it (for /agents/status and health). */
export interface LiveAgentConnection {
  connectionId: string;
  tenantId: string;
  agentId: string;
  env: string;
  bundleName: string | null;
  /** Whether bundleName came from the agent's query (`agent`) or from the console (`assignment`). */
  bundleSource: 'agent' | 'assignment' | 'none';
  policyVersion: string | null;
  connectedAt: Date;
  keyId: string;
}

export interface LiveAgentsApi {
  list(tenantId: string): LiveAgentConnection[];
  count(): number;
}
