import type { Command } from 'commander';
import { toAdminKeyObject } from '../../api-objects/account-objects.js';
import { fields, formatTime } from '../output.js';
import type { CommandModule } from '../program.js';

/** `admin-keys create`: credentials for /admin/v1 and /metrics. */
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
};
