import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../domain/services';
import { paSendRTV2ResponseXml } from '../../integrations/pagopa/receipt-xml';

/** A receipt is a few kilobytes; this bounds what a caller can make us parse. */
const RECEIPT_BODY_LIMIT = 256 * 1024;

function sameKey(sent: unknown, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const left = Buffer.from(sent);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The creditor's station endpoint the platform pushes receipts to (paSendRTV2, SOAP). It takes no
 * session and no CSRF token: the caller is the platform, authenticated by the subscription key the
 * station is configured with (and, in production, by the network: see README, "pagoPA").
 */
export async function pagopaRoutes(app: FastifyInstance, { services, receiptKey }: { services: Services; receiptKey: string }) {
  app.addContentTypeParser(['text/xml', 'application/xml', 'application/soap+xml'], { parseAs: 'string', bodyLimit: RECEIPT_BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );

  app.post('/pagopa/paForNode', { config: { csrf: false }, bodyLimit: RECEIPT_BODY_LIMIT }, async (request, reply) => {
    reply.header('content-type', 'text/xml; charset=utf-8');
    if (!sameKey(request.headers['ocp-apim-subscription-key'], receiptKey)) {
      request.log.warn('receipt push without the right key');
      return reply.code(401).send(paSendRTV2ResponseXml({ outcome: 'KO', fault: { faultCode: 'PAA_SYSTEM_ERROR', faultString: 'Chiave non valida', id: '' } }));
    }
    if (typeof request.body !== 'string') {
      return reply.code(400).send(paSendRTV2ResponseXml({ outcome: 'KO', fault: { faultCode: 'PAA_SINTASSI_XSD', faultString: 'Corpo XML mancante', id: '' } }));
    }
    const { response, outcome } = await services.receipts.receivePush(request.body);
    // No personal data: the outcome and, for a flagged receipt, why.
    request.log.info({ outcome: outcome?.result ?? 'rejected', flag: outcome && 'flag' in outcome ? outcome.flag : undefined }, 'receipt push');
    return reply.send(paSendRTV2ResponseXml(response));
  });
}
