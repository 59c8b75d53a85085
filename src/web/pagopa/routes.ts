import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { PushAuthConfig } from '../../config/index';
import type { Services } from '../../domain/services';
import { createPushAuthenticator } from '../../integrations/pagopa/push-auth';
import { type PaSendRTV2Response, paSendRTV2ResponseXml, stationFault } from '../../integrations/pagopa/receipt-xml';

/** A receipt is a few kilobytes; this bounds what a caller can make us parse. */
const RECEIPT_BODY_LIMIT = 256 * 1024;

/** SOAP 1.1 (text/xml, what the Node sends) and SOAP 1.2 (application/soap+xml). */
const SOAP_CONTENT_TYPES = ['text/xml', 'application/xml', 'application/soap+xml'];

/** The media type of a request, without parameters, in lower case. */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function sendFault(reply: FastifyReply, status: number, response: PaSendRTV2Response) {
  return reply.code(status).header('content-type', 'text/xml; charset=utf-8').send(paSendRTV2ResponseXml(response));
}

/**
 * The creditor's station endpoint the platform pushes receipts to (paSendRTV2, SOAP). It takes no
 * session and no CSRF token: the caller is the platform, authenticated by its network and the client
 * certificate our reverse proxy verified (README, "pagoPA"). Whatever arrives, the answer is a SOAP
 * paSendRTV2Response: never the HTML error page, never a bare 500.
 */
export async function pagopaRoutes(
  app: FastifyInstance,
  { services, push, brokerId }: { services: Services; push: PushAuthConfig; brokerId: string },
) {
  const authenticate = createPushAuthenticator(push);

  app.addContentTypeParser(SOAP_CONTENT_TYPES, { parseAs: 'string', bodyLimit: RECEIPT_BODY_LIMIT }, (_request, body, done) => done(null, body));

  // Only this plugin's routes: the body could not be read (too large, a type we do not take, a broken
  // length) or something failed on our side. The platform gets a fault it can log, with our id.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'receipt push failed');
      return sendFault(reply, 503, stationFault('PAA_SYSTEM_ERROR', brokerId, 'Errore temporaneo della stazione: ripetere più tardi'));
    }
    const description =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `Messaggio oltre ${RECEIPT_BODY_LIMIT / 1024} KiB`
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? `Content-Type non ammesso: serve ${SOAP_CONTENT_TYPES.join(' o ')}`
          : 'Richiesta non leggibile';
    request.log.warn({ code: error.code, status }, 'receipt push refused');
    return sendFault(reply, status, stationFault('PAA_SINTASSI_XSD', brokerId, description));
  });

  app.post(
    '/pagopa/paForNode',
    {
      config: { csrf: false },
      bodyLimit: RECEIPT_BODY_LIMIT,
      // Before the body is read: an unknown caller does not get to make us parse anything.
      onRequest: async (request, reply) => {
        const refused = authenticate({ ip: request.ip, peer: request.socket.remoteAddress, headers: request.headers });
        if (!refused) return;
        request.log.warn({ refused }, 'receipt push from an unauthenticated caller');
        return sendFault(reply, 403, stationFault('PAA_SYSTEM_ERROR', brokerId, 'Chiamante non autorizzato'));
      },
    },
    async (request, reply) => {
      if (typeof request.body !== 'string' || !SOAP_CONTENT_TYPES.includes(mediaType(request.headers['content-type']))) {
        // No body, or one the app's other parsers read (form, JSON, plain text): not a SOAP message.
        return sendFault(reply, 415, stationFault('PAA_SINTASSI_XSD', brokerId, `Content-Type non ammesso: serve ${SOAP_CONTENT_TYPES.join(' o ')}`));
      }
      const { response, outcome } = await services.receipts.receivePush(request.body);
      // No personal data: the outcome and, for a flagged receipt or a fault, why.
      request.log.info(
        { outcome: outcome?.result ?? 'rejected', flag: outcome && 'flag' in outcome ? outcome.flag : undefined, faultCode: response.fault?.faultCode },
        'receipt push',
      );
      return reply.header('content-type', 'text/xml; charset=utf-8').send(paSendRTV2ResponseXml(response));
    },
  );
}
