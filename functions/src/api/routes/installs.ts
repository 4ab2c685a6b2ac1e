import { z } from 'zod';
import { getInstall, installAgent, listInstalls } from '../../app/installs.js';
import { defineRoute } from '../route.js';
import { CreateInstallIn, Id, InstallOut, PageQuery, pageOf } from '../schemas.js';

const WsParams = z.object({ wsId: Id }).strict();

export const installRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/installs',
    operationId: 'listInstalls',
    summary: 'Agents installed in the workspace',
    tags: ['installs'],
    access: { kind: 'workspace', permission: 'installs.read' },
    params: WsParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(InstallOut), description: 'A page of installs' },
    handler: async ({ deps, params, query }) => ({ body: await listInstalls(deps, params.wsId, query) }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/workspaces/:wsId/installs',
    operationId: 'createInstall',
    summary: 'Install a published agent on the managed target',
    tags: ['installs'],
    access: { kind: 'workspace', permission: 'installs.manage', apiKeys: false },
    params: WsParams,
    body: CreateInstallIn,
    idempotent: true,
    response: { status: 201, schema: InstallOut, description: 'The install' },
    handler: async ({ deps, access, body }) => {
      const install = await installAgent(deps, access!, body);
      return { body: install, headers: { Location: `/v1/workspaces/${install.wsId}/installs/${install.id}` } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/installs/:installId',
    operationId: 'getInstall',
    summary: 'An install',
    tags: ['installs'],
    access: { kind: 'workspace', permission: 'installs.read' },
    params: z.object({ wsId: Id, installId: Id }).strict(),
    response: { status: 200, schema: InstallOut, description: 'The install' },
    handler: async ({ deps, params }) => ({ body: await getInstall(deps, params.wsId, params.installId) }),
  }),
];
