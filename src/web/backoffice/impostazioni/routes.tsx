import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccessibilityState } from '../../../db/schema';
import { isCalendarDate } from '../../../domain/calendar/local-time';
import { ConflictError, InvalidInputError } from '../../../domain/errors';
import { parseFiscalCode } from '../../../domain/registry/fiscal-code';
import { isValidIban, normaliseIban } from '../../../domain/registry/iban';
import type { Services } from '../../../domain/services';
import { ACCESSIBILITY_STATES, type EnteSettingsInput, MAX_LOGO_BYTES } from '../../../domain/settings/ente-settings';
import { parseForm } from '../../shared/form';
import { euroInputToCents } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { acceptUploads, readUpload } from '../../shared/upload';
import { schoolRoutes } from './scuole/routes';
import { type SettingsProblems, SettingsPage, type SettingsTyped, settingsTyped } from './views';

/** Spaces people type twice or around a value are not part of it. */
const tidy = (value: string) => value.replace(/\s+/g, ' ').trim();
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const PHONE = /^\+?[0-9][0-9 ./()-]{4,28}[0-9]$/;
/** The article a name in a sentence starts with ("il Comune…", "l’Unione…"), as `m.format.ofEnte` reads it. */
const WITH_ARTICLE = /^(?:(?:il|lo|la|i|gli|le)\s+|l[’'])\p{L}/iu;

const requiredText = (max: number) => z.string().transform(tidy).pipe(z.string().min(1, 'required').max(max, 'tooLong'));
const optional = <T,>(parse: (value: string) => T | undefined, problem: string) =>
  z.string().transform((value, ctx): T | null => {
    const text = value.trim();
    if (text === '') return null;
    const parsed = parse(text);
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return parsed;
  });
const email = z.string().trim().min(1, 'required').max(254, 'tooLong').regex(EMAIL, 'emailInvalid');
const euro = z.string().transform((value, ctx) => {
  const cents = euroInputToCents(value);
  if (cents === undefined) {
    ctx.addIssue({ code: 'custom', message: value.trim() === '' ? 'required' : 'euroInvalid' });
    return z.NEVER;
  }
  return cents;
});

/** "9:45", "09.45" and "09:45" are the same time: stored as HH:MM. */
const time = z.string().transform((value, ctx) => {
  const match = /^(\d{1,2})[:.](\d{2})$/.exec(value.trim());
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) {
    ctx.addIssue({ code: 'custom', message: value.trim() === '' ? 'required' : 'timeInvalid' });
    return z.NEVER;
  }
  return `${match[1]!.padStart(2, '0')}:${match[2]}`;
});

/** The ente's codice fiscale is numeric: 11 digits and the check digit (a personal one is not an ente's). */
const enteTaxCode = z.string().transform((value, ctx) => {
  const text = value.replace(/\s+/g, '');
  const parsed = parseFiscalCode(text);
  if (!parsed.ok || parsed.code.length !== 11) {
    ctx.addIssue({ code: 'custom', message: text === '' ? 'required' : 'taxCodeInvalid' });
    return z.NEVER;
  }
  return parsed.code;
});

/** A day as people type it (gg/mm/aaaa) or a date field sends it (aaaa-mm-gg), a real one. */
function calendarDay(text: string): string | undefined {
  const typed = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  const iso = typed ? `${typed[3]}-${typed[2]!.padStart(2, '0')}-${typed[1]!.padStart(2, '0')}` : text;
  return isCalendarDate(iso) ? iso : undefined;
}

const settingsForm = z.object({
  nome_ufficio: requiredText(200),
  email_ufficio: email,
  telefono_ufficio: z.string().transform(tidy).pipe(z.string().min(1, 'required').max(30, 'phoneInvalid').regex(PHONE, 'phoneInvalid')),
  orari_ufficio: requiredText(200),
  indirizzo_ufficio: requiredText(200),
  orario_limite: time,
  ricarica_minima: euro,
  ricarica_massima: euro,
  codice_fiscale_ente: enteTaxCode,
  iban: optional((text) => (isValidIban(text) ? normaliseIban(text) : undefined), 'ibanInvalid'),
  codice_segregazione: optional((text) => (/^\d{2}$/.test(text) ? text : undefined), 'segregationInvalid'),
  cbill: optional((text) => (/^[A-Za-z0-9]{5}$/.test(text) ? text.toUpperCase() : undefined), 'cbillInvalid'),
  conto_postale: optional((text) => (/^\d{1,12}$/.test(text.replace(/\s+/g, '')) ? text.replace(/\s+/g, '') : undefined), 'postalAccountInvalid'),
  autorizzazione_poste: optional((text) => (text.length <= 200 ? tidy(text) : undefined), 'tooLong'),
  nome_con_articolo: z
    .string()
    .transform(tidy)
    .pipe(z.string().max(200, 'tooLong'))
    .refine((text) => text === '' || WITH_ARTICLE.test(text), 'articleInvalid'),
  stato_accessibilita: z.enum(['', ...ACCESSIBILITY_STATES] as [string, ...string[]], { message: 'stateInvalid' }),
  data_dichiarazione: optional(calendarDay, 'dateInvalid'),
  email_accessibilita: optional((text) => (text.length <= 254 && EMAIL.test(text) ? text : undefined), 'emailInvalid'),
  contenuti_non_accessibili: optional((text) => (text.length <= 2000 ? text : undefined), 'tooLong'),
  versione: z
    .string()
    .regex(/^\d{1,9}$/, 'invalid')
    .transform(Number),
});

function inputOf(values: z.output<typeof settingsForm>): EnteSettingsInput {
  return {
    officeName: values.nome_ufficio,
    officeEmail: values.email_ufficio,
    officePhone: values.telefono_ufficio,
    officeHours: values.orari_ufficio,
    officeAddress: values.indirizzo_ufficio,
    cutoffTime: values.orario_limite,
    topupMinCents: values.ricarica_minima,
    topupMaxCents: values.ricarica_massima,
    taxCode: values.codice_fiscale_ente,
    iban: values.iban,
    segregationCode: values.codice_segregazione,
    cbill: values.cbill,
    postalAccount: values.conto_postale,
    postalAuthorisation: values.autorizzazione_poste,
    nameWithArticle: values.nome_con_articolo,
    accessibilityState: (values.stato_accessibilita || null) as AccessibilityState | null,
    accessibilityStatementDate: values.data_dichiarazione,
    accessibilityFeedbackEmail: values.email_accessibilita,
    accessibilityNonAccessible: values.contenuti_non_accessibili,
  };
}

/**
 * The ente's settings, for its amministratore: /{ente}/ufficio/impostazioni (the form), …/logo (the
 * notices' logo: upload, show, remove), and the schools under …/impostazioni/scuole.
 */
export async function officeSettingsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const manage = { config: { permission: 'settings.manage' as const } };
  const settings = services.settings;

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { typed?: SettingsTyped; problems?: SettingsProblems; conflict?: boolean; status?: number } = {},
  ) {
    const office = request.office!;
    const [stored, logo] = await Promise.all([settings.get(office), settings.logo(office)]);
    const query = request.query as { fatto?: unknown };
    return sendPage(
      reply,
      <SettingsPage
        ctx={enteContext(request)}
        stored={stored}
        typed={form.typed ?? settingsTyped(stored)}
        problems={form.problems}
        saved={form.conflict ? settingsTyped(stored) : undefined}
        hasLogo={logo !== undefined}
        done={typeof query.fatto === 'string' ? query.fatto : undefined}
      />,
      form.status,
    );
  }

  app.get('/impostazioni', manage, async (request, reply) => page(request, reply));

  app.post('/impostazioni', manage, async (request, reply) => {
    const form = parseForm(settingsForm, request.body, { multiline: ['contenuti_non_accessibili'] });
    if (!form.ok) return page(request, reply, { typed: form.typed, problems: form.problems, status: 422 });
    try {
      await settings.update(request.office!, form.values.versione, inputOf(form.values));
    } catch (error) {
      if (error instanceof InvalidInputError) return page(request, reply, { typed: form.typed, problems: error.problems, status: 422 });
      // The page is made again from the settings saved now, with what this operator typed kept.
      if (error instanceof ConflictError) return page(request, reply, { typed: form.typed, conflict: true, status: 409 });
      throw error;
    }
    return reply.redirect(`/${request.ente!.slug}/ufficio/impostazioni?fatto=salvato`, 303);
  });

  app.get('/impostazioni/logo.png', manage, async (request, reply) => {
    const logo = await settings.logo(request.office!);
    if (!logo) return reply.code(404).header('cache-control', 'no-store').send();
    return reply.header('content-type', 'image/png').header('cache-control', 'private, no-cache').header('x-content-type-options', 'nosniff').send(logo.png);
  });

  app.post('/impostazioni/logo/rimuovi', manage, async (request, reply) => {
    await settings.setLogo(request.office!, null);
    return reply.redirect(`/${request.ente!.slug}/ufficio/impostazioni?fatto=logo-tolto`, 303);
  });

  // The upload in its own scope: only this route takes multipart bodies (decision 0016).
  await app.register(async (uploads) => {
    await acceptUploads(uploads, MAX_LOGO_BYTES);
    uploads.post('/impostazioni/logo', { config: { permission: 'settings.manage', csrf: 'multipart' } }, async (request, reply) => {
      const upload = await readUpload(request, { fileField: 'logo' });
      const problem = upload.problem ?? (upload.file ? settings.logoProblem(upload.file.content) : 'fileMissing');
      if (problem || !upload.file) return page(request, reply, { problems: { logo: problem ?? 'fileMissing' }, status: 422 });
      try {
        await settings.setLogo(request.office!, upload.file.content);
      } catch (error) {
        if (error instanceof InvalidInputError) return page(request, reply, { problems: error.problems, status: 422 });
        throw error;
      }
      return reply.redirect(`/${request.ente!.slug}/ufficio/impostazioni?fatto=logo`, 303);
    });
  });

  await app.register(schoolRoutes, { services });
}
