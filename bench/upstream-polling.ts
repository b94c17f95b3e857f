/**
 * How promptly and cheaply the gateway follows asynchronous upstream tasks, with the default poll
 * schedule (nothing overridden). JOBS Seedance video jobs (`sora-2` through an Ark channel against
 * the fake Ark upstream) are started STAGGER_MS apart, each running TASK_MS upstream, so their
 * completions fall at every phase of the poll cycle. Reported per job:
 *   - status calls, and status calls per 3 s of job time (target ≤ 1);
 *   - noticing delay: our first status call that saw the task finished, minus when it finished;
 *   - answer delay: when the client got its completed answer (result downloaded, stored, reviewed),
 *     minus when the task finished (target ≤ 2 s). Answers are paired with finishes by order, which
 *     is approximate when two tasks finish within a poll interval of each other.
 *
 *   npm run bench:polling          (JOBS=40 TASK_MS=30000 STAGGER_MS=250 to change)
 */
import { FakeArk } from '../test/fakes/ark.js';
import { BENCH_KEY, percentile, startBenchServer } from './server.js';

const jobs = Number(process.env.JOBS ?? 40);
const taskMs = Number(process.env.TASK_MS ?? 30_000);
const staggerMs = Number(process.env.STAGGER_MS ?? 250);

const fake = new FakeArk(['ark-bench-key']);
// Run times vary ±50 % around TASK_MS, so completions fall at every phase of the poll cycle.
fake.taskMsFor = () => Math.round(taskMs * (0.5 + Math.random()));
await fake.start();
const server = await startBenchServer({ ARK_API_KEY: 'ark-bench-key', ARK_BASE_URL: `${fake.url}/api/v3` });

interface Outcome {
  jobId: string;
  answeredAt: number;
  ok: boolean;
}

async function runJob(i: number): Promise<Outcome> {
  await new Promise((resolve) => setTimeout(resolve, i * staggerMs));
  const response = await fetch(`${server.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'sora-2',
      messages: [{ role: 'user', content: `harbour at night, shot ${i}, duration: 5 seconds` }],
    }),
  });
  const body = await response.json();
  return {
    jobId: response.headers.get('x-mediagate-job-id') ?? '',
    answeredAt: Date.now(),
    ok: response.ok && /✅/.test(body.choices?.[0]?.message?.content ?? ''),
  };
}

try {
  const outcomes = await Promise.all(Array.from({ length: jobs }, (_, i) => runJob(i)));
  const creates = fake.matching('POST', /\/contents\/generations\/tasks$/);
  const polls = fake.matching('GET', /\/contents\/generations\/tasks\/[^/]+$/);
  const rows = [];
  for (const outcome of outcomes) {
    const job = await (
      await fetch(`${server.baseUrl}/v1/jobs/${outcome.jobId}`, { headers: { authorization: `Bearer ${BENCH_KEY}` } })
    ).json();
    rows.push({ ...outcome, statusCalls: job.upstream?.status_calls as number, createdAt: job.created_at as number });
  }
  const pollsByTask = new Map<string, number[]>();
  for (const poll of polls) {
    const id = poll.path.split('/').pop()!;
    pollsByTask.set(id, [...(pollsByTask.get(id) ?? []), poll.at!]);
  }
  const noticing: number[] = [];
  const perThreeSeconds: number[] = [];
  const calls: number[] = [];
  const finishTimes: number[] = [];
  for (const [id, times] of pollsByTask) {
    const timing = fake.taskTiming(id)!;
    const finishedAt = timing.createdAt + timing.runMs;
    finishTimes.push(finishedAt);
    const firstDone = times.find((t) => t >= finishedAt);
    if (firstDone !== undefined) noticing.push(firstDone - finishedAt);
    calls.push(times.length);
    perThreeSeconds.push(times.length / (((firstDone ?? finishedAt) - timing.createdAt) / 3000));
  }
  // Answers are matched to finishes by order: each answer follows its own task's finish by far less than tasks differ.
  const answerTimes = rows.map((r) => r.answeredAt).sort((a, b) => a - b);
  finishTimes.sort((a, b) => a - b);
  const answering = answerTimes.map((t, i) => t - finishTimes[i]);
  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
    return {
      mean: Math.round(mean * 100) / 100,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      max: sorted.at(-1),
    };
  };
  console.log(
    JSON.stringify(
      {
        jobs,
        task_ms: taskMs,
        succeeded: rows.filter((r) => r.ok).length,
        submissions_upstream: creates.length,
        status_calls_per_job: stats(calls),
        status_calls_per_3s_of_job_time: stats(perThreeSeconds),
        noticing_delay_ms: stats(noticing),
        answer_delay_ms: stats(answering),
      },
      null,
      2,
    ),
  );
} finally {
  await server.stop();
  await fake.close();
}
