/**
 * Several gateway instances on one PostgreSQL schema (fresh per run, dropped afterwards) against one
 * fake OpenAI `/v1/videos` upstream (bench/cluster-videos-upstream.ts), each instance with an
 * `openai-videos` channel from OPENAI_VIDEOS_API_KEY / OPENAI_VIDEOS_BASE_URL. Three phases, in this
 * order because the last one kills an instance:
 *
 *   (c) throughput: THROUGHPUT_JOBS non-streaming video chats of THROUGHPUT_TASK_MS upstream each, at
 *       THROUGHPUT_CONCURRENCY clients, spread round-robin over 1, 2 (and 3) instances; completed jobs/s.
 *   (b) cross-instance events: EVENT_JOBS streaming video chats on instance A; once A's first chunk is
 *       out, the same job is followed on B — `GET /v1/jobs/{id}/events` when B serves it (200), else
 *       the same body and Idempotency-Key sent again (a re-attach). Per progress percentage and for the
 *       final chunk: when B delivered it minus when A did (only what A sent after B attached).
 *   (a) takeover: TAKEOVER_JOBS video jobs created on A; once all are submitted upstream, A gets SIGKILL.
 *       Per job: kill → the moment its row names another instance as the one running it (read every
 *       50 ms), kill → the first single status call its task receives afterwards (a dead process
 *       cannot make it; batched list reads are not counted), and creates per job (more than 1 is a
 *       duplicate submission).
 *
 *   npm run bench:cluster
 *   (INSTANCES=3, MEDIAGATE_BENCH_DATABASE_URL=postgres://…, TAKEOVER_JOBS=20 TAKEOVER_TASK_MS=20000
 *    TAKEOVER_WAIT_MS=120000, EVENT_JOBS=5 EVENT_TASK_MS=8000, THROUGHPUT_JOBS=48
 *    THROUGHPUT_CONCURRENCY=32 THROUGHPUT_TASK_MS=1000 to change)
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { fakeVideo } from '../test/fakes/media.js';
import { FakeVideosUpstream } from './cluster-videos-upstream.js';
import { BENCH_KEY, type BenchServer, percentile, startBenchServer } from './server.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const instanceCount = Math.min(3, Math.max(2, env('INSTANCES', 2)));
const databaseUrl = process.env.MEDIAGATE_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const takeoverJobs = env('TAKEOVER_JOBS', 20);
const takeoverTaskMs = env('TAKEOVER_TASK_MS', 20_000);
const takeoverWaitMs = env('TAKEOVER_WAIT_MS', 120_000);
const eventJobs = env('EVENT_JOBS', 5);
const eventTaskMs = env('EVENT_TASK_MS', 8_000);
const throughputJobs = env('THROUGHPUT_JOBS', 48);
const throughputConcurrency = env('THROUGHPUT_CONCURRENCY', 32);
const throughputTaskMs = env('THROUGHPUT_TASK_MS', 1_000);

const run = randomBytes(3).toString('hex');
const schema = `bench_cluster_${run}`;
const instanceName = (i: number) => `bench-${run}-${i}`;
const UPSTREAM_KEY = 'sk-bench-videos';
const auth = { authorization: `Bearer ${BENCH_KEY}` };
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number) => (Number.isFinite(n) ? Math.round(n) : null);

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? NaN),
  };
}

const chatBody = (tag: string, stream: boolean) => ({
  model: 'sora-2',
  stream,
  messages: [{ role: 'user', content: `A harbour at dusk, bench-job-${tag}, duration: 4 seconds` }],
});

function postChat(server: BenchServer, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(`${server.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

interface Chunk {
  at: number;
  /** `final`, or the progress percentage the chunk reports. */
  key: string;
}

/** Reads SSE `data:` lines as they arrive; each becomes a chunk keyed by what it reports. */
async function readChunks(response: Response, keyOf: (data: string) => string | undefined, chunks: Chunk[]) {
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(bytes, { stream: true });
      let end = buffer.indexOf('\n');
      while (end !== -1) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        end = buffer.indexOf('\n');
        if (!line.startsWith('data:')) continue;
        const key = keyOf(line.slice(5).trim());
        if (key) chunks.push({ at: Date.now(), key });
      }
    }
  } catch {
    // Aborted at the phase's deadline: what arrived is what counts.
  }
}

/** A chat completion chunk: its progress percentage, or `final` for the one that ends the answer. */
function chatChunkKey(data: string): string | undefined {
  if (data === '[DONE]') return undefined;
  const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string }; finish_reason?: string | null }[] };
  const choice = chunk.choices?.[0];
  if (choice?.finish_reason) return 'final';
  return /(\d+)%/.exec(choice?.delta?.content ?? '')?.[1];
}

/** An event of `GET /v1/jobs/{id}/events` (shape not fixed yet): its progress, or `final` once the job ended. */
function jobEventKey(data: string): string | undefined {
  type Event = { status?: string; progress?: unknown; job?: Event; data?: Event };
  let event: Event;
  try {
    event = JSON.parse(data);
  } catch {
    return undefined;
  }
  const job = event.job ?? event.data ?? event;
  if (TERMINAL.has(job.status ?? '')) return 'final';
  return typeof job.progress === 'number' ? String(job.progress) : undefined;
}

