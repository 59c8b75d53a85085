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

const pupilQuery = z.object({ utente: idField.optional(), cambia: z.string().optional() });

export function requestedPupil(request: FastifyRequest): number | undefined {
  return pupilRequest(request).utente;
}

function pupilRequest(request: FastifyRequest): { utente?: number | undefined; change: boolean } {
  const parsed = pupilQuery.safeParse(request.query);
  // A malformed id is nobody's pupil: the same answer as someone else's.
  if (!parsed.success) throw new NotFoundError('pupil');
  return { utente: parsed.data.utente, change: parsed.data.cambia !== undefined };
}

/** The pupil this parent last chose in this ente, if any: only a preference, checked like any request. */
export function rememberedPupil(request: FastifyRequest): number | undefined {
  return request.session?.chosenPupils?.[request.ente!.slug];
}

/** Remembers (or forgets, with undefined) the chosen pupil for the rest of the session. */
export async function rememberPupil(request: FastifyRequest, reply: FastifyReply, pupilId: number | undefined): Promise<void> {
  const session = request.session;
  if (!session || rememberedPupil(request) === pupilId) return;
  const chosen = { ...session.chosenPupils };
  if (pupilId === undefined) delete chosen[request.ente!.slug];
  else chosen[request.ente!.slug] = pupilId;
  session.chosenPupils = chosen;
  await reply.saveSession();
}

/**
 * The pupil a parent asks for, or else the one chosen earlier in the session, each through the registry's
 * selectPupil, the one gate to a pupil's data. A remembered pupil no longer the parent's is forgotten and
 * the parent chooses again; "Cambia alunno" (?cambia) shows the chooser whatever was remembered.
 */
export async function resolvePupil(services: Services, request: FastifyRequest, reply: FastifyReply, caller: Caller) {
  const ente = request.ente!;
  const asked = pupilRequest(request);
  if (asked.change && asked.utente === undefined) return services.registry.selectPupil(ente, caller, undefined);
  const remembered = asked.utente === undefined ? rememberedPupil(request) : undefined;
  let selection: Awaited<ReturnType<Services['registry']['selectPupil']>>;
  try {
    selection = await services.registry.selectPupil(ente, caller, asked.utente ?? remembered);
  } catch (error) {
    if (!(error instanceof NotFoundError) || remembered === undefined) throw error;
    await rememberPupil(request, reply, undefined);
    selection = await services.registry.selectPupil(ente, caller, undefined);
  }
  if (selection.kind === 'pupil' && selection.pupils.length > 1) await rememberPupil(request, reply, selection.pupil.id);
  return selection;
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
  const selection = await resolvePupil(services, request, reply, caller);
  if (selection.kind === 'choose') {
    return sendPage(reply, <ChoosePupilPage ctx={enteContext(request)} service={service} pupils={selection.pupils} />);
  }
  return render(caller, selection);
}

/** Whose data the page shows, with the way back to the chooser for a parent of several pupils. */
export function PupilLine({ ctx, pupil, pupils, service }: { ctx: EnteContext; pupil: { givenName: string; familyName: string }; pupils: unknown[]; service: PortalServiceKey }) {
  const { m, ente } = ctx;
  return (
    <p class="pupil-line">
      {m.pupilChoice.viewing} <strong>{`${pupil.givenName} ${pupil.familyName}`}</strong>
      {pupils.length > 1 && (
        <>
          {' — '}
          <a href={`/${ente.slug}/${service}?cambia=1`}>{m.pupilChoice.changePupil}</a>
        </>
      )}
    </p>
  );
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
