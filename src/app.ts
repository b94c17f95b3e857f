import { hostname } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import { listModels } from './catalog/index.js';
import { publicBaseUrl, type Config } from './config/index.js';
import { AccountService } from './accounts/account-service.js';
import { bootstrapKeys, type KeyBootstrapResult } from './accounts/bootstrap.js';
import { openDatabase } from './db/index.js';
import { InstanceLock } from './db/instance-lock.js';
import { InstanceRegistry } from './jobs/instance-registry.js';
import { missingMigrations } from './db/readiness.js';
import { ADMIN_PREFIX, AdminAuthenticator } from './http/admin/admin-auth.js';
import { adminRoutes } from './http/admin/routes.js';
import { ApiKeyAuthenticator, requiresApiKey } from './http/auth.js';
import { registerRateLimits } from './http/rate-limit.js';
import { RequestCounter } from './limits/request-counter.js';
import { GenerationPipeline } from './generation/pipeline.js';
import { PriceBook } from './billing/price-book.js';
import { chatRoutes } from './http/chat/route.js';
import { responseRoutes } from './http/responses/route.js';
import { answerClientError, answerUnknownExpectation } from './http/client-errors.js';
import { answerFrameworkError, registerErrorHandling } from './http/error-handler.js';
import { registerJsonBodyParser } from './http/json-body.js';
import { mediaRoutes } from './http/media-route.js';
import { jobRoutes } from './http/jobs-route.js';
import { jobEventsRoute } from './http/job-events-route.js';
import { customerUsageRoutes } from './http/usage/customer-usage-route.js';
import { modelRoutes } from './http/models-route.js';
import type { GatewayServices } from './http/services.js';
import { SseKeepAlive } from './http/sse.js';
import { ShutdownSignal } from './http/shutdown-signal.js';
import { registerDrain } from './http/drain.js';
import { channelLimits } from './jobs/channel-limits.js';
import { JobEvents } from './jobs/events.js';
import { clusterLink } from './jobs/cluster-link.js';
import { newJobId } from './jobs/ids.js';
import { SqlJobStore } from './jobs/job-store.js';
import { JobRunner } from './jobs/runner.js';
import { buildChannels } from './providers/build-channels.js';
import { ChannelRegistry } from './providers/registry.js';
import { SandboxProvider } from './providers/sandbox/index.js';
import { createMediaStore } from './storage/create-store.js';
import { createModerator } from './moderation/index.js';
import { imageRoutes } from './http/images/routes.js';
import { videoRoutes } from './http/videos/routes.js';
import { VideoThumbnails } from './http/videos/thumbnails.js';
import { registerRouteSchemas } from './http/openapi/register.js';
import { openApiRoutes } from './http/openapi/route.js';
import { healthRoutes } from './http/health-route.js';
import { resolveFfmpegPath } from './providers/sandbox/index.js';
import { WebhookDeliveryStore } from './webhooks/delivery-store.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { KeyWebhookDefaults } from './webhooks/key-defaults.js';
import { loadWebhookSecret } from './webhooks/secret.js';
import { webhookSettingsRoutes } from './http/webhooks/settings-route.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import { type MetricsListener, metricsRoutes, startMetricsListener } from './http/metrics-route.js';
import { registerRequestMetrics } from './http/request-metrics.js';
import { loggingOptions, registerRequestContext } from './http/request-logging.js';

export interface Gateway {
  app: FastifyInstance;
  config: Config;
  channels: ChannelRegistry;
  keys: KeyBootstrapResult;
  /** This gateway's Prometheus registry and series. */
  metrics: Metrics;
  /** This instance's id: in every log line, in job leases and in `GET /v1/jobs/{id}`. */
  instanceId: string;
  /** The port /metrics is served on when `metrics.port` is set (known after `listen`). */
  metricsPort: number | undefined;
  operator: AccountService;
  /** Starts the job runner and listens; returns the bound port. */
  listen(): Promise<number>;
  /**
   * The graceful stop (SIGTERM, SIGINT): refuses new requests, ends each open stream with a line
   * naming its job, answers each waiting request with a 503 naming its job, lets those answers go
   * out (at most half of `shutdownGraceMs`), then closes. Jobs resume on the next start.
   */
  stop(): Promise<void>;
  /** Closes at once: streams and waiting requests are told about their jobs, but their answers are not waited for. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: NodeJS.WritableStream;
  /** The clock of the requests-per-minute windows (tests pin it to a known second of the minute). */
  rateLimitClock?: () => number;
}

