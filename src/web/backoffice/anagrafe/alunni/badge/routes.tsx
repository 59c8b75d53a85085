import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../../../domain/errors';
import type { Services } from '../../../../../domain/services';
import { parseForm } from '../../../../shared/form';
import { parseId } from '../../../../shared/forms';
import { enteContext, messagesFor, sendPage } from '../../../../shared/render';
import { pupilBase } from '../iscrizioni/views';
import { type BadgeForm, BadgePage, badgeFieldName } from './views';

const choice = z.string().refine((v) => parseId(v) !== undefined, 'choose').transform(Number);
const version = z.string().refine((v) => parseId(v) !== undefined, 'versionInvalid').transform(Number);
const code = z.string().trim().min(1, 'codeInvalid').max(20, 'codeInvalid');
const reason = z.string().trim().max(300, 'tooLong');

/** A pupil's badges in the office: /{ente}/ufficio/anagrafe/alunni/:id/badge, issue, replace, block, unblock. */
export async function officeBadgeRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const ids = (request: FastifyRequest) => {
    const params = request.params as { id?: string; bid?: string };
    const pupilId = parseId(params.id);
    if (pupilId === undefined) throw new NotFoundError('pupil');
    const badgeId = params.bid === undefined ? 0 : parseId(params.bid);
    if (badgeId === undefined) throw new NotFoundError('badge');
    return { pupilId, badgeId };
  };
  const page = (request: FastifyRequest, pupilId: number) => `${pupilBase(request.ente!, pupilId)}/badge`;

  app.get('/anagrafe/alunni/:id/badge', { config: { permission: 'registry.read' } }, async (request, reply) => {
    const { pupilId } = ids(request);
    const listing = await services.badges.list(request.office!, pupilId);
    const key = (request.query as { esito?: unknown }).esito;
    const saved = typeof key === 'string' ? messagesFor(request).officeBadges.saved[key] : undefined;
    return sendPage(reply, <BadgePage ctx={enteContext(request)} listing={listing} saved={saved} />);
  });

  /** A refused submit: the page again with the form's input (under its plain field names) and problems. */
  async function refuse(request: FastifyRequest, reply: FastifyReply, pupilId: number, form: BadgeForm, typed: Record<string, string>, problems: Record<string, string>, conflict = false) {
    const listing = await services.badges.list(request.office!, pupilId);
    const plain = Object.fromEntries(['servizio', 'codice', 'motivo'].map((field) => [field, typed[badgeFieldName(form, field)] ?? '']));
    return sendPage(reply, <BadgePage ctx={enteContext(request)} listing={listing} form={form} values={plain} problems={problems} conflict={conflict} />, conflict ? 409 : 422);
  }

  /** Runs one change; its problems and conflicts re-render the page, success goes back to it. */
  async function change(request: FastifyRequest, reply: FastifyReply, pupilId: number, form: BadgeForm, typed: Record<string, string>, outcome: string, work: () => Promise<unknown>) {
    try {
      await work();
      return reply.redirect(`${page(request, pupilId)}?esito=${outcome}`, 303);
    } catch (error) {
      if (error instanceof InvalidInputError) return refuse(request, reply, pupilId, form, typed, error.problems as Record<string, string>);
      if (error instanceof ConflictError) return refuse(request, reply, pupilId, form, typed, {}, true);
      throw error;
    }
  }

  /** The schema of one form with the page's field names, and its values under the plain names. */
  function parse(form: BadgeForm, fields: Record<string, z.ZodType<unknown, string>>, body: unknown) {
    const schema = z.object(Object.fromEntries(Object.entries(fields).map(([field, type]) => [field === 'versione' ? field : badgeFieldName(form, field), type])));
    const parsed = parseForm(schema, body);
    const plain = (values: Record<string, unknown>) => Object.fromEntries(Object.keys(fields).map((field) => [field, values[field === 'versione' ? field : badgeFieldName(form, field)]]));
    return parsed.ok
      ? { ok: true as const, values: plain(parsed.values as Record<string, unknown>), typed: parsed.typed }
      : { ok: false as const, problems: Object.fromEntries(Object.entries(parsed.problems).map(([field, key]) => [Object.keys(fields).find((f) => badgeFieldName(form, f) === field) ?? field, key as string])), typed: parsed.typed };
  }

  app.post('/anagrafe/alunni/:id/badge', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const { pupilId } = ids(request);
    const form: BadgeForm = { kind: 'issue' };
    const parsed = parse(form, { servizio: choice, codice: code }, request.body);
    if (!parsed.ok) return refuse(request, reply, pupilId, form, parsed.typed, parsed.problems);
    const values = parsed.values as { servizio: number; codice: string };
    return change(request, reply, pupilId, form, parsed.typed, 'issued', () => services.badges.issue(request.office!, pupilId, { serviceId: values.servizio, code: values.codice }));
  });

  app.post('/anagrafe/alunni/:id/badge/:bid/sostituzione', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const { pupilId, badgeId } = ids(request);
    const form: BadgeForm = { kind: 'replace', badgeId };
    const parsed = parse(form, { versione: version, codice: code, motivo: reason }, request.body);
    if (!parsed.ok) return refuse(request, reply, pupilId, form, parsed.typed, parsed.problems);
    const values = parsed.values as { versione: number; codice: string; motivo: string };
    return change(request, reply, pupilId, form, parsed.typed, 'replaced', () =>
      services.badges.replace(request.office!, pupilId, badgeId, values.versione, { code: values.codice, reason: values.motivo }),
    );
  });

  app.post('/anagrafe/alunni/:id/badge/:bid/blocco', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const { pupilId, badgeId } = ids(request);
    const form: BadgeForm = { kind: 'block', badgeId };
    const parsed = parse(form, { versione: version, motivo: reason }, request.body);
    if (!parsed.ok) return refuse(request, reply, pupilId, form, parsed.typed, parsed.problems);
    const values = parsed.values as { versione: number; motivo: string };
    return change(request, reply, pupilId, form, parsed.typed, 'blocked', () => services.badges.block(request.office!, pupilId, badgeId, values.versione, values.motivo));
  });

  app.post('/anagrafe/alunni/:id/badge/:bid/sblocco', { config: { permission: 'registry.write' } }, async (request, reply) => {
    const { pupilId, badgeId } = ids(request);
    const form: BadgeForm = { kind: 'unblock', badgeId };
    const parsed = parse(form, { versione: version, motivo: reason }, request.body);
    if (!parsed.ok) return refuse(request, reply, pupilId, form, parsed.typed, parsed.problems);
    const values = parsed.values as { versione: number; motivo: string };
    return change(request, reply, pupilId, form, parsed.typed, 'unblocked', () => services.badges.unblock(request.office!, pupilId, badgeId, values.versione, values.motivo));
  });
}
