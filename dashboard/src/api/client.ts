// The one door to the console's REST API. Same-origin fetch with the session cookie, the CSRF
// header the server demands on every mutating request, JSON in and out, and one error type
// that carries what the pages need to show: status, the server's detail text, the per-field
// problems of a 422, and Retry-After for a 429.

export const API_BASE = '/api/v1';

export interface FieldProblem {
  /** pydantic-style location, e.g. ["body", "email"] */
  loc: (string | number)[];
  msg: string;
  /** bundle upload only: 1-based YAML line, or null when unknown */
  line?: number | null;
}

export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly problems: FieldProblem[];
  readonly retryAfterSeconds: number | null;

  constructor(status: number, detail: string, problems: FieldProblem[] = [], retryAfterSeconds: number | null = null) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
    this.problems = problems;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The message for a field, matched on the last element of `loc` (`["body","email"]` → "email"). */
  fieldMessage(field: string): string | undefined {
    return this.problems.find((p) => String(p.loc[p.loc.length - 1]) === field)?.msg;
  }
}

/** Network failure (server unreachable, offline): status 0 so callers can branch on it. */
export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return 'Cannot reach the console. Check your connection and try again.';
    if (e.problems.length > 0) return e.problems.map((p) => p.msg).join('; ');
    return e.detail;
  }
  if (e instanceof Error) return e.message;
  return 'Something went wrong.';
}

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, QueryValue | QueryValue[]>;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** non-2xx statuses whose JSON body is a normal answer (health details: 503 = degraded) */
  acceptStatus?: number[];
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const url = path.startsWith('/api/') ? path : `${API_BASE}${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    const values = Array.isArray(v) ? v : [v];
    for (const item of values) {
      if (item === undefined || item === null || item === '') continue;
      params.append(k, String(item));
    }
  }
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

function parseRetryAfter(h: string | null): number | null {
  if (!h) return null;
  const n = Number(h);
  if (Number.isFinite(n)) return Math.max(0, Math.ceil(n));
  const date = Date.parse(h);
  if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  return null;
}

async function toApiError(res: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
  let detail = res.statusText || `Request failed (${res.status})`;
  let problems: FieldProblem[] = [];
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object' && 'detail' in body) {
      const d = (body as { detail: unknown }).detail;
      if (typeof d === 'string') detail = d;
      else if (Array.isArray(d)) {
        problems = d
          .filter((p): p is FieldProblem => !!p && typeof p === 'object' && 'msg' in p)
          .map((p) => ({ loc: Array.isArray(p.loc) ? p.loc : [], msg: String(p.msg), line: p.line ?? null }));
        detail = problems.map((p) => p.msg).join('; ') || 'Validation failed.';
      }
    }
  } catch {
    // Not JSON (a proxy error page, say); keep the status text.
  }
  return new ApiError(res.status, detail, problems, retryAfter);
}

async function send(path: string, opts: RequestOptions): Promise<Response> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  // CSRF rule: the server rejects a mutating request without this header.
  if (method !== 'GET') headers['X-Requested-With'] = 'XMLHttpRequest';
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Network error');
  }
  if (!res.ok && !opts.acceptStatus?.includes(res.status)) throw await toApiError(res);
  return res;
}

/** JSON request; resolves to undefined for 204. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** JSON request that also returns the response headers (cursor paging reads X-Next-Cursor). */
export async function apiWithHeaders<T>(path: string, opts: RequestOptions = {}): Promise<{ data: T; headers: Headers }> {
  const res = await send(path, opts);
  const text = res.status === 204 ? '' : await res.text();
  return { data: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

/** A request whose body is plain text (bundle YAML). */
export async function apiText(path: string, opts: RequestOptions = {}): Promise<string> {
  const res = await send(path, { ...opts, headers: { Accept: 'application/x-yaml, text/plain, */*', ...opts.headers } });
  return res.text();
}
