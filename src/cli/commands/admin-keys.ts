import type { Command } from 'commander';
import { toAdminKeyObject } from '../../api-objects/account-objects.js';
import { OperatorError } from '../../accounts/operator-error.js';
import { fields, formatTime, table } from '../output.js';
import type { CommandModule } from '../program.js';

/** `admin-keys create|list|revoke`: credentials for /admin/v1 and /metrics. */
export const adminKeysCommand: CommandModule = (program, run) => {
  const adminKeys = program.command('admin-keys').description('operator keys for /admin/v1 and /metrics');

  adminKeys
    .command('create')
    .description('create an admin key; its secret is printed once')
    .requiredOption('--name <name>', 'who or what uses it')
    .action((options: { name: string }, command: Command) =>
      run(command, async (ctx) => {
        const { key, secret } = await ctx.operator.adminKeys.create(options.name);
        ctx.print(
          { key, secret },
          (k) => toAdminKeyObject(k.key, k.secret),
          (k) =>
            fields([
              ['key', k.secret],
              ['id', k.key.id],
              ['name', k.key.name],
              ['prefix', k.key.prefix],
              ['created', formatTime(k.key.createdAt)],
            ]),
        );
        ctx.note(
          '\nThis secret will not be shown again (only its hash is stored). It opens /admin/v1 and /metrics: keep it safe.',
        );
      }),
    );

  adminKeys
    .command('list')
    .description('every admin key (never the secrets)')
    .action((_options, command: Command) =>
      run(command, async (ctx) =>
        ctx.print(
          await ctx.operator.adminKeys.list(),
          (keys) => ({ object: 'list' as const, data: keys.map((k) => toAdminKeyObject(k)) }),
          (keys) =>
            table(
              ['ID', 'NAME', 'PREFIX', 'CREATED', 'REVOKED'],
              keys.map((k) => [k.id, k.name, k.prefix, formatTime(k.createdAt), formatTime(k.revokedAt)]),
            ),
        ),
      ),
    );

  adminKeys
    .command('revoke')
    .description('stop an admin key from working, for good (a running gateway follows within 10 seconds)')
    .argument('<id>', 'admin key id (adm_…)')
    .action((id: string, _options, command: Command) =>
      run(command, async (ctx) => {
        await ctx.operator.adminKeys.revoke(id);
        const key = await ctx.operator.adminKeys.get(id);
        if (!key)
          throw new OperatorError(
            'key_not_found',
            `No admin key ${id}. \`mediagate admin-keys list\` shows them.`,
            'id',
          );
        ctx.print(
          key,
          (k) => toAdminKeyObject(k),
          (k) =>
            fields([
              ['id', k.id],
              ['name', k.name],
              ['revoked', formatTime(k.revokedAt)],
            ]),
        );
      }),
    );
};
