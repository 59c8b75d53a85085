import { ownerAttachmentRoutes } from '../../allegati/owner-routes';

/** A pupil's attachments: /{ente}/ufficio/anagrafe/alunni/:id/allegati (list and upload). */
export const pupilAttachmentRoutes = ownerAttachmentRoutes('pupil');
