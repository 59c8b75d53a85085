import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Ente } from '../../db/schema';
import { NotFoundError } from '../../domain/errors';
import type { AuthorizedPupil } from '../../domain/registry/authorized-pupil';
import type { Caller, PupilSummary } from '../../domain/registry/service';
import type { Services } from '../../domain/services';
import { callerOrLogin } from '../shared/caller';
import { ServicePage } from '../shared/components';
import type { PageContext } from '../shared/context';
import { idField } from '../shared/forms';
import { enteContext, sendPage } from '../shared/render';
import type { PortalServiceKey } from './servizi/views';

type EnteContext = PageContext & { ente: Ente };

const pupilQuery = z.object({ utente: idField.optional() });

export function requestedPupil(request: FastifyRequest): number | undefined {
  const parsed = pupilQuery.safeParse(request.query);
  // A malformed id is nobody's pupil: the same answer as someone else's.
  if (!parsed.success) throw new NotFoundError('pupil');
  return parsed.data.utente;
}

/** One pupil at a time (the seed): the chosen pupil's page, or the chooser for a holder of several. */
export async function forOnePupil(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  service: PortalServiceKey,
  render: (caller: Caller, chosen: { pupil: PupilSummary; pupils: PupilSummary[]; handle: AuthorizedPupil }) => Promise<FastifyReply>,
) {
  const caller = callerOrLogin(request, reply);
  if (!caller) return reply;
  const selection = await services.registry.selectPupil(request.ente!, caller, requestedPupil(request));
  if (selection.kind === 'choose') {
    return sendPage(reply, <ChoosePupilPage ctx={enteContext(request)} service={service} pupils={selection.pupils} />);
  }
  return render(caller, selection);
}

/** One pupil at a time (the seed): a holder of several pupils chooses here. */
export function ChoosePupilPage({
  ctx,
  service,
  pupils,
}: {
  ctx: EnteContext;
  service: PortalServiceKey;
  pupils: PupilSummary[];
}) {
  const { m, ente } = ctx;
  return (
    <ServicePage ctx={ctx} title={m.services.items[service].title}>
      <h2 class="h4">{m.pupilChoice.title}</h2>
      <p>{m.pupilChoice.intro}</p>
      <ul class="list-group mb-3">
        {pupils.map((pupil) => (
          <li class="list-group-item d-flex justify-content-between align-items-center flex-wrap gap-2" key={pupil.id}>
            <span>
              <strong>
                {pupil.givenName} {pupil.familyName}
              </strong>
              <br />
              <span class="small">
                {m.pupilChoice.school}: {pupil.schoolName}, {pupil.className}
              </span>
            </span>
            <a class="btn btn-outline-primary btn-sm" href={`/${ente.slug}/${service}?utente=${pupil.id}`}>
              {m.pupilChoice.choose}
              <span class="visually-hidden">
                {' '}
                {pupil.givenName} {pupil.familyName}
              </span>
            </a>
          </li>
        ))}
      </ul>
    </ServicePage>
  );
}
