import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  accountObject,
  createdKeyObject,
  toAccountObject,
  toCreatedKeyObject,
  topUpObject,
  toTopUpObject,
} from '../../api-objects/account-objects.js';
import type { AdminDeps } from './deps.js';
import { accountIdParams, createAccountBody, createKeyBody, limitsFromBody, topUpBody } from './schemas.js';

const tags = ['Admin: accounts'];

/** Accounts, their keys and their money: the part of the admin API scripts and checks rely on. */
export async function accountRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { operator } = deps;

  routes.post(
    '/accounts',
    {
      schema: {
        operationId: 'adminCreateAccount',
        tags,
        summary: 'Create an account (a customer), optionally with an opening balance',
        body: createAccountBody,
        response: { 201: accountObject },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const account = await operator.createAccount({
        name: body.name,
        ...(body.balance !== undefined && { balance: body.balance }),
        ...(body.prepaid !== undefined && { prepaid: body.prepaid }),
        ...(body.monthly_spend_limit !== undefined && { monthlySpendLimit: body.monthly_spend_limit }),
        ...limitsFromBody(body),
      });
      return reply.status(201).send(toAccountObject(account));
    },
  );

  routes.get(
    '/accounts/:id',
    {
      schema: {
        operationId: 'adminGetAccount',
        tags,
        summary: 'An account, with its balance and reservations as they are now',
        params: accountIdParams,
        response: { 200: accountObject },
      },
    },
    async (request) => toAccountObject(await operator.account(request.params.id)),
  );

  routes.post(
    '/accounts/:id/keys',
    {
      schema: {
        operationId: 'adminCreateKey',
        tags,
        summary: 'Create an API key for the account; the answer is the only time the secret is shown',
        params: accountIdParams,
        body: createKeyBody,
        response: { 201: createdKeyObject },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { key, secret } = await operator.createKey({
        accountId: request.params.id,
        name: body.name,
        ...(body.spend_limit !== undefined && { spendLimit: body.spend_limit }),
        ...(body.expires_at !== undefined && { expiresAt: body.expires_at === null ? null : body.expires_at * 1000 }),
        ...limitsFromBody(body),
      });
      return reply.status(201).send(toCreatedKeyObject(key, secret));
    },
  );

  routes.post(
    '/accounts/:id/top-ups',
    {
      schema: {
        operationId: 'adminTopUp',
        tags,
        summary: 'Add credits to the balance (recorded in the ledger as a top-up)',
        params: accountIdParams,
        body: topUpBody,
        response: { 201: topUpObject },
      },
    },
    async (request, reply) => {
      const { amount, note } = request.body;
      const done = await operator.credit(request.params.id, 'top_up', amount, note);
      deps.customersChanged();
      return reply.status(201).send(toTopUpObject({ ...done, amount }, note));
    },
  );
}
