import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Holds what our pagoPA clients send and what the built-in sandbox answers to the platform's published
 * OpenAPI documents (../shared/specs/official, beside the project; see its README). One document per API,
 * the one that describes what we call:
 * - Checkout carts, `POST /ec/v2/carts`: pagopa-api/openapi/checkout_v2.json (v1 has no returnWaitingUrl);
 * - GPD debt positions, `/organizations/{taxCode}/debtpositions…` (v1): pagopa-debt-position/openapi/
 *   openapi_external_v1.json, GPD as implemented (pagopa-api's gpd.json is an older copy of the same API);
 * - the receipts API, `/payments/{taxCode}/receipts[/{iuv}]`: pagopa-gpd-payments/openapi.json, as
 *   implemented (the paged list `{currentPageNumber, length, totalPages, results[]}`; pagopa-api's
 *   gpd_payments.json still shows the older `receipts_list`).
 *
 * Installed on a Fastify app that mounts the sandbox, it checks every request to those APIs (path and query
 * parameters, JSON body) and every answer (a documented status, and its body against that status's schema).
 * Violations are collected, not thrown, so that a client whose error is retried later cannot hide one:
 * the suite asserts there are none. Where the folder is absent, nothing is checked and `skipped` says why.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const OFFICIAL_SPECS = resolve(here, '..', '..', '..', 'shared', 'specs', 'official');

type Json = Record<string, unknown>;

interface ApiDocument {
  name: string;
  file: string;
  /** Where the sandbox mounts this API, below its own prefix. */
  mount: string;
}

const APIS: ApiDocument[] = [
  { name: 'checkout', file: 'pagopa-api/openapi/checkout_v2.json', mount: '/checkout/ec/v2' },
  { name: 'gpd', file: 'pagopa-debt-position/openapi/openapi_external_v1.json', mount: '/gpd' },
  { name: 'receipts', file: 'pagopa-gpd-payments/openapi.json', mount: '/gpd-receipts' },
];

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Json;
  type?: string;
}

interface Operation {
  api: string;
  method: string;
  template: string;
  pattern: RegExp;
  parameters: Parameter[];
  /** JSON pointer (inside the document) of the JSON request body's schema. */
  bodyPointer?: string;
  bodyRequired: boolean;
  /** Per documented status (or "default"): content type → JSON pointer of its schema, or null without schema. */
  responses: Map<string, Map<string, string | null>>;
}

const pointer = (...parts: string[]) => `#/${parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

/**
 * OpenAPI 3.0 (and Swagger 2) schemas are not quite JSON Schema: `nullable`, and draft-04's boolean
 * `exclusiveMaximum`/`exclusiveMinimum`, become their JSON Schema forms; the rest is given to Ajv as is.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) out[key] = toJsonSchema(value);
  if (out.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (out.$ref || out.allOf || out.oneOf || out.anyOf) {
      const { nullable: _n, ...rest } = out;
      return { anyOf: [rest, { type: 'null' }] };
    }
    delete out.nullable;
  }
  for (const [flag, bound] of [['exclusiveMaximum', 'maximum'], ['exclusiveMinimum', 'minimum']] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag] && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else delete out[flag];
    }
  }
  return out;
}

function operationsOf(api: ApiDocument, doc: Json): Operation[] {
  const operations: Operation[] = [];
  const paths = (doc.paths ?? {}) as Record<string, Json>;
  for (const [template, item] of Object.entries(paths)) {
    const shared = (item.parameters ?? []) as Parameter[];
    for (const method of ['get', 'post', 'put', 'delete', 'patch']) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const parameters = [...shared, ...((op.parameters ?? []) as Parameter[])];
      let bodyPointer: string | undefined;
      let bodyRequired = false;
      const requestBody = op.requestBody as { required?: boolean; content?: Record<string, { schema?: unknown }> } | undefined;
      if (requestBody?.content?.['application/json']?.schema) {
        bodyPointer = pointer('paths', template, method, 'requestBody', 'content', 'application/json', 'schema');
        bodyRequired = requestBody.required === true;
      }
      const swaggerBody = parameters.findIndex((p) => p.in === 'body');
      if (swaggerBody >= 0) {
        const own = ((op.parameters ?? []) as Parameter[]).indexOf(parameters[swaggerBody]!);
        bodyPointer = own >= 0 ? pointer('paths', template, method, 'parameters', String(own), 'schema') : pointer('paths', template, 'parameters', String(swaggerBody), 'schema');
        bodyRequired = parameters[swaggerBody]!.required === true;
      }
      const responses = new Map<string, Map<string, string | null>>();
      for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
        const byType = new Map<string, string | null>();
        const content = response.content as Record<string, { schema?: unknown }> | undefined;
        for (const [type, media] of Object.entries(content ?? {})) {
          byType.set(type, media.schema ? pointer('paths', template, method, 'responses', status, 'content', type, 'schema') : null);
        }
        if (response.schema) byType.set('application/json', pointer('paths', template, method, 'responses', status, 'schema'));
        responses.set(status, byType);
      }
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '([^/]+)').replace(/\{[^}]+\}/g, '([^/]+)')}$`);
      operations.push({ api: api.name, method: method.toUpperCase(), template, pattern, parameters, bodyPointer, bodyRequired, responses });
    }
  }
  return operations;
}