/** Bound of each readiness check: short enough for a balancer's probe (often 5 s), long enough for a busy database. */
const READY_CHECK_TIMEOUT_MS = 2_000;

/** The local renderer; serves every catalog model when no upstream is configured. */
function sandboxProvider(config: Config, dataDir: string): SandboxProvider {
  return new SandboxProvider({
    dataDir,
    imageLatencyMs: config.sandbox.imageLatencyMs,
    videoLatencyMs: config.sandbox.videoLatencyMs,
    pollMs: config.sandbox.pollMs,
    ffmpegPath: config.ffmpegPath,
  });
}

/**
 * The operator's `MEDIAGATE_INSTANCE_ID` when set. Otherwise: the embedded SQLite database belongs
 * to one process, so its identity is stable and a restarted process reclaims its jobs at once; with
 * PostgreSQL, each start is a new instance, and a dead one's jobs are taken over when its liveness
 * lock is gone.
 */
function instanceIdFor(config: Config): string {
  if (config.instanceId) return config.instanceId;
  return config.databaseUrl ? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}` : `sqlite@${hostname()}`;
}

/**
 * PostgreSQL: takes this instance's liveness lock, then lists the instance, in that order — a listed
 * instance without its lock is dead to the others. SQLite: nothing to share, leases alone decide.
 */
async function joinCluster(
  config: Config,
  db: ConstructorParameters<typeof InstanceRegistry>[0],
  instanceId: string,
  log: FastifyInstance['log'],
) {
  if (!config.databaseUrl) return undefined;
  const lock = new InstanceLock({ url: config.databaseUrl, schema: config.databaseSchema, instanceId, log });
  await lock.start();
  const registry = new InstanceRegistry(db);
  const register = () => registry.register(instanceId, hostname(), Date.now());
  await register();
  lock.onRegained(() => void register().catch((err) => log.warn({ err }, 'could not list this instance again')));
  return {
    registry,
    liveness: lock,
    /** Unlisted first, then the lock released: the jobs were released by the runner's stop already. */
    async leave() {
      await registry.forget(instanceId).catch((err) => log.warn({ err }, 'could not unlist this instance'));
      await lock.close();
    },
  };
}

export async function buildGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  const database = await openDatabase({ url: config.databaseUrl, dataDir, schema: config.databaseSchema });
  const jobStore = new SqlJobStore(database.db);
  const instanceId = instanceIdFor(config);
  const prices = new PriceBook(database.db, config.billing);
  const operator = new AccountService(database.db, config.billing, prices);
  const keys = await bootstrapKeys(operator, config, dataDir);
  const webhookSecret = await loadWebhookSecret(config.webhooks.secret, dataDir);
  const media = createMediaStore(config.storage, dataDir);
  const channels = new ChannelRegistry(buildChannels(config, () => sandboxProvider(config, dataDir)));
  const metrics = createMetrics();
  const app = Fastify({
    ...loggingOptions(config.logLevel, options.logStream, instanceId),
    bodyLimit: config.bodyLimitBytes,
    // One line per finished job is logged instead of two per request.
    logController: new LogController({ disableRequestLogging: true }),
    // These bound receiving a request, not answering it: a non-streaming generation still waits
    // for its job, while a client that sends its request slowly or never finishes it is cut off.
    requestTimeout: config.requestTimeoutMs,
    http: {
      headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs),
      connectionsCheckingInterval: 1_000,
      requireHostHeader: false,
    },
    connectionTimeout: 0,
    keepAliveTimeout: 75_000,
    forceCloseConnections: true,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
  });
  app.server.on('checkExpectation', answerUnknownExpectation);
  registerRequestContext(app);
  registerRequestMetrics(app, metrics);
  const shutdown = new ShutdownSignal();
  const drain = registerDrain(app, shutdown);
  const moderator = createModerator(config, { media, db: database.db, log: app.log, metrics });
  const events = new JobEvents();
  const cluster = await joinCluster(config, database.db, instanceId, app.log).catch(async (err) => {
    await database.close();
    throw err;
  });
  const runner = new JobRunner({
    store: jobStore,
    channels,
    media,
    events,
    instanceId,
    settings: config.jobs,
    log: app.log,
    moderator,
    metrics,
    limits: channelLimits(database, { instanceId, rateWindowMs: config.jobs.rateWindowMs }),
    ...(cluster && { cluster: { registry: cluster.registry, liveness: cluster.liveness } }),
  });
  // On PostgreSQL, events of jobs run on other instances reach the streams and waits here.
  const clusterEvents = clusterLink({
    database,
    url: config.databaseUrl,
    schema: config.databaseSchema,
    events,
    store: jobStore,
    instanceId,
    runningHere: (id) => runner.runsHere(id),
    log: app.log,
  });
  const keepAlive = new SseKeepAlive(config.keepAliveMs);
  metrics.countOpenStreams(() => keepAlive.size);
  let baseUrl = publicBaseUrl(config);
  /** A stored object's public link (its base is known once listening); links of this form are also read back from the store. */
  const mediaUrl = (key: string) => `${baseUrl}/media/${key}`;
  const services: GatewayServices = {
    runner,
    keepAlive,
    shutdown,
    mediaUrl,
    jobEventsUrl: (jobId) => `${baseUrl}/v1/jobs/${jobId}/events`,
    // A deleted job (DELETE /v1/videos/{id}) is gone for every endpoint.
    findJob: async (id) => {
      const job = await jobStore.get(id);
      return job && !job.deletedAt ? job : null;
    },
    servedModels: () => listModels().filter((m) => channels.servesModel(m.id)),
    generation: new GenerationPipeline({
      channels,
      media,
      references: config.references,
      // Links of this form (and of the request's own host) are read from the store, never fetched.
      mediaUrl,
      moderator,
      jobs: jobStore,
      repeats: { retryWindowMs: config.jobs.retryWindowMs, failureReplayMs: config.jobs.failureReplayMs },
      engine: runner,
      newJobId,
      ...(config.billing.enabled && { prices }),
    }),
    media,
    jobs: jobStore,
  };
  const keyWebhookDefaults = new KeyWebhookDefaults(database.db);
  const webhooks = new WebhookDispatcher({
    deliveries: new WebhookDeliveryStore(database.db),
    keyDefaults: keyWebhookDefaults,
    jobs: jobStore,
    events,
    settings: config.webhooks,
    allowlist: config.references.allowlist,
    secret: webhookSecret.secret,
    mediaUrl: services.mediaUrl,
    log: app.log,
  });
  const thumbnails = new VideoThumbnails(database.db, media, resolveFfmpegPath(config.ffmpegPath));

  registerErrorHandling(app);
  await registerRouteSchemas(app);
  registerJsonBodyParser(app);
  const authenticator = new ApiKeyAuthenticator(operator.keys);
  const adminAuthenticator = new AdminAuthenticator(operator.adminKeys, authenticator);
  app.decorateRequest('apiKey', null as never);
  app.addHook('onRequest', async (request) => {
    // The matched route, not the raw URL: `/%761/models` is routed to /v1/models and must not pass as another path.
    if (requiresApiKey(request.routeOptions.url ?? request.url))
      request.apiKey = await authenticator.authenticate(request);
  });
  registerRateLimits(app, new RequestCounter(database.db, { now: options.rateLimitClock }));
  await app.register(async (scope) =>
    healthRoutes(scope, {
      missingMigrations: () => missingMigrations(database.db),
      checkStorage: () => media.check(),
      stopping: () => shutdown.stopping,
      timeoutMs: READY_CHECK_TIMEOUT_MS,
      onNotReady: (problems, causes) =>
        app.log.warn({ problems, causes: causes.map(String) }, 'not ready: GET /health/ready answers 503'),
    }),
  );
  await app.register(async (scope) => mediaRoutes(scope, { store: media, links: config.storage.mediaLinks }));
  await app.register(async (scope) => modelRoutes(scope, services));
  await app.register(async (scope) => chatRoutes(scope, services));
  await app.register(async (scope) => responseRoutes(scope, services));
  await app.register(async (scope) => jobRoutes(scope, services));
  await app.register(async (scope) => jobEventsRoute(scope, services));
  await app.register(async (scope) =>
    customerUsageRoutes(scope, { db: database.db, operator, billing: config.billing }),
  );
  await app.register(async (scope) => imageRoutes(scope, services, { references: config.references }));
  await app.register(async (scope) => videoRoutes(scope, services, { references: config.references, thumbnails }));
  await app.register(async (scope) =>
    webhookSettingsRoutes(scope, { keyDefaults: keyWebhookDefaults, allowlist: config.references.allowlist }),
  );
  await app.register(
    async (scope) =>
      adminRoutes(scope, {
        authenticator: adminAuthenticator,
        operator,
        billing: config.billing,
        customersChanged: () => authenticator.cache.clear(),
        views: {
          db: database.db,
          billing: config.billing,
          jobs: jobStore,
          mediaUrl: services.mediaUrl,
          channels,
          generation: services.generation,
          runner,
          shutdown,
        },
      }),
    { prefix: ADMIN_PREFIX },
  );
  await app.register(async (scope) => openApiRoutes(scope));
  // With a metrics port, /metrics lives there only; otherwise here, behind an admin key.
  if (config.metrics.port === undefined) {
    const authorize = async (request: FastifyRequest) => void (await adminAuthenticator.authenticate(request));
    await app.register(async (scope) => metricsRoutes(scope, { metrics, authorize }));
  }
  let metricsListener: MetricsListener | undefined;
  if (webhookSecret.createdFile)
    app.log.info({ file: webhookSecret.createdFile }, 'generated a webhook signing secret');

  /** Stops taking work: the listener closes, routes waiting for a job answer, streams say where to follow theirs. */
  const stopTakingRequests = () => {
    if (shutdown.stopping) return;
    shutdown.begin();
    if (app.server.listening) app.server.close();
    const streams = keepAlive.shutdownAll();
    app.log.info(
      { streams, requests: drain.inFlight },
      'stopping: new requests are refused; open streams and waiting requests are told how to follow their jobs',
    );
  };
  let closed: Promise<void> | undefined;
  const closeAll = async () => {
    // Before the database closes: the same request sent again after the restart joins these jobs.
    await jobStore
      .markHandedOff(shutdown.handedOff)
      .catch((err) => app.log.warn({ err }, 'could not record handed-off jobs'));
    const jobs = runner.activeCount;
    await runner.stop();
    await clusterEvents?.stop();
    if (jobs > 0)
      app.log.info(
        { jobs },
        cluster
          ? 'job runner stopped; its jobs are released for another instance (or the next start) to resume'
          : 'job runner stopped; its jobs resume on the next start',
      );
    await cluster?.leave();
    // A render the stopped jobs started still writes into the data dir: let it end first.
    await Promise.all(channels.channels.map((channel) => channel.provider.close?.()));
    await webhooks.stop();
    await moderator.close?.();
    keepAlive.close();
    await metricsListener?.close();
    await app.close();
    media.close();
    await database.close();
  };
  const close = () => {
    stopTakingRequests();
    closed ??= closeAll();
    return closed;
  };

  return {
    app,
    config,
    channels,
    keys,
    metrics,
    instanceId,
    get metricsPort() {
      return metricsListener?.port;
    },
    operator,
    async listen() {
      // A burst of clients opening streams at once (a reconnect storm) should queue, not be reset.
      await app.listen({ port: config.port, host: config.host, backlog: 4096 });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      baseUrl = publicBaseUrl(config, port);
      if (config.metrics.port !== undefined)
        metricsListener = await startMetricsListener(metrics, config.metrics.port, config.metrics.host ?? config.host);
      await clusterEvents?.start();
      runner.start();
      webhooks.start();
      return port;
    },
    async stop() {
      stopTakingRequests();
      const drainMs = Math.floor(config.shutdownGraceMs / 2);
      if (!(await drain.drained(drainMs)))
        app.log.warn({ requests: drain.inFlight, drainMs }, 'answers still under way at the drain deadline are cut');
      await close();
      app.log.info('stopped');
    },
    close,
  };
}
