// The least a gateway can do per image request, as a floor for bench/upstream-throughput.ts: parse
// the JSON body, call the upstream with undici's `request` (the client the gateway uses), decode
// the base64 image, hash it, write it to disk (temp file + rename) and answer with a link. No job,
// no database, no moderation, no auth.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import { request } from 'undici';

const { UPSTREAM_URL, DATA_DIR, PORT } = process.env;
mkdirSync(DATA_DIR, { recursive: true });
const app = Fastify({ logger: false });
app.post('/v1/chat/completions', async (req) => {
  const prompt = req.body.messages.at(-1).content;
  const answer = await request(`${UPSTREAM_URL}/images/generations`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-bench-upstream', 'content-type': 'application/json' },
    body: JSON.stringify({ model: req.body.model, prompt, n: 1, size: '1024x1024', output_format: 'png' }),
  });
  const body = await answer.body.json();
  const image = Buffer.from(body.data[0].b64_json, 'base64');
  const sha = createHash('sha256').update(image).digest('hex');
  const temp = join(DATA_DIR, `.tmp-${randomBytes(8).toString('hex')}`);
  await writeFile(temp, image);
  await rename(temp, join(DATA_DIR, `${sha}.png`));
  const link = `http://127.0.0.1:${PORT}/media/${sha}.png`;
  return {
    id: 'chatcmpl-bare',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: `![image](${link})` }, finish_reason: 'stop' }],
  };
});
await app.listen({ port: Number(PORT), host: '127.0.0.1' });
