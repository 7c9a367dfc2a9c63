import { HttpFake, type Recorded } from './http-fake.js';

/** One OTLP log record as the collector decoded it (the fields the tests read). */
export interface OtlpRecord {
  tenantId: string;
  timeUnixNano: string;
  eventName: string;
  body: string;
  attributes: Record<string, string>;
}

const value = (v: { stringValue?: string; intValue?: string }) => v.stringValue ?? v.intValue ?? '';

/**
 * A local OpenTelemetry collector speaking OTLP/HTTP with the JSON encoding: POST /v1/logs with
 * an ExportLogsServiceRequest (`resourceLogs[].scopeLogs[].logRecords[]`). It answers what a
 * collector answers: 200 with an ExportLogsServiceResponse, 400 for a body that is not one,
 * 415 for another content type, 404 for other paths. Requests it accepted are decoded into
 * `records` (in arrival order).
 */
export class FakeOtlpCollector extends HttpFake {
  readonly records: OtlpRecord[] = [];

  constructor() {
    super((r: Recorded) => {
      if (r.method !== 'POST' || r.path !== '/v1/logs') return { status: 404, body: { message: 'not found' } };
      if (!r.headers['content-type']?.startsWith('application/json')) return { status: 415, body: { message: 'unsupported media type' } };
      const req = r.json as { resourceLogs?: unknown } | null;
      if (!req || !Array.isArray(req.resourceLogs)) return { status: 400, body: { message: 'not an ExportLogsServiceRequest' } };
      for (const rl of req.resourceLogs as { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeLogs?: { logRecords?: unknown[] }[] }[]) {
        const tenantId = rl.resource?.attributes?.find((a) => a.key === 'edictum.tenant_id')?.value.stringValue ?? '';
        for (const sl of rl.scopeLogs ?? []) {
          for (const lr of (sl.logRecords ?? []) as { timeUnixNano: string; eventName: string; body: { stringValue: string }; attributes: { key: string; value: { stringValue?: string; intValue?: string } }[] }[]) {
            if (typeof lr.timeUnixNano !== 'string' || !/^\d+$/.test(lr.timeUnixNano)) return { status: 400, body: { message: 'timeUnixNano must be a decimal string' } };
            this.records.push({ tenantId, timeUnixNano: lr.timeUnixNano, eventName: lr.eventName, body: lr.body.stringValue, attributes: Object.fromEntries(lr.attributes.map((a) => [a.key, value(a.value)])) });
          }
        }
      }
      return { status: 200, body: { partialSuccess: {} } };
    });
  }
}
