import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AccountStatus } from '../../accounts/types.js';
import {
  accountList,
  accountObject,
  adjustmentObject,
  keyList,
  toAccountList,
  toAccountObject,
  toAdjustmentObject,
  toKeyList,
} from '../../api-objects/account-objects.js';
import { ledgerList, toLedgerPage } from '../../api-objects/ledger-objects.js';
import { errorResponse } from '../openapi/response-schemas.js';
import type { AdminDeps } from './deps.js';
import {
  accountIdParams,
  accountListQuery,
  adjustmentBody,
  ledgerQuery,
  limitsFromBody,
  updateAccountBody,
} from './schemas.js';

const tags = ['Admin: accounts'];
const DEFAULT_LEDGER_PAGE = 100;

/** Managing accounts: listing, changing limits and status, correcting balances, reading the ledger. */
export async function accountManagementRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { operator } = deps;

  routes.get(
    '/accounts',
    {
      schema: {
        operationId: 'adminListAccounts',
        tags,
        summary: 'Every account, oldest first, optionally only those with one status',
        querystring: accountListQuery,
        response: { 200: accountList },
      },
    },
    async (request) => {
      const { status } = request.query;
      const accounts = await operator.listAccounts();
      return toAccountList(accounts.filter((a) => status === undefined || a.status === status));
    },
  );

  routes.patch(
    '/accounts/:id',
    {
      schema: {
        operationId: 'adminUpdateAccount',
        tags,
        summary: "Change an account's name, limits, allow-list, prepaid flag or status",
        params: accountIdParams,
        body: updateAccountBody,
        response: { 200: accountObject, 404: errorResponse },
      },
    },
    async (request) => {
      const body = request.body;
      const account = await operator.updateAccount(request.params.id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(body.status !== undefined && { status: body.status }),
        ...(body.prepaid !== undefined && { prepaid: body.prepaid }),
        ...(body.monthly_spend_limit !== undefined && { monthlySpendLimit: body.monthly_spend_limit }),
        ...limitsFromBody(body),
      });
      deps.customersChanged();
      return toAccountObject(account);
    },
  );

  const setStatus = (status: AccountStatus, operationId: string, summary: string) =>
    routes.post(
      `/accounts/:id/${status === 'suspended' ? 'suspend' : 'resume'}`,
      {
        schema: {
          operationId,
          tags,
          summary,
          params: accountIdParams,
          response: { 200: accountObject, 404: errorResponse },
        },
      },
      async (request) => {
        const account = await operator.updateAccount(request.params.id, { status });
        deps.customersChanged();
        return toAccountObject(account);
      },
    );
  setStatus(
    'suspended',
    'adminSuspendAccount',
    'Suspend an account: its keys are refused (403 account_suspended) until it is resumed',
  );
  setStatus('active', 'adminResumeAccount', 'Resume a suspended account: its keys work again');

  routes.post(
    '/accounts/:id/adjustments',
    {
      schema: {
        operationId: 'adminAdjustBalance',
        tags,
        summary: 'Correct the balance by a signed amount, with a note kept in the ledger',
        params: accountIdParams,
        body: adjustmentBody,
        response: { 201: adjustmentObject, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const { amount, note } = request.body;
      const done = await operator.credit(request.params.id, 'adjustment', amount, note);
      deps.customersChanged();
      return reply.status(201).send(toAdjustmentObject({ ...done, amount }, note));
    },
  );

  routes.get(
    '/accounts/:id/ledger',
    {
      schema: {
        operationId: 'adminListLedger',
        tags,
        summary: "The account's ledger entries, newest first, paged with `before`",
        params: accountIdParams,
        querystring: ledgerQuery,
        response: { 200: ledgerList, 404: errorResponse },
      },
    },
    async (request) => {
      const query = request.query;
      await operator.account(request.params.id);
      const limit = query.limit ?? DEFAULT_LEDGER_PAGE;
      // One extra row tells whether another page follows.
      const entries = await operator.ledger({
        accountId: request.params.id,
        limit: limit + 1,
        ...(query.before !== undefined && { before: query.before }),
        ...(query.kind !== undefined && { kind: query.kind }),
        ...(query.job_id !== undefined && { jobId: query.job_id }),
      });
      return toLedgerPage(entries, limit);
    },
  );

  routes.get(
    '/accounts/:id/keys',
    {
      schema: {
        operationId: 'adminListAccountKeys',
        tags: ['Admin: keys'],
        summary: "The account's API keys, revoked ones included (never their secrets)",
        params: accountIdParams,
        response: { 200: keyList, 404: errorResponse },
      },
    },
    async (request) => {
      await operator.account(request.params.id);
      return toKeyList(await operator.listKeys(request.params.id));
    },
  );
}
