import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../db/index.js';
import { pgChannelName, PgListener } from '../db/pg-listener.js';
import { ClusterEvents } from './cluster-events.js';
import type { JobEvents } from './events.js';
import type { JobStore } from './types.js';

export interface ClusterLink {
  /** Connects the listening session (one attempt awaited; it keeps retrying) and starts relaying. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Job events shared by every instance on one PostgreSQL database: NOTIFY through the query pool,
 * LISTEN on a session of its own. The channel is named after the schema, since instances working in
 * different schemas of one database (the test suite's gateways) must not hear each other.
 * SQLite has one process, so there is nothing to link: null.
 */
export function clusterLink(deps: {
  database: Database;
  url: string | undefined;
  schema: string | undefined;
  events: JobEvents;
  store: Pick<JobStore, 'get' | 'progressOf'>;
  instanceId: string;
  runningHere(jobId: string): boolean;
  log: FastifyBaseLogger;
}): ClusterLink | null {
  const { database, url, log } = deps;
  if (database.dialect !== 'postgres' || !url) return null;
  const channel = pgChannelName('mediagate_jobs', deps.schema);
  const cluster = new ClusterEvents({
    ...deps,
    notify: async (payload) => void (await sql`SELECT pg_notify(${channel}, ${payload})`.execute(database.db)),
  });
  const listener = new PgListener({
    url,
    channel,
    onMessage: (payload) => cluster.receive(payload),
    onReconnected: () => {
      log.info({ channel }, 'listening for job events again; re-reading the jobs followed here');
      void cluster.rereadFollowed();
    },
    onError: (err, attempt) => log.warn({ err, channel, attempt }, 'job events session lost; reconnecting'),
  });
  return {
    async start() {
      await listener.start();
      cluster.start();
    },
    async stop() {
      await cluster.stop();
      await listener.close();
    },
  };
}
