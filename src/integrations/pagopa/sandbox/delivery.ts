import type { FastifyBaseLogger } from 'fastify';
import { parsePaSendRTV2Response, paSendRTV2RequestXml } from '../receipt-xml';
import type { IssuedReceipt } from './payment';
import type { DeliveryMode } from './texts';

export interface ReceiptStation {
  /** Our paSendRTV2 endpoint. */
  endpoint: string;
  brokerId: string;
  stationId: string;
}

const DELIVERY_TIMEOUT_MS = 10_000;
const LATE_DELIVERY_MS = 3_000;

/**
 * Pushes receipts to the creditor's station as the platform's forwarder does (SOAP paSendRTV2, without a
 * subscription key: our station must authenticate it by network or certificate), in the ways a real
 * platform may: once, twice, late, or never (then only the receipts API has them). A failed push is only
 * logged: the receipt stays available from the receipts API, which is how the creditor catches up.
 */
export function createReceiptCourier(station: ReceiptStation, log: FastifyBaseLogger) {
  const lateDeliveries = new Set<NodeJS.Timeout>();

  async function push({ creditorTaxCode, receipt }: IssuedReceipt): Promise<void> {
    const logged = { receiptId: receipt.receiptId };
    try {
      const response = await fetch(station.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          SOAPAction: 'paSendRTV2',
          // No Ocp-Apim-Subscription-Key: pagoPA's forwarder removes it before calling a station.
        },
        body: paSendRTV2RequestXml({ idPA: creditorTaxCode, idBrokerPA: station.brokerId, idStation: station.stationId, receipt }),
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      const answer = await response.text();
      if (!response.ok) {
        log.warn({ ...logged, status: response.status }, 'pagoPA sandbox: receipt push refused');
        return;
      }
      const parsed = parsePaSendRTV2Response(answer);
      // A receipt the station already has is delivered, for the platform as for us.
      if (parsed.outcome === 'KO' && parsed.fault?.faultCode !== 'PAA_RECEIPT_DUPLICATA') {
        log.warn({ ...logged, faultCode: parsed.fault?.faultCode }, 'pagoPA sandbox: receipt push answered KO');
      }
    } catch (error) {
      log.warn({ ...logged, error: (error as Error).message }, 'pagoPA sandbox: receipt push failed');
    }
  }

  async function pushAll(receipts: IssuedReceipt[]): Promise<void> {
    for (const receipt of receipts) await push(receipt);
  }

  /** Resolves once the immediate pushes are done; a late push is left running on its own. */
  async function deliver(receipts: IssuedReceipt[], mode: DeliveryMode): Promise<void> {
    if (receipts.length === 0) return;
    switch (mode) {
      case 'normale':
        return pushAll(receipts);
      case 'doppia':
        // As when the platform retries a push whose answer it did not get: the same receipts again.
        await pushAll(receipts);
        return pushAll(receipts);
      case 'in-ritardo': {
        const timer = setTimeout(() => {
          lateDeliveries.delete(timer);
          void pushAll(receipts);
        }, LATE_DELIVERY_MS);
        // A pending late push must not keep a test run or a stopping server alive.
        timer.unref();
        lateDeliveries.add(timer);
        return;
      }
      case 'nessuna':
        return;
    }
  }

  /** Forgets the late pushes not yet started (the server is stopping). */
  function close(): void {
    for (const timer of lateDeliveries) clearTimeout(timer);
    lateDeliveries.clear();
  }

  return { deliver, close };
}

export type ReceiptCourier = ReturnType<typeof createReceiptCourier>;