/** Query and path values arrive as text: read them as the type their schema says before validating. */
function typed(value: string, schema: Json | undefined): unknown {
  const type = schema?.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

export interface ContractCheck {
  /** Why nothing is checked, when the official documents are not there. */
  skipped?: string;
  /** Violations seen so far, each naming the API, the operation and what was wrong. */
  violations: string[];
  /** Requests checked and answers checked, to show the check did run. */
  checked: { requests: number; responses: number };
  /** Returns the violations seen so far and forgets them. */
  take(): string[];
}

/** Marks a request sent deliberately against the contract (an attacker's, a test of a refusal): its answer is still checked. */
export const OFF_CONTRACT_HEADER = 'x-test-off-contract';

let loaded: { ajv: Ajv; operations: Operation[]; mounts: Map<string, string> } | undefined | null;

function load() {
  if (loaded !== undefined) return loaded;
  const missing = APIS.map((api) => join(OFFICIAL_SPECS, api.file)).filter((file) => !existsSync(file));
  if (missing.length > 0) {
    loaded = null;
    return loaded;
  }
  // The GPD documents use Java's `\h` in patterns: not a valid escape in a Unicode regular expression.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, validateSchema: false });
  addFormats(ajv);
  const operations: Operation[] = [];
  const mounts = new Map<string, string>();
  for (const api of APIS) {
    const doc = JSON.parse(readFileSync(join(OFFICIAL_SPECS, api.file), 'utf8')) as Json;
    ajv.addSchema(toJsonSchema(doc) as Json, api.name);
    operations.push(...operationsOf(api, doc));
    mounts.set(api.name, api.mount);
  }
  loaded = { ajv, operations, mounts };
  return loaded;
}

export function contractsSkipReason(): string | undefined {
  return load() ? undefined : `official OpenAPI documents not found at ${OFFICIAL_SPECS}: pagoPA contract checks skipped`;
}

let warned = false;

/** Installs the check on `app`, whose sandbox is mounted at `sandboxPrefix`. Call before `ready()`/`listen()`. */
export function installContractCheck(app: FastifyInstance, sandboxPrefix = '/pagopa-sandbox'): ContractCheck {
  const state = load();
  const check: ContractCheck = {
    violations: [],
    checked: { requests: 0, responses: 0 },
    take() {
      return check.violations.splice(0);
    },
  };
  if (!state) {
    check.skipped = contractsSkipReason();
    if (!warned) process.stderr.write(`# ${check.skipped}\n`);
    warned = true;
    return check;
  }
  const { ajv, operations, mounts } = state;
  const validators = new Map<string, ValidateFunction>();
  const validate = (api: string, at: string, value: unknown): string | undefined => {
    const key = `${api}${at}`;
    let fn = validators.get(key);
    if (!fn) {
      fn = ajv.compile({ $ref: key });
      validators.set(key, fn);
    }
    if (fn(value)) return undefined;
    return ajv.errorsText(fn.errors, { dataVar: 'value' });
  };

  function operationOf(request: FastifyRequest): { op: Operation; params: string[] } | undefined {
    const path = request.url.split('?')[0]!;
    if (!path.startsWith(sandboxPrefix)) return undefined;
    const rest = path.slice(sandboxPrefix.length);
    for (const op of operations) {
      const mount = mounts.get(op.api)!;
      if (!rest.startsWith(mount) || op.method !== request.method) continue;
      const match = op.pattern.exec(rest.slice(mount.length));
      if (match) return { op, params: match.slice(1).map(decodeURIComponent) };
    }
    return undefined;
  }

  const name = (op: Operation) => `${op.api} ${op.method} ${op.template}`;
  const wasOffContract = new WeakSet<FastifyRequest>();

  app.addHook('preHandler', async (request) => {
    const found = operationOf(request);
    if (!found) return;
    if (request.headers[OFF_CONTRACT_HEADER]) {
      wasOffContract.add(request);
      return;
    }
    const { op, params } = found;
    check.checked.requests++;
    const problems: string[] = [];
    const pathNames = [...op.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const query = new URL(request.url, 'http://x').searchParams;
    for (const parameter of op.parameters) {
      if (parameter.in !== 'path' && parameter.in !== 'query') continue;
      const raw = parameter.in === 'path' ? params[pathNames.indexOf(parameter.name)] : (query.get(parameter.name) ?? undefined);
      if (raw === undefined) {
        if (parameter.required) problems.push(`${parameter.in} parameter ${parameter.name} missing`);
        continue;
      }
      const schema = parameter.schema ?? (parameter.type ? { type: parameter.type } : undefined);
      if (!schema) continue;
      const fn = ajv.compile(toJsonSchema(schema) as Json);
      if (!fn(typed(raw, schema))) problems.push(`${parameter.in} parameter ${parameter.name}: ${ajv.errorsText(fn.errors, { dataVar: 'value' })}`);
    }
    const known = new Set(op.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const key of query.keys()) if (!known.has(key)) problems.push(`query parameter ${key} is not in the contract`);
    if (op.bodyPointer) {
      if (request.body === undefined || request.body === null) {
        if (op.bodyRequired) problems.push('request body missing');
      } else {
        const problem = validate(op.api, op.bodyPointer, request.body);
        if (problem) problems.push(`request body: ${problem}`);
      }
    }
    for (const problem of problems) check.violations.push(`${name(op)} request: ${problem}`);
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const found = operationOf(request);
    if (!found) return payload;
    const { op } = found;
    check.checked.responses++;
    const status = String(reply.statusCode);
    const documented = op.responses.get(status) ?? op.responses.get(`${status[0]}XX`) ?? op.responses.get('default');
    const off = wasOffContract.has(request) ? ' (to an off-contract request)' : '';
    // 401 is the API gateway's answer to a missing or wrong subscription key, before any API (Checkout's document omits it).
    if (!documented && status === '401') return payload;
    if (!documented) {
      check.violations.push(`${name(op)} answered ${status}${off}, which the contract does not document (${[...op.responses.keys()].join(', ')})`);
      return payload;
    }
    const contentType = String(reply.getHeader('content-type') ?? '').split(';')[0]!.trim();
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : payload === undefined || payload === null ? '' : undefined;
    if (documented.size === 0) return payload;
    if (!documented.has(contentType)) {
      // A documented status without a body (a 302's Location) needs none.
      if (text === '' && status.startsWith('3')) return payload;
      check.violations.push(`${name(op)} answered ${status} as "${contentType}"${off}, the contract says ${[...documented.keys()].join(' or ')}`);
      return payload;
    }
    const at = documented.get(contentType);
    if (!at || text === undefined) return payload;
    let body: unknown = text;
    if (contentType === 'application/json') {
      try {
        body = JSON.parse(text);
      } catch {
        check.violations.push(`${name(op)} answered ${status} with a body that is not JSON${off}`);
        return payload;
      }
    }
    const problem = validate(op.api, at, body);
    if (problem) check.violations.push(`${name(op)} answered ${status}${off}: ${problem}`);
    return payload;
  });
  return check;
}
