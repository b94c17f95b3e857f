import { Ajv2020 } from 'ajv/dist/2020.js';
import { TEST_ADMIN_KEY, type RunningGateway } from './gateway.js';

export type Json = Record<string, any>;

/** A JSON request with a key (the admin key unless told), answering status, headers and body. */
export async function call(
  gw: RunningGateway,
  path: string,
  init: { key?: string; method?: string; body?: unknown; accept?: string } = {},
): Promise<{ status: number; headers: Headers; body: Json; text: string }> {
  const res = await fetch(`${gw.baseUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${init.key ?? TEST_ADMIN_KEY}`,
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
      ...(init.accept && { accept: init.accept }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: Json = {};
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body, text };
}

/** A customer account with keys, made through the same AccountService the admin API uses. */
export async function customer(gw: RunningGateway, name: string, balance: number, keyNames: string[]) {
  const { operator } = gw.gateway;
  const account = await operator.createAccount({ name, balance });
  const keys = [];
  for (const keyName of keyNames) {
    const { key, secret } = await operator.createKey({ accountId: account.id, name: keyName });
    keys.push({ id: key.id, secret });
  }
  return { account, keys };
}

/** Polls GET /v1/jobs/{id} until the job has ended. */
export async function ended(gw: RunningGateway, jobId: string, key: string): Promise<Json> {
  for (let i = 0; i < 600; i++) {
    const { body } = await call(gw, `/v1/jobs/${jobId}`, { key });
    if (['succeeded', 'failed', 'cancelled'].includes(body.status)) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not end`);
}

/** Checks a JSON answer against its response schema in /openapi.json; returns the validator's errors. */
export async function schemaErrors(
  gw: RunningGateway,
  path: string,
  method: string,
  status: number,
  body: unknown,
): Promise<unknown> {
  const document = await (await fetch(`${gw.baseUrl}/openapi.json`)).json();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(document, 'openapi.json');
  const content = document.paths[path][method].responses[String(status)].content['application/json'];
  const validate = ajv.getSchema(content.schema.$ref.replace(/^#/, 'openapi.json#'))!;
  return validate(body) ? null : validate.errors;
}
