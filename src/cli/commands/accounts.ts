import type { Command } from 'commander';
import type { Account } from '../../accounts/types.js';
import {
  toAccountList,
  toAccountObject,
  toAdjustmentObject,
  toTopUpObject,
} from '../../api-objects/account-objects.js';
import { toLedgerPage } from '../../api-objects/ledger-objects.js';
import type { LedgerEntry } from '../../billing/ledger-entries.js';
import {
  credits,
  modelList,
  modelListOrAll,
  orNone,
  positiveCredits,
  positiveInt,
  signedCredits,
  cleared,
  type NONE,
} from '../arguments.js';
import type { CommandContext } from '../context.js';
import { fields, formatCredits, formatLimit, formatMoney, formatTime, table } from '../output.js';
import { type CommandModule, UsageError } from '../program.js';

interface LimitOptions {
  monthlyLimit?: number | typeof NONE;
  models?: string[] | typeof NONE;
  rpm?: number | typeof NONE;
  concurrency?: number | typeof NONE;
}

function showAccount(account: Account, ctx: CommandContext): string {
  return fields([
    ['id', account.id],
    ['name', account.name],
    ['status', account.status],
    ['billing', account.prepaid ? 'prepaid (spends only its balance)' : 'postpaid (metered, balance not enforced)'],
    ['balance', formatMoney(account.balance, ctx.money)],
    ['reserved', `${formatMoney(account.reserved, ctx.money)} held by ${account.activeJobs} running job(s)`],
    ['available', formatMoney(account.balance - account.reserved, ctx.money)],
    ['monthly limit', formatLimit(account.monthlySpendLimit)],
    ['models', account.models ? account.models.join(',') : 'all'],
    ['rpm limit', formatLimit(account.rpmLimit)],
    ['concurrency', formatLimit(account.concurrencyLimit)],
    ['created', formatTime(account.createdAt)],
    ['updated', formatTime(account.updatedAt)],
  ]);
}

const accountRows = (accounts: Account[]) =>
  table(
    ['ID', 'NAME', 'STATUS', 'BILLING', 'BALANCE', 'RESERVED', 'RPM', 'CONCURRENCY', 'MODELS'],
    accounts.map((a) => [
      a.id,
      a.name,
      a.status,
      a.prepaid ? 'prepaid' : 'postpaid',
      formatCredits(a.balance),
      formatCredits(a.reserved),
      formatLimit(a.rpmLimit),
      formatLimit(a.concurrencyLimit),
      a.models ? a.models.join(',') : 'all',
    ]),
  );

const ledgerRows = (entries: LedgerEntry[]) =>
  table(
    ['ID', 'TIME', 'KIND', 'AMOUNT', 'JOB', 'KEY', 'NOTE'],
    entries.map((e) => [
      e.id,
      formatTime(e.createdAt),
      e.kind,
      formatCredits(e.amount),
      e.jobId ?? '-',
      e.apiKeyId ?? '-',
      e.note ?? '',
    ]),
  );

