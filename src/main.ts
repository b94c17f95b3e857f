#!/usr/bin/env node
import { isCliInvocation, runCli } from './cli/index.js';
import { ConfigError, loadConfig } from './config/index.js';
import { DataDirLockedError } from './db/data-dir-lock.js';

async function main(): Promise<void> {
  if (isCliInvocation(process.argv)) {
    process.exitCode = await runCli(process.argv);
    return;
  }
  // The server's modules load only to serve: an operator command starts in half the time without them.
  const [{ buildGateway }, { renderRoutingTable }, { buildChannels }, { SandboxProvider }] = await Promise.all([
    import('./app.js'),
    import('./config/print-config.js'),
    import('./providers/build-channels.js'),
    import('./providers/sandbox/index.js'),
  ]);
  const config = loadConfig();
  if (process.argv.includes('--print-config')) {
    const channels = buildChannels(
      config,
      () => new SandboxProvider({ dataDir: config.dataDir, imageLatencyMs: 0, videoLatencyMs: 0, pollMs: 1 }),
    );
    process.stdout.write(renderRoutingTable(config, channels));
    return;
  }
  const gateway = await buildGateway(config);
  const log = gateway.app.log;
  const port = await gateway.listen();

  if (gateway.keys.createdKey) {
    // Printed once, on the start that created it; only its hash is stored.
    process.stdout.write(
      `\nNo API key was configured, so one was created:\n\n    ${gateway.keys.createdKey}\n\n` +
        `It is also in ${gateway.keys.createdKeyFile} (mode 0600). Set MEDIAGATE_API_KEYS to use your own.\n\n`,
    );
  }
  if (gateway.keys.createdAdminKey) {
    process.stdout.write(
      `An admin key for /admin/v1 and /metrics was created:\n\n    ${gateway.keys.createdAdminKey}\n\n` +
        `It is also in ${gateway.keys.createdAdminKeyFile} (mode 0600). Set MEDIAGATE_ADMIN_KEYS to use your own.\n\n`,
    );
  }
  const upstreams = gateway.channels.channels.filter((c) => c.name !== 'sandbox');
  if (upstreams.length === 0) {
    log.warn(
      'No upstream channel is configured: the local SANDBOX provider serves every model. ' +
        'It renders placeholder images and videos locally and never calls a real provider.',
    );
  }
  log.info(
    {
      port,
      dataDir: config.dataDir,
      database: config.databaseUrl ? 'postgres' : 'sqlite',
      metrics: gateway.metricsPort === undefined ? '/metrics (admin key)' : `port ${gateway.metricsPort}`,
    },
    `mediagate listening on port ${port}`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting at once; running jobs resume on the next start');
      process.exit(1);
    }
    stopping = true;
    const graceMs = config.shutdownGraceMs;
    log.info({ signal, graceMs }, 'shutting down; running jobs resume on the next start');
    // A write or an answer that never ends must not keep the process (and its port) forever.
    setTimeout(() => {
      log.error({ graceMs }, 'shutdown grace period over: exiting with work unfinished; jobs resume on the next start');
      process.exit(1);
    }, graceMs).unref();
    gateway.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`mediagate failed to start: ${err?.stack ?? err}\n`);
  process.exit(1);
});
