/*
 * A static, dependency-free reference page rendered from the OpenAPI document: no scripts, no
 * CDN assets (the gateway may run offline).
 */

type Json = Record<string, unknown>;

const escapeHtml = (text: unknown) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Backticks in descriptions become <code>. */
const prose = (text: unknown) => escapeHtml(text ?? '').replace(/`([^`]+)`/g, '<code>$1</code>');

const anchor = (name: string) => `schema-${name.replace(/[^A-Za-z0-9]/g, '')}`;

/** A one-line type such as `string (uri)`, `integer 1–10`, `"a" | "b"` or a link to a component. */
function typeOf(schema: Json | undefined): string {
  if (!schema) return 'any';
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop()!;
    return `<a href="#${anchor(name)}">${escapeHtml(name)}</a>`;
  }
  if ('const' in schema) return `<code>${escapeHtml(JSON.stringify(schema.const))}</code>`;
  if (Array.isArray(schema.enum))
    return schema.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(' | ');
  const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (Array.isArray(union)) return union.map(typeOf).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type as string | undefined);
  if (type === 'array') return `array of ${typeOf(schema.items as Json)}`;
  const details = [
    schema.format === 'binary' ? 'file' : schema.format,
    schema.minimum !== undefined && schema.maximum !== undefined && Number(schema.maximum) < 1e15
      ? `${schema.minimum}–${schema.maximum}`
      : undefined,
  ].filter(Boolean);
  return `${escapeHtml(type ?? 'any')}${details.length ? ` (${escapeHtml(details.join(', '))})` : ''}`;
}

function fieldsTable(schema: Json): string {
  const properties = schema.properties as Record<string, Json> | undefined;
  if (!properties) return `<p class="type">${typeOf(schema)}</p>`;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties)
    .map(
      ([name, prop]) =>
        `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td><td>${typeOf(prop)}</td><td>${prose(prop.description)}</td></tr>`,
    )
    .join('');
  return `<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>${rows}</table>`;
}

function operationHtml(method: string, path: string, op: Json): string {
  const params = (op.parameters as Json[]) ?? [];
  const paramRows = params
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code> <span class="in">${escapeHtml(p.in)}</span>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${typeOf(p.schema as Json)}</td><td>${prose(p.description)}</td></tr>`,
    )
    .join('');
  const body = op.requestBody as { content: Record<string, { schema: Json }> } | undefined;
  const bodyHtml = body
    ? Object.entries(body.content)
        .map(([type, { schema }]) => `<p>Body <code>${escapeHtml(type)}</code>: ${typeOf(schema)}</p>`)
        .join('')
    : '';
  const responses = Object.entries(op.responses as Record<string, Json>)
    .map(([status, response]) => {
      const content = (response.content as Record<string, { schema: Json }> | undefined) ?? {};
      const types = Object.entries(content)
        .map(([type, { schema }]) => `<code>${escapeHtml(type)}</code> ${schema.$ref ? typeOf(schema) : ''}`)
        .join(', ');
      const headers = Object.keys((response.headers as Json | undefined) ?? {});
      const headersHtml = headers.length
        ? `; headers ${headers.map((h) => `<code>${escapeHtml(h)}</code>`).join(', ')}`
        : '';
      return `<li><b>${escapeHtml(status)}</b> ${prose(response.description)} ${types}${headersHtml}</li>`;
    })
    .join('');
  const auth = (op.security as unknown[]).length > 0 ? '' : ' <span class="open">no auth</span>';
  return `<section class="op" id="${escapeHtml(op.operationId)}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code>${auth}</h3>
<p>${prose(op.summary)}</p>${op.description ? `<p>${prose(op.description)}</p>` : ''}
${paramRows ? `<table><tr><th>Parameter</th><th>Type</th><th>Description</th></tr>${paramRows}</table>` : ''}
${bodyHtml}<ul>${responses}</ul></section>`;
}

export function renderDocsPage(document: Json): string {
  const info = document.info as Json;
  const paths = document.paths as Record<string, Record<string, Json>>;
  // Sections in the document's tag order, whatever order the routes were registered in.
  const byTag = new Map<string, string[]>(
    ((document.tags as { name: string }[] | undefined) ?? []).map(({ name }) => [name, []]),
  );
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op.tags as string[])[0];
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const webhooks = Object.entries((document.webhooks as Record<string, { post: Json }>) ?? {});
  const schemas = Object.entries((document.components as { schemas: Record<string, Json> }).schemas);
  const nav = [...byTag.keys(), 'Webhooks', 'Schemas']
    .map((tag) => `<a href="#tag-${escapeHtml(tag)}">${escapeHtml(tag)}</a>`)
    .join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)} API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code{font:13px ui-monospace,monospace;background:#f3f3f5;padding:0 .25em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-top:1px solid #e3e3e8;padding:.3rem .5rem;text-align:left;vertical-align:top}
.op{border:1px solid #e3e3e8;border-radius:6px;padding:.25rem 1rem;margin:1rem 0}.method{font-weight:700;padding:0 .4em;border-radius:3px;color:#fff}
.get{background:#2e7d32}.post{background:#1565c0}.put{background:#8e24aa}.delete{background:#c62828}
.req{color:#c62828;font-size:12px}.in,.open{color:#666;font-size:12px}nav{margin:1rem 0}
</style></head><body>
<h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
<p>${prose(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escapeHtml(document.openapi)}).</p>
<nav>${nav}</nav>
${[...byTag.entries()].map(([tag, ops]) => `<h2 id="tag-${escapeHtml(tag)}">${escapeHtml(tag)}</h2>${ops.join('\n')}`).join('\n')}
<h2 id="tag-Webhooks">Webhook events</h2>
${webhooks.map(([type, { post }]) => `<section class="op"><h3><code>${escapeHtml(type)}</code></h3><p>${prose(post.description)}</p><p>Body: ${typeOf((post.requestBody as { content: Record<string, { schema: Json }> }).content['application/json'].schema)}</p></section>`).join('\n')}
<h2 id="tag-Schemas">Schemas</h2>
${schemas.map(([name, schema]) => `<section class="op" id="${anchor(name)}"><h3>${escapeHtml(name)}</h3>${schema.description ? `<p>${prose(schema.description)}</p>` : ''}${fieldsTable(schema)}</section>`).join('\n')}
</body></html>`;
}