async function jobStatus(server: BenchServer, jobId: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${server.baseUrl}/v1/jobs/${jobId}`, { headers: auth });
    return response.ok ? ((await response.json()) as { status: string }).status : undefined;
  } catch {
    return undefined;
  }
}

async function throughput(instances: BenchServer[], fake: FakeVideosUpstream) {
  fake.durationMs = throughputTaskMs;
  let next = 0;
  let completed = 0;
  const failures: string[] = [];
  const started = Date.now();
  const client = async () => {
    for (let i = next++; i < throughputJobs; i = next++) {
      const server = instances[i % instances.length];
      const response = await postChat(server, chatBody(`t${instances.length}-${run}-${i}`, false)).catch(
        (err: Error) => err,
      );
      if (response instanceof Error) failures.push(response.message);
      else if (response.ok) {
        await response.arrayBuffer();
        completed++;
      } else failures.push(`${response.status} ${(await response.text()).slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: throughputConcurrency }, client));
  const seconds = (Date.now() - started) / 1000;
  return {
    instances: instances.length,
    jobs: throughputJobs,
    completed,
    seconds: +seconds.toFixed(1),
    jobs_per_second: +(completed / seconds).toFixed(2),
    failures: failures.length,
    failure_examples: [...new Set(failures)].slice(0, 2),
  };
}

async function crossInstanceEvents(a: BenchServer, b: BenchServer, fake: FakeVideosUpstream) {
  fake.durationMs = eventTaskMs;
  const modes = new Set<string>();
  const progressDelays: number[] = [];
  const finalDelays: number[] = [];
  let missingOnB = 0;
  let pairedKeys = 0;
  const perJob = await Promise.all(
    Array.from({ length: eventJobs }, async (_, i) => {
      const body = chatBody(`e-${run}-${i}`, true);
      const idempotency = { 'idempotency-key': `bench-cluster-${run}-${i}` };
      const onA: Chunk[] = [];
      const onB: Chunk[] = [];
      const stop = new AbortController();
      const responseA = await postChat(a, body, idempotency);
      const jobId = responseA.headers.get('x-mediagate-job-id') ?? '';
      const readingA = readChunks(responseA, chatChunkKey, onA);
      const firstChunkBy = Date.now() + 30_000;
      while (onA.length === 0 && Date.now() < firstChunkBy) await sleep(20);
      const attachedAt = Date.now();
      let readingB: Promise<void>;
      const events = await fetch(`${b.baseUrl}/v1/jobs/${jobId}/events`, { headers: auth, signal: stop.signal }).catch(
        () => undefined,
      );
      if (events?.status === 200) {
        modes.add('GET /v1/jobs/{id}/events');
        readingB = readChunks(events, jobEventKey, onB);
      } else {
        await events?.body?.cancel();
        modes.add('re-attach (same body + Idempotency-Key)');
        const responseB = await postChat(b, body, idempotency, stop.signal);
        readingB = readChunks(responseB, chatChunkKey, onB);
      }
      await readingA;
      // B gets 10 s after A's last chunk to deliver what it still owes, then its stream is cut.
      await Promise.race([readingB, sleep(10_000)]);
      stop.abort();
      await readingB;
      let missing = 0;
      for (const chunk of onA.filter((c) => c.at >= attachedAt)) {
        const seen = onB.find((c) => c.key === chunk.key);
        pairedKeys++;
        if (!seen) missing++;
        else (chunk.key === 'final' ? finalDelays : progressDelays).push(seen.at - chunk.at);
      }
      missingOnB += missing;
      return { chunks_on_a: onA.length, chunks_on_b: onB.length, missing_on_b: missing };
    }),
  );
  return {
    jobs: eventJobs,
    task_ms: eventTaskMs,
    followed_on_b_by: [...modes],
    chunks_a_sent_after_b_attached: pairedKeys,
    chunks_b_never_delivered: missingOnB,
    progress_delay_ms: stats(progressDelays),
    final_delay_ms: stats(finalDelays),
    per_job: perJob,
  };
}