/** `accounts create|list|show|update|suspend|resume|top-up|adjust|ledger`. */
export const accountsCommand: CommandModule = (program, run) => {
  const accounts = program.command('accounts').description('customer accounts: balance, limits, ledger');

  accounts
    .command('create')
    .description('create a prepaid account (spends only its balance); --postpaid meters without enforcing it')
    .requiredOption('--name <name>', 'who the account is for')
    .option('--balance <credits>', 'opening balance in credits, recorded as a top-up', credits)
    .option('--postpaid', 'do not enforce the balance, only record what is spent')
    .option('--monthly-limit <credits>', 'most the account may spend in a calendar month (UTC)', credits)
    .option('--models <list>', 'comma-separated models the account may use (default: all)', modelList)
    .option('--rpm <n>', 'requests per minute, for all its keys together', positiveInt)
    .option('--concurrency <n>', 'jobs running at once, for all its keys together', positiveInt)
    .action((options: LimitOptions & { name: string; balance?: number; postpaid?: boolean }, command: Command) =>
      run(command, async (ctx) => {
        const account = await ctx.operator.createAccount({
          name: options.name,
          ...(options.balance !== undefined && { balance: options.balance }),
          prepaid: options.postpaid !== true,
          ...limitChanges(options),
        });
        ctx.print(account, toAccountObject, (a) => showAccount(a, ctx));
      }),
    );

  accounts
    .command('list')
    .description('every account with its balance and limits')
    .action((_options, command: Command) =>
      run(command, async (ctx) => ctx.print(await ctx.operator.listAccounts(), toAccountList, accountRows)),
    );

  accounts
    .command('show')
    .description('one account, with its current balance and what running jobs hold')
    .argument('<id>', 'account id (acct_…)')
    .action((id: string, _options, command: Command) =>
      run(command, async (ctx) =>
        ctx.print(await ctx.operator.account(id), toAccountObject, (a) => showAccount(a, ctx)),
      ),
    );

  accounts
    .command('update')
    .description('change an account; give "none" to remove a limit ("all" for --models)')
    .argument('<id>', 'account id (acct_…)')
    .option('--name <name>', 'new name')
    .option('--prepaid', 'enforce the balance')
    .option('--postpaid', 'stop enforcing the balance, only record what is spent')
    .option('--monthly-limit <credits|none>', 'most the account may spend in a calendar month (UTC)', orNone(credits))
    .option('--models <list|all>', 'comma-separated models the account may use', modelListOrAll)
    .option('--rpm <n|none>', 'requests per minute, for all its keys together', orNone(positiveInt))
    .option('--concurrency <n|none>', 'jobs running at once, for all its keys together', orNone(positiveInt))
    .action(
      (
        id: string,
        options: LimitOptions & { name?: string; prepaid?: boolean; postpaid?: boolean },
        command: Command,
      ) => {
        if (options.prepaid && options.postpaid) throw new UsageError('Give --prepaid or --postpaid, not both.');
        const changes = {
          ...(options.name !== undefined && { name: options.name }),
          ...(options.prepaid && { prepaid: true }),
          ...(options.postpaid && { prepaid: false }),
          ...limitChanges(options),
        };
        if (Object.keys(changes).length === 0)
          throw new UsageError('Nothing to change: give at least one option (see accounts update --help).');
        return run(command, async (ctx) =>
          ctx.print(await ctx.operator.updateAccount(id, changes), toAccountObject, (a) => showAccount(a, ctx)),
        );
      },
    );

  for (const [name, status, description] of [
    ['suspend', 'suspended', 'refuse new jobs from every key of the account (running jobs finish)'],
    ['resume', 'active', 'let a suspended account create jobs again'],
  ] as const)
    accounts
      .command(name)
      .description(description)
      .argument('<id>', 'account id (acct_…)')
      .action((id: string, _options, command: Command) =>
        run(command, async (ctx) => {
          ctx.print(await ctx.operator.updateAccount(id, { status }), toAccountObject, (a) => showAccount(a, ctx));
          ctx.note('A running gateway sees the change within 10 seconds (its key cache).');
        }),
      );

  accounts
    .command('top-up')
    .description('add credits to the balance (a top_up ledger entry)')
    .argument('<id>', 'account id (acct_…)')
    .argument('<amount>', 'credits to add, a whole number', positiveCredits)
    .option('--note <text>', 'why, for the ledger (an invoice or payment reference)')
    .action((id: string, amount: number, options: { note?: string }, command: Command) =>
      run(command, async (ctx) => {
        const done = await ctx.operator.credit(id, 'top_up', amount, options.note);
        ctx.print(
          { entryId: done.entryId, amount, account: done.account },
          (d) => toTopUpObject(d, options.note),
          (d) =>
            `Added ${formatCredits(d.amount)} credits (ledger entry ${d.entryId}).\n${showAccount(d.account, ctx)}`,
        );
      }),
    );

  accounts
    .command('adjust')
    .description('correct the balance either way (an adjustment ledger entry); negative takes credits away')
    .argument('<id>', 'account id (acct_…)')
    .argument('<amount>', 'signed credits, e.g. -250000', signedCredits)
    .requiredOption('--note <text>', 'why, for the ledger (required: an adjustment must be explained)')
    .action((id: string, amount: number, options: { note: string }, command: Command) =>
      run(command, async (ctx) => {
        const done = await ctx.operator.credit(id, 'adjustment', amount, options.note);
        ctx.print(
          { entryId: done.entryId, amount, account: done.account },
          (d) => toAdjustmentObject(d, options.note),
          (d) =>
            `Adjusted by ${formatCredits(d.amount)} credits (ledger entry ${d.entryId}).\n${showAccount(d.account, ctx)}`,
        );
      }),
    );

  accounts
    .command('ledger')
    .description("the account's ledger entries, newest first")
    .argument('<id>', 'account id (acct_…)')
    .option('--limit <n>', 'how many entries', positiveInt, 50)
    .action((id: string, options: { limit: number }, command: Command) =>
      run(command, async (ctx) => {
        await ctx.operator.account(id);
        // One extra entry tells whether older ones follow (`has_more`), as in the admin API.
        const entries = await ctx.operator.ledger({ accountId: id, limit: options.limit + 1 });
        ctx.print(
          entries,
          (e) => toLedgerPage(e, options.limit),
          (e) => ledgerRows(e.slice(0, options.limit)),
        );
      }),
    );
};

function limitChanges(options: LimitOptions) {
  return {
    ...(options.monthlyLimit !== undefined && { monthlySpendLimit: cleared(options.monthlyLimit) }),
    ...(options.models !== undefined && { models: cleared(options.models) }),
    ...(options.rpm !== undefined && { rpmLimit: cleared(options.rpm) }),
    ...(options.concurrency !== undefined && { concurrencyLimit: cleared(options.concurrency) }),
  };
}
