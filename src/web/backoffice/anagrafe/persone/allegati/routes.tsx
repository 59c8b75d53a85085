import { ownerAttachmentRoutes } from '../../allegati/owner-routes';

/** A person's attachments (a holder, another adult): /{ente}/ufficio/anagrafe/persone/:id/allegati (list and upload). */
export const personAttachmentRoutes = ownerAttachmentRoutes('person');