async function takeover(a: BenchServer, b: BenchServer, fake: FakeVideosUpstream) {
  fake.durationMs = takeoverTaskMs;
  const tags = Array.from({ length: takeoverJobs }, (_, i) => `k-${run}-${i}`);
  const jobIds = await Promise.all(
    tags.map(async (tag) => {
      const response = await fetch(`${a.baseUrl}/v1/videos`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sora-2', prompt: `A harbour at dusk, bench-job-${tag}`, seconds: '4' }),
      });
      if (!response.ok) throw new Error(`create on A: ${response.status} ${await response.text()}`);
      return response.headers.get('x-mediagate-job-id') ?? ((await response.json()) as { id: string }).id;
    }),
  );
  const submittedBy = Date.now() + 60_000;
  while (tags.some((tag) => fake.tasksOf(tag).length === 0) && Date.now() < submittedBy) await sleep(50);
  const notSubmitted = tags.filter((tag) => fake.tasksOf(tag).length === 0).length;
  await sleep(500);
  const killedAt = Date.now();
  a.child.kill('SIGKILL');
  await new Promise((resolve) => (a.child.exitCode === null ? a.child.once('exit', resolve) : resolve(undefined)));

  const takenOver = await watchTakeover(jobIds, instanceName(0), killedAt + takeoverWaitMs);
  const ended = new Map<string, { status: string; at: number }>();
  const deadline = killedAt + takeoverWaitMs;
  while (ended.size < jobIds.length && Date.now() < deadline) {
    await Promise.all(
      jobIds
        .filter((id) => !ended.has(id))
        .map(async (id) => {
          const status = await jobStatus(b, id);
          if (status && TERMINAL.has(status)) ended.set(id, { status, at: Date.now() });
        }),
    );
    await sleep(250);
  }
  const firstCallAfterKill: number[] = [];
  const createsPerJob: number[] = [];
  let neverPolledAgain = 0;
  for (const tag of tags) {
    const tasks = fake.tasksOf(tag);
    createsPerJob.push(tasks.length);
    const first = Math.min(...tasks.flatMap((task) => task.statusCalls.filter((at) => at > killedAt)));
    if (Number.isFinite(first)) firstCallAfterKill.push(first - killedAt);
    else neverPolledAgain++;
  }
  const endedAfterKill = [...ended.values()].map((e) => e.at - killedAt);
  return {
    jobs: takeoverJobs,
    task_ms: takeoverTaskMs,
    not_submitted_before_kill: notSubmitted,
    kill_to_taken_over_ms: stats([...takenOver.values()].map((at) => at - killedAt)),
    not_taken_over: jobIds.length - takenOver.size,
    // With status reads batched through the upstream's list, a task may never get a single GET again.
    kill_to_first_status_call_ms: stats(firstCallAfterKill),
    never_polled_after_kill: neverPolledAgain,
    creates_per_job: { max: Math.max(...createsPerJob), duplicates: createsPerJob.filter((n) => n > 1).length },
    ended_on_b: ended.size,
    succeeded_on_b: [...ended.values()].filter((e) => e.status === 'succeeded').length,
    kill_to_job_end_seen_on_b_ms: stats(endedAfterKill),
  };
}

/** When each job's `instance` (the one running it) first names another instance than the killed one. */
async function watchTakeover(jobIds: string[], killed: string, deadline: number): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const takenOver = new Map<string, number>();
  try {
    while (takenOver.size < jobIds.length && Date.now() < deadline) {
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM "${schema}".jobs WHERE id = ANY($1) AND instance IS NOT NULL AND instance <> $2`,
        [jobIds, killed],
      );
      const now = Date.now();
      for (const { id } of rows) if (!takenOver.has(id)) takenOver.set(id, now);
      await sleep(50);
    }
  } finally {
    await client.end();
  }
  return takenOver;
}

/** Each instance's RSS and its PostgreSQL connections (by application_name), after load. */
async function footprint(instances: BenchServer[]) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; connections: number }>(
      'SELECT application_name AS name, count(*)::int AS connections FROM pg_stat_activity WHERE application_name LIKE $1 GROUP BY 1',
      [`mediagate-bench-${run}-%`],
    );
    return instances.map((server, i) => ({
      instance: i,
      rss_mib: Math.round(server.rss() / 2 ** 20),
      postgres_connections: rows.find((row) => row.name === `mediagate-bench-${run}-${i}`)?.connections ?? 0,
    }));
  } finally {
    await client.end();
  }
}

const fake = new FakeVideosUpstream(UPSTREAM_KEY, await fakeVideo(4, 180, 320));
const upstreamUrl = await fake.start();
const instances: BenchServer[] = [];
let killed: BenchServer | undefined;
try {
  for (let i = 0; i < instanceCount; i++)
    instances.push(
      await startBenchServer({
        DATABASE_URL: databaseUrl,
        DATABASE_SCHEMA: schema,
        OPENAI_VIDEOS_API_KEY: UPSTREAM_KEY,
        OPENAI_VIDEOS_BASE_URL: upstreamUrl,
        // node-postgres names its connections after this, so each instance's can be counted.
        PGAPPNAME: `mediagate-bench-${run}-${i}`,
        MEDIAGATE_INSTANCE_ID: instanceName(i),
      }),
    );
  const results: Record<string, unknown> = { instances: instanceCount, schema };
  const scaling = [];
  for (let n = 1; n <= instanceCount; n++) scaling.push(await throughput(instances.slice(0, n), fake));
  results.throughput = scaling;
  results.after_throughput = await footprint(instances);
  results.cross_instance_events = await crossInstanceEvents(instances[0], instances[1], fake);
  killed = instances[0];
  results.takeover = await takeover(instances[0], instances[1], fake);
  console.log(JSON.stringify(results, null, 2));
} finally {
  await Promise.all(instances.filter((s) => s !== killed).map((s) => s.stop()));
  await fake.close();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
}
