import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../../domain/errors';
import { may } from '../../../../domain/operators/context';
import type { Services } from '../../../../domain/services';
import { parseId } from '../../../shared/forms';
import { enteContext, sendPage } from '../../../shared/render';
import { OfficePupilPageView } from './views';

/** A pupil in the office: /{ente}/ufficio/anagrafe/alunni/:id */
export async function officePupilRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get<{ Params: { id: string } }>('/anagrafe/alunni/:id', { config: { permission: 'registry.read' } }, async (request, reply) => {
    const office = request.office!;
    const pupilId = parseId(request.params.id);
    if (pupilId === undefined) throw new NotFoundError('pupil');
    const page = await services.officePupil.page(office, pupilId);
    return sendPage(reply, <OfficePupilPageView ctx={enteContext(request)} page={page} mayReadActivity={may(office, 'activity.read')} mayCorrect={may(office, 'accounts.correct')} />);
  });
}
