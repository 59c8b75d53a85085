import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../../../domain/errors';
import type { Services } from '../../../domain/services';
import { idField, normaliseDate, parseId } from '../../shared/forms';
import { enteContext, sendPage } from '../../shared/render';
import { type AbsenceFormValues, AbsenceReceiptPage, AbsencesPage } from './views';
import { callerOrLogin } from '../../shared/caller';
import { rememberPupil, resolvePupil } from '../pupil';

/** The form's one-time key, as our page makes it (a UUID); anything else was not made by our page. */
const submissionKey = z.string().regex(/^[A-Za-z0-9-]{8,100}$/);

const noticeForm = z.object({
  utente: z.string().max(20).optional().default(''),
  dal: z.string().max(20).optional().default(''),
  al: z.string().max(20).optional().default(''),
  tipo: z.enum(['absent', 'light_meal']).optional().default('absent'),
  submissionKey,
});

const cancelForm = z.object({
  utente: idField,
  giorno: z.string().max(20),
  submissionKey,
});

const pupilQuery = z.object({ utente: idField.optional(), cambia: z.string().optional() });

/** Comunicazioni assenze: /{ente}/assenze */
export async function absenceRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/assenze', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const query = pupilQuery.safeParse(request.query);
    if (!query.success) throw new NotFoundError('pupil');
    // Asked for, or else the pupil chosen earlier in the session (unless the parent asked to change it).
    let pupilId = query.data.utente;
    if (pupilId === undefined && query.data.cambia === undefined) {
      const selection = await resolvePupil(services, request, reply, caller);
      if (selection.kind === 'pupil') pupilId = selection.pupil.id;
    }
    const overview = await services.absences.overview(request.ente!, caller, pupilId);
    if (overview.chosen && overview.pupils.length > 1) await rememberPupil(request, reply, overview.chosen.id);
    const values: AbsenceFormValues = { pupilId: overview.chosen?.id, from: '', to: '', kind: 'absent' };
    return sendPage(reply, <AbsencesPage ctx={enteContext(request)} overview={overview} values={values} submissionKey={randomUUID()} />);
  });

  app.post('/assenze', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const form = noticeForm.safeParse(request.body);
    if (!form.success) throw new NotFoundError('form');
    const pupilId = parseId(form.data.utente);
    const values: AbsenceFormValues = {
      pupilId,
      from: normaliseDate(form.data.dal),
      to: normaliseDate(form.data.al),
      kind: form.data.tipo,
    };
    try {
      const noticeId = await services.absences.submit(request.ente!, caller, {
        pupilId,
        from: values.from,
        to: values.to,
        kind: values.kind,
        submissionKey: form.data.submissionKey,
      });
      return reply.redirect(`/${request.ente!.slug}/assenze/ricevute/${noticeId}`, 303);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      const overview = await services.absences.overview(request.ente!, caller, undefined);
      // The same key again: the corrected form is still the one submission.
      return sendPage(
        reply,
        <AbsencesPage
          ctx={enteContext(request)}
          overview={overview}
          values={values}
          problems={error.problems}
          submissionKey={form.data.submissionKey}
        />,
        422,
      );
    }
  });

  app.post('/assenze/annulla', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const form = cancelForm.safeParse(request.body);
    if (!form.success) throw new NotFoundError('form');
    try {
      const noticeId = await services.absences.cancelDay(request.ente!, caller, form.data.utente, form.data.giorno, form.data.submissionKey);
      return reply.redirect(`/${request.ente!.slug}/assenze/ricevute/${noticeId}`, 303);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      // Too late, or nothing to cancel: the page again, for the same pupil, saying why.
      const overview = await services.absences.overview(request.ente!, caller, form.data.utente);
      const values: AbsenceFormValues = { pupilId: form.data.utente, from: '', to: '', kind: 'absent' };
      return sendPage(
        reply,
        <AbsencesPage ctx={enteContext(request)} overview={overview} values={values} problems={error.problems} submissionKey={randomUUID()} />,
        422,
      );
    }
  });

  app.get('/assenze/ricevute/:id', async (request, reply) => {
    const caller = callerOrLogin(request, reply);
    if (!caller) return reply;
    const id = parseId((request.params as { id: string }).id);
    if (id === undefined) throw new NotFoundError('notice');
    const receipt = await services.absences.receipt(request.ente!, caller, id);
    return sendPage(reply, <AbsenceReceiptPage ctx={enteContext(request)} receipt={receipt} />);
  });
}
