import { euroDecimalFromCents } from '../../src/integrations/pagopa/amounts';
import type { PagopaReceipt } from '../../src/integrations/pagopa/receipt-xml';

/** What a test receipt needs of one of our notices, with its ente and holder. */
export interface NoticeForReceipt {
  nav: string;
  iuv: string;
  amount_cents: number;
  description: string;
  tax_code: string;
  name: string;
  fiscal_code: string;
  given_name: string;
  family_name: string;
}

/** A successful receipt as the platform would send it for the notice, paid by its holder at a test PSP. */
export function okReceiptFor(n: NoticeForReceipt, receiptId: string, overrides: Partial<PagopaReceipt> = {}): PagopaReceipt {
  const amount = euroDecimalFromCents(n.amount_cents);
  return {
    receiptId,
    noticeNumber: n.nav,
    fiscalCode: n.tax_code,
    outcome: 'OK',
    creditorReferenceId: n.iuv,
    paymentAmount: amount,
    description: n.description,
    companyName: n.name,
    debtor: { uniqueIdentifier: { entityUniqueIdentifierType: 'F', entityUniqueIdentifierValue: n.fiscal_code }, fullName: `${n.given_name} ${n.family_name}` },
    transferList: { transfer: [{ idTransfer: '1', transferAmount: amount, fiscalCodePA: n.tax_code, IBAN: 'IT60X0542811101000000123456', remittanceInformation: n.description, transferCategory: '9/0107101TS/' }] },
    idPSP: 'TESTPSP',
    PSPCompanyName: 'PSP di test',
    idChannel: 'TESTPSP_01',
    channelDescription: 'app',
    paymentMethod: 'CP',
    paymentDateTime: '2026-11-26T08:30:00',
    ...overrides,
  };
}
