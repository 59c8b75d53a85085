import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../domain/services';
import { pupilAdultsRoutes } from './alunni/adulti/routes';
import { editPupilRoutes } from './alunni/modifica/routes';
import { newPupilRoutes } from './alunni/nuovo/routes';
import { officePersonRoutes } from './persone/routes';

/**
 * Persons, pupils and the adults of a pupil (issue 13), each a folder mirroring its URL under
 * /{ente}/ufficio/anagrafe/: persone/, alunni/nuovo/, alunni/modifica/, alunni/adulti/.
 */
export async function officePeopleRoutes(app: FastifyInstance, options: { services: Services }) {
  await app.register(officePersonRoutes, options);
  await app.register(newPupilRoutes, options);
  await app.register(editPupilRoutes, options);
  await app.register(pupilAdultsRoutes, options);
}
