import { actorOf } from '../activity/activity.service.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireAdmin } from '../../platform/auth.js';
import { ErrorResponse } from '../../platform/zod-fastify.js';
import type { ContractsService } from './contracts.service.js';
import type { LibraryImportService } from './library-import.js';
import type { FromEventService } from './contract-from-event.js';
import {
  AddTemplateBody,
  ContractDetail,
  ContractParams,
  ContractSummary,
  ContractUsage,
  ContractVersionParams,
  CreateContractBody,
  DraftFromEventBody,
  DraftFromEventResponse,
  ImportBody,
  ImportResult,
  LIBRARY_BODY_LIMIT,
  ListContractsQuery,
  SaveFromEventBody,
  SaveFromEventResponse,
  Template,
  TemplateParams,
  UpdateContractBody,
  type CreateContractBodyT,
  type DraftFromEventBodyT,
  type ImportBodyT,
  type SaveFromEventBodyT,
  type UpdateContractBodyT,
} from './contracts.schemas.js';

const errors = { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse };
const busy = { 429: ErrorResponse, 503: ErrorResponse };
const admin = { auth: 'admin' } as const;

/** The contract library (console-api.md 1.15): admin sessions only, tenant-scoped. */
export function contractsRoutes(
  app: FastifyInstance,
  s: { contracts: ContractsService; imports: LibraryImportService; fromEvent: FromEventService },
): void {
  app.post(
    '/api/v1/contracts/import',
    { bodyLimit: LIBRARY_BODY_LIMIT, config: admin, schema: { body: ImportBody, response: { 201: ImportResult, ...errors, 409: ErrorResponse, ...busy } } },
    async (request, reply) => {
      const p = requireAdmin(request);
      return reply.code(201).send(await s.imports.importYaml(p.tenantId, p.email, request.body as ImportBodyT, actorOf(request)));
    },
  );

  app.get(
    '/api/v1/contracts',
    { config: admin, schema: { querystring: ListContractsQuery, response: { 200: z.array(ContractSummary), ...errors } } },
    async (request) => s.contracts.list(requireAdmin(request).tenantId, request.query as z.output<typeof ListContractsQuery>),
  );

  app.post(
    '/api/v1/contracts',
    { bodyLimit: LIBRARY_BODY_LIMIT, config: admin, schema: { body: CreateContractBody, response: { 201: ContractDetail, ...errors, 409: ErrorResponse, ...busy } } },
    async (request, reply) => {
      const p = requireAdmin(request);
      return reply.code(201).send(await s.contracts.create(p.tenantId, p.email, request.body as CreateContractBodyT, actorOf(request)));
    },
  );

  // Before the `:contract_id` routes only for readability: static segments win in Fastify's router.
  app.post(
    '/api/v1/contracts/draft-from-event',
    { config: admin, schema: { body: DraftFromEventBody, response: { 200: DraftFromEventResponse, ...errors, ...busy } } },
    async (request) => s.fromEvent.draft(requireAdmin(request).tenantId, request.body as DraftFromEventBodyT),
  );

  app.post(
    '/api/v1/contracts/from-event',
    { bodyLimit: LIBRARY_BODY_LIMIT, config: admin, schema: { body: SaveFromEventBody, response: { 201: SaveFromEventResponse, ...errors, 409: ErrorResponse, ...busy } } },
    async (request, reply) => {
      const p = requireAdmin(request);
      return reply.code(201).send(await s.fromEvent.save(p.tenantId, p.email, request.body as SaveFromEventBodyT));
    },
  );

  app.get(
    '/api/v1/contracts/:contract_id',
    { config: admin, schema: { params: ContractParams, response: { 200: ContractDetail, ...errors } } },
    async (request) => s.contracts.get(requireAdmin(request).tenantId, (request.params as z.output<typeof ContractParams>).contract_id),
  );

  app.get(
    '/api/v1/contracts/:contract_id/versions/:version',
    { config: admin, schema: { params: ContractVersionParams, response: { 200: ContractDetail, ...errors } } },
    async (request) => {
      const { contract_id, version } = request.params as z.output<typeof ContractVersionParams>;
      return s.contracts.version(requireAdmin(request).tenantId, contract_id, version);
    },
  );

  app.put(
    '/api/v1/contracts/:contract_id',
    {
      bodyLimit: LIBRARY_BODY_LIMIT,
      config: admin,
      schema: { params: ContractParams, body: UpdateContractBody, response: { 200: ContractDetail, ...errors, ...busy } },
    },
    async (request) => {
      const p = requireAdmin(request);
      const { contract_id } = request.params as z.output<typeof ContractParams>;
      return s.contracts.update(p.tenantId, p.email, contract_id, request.body as UpdateContractBodyT, actorOf(request));
    },
  );

  app.delete(
    '/api/v1/contracts/:contract_id',
    { config: admin, schema: { params: ContractParams, response: { 204: z.null(), ...errors, 409: ErrorResponse } } },
    async (request, reply) => {
      await s.contracts.remove(requireAdmin(request).tenantId, (request.params as z.output<typeof ContractParams>).contract_id, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/contracts/:contract_id/usage',
    { config: admin, schema: { params: ContractParams, response: { 200: z.array(ContractUsage), ...errors } } },
    async (request) => s.contracts.usage(requireAdmin(request).tenantId, (request.params as z.output<typeof ContractParams>).contract_id),
  );

  // Ours: starter packs (a separate prefix so no contract id is shadowed).
  app.get(
    '/api/v1/contract-templates',
    { config: admin, schema: { response: { 200: z.array(Template), ...errors } } },
    async (request) => {
      requireAdmin(request);
      return s.imports.templates();
    },
  );

  app.post(
    '/api/v1/contract-templates/:template_id/add',
    { config: admin, schema: { params: TemplateParams, body: AddTemplateBody, response: { 201: ImportResult, ...errors, 409: ErrorResponse, ...busy } } },
    async (request, reply) => {
      const p = requireAdmin(request);
      const { template_id } = request.params as z.output<typeof TemplateParams>;
      const body = request.body as z.output<typeof AddTemplateBody>;
      return reply.code(201).send(await s.imports.addTemplate(p.tenantId, p.email, template_id, body.create_composition, actorOf(request)));
    },
  );
}
