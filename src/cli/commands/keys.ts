import type { Command } from 'commander';
import type { CustomerKey } from '../../accounts/types.js';
import { toCreatedKeyObject, toKeyList, toKeyObject } from '../../api-objects/account-objects.js';
import { credits, expiry, modelList, modelListOrAll, orNone, positiveInt, cleared, type NONE } from '../arguments.js';
import { DURATION_HINT } from '../../billing/time-expressions.js';
import { fields, formatCredits, formatLimit, formatTime, table } from '../output.js';
import { type CommandModule, UsageError } from '../program.js';

interface KeyLimitOptions {
  name?: string;
  rpm?: number | typeof NONE;
  concurrency?: number | typeof NONE;
  spendLimit?: number | typeof NONE;
  models?: string[] | typeof NONE;
  expires?: number | typeof NONE;
}

function keyStatus(key: CustomerKey, now = Date.now()): string {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}

const showKey = (key: CustomerKey) =>
  fields([
    ['id', key.id],
    ['account', key.accountId],
    ['name', key.name],
    ['prefix', key.prefix],
    ['status', keyStatus(key)],
    ['expires', formatTime(key.expiresAt)],
    ['spend limit', formatLimit(key.spendLimit)],
    ['spent', formatCredits(key.spent)],
    ['reserved', `${formatCredits(key.reserved)} held by ${key.activeJobs} running job(s)`],
    ['models', key.models ? key.models.join(',') : "the account's"],
    ['rpm limit', formatLimit(key.rpmLimit)],
    ['concurrency', formatLimit(key.concurrencyLimit)],
    ['created', formatTime(key.createdAt)],
    ['last used', formatTime(key.lastUsedAt)],
    ...(key.revokedAt !== null ? [['revoked', formatTime(key.revokedAt)] as [string, string]] : []),
  ]);

const keyRows = (keys: CustomerKey[]) =>
  table(
    ['ID', 'ACCOUNT', 'NAME', 'PREFIX', 'STATUS', 'EXPIRES', 'LAST USED', 'SPENT', 'SPEND LIMIT', 'RPM', 'CONCURRENCY'],
    keys.map((k) => [
      k.id,
      k.accountId,
      k.name,
      k.prefix,
      keyStatus(k),
      formatTime(k.expiresAt),
      formatTime(k.lastUsedAt),
      formatCredits(k.spent),
      formatLimit(k.spendLimit),
      formatLimit(k.rpmLimit),
      formatLimit(k.concurrencyLimit),
    ]),
  );

function keyChanges(options: KeyLimitOptions) {
  return {
    ...(options.name !== undefined && { name: options.name }),
    ...(options.rpm !== undefined && { rpmLimit: cleared(options.rpm) }),
    ...(options.concurrency !== undefined && { concurrencyLimit: cleared(options.concurrency) }),
    ...(options.spendLimit !== undefined && { spendLimit: cleared(options.spendLimit) }),
    ...(options.models !== undefined && { models: cleared(options.models) }),
    ...(options.expires !== undefined && { expiresAt: cleared(options.expires) }),
  };
}

/** `keys create|list|update|revoke`: customer API keys. Their limits narrow the account's. */
export const keysCommand: CommandModule = (program, run) => {
  const keys = program.command('keys').description("customer API keys; their limits narrow their account's");

  keys
    .command('create')
    .description('create a key for an account; its secret is printed once')
    .requiredOption('--account <id>', 'the account it spends from (acct_…)')
    .requiredOption('--name <name>', 'what it is for')
    .option('--rpm <n>', 'requests per minute', positiveInt)
    .option('--concurrency <n>', 'jobs running at once', positiveInt)
    .option('--spend-limit <credits>', 'most this key may ever spend', credits)
    .option('--models <list>', "comma-separated models (within the account's)", modelList)
    .option('--expires <when>', `when it stops working: ${DURATION_HINT} from now, or a date`, expiry())
    .action((options: KeyLimitOptions & { account: string; name: string }, command: Command) =>
      run(command, async (ctx) => {
        const { key, secret } = await ctx.operator.createKey({
          ...keyChanges(options),
          accountId: options.account,
          name: options.name,
        });
        ctx.print(
          { key, secret },
          (k) => toCreatedKeyObject(k.key, k.secret),
          (k) => `key: ${k.secret}\n\n${showKey(k.key)}`,
        );
        ctx.note('\nThis secret will not be shown again (only its hash is stored): give it to the customer now.');
      }),
    );

  keys
    .command('list')
    .description('keys, with their status, spending and limits (never the secrets)')
    .option('--account <id>', 'only the keys of this account')
    .action((options: { account?: string }, command: Command) =>
      run(command, async (ctx) => {
        if (options.account !== undefined) await ctx.operator.account(options.account);
        ctx.print(await ctx.operator.listKeys(options.account), toKeyList, keyRows);
      }),
    );

  keys
    .command('update')
    .description('change a key; give "none" to remove a limit ("all" for --models)')
    .argument('<id>', 'key id (key_…)')
    .option('--name <name>', 'new name')
    .option('--rpm <n|none>', 'requests per minute', orNone(positiveInt))
    .option('--concurrency <n|none>', 'jobs running at once', orNone(positiveInt))
    .option('--spend-limit <credits|none>', 'most this key may ever spend', orNone(credits))
    .option('--models <list|all>', "comma-separated models (within the account's)", modelListOrAll)
    .option('--expires <when|none>', `${DURATION_HINT} from now, a date, or none`, orNone(expiry()))
    .action((id: string, options: KeyLimitOptions, command: Command) => {
      const changes = keyChanges(options);
      if (Object.keys(changes).length === 0)
        throw new UsageError('Nothing to change: give at least one option (see keys update --help).');
      return run(command, async (ctx) => {
        ctx.print(await ctx.operator.updateKey(id, changes), toKeyObject, showKey);
        ctx.note('A running gateway applies the change within 10 seconds (its key cache).');
      });
    });

  keys
    .command('revoke')
    .description('stop a key from working, for good')
    .argument('<id>', 'key id (key_…)')
    .action((id: string, _options, command: Command) =>
      run(command, async (ctx) => {
        ctx.print(await ctx.operator.revokeKey(id), toKeyObject, showKey);
        ctx.note('A running gateway refuses it within 10 seconds (its key cache).');
      }),
    );
};
