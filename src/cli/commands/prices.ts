import type { Command } from 'commander';
import { toPriceList, toPriceObject, toPriceReset } from '../../api-objects/price-objects.js';
import type { ModelPrice, PriceRule } from '../../billing/config-billing.js';
import type { PricedModel } from '../../billing/price-book.js';
import { catalogName } from '../../catalog/index.js';
import { collect, credits, priceRule, type RuleText } from '../arguments.js';
import { fields, formatCredits, table } from '../output.js';
import { type CommandModule, UsageError } from '../program.js';

/** Per image or per second: from the base price, else from the rules (a model may be priced by rules only). */
const unit = (price: ModelPrice) =>
  [price, ...price.rules].some((p) => p.perImage !== undefined) ? 'image' : 'second';

/** The base price; "-" when only the rules price the model (a request no rule matches is then unpriced). */
const base = (price: ModelPrice) => {
  const amount = price.perImage ?? price.perSecond;
  return amount === undefined ? '-' : formatCredits(amount);
};

function ruleText(rule: PriceRule): string {
  const conditions = (['quality', 'size', 'resolution'] as const)
    .filter((c) => rule[c] !== undefined)
    .map((c) => `${c}=${rule[c]}`)
    .join(',');
  return `${conditions}:${rule.perImage ?? rule.perSecond}`;
}

const priceRows = (prices: PricedModel[]) =>
  table(
    ['MODEL', 'PER', 'PRICE', 'SOURCE', 'RULES (first match wins)'],
    prices.map(({ model, price, source }) => [
      model,
      unit(price),
      base(price),
      source,
      price.rules.map(ruleText).join('  ') || '-',
    ]),
  );

const showPrice = ({ model, price, source }: PricedModel) =>
  fields([
    ['model', model],
    [`per ${unit(price)}`, base(price)],
    ['source', source],
    ['rules', price.rules.map(ruleText).join('  ') || '-'],
  ]);

/** `prices list|set|reset`: what each model costs, in credits per image or per second of video. */
export const pricesCommand: CommandModule = (program, run) => {
  const prices = program.command('prices').description('what each model costs, in credits');

  prices
    .command('list')
    .description('the prices in force: embedded defaults, then the config, then those set here')
    .action((_options, command: Command) =>
      run(command, async (ctx) =>
        ctx.print(await ctx.operator.listPrices(), (p) => toPriceList(p, ctx.money), priceRows),
      ),
    );

  prices
    .command('set')
    .description("replace a model's price, rules included (every gateway on this database applies it within 5 s)")
    .argument('<model>', 'public model name, e.g. gpt-image-1')
    .option('--per-image <credits>', 'credits per image', credits)
    .option('--per-second <credits>', 'credits per second of video', credits)
    .option(
      '--rule <conditions:credits>',
      "a price for matching requests, e.g. 'quality=high,size=1024x1024:167000' (quality, size, resolution); repeat it, first match wins",
      collect(priceRule),
    )
    .action(
      (model: string, options: { perImage?: number; perSecond?: number; rule?: RuleText[] }, command: Command) => {
        if ((options.perImage === undefined) === (options.perSecond === undefined))
          throw new UsageError('Give exactly one of --per-image and --per-second.');
        const field = options.perImage !== undefined ? 'perImage' : 'perSecond';
        const price: ModelPrice = {
          [field]: options.perImage ?? options.perSecond,
          rules: (options.rule ?? []).map((r) => ({ ...r.conditions, [field]: r.amount })),
        };
        return run(command, async (ctx) =>
          ctx.print(await ctx.operator.setPrice(model, price), toPriceObject, showPrice),
        );
      },
    );

  prices
    .command('reset')
    .description('drop the price set here, so the configured or default one applies again')
    .argument('<model>', 'public model name')
    .action((model: string, _options, command: Command) =>
      run(command, async (ctx) => {
        const price = await ctx.operator.resetPrice(model);
        ctx.print(
          price,
          (p) => toPriceReset(catalogName(model), p),
          (p) => (p ? showPrice(p) : `${model} has no price now.\n`),
        );
      }),
    );
};
