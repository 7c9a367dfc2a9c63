/**
 * The API reference page at /api/docs: plain HTML rendered on the server from the OpenAPI
 * document, with its styles inline and no script, so it loads with no network at all (no CDN,
 * nothing to fetch) and passes the console's Content-Security-Policy.
 */

type Json = Record<string, unknown>;

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** `code` spans for the backticks used in descriptions; everything else escaped. */
const md = (s: unknown): string => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');

const AUTH_LABEL: Record<string, string> = {
  none: 'public',
  session: 'session',
  admin: 'admin session',
  apiKey: 'API key',
  either: 'session or API key',
};

function schemaBlock(title: string, schema: unknown): string {
  return `<details><summary>${esc(title)}</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`;
}

function paramsTable(params: Json[]): string {
  if (params.length === 0) return '';
  const rows = params
    .map((p) => {
      const s = (p.schema ?? {}) as Json;
      const type = s.type ?? (s.anyOf ? 'one of several' : s.enum ? 'enum' : '');
      return `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${esc(type)}${s.maxLength !== undefined ? ` ≤ ${esc(s.maxLength)} chars` : ''}</td></tr>`;
    })
    .join('');
  return `<table><thead><tr><th>Parameter</th><th>In</th><th>Required</th><th>Type</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function operationHtml(path: string, method: string, op: Json): string {
  const auth = String(op['x-edictum-auth'] ?? 'none');
  const body = (op.requestBody as { content?: Record<string, { schema: unknown }> } | undefined)?.content?.['application/json']?.schema;
  const responses = Object.entries((op.responses ?? {}) as Record<string, { content?: Record<string, { schema: unknown }>; description?: string }>)
    .map(([status, r]) => {
      const schema = r.content?.['application/json']?.schema;
      return schema ? schemaBlock(`Response ${status}`, schema) : `<p class="muted">${esc(status)}: ${md(r.description ?? '')}</p>`;
    })
    .join('');
  return `<section class="op" id="${esc(String(op.operationId))}">
<h3><span class="m m-${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> <span class="auth auth-${esc(auth)}">${esc(AUTH_LABEL[auth] ?? auth)}</span></h3>
${paramsTable((op.parameters ?? []) as Json[])}
${body ? schemaBlock('Request body (application/json)', body) : ''}
${responses}
</section>`;
}

export function renderApiReference(doc: Json): string {
  const info = doc.info as { title: string; version: string; description: string };
  const byTag = new Map<string, string[]>();
  const nav = new Map<string, { id: string; label: string }[]>();
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = String((op.tags as string[] | undefined)?.[0] ?? 'other');
      (byTag.get(tag) ?? byTag.set(tag, []).get(tag)!).push(operationHtml(path, method, op));
      (nav.get(tag) ?? nav.set(tag, []).get(tag)!).push({ id: String(op.operationId), label: `${method.toUpperCase()} ${path}` });
    }
  }
  const tags = [...byTag.keys()].sort();
  const navHtml = tags
    .map((t) => `<li><a href="#tag-${esc(t)}">${esc(t)}</a> <span class="muted">${nav.get(t)!.length}</span></li>`)
    .join('');
  const sections = tags.map((t) => `<h2 id="tag-${esc(t)}">${esc(t)}</h2>${byTag.get(t)!.join('\n')}`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} — reference</title>
<style>
:root{color-scheme:light dark;--bg:#fff;--fg:#18181b;--muted:#71717a;--line:#e4e4e7;--code:#f4f4f5}
@media (prefers-color-scheme:dark){:root{--bg:#09090b;--fg:#fafafa;--muted:#a1a1aa;--line:#27272a;--code:#18181b}}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
.wrap{display:flex;gap:2rem;max-width:1200px;margin:0 auto;padding:1rem}
nav{flex:0 0 220px;position:sticky;top:1rem;align-self:flex-start;max-height:calc(100vh - 2rem);overflow:auto}
nav ul{list-style:none;padding:0;margin:0}nav li{padding:.15rem 0}main{flex:1;min-width:0}
a{color:inherit}code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:var(--code);padding:.75rem;overflow:auto;border-radius:6px}
.op{border:1px solid var(--line);border-radius:8px;padding:.5rem 1rem;margin:.75rem 0}.op h3{font-size:15px;margin:.25rem 0 .5rem;overflow-wrap:anywhere}
.m{display:inline-block;min-width:4.2em;text-align:center;border-radius:4px;padding:0 .3em;color:#fff;font-size:12px}
.m-get{background:#2563eb}.m-post{background:#16a34a}.m-put{background:#ca8a04}.m-patch{background:#9333ea}.m-delete{background:#dc2626}
.auth{font-size:12px;font-weight:normal;border:1px solid var(--line);border-radius:999px;padding:0 .5em;color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:.25rem 0}th,td{text-align:left;border-bottom:1px solid var(--line);padding:.2rem .4rem;font-size:13px}
.muted{color:var(--muted)}summary{cursor:pointer;margin:.25rem 0}
@media (max-width:700px){.wrap{display:block}nav{position:static;max-height:none}}
</style></head>
<body><div class="wrap"><nav aria-label="Areas"><p><strong>${esc(info.title)}</strong><br><span class="muted">v${esc(info.version)}</span></p>
<p><a href="/api/v1/openapi.json">openapi.json</a></p><ul>${navHtml}</ul></nav>
<main><h1>${esc(info.title)}</h1><p>${md(info.description)}</p>
<p class="muted">Credentials: <b>session</b> = the dashboard cookie <code>edictum_session</code>; <b>API key</b> = <code>Authorization: Bearer edk_…</code>.</p>
${sections}
</main></div></body></html>`;
}
