import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';

/**
 * The receipt of a pagoPA payment as the platform sends it: the SOAP operation paSendRTV2 of paForNode.xsd
 * (ctReceiptV2), pushed to the creditor, and the same receipt XML returned by the receipts API. One
 * parser serves both; the builder is what the built-in sandbox sends, so the two are tested together.
 */

export const PA_FOR_NODE_NS = 'http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd';
const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/**
 * XML 1.0's Char production: what a document may contain, typed or as a character reference. Anything
 * else (NUL above all, which PostgreSQL refuses in text) makes the request not XML, let alone XSD-valid.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const xmlText = z.string().refine((value) => !NOT_XML_CHAR.test(value), 'carattere non ammesso in XML');

/**
 * The XSD's stTextN are 1..N characters. The parser trims values, so an element of spaces (XSD-valid)
 * arrives empty: the minimum is not ours to enforce again.
 */
const text = (max: number) => xmlText.refine((value) => [...value].length <= max, `al massimo ${max} caratteri`); // characters, not UTF-16 units
const optionalText = (max: number) => text(max).optional();
/** stAmount: digits, a point, two decimals, at most 999999999.99 (leading zeros are valid decimals). */
const decimalAmount = z
  .string()
  .regex(/^\d+\.\d{2}$/, 'importo decimale con due cifre')
  .refine((value) => value.replace(/^0+(?=\d)/, '').length <= 12, 'importo oltre 999999999.99');

const subjectSchema = z.object({
  uniqueIdentifier: z.object({
    entityUniqueIdentifierType: z.enum(['F', 'G']),
    entityUniqueIdentifierValue: xmlText.refine((value) => value.length >= 2 && [...value].length <= 16, 'da 2 a 16 caratteri'),
  }),
  fullName: text(70),
});

const transferSchema = z.object({
  // stIdTransfer is an xsd:int from 1 to 5: "01" and "+1" are valid spellings of 1.
  idTransfer: z.string().regex(/^\+?0*[1-5]$/),
  transferAmount: decimalAmount,
  fiscalCodePA: z.string().regex(/^\d{11}$/),
  companyName: optionalText(140),
  IBAN: optionalText(35),
  remittanceInformation: text(140),
  transferCategory: text(140),
});

const receiptSchema = z.object({
  // xsd:string with no length: the platform's ids are longer than 35 characters (UUIDs and more).
  receiptId: xmlText,
  noticeNumber: z.string().regex(/^\d{18}$/, 'codice avviso di 18 cifre'),
  fiscalCode: z.string().regex(/^\d{11}$/),
  outcome: z.enum(['OK', 'KO']),
  creditorReferenceId: text(35),
  paymentAmount: decimalAmount,
  description: text(140),
  companyName: text(140),
  officeName: optionalText(140),
  debtor: subjectSchema,
  transferList: z.object({ transfer: z.array(transferSchema).min(1).max(5) }),
  idPSP: text(35),
  pspFiscalCode: optionalText(70),
  PSPCompanyName: text(70),
  idChannel: text(35),
  channelDescription: text(35),
  payer: subjectSchema.optional(),
  paymentMethod: optionalText(35),
  paymentNote: optionalText(210),
  fee: decimalAmount.optional(),
  paymentDateTime: optionalText(64),
  applicationDate: optionalText(64),
  transferDate: optionalText(64),
});

export type PagopaReceipt = z.infer<typeof receiptSchema>;

export interface PaSendRTV2Request {
  idPA: string;
  idBrokerPA: string;
  idStation: string;
  receipt: PagopaReceipt;
}

const requestSchema = z.object({
  idPA: text(35),
  idBrokerPA: text(35),
  idStation: text(35),
  receipt: receiptSchema,
});

export class ReceiptFormatError extends Error {}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  // Notice numbers and amounts stay text: leading zeros and cents must survive.
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'transfer',
  // The five XML entities and character references (&#233;) are decoded; a document type declaration,
  // where entities could be defined and expanded, is refused before parsing (below).
  processEntities: true,
  htmlEntities: true,
});

/**
 * SOAP 1.1 forbids a document type declaration in a message; refusing it outright means no entity of
 * the caller's is ever expanded ("billion laughs") and no external one fetched.
 */
const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;

/** A character reference (&#0; &#x1;) must name a character XML allows, as a typed one must be. */
function badCharacterReference(xml: string): string | undefined {
  for (const [reference, hex, decimal] of xml.matchAll(/&#(?:x([0-9a-fA-F]{1,8})|([0-9]{1,10}));/g)) {
    const code = hex !== undefined ? parseInt(hex, 16) : Number(decimal);
    if (code > 0x10ffff || NOT_XML_CHAR.test(String.fromCodePoint(code))) return reference;
  }
  return undefined;
}

function findElement(node: unknown, name: string, depth = 0): unknown {
  if (!node || typeof node !== 'object' || depth > 6) return undefined;
  const record = node as Record<string, unknown>;
  if (name in record) return record[name];
  for (const value of Object.values(record)) {
    const found = findElement(value, name, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function parseXml(xml: string): unknown {
  if (NOT_XML_CHAR.test(xml)) throw new ReceiptFormatError('carattere non ammesso in XML (per esempio NUL o un carattere di controllo)');
  if (DOCTYPE.test(xml)) throw new ReceiptFormatError('dichiarazione DOCTYPE non ammessa in un messaggio SOAP');
  const reference = badCharacterReference(xml);
  if (reference) throw new ReceiptFormatError(`riferimento a un carattere non ammesso in XML: ${reference}`);
  try {
    return parser.parse(xml);
  } catch (error) {
    throw new ReceiptFormatError(`XML non valido: ${(error as Error).message}`);
  }
}

function explain(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

/** The paSendRTV2 request the platform pushes (a SOAP envelope), validated against ctReceiptV2. */
export function parsePaSendRTV2Request(xml: string): PaSendRTV2Request {
  const request = findElement(parseXml(xml), 'paSendRTV2Request');
  if (!request) throw new ReceiptFormatError('manca paSendRTV2Request');
  const parsed = requestSchema.safeParse(request);
  if (!parsed.success) throw new ReceiptFormatError(explain(parsed.error));
  return parsed.data;
}

/** A receipt XML as the receipts API returns it (the receipt element, bare or inside the SOAP request). */
export function parseReceiptXml(xml: string): PagopaReceipt {
  const receipt = findElement(parseXml(xml), 'receipt');
  if (!receipt) throw new ReceiptFormatError('manca receipt');
  const parsed = receiptSchema.safeParse(receipt);
  if (!parsed.success) throw new ReceiptFormatError(explain(parsed.error));
  return parsed.data;
}

const escapeXml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function element(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => element(name, item)).join('');
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value as Record<string, unknown>)
      .map(([key, child]) => element(key, child))
      .join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** The receipt element alone, in ctReceiptV2's order (the sandbox stores and serves it so). */
export function receiptXml(receipt: PagopaReceipt): string {
  return element('receipt', receiptInSchemaOrder(receipt));
}

function receiptInSchemaOrder(r: PagopaReceipt) {
  return {
    receiptId: r.receiptId,
    noticeNumber: r.noticeNumber,
    fiscalCode: r.fiscalCode,
    outcome: r.outcome,
    creditorReferenceId: r.creditorReferenceId,
    paymentAmount: r.paymentAmount,
    description: r.description,
    companyName: r.companyName,
    officeName: r.officeName,
    debtor: r.debtor,
    transferList: { transfer: r.transferList.transfer },
    idPSP: r.idPSP,
    pspFiscalCode: r.pspFiscalCode,
    PSPCompanyName: r.PSPCompanyName,
    idChannel: r.idChannel,
    channelDescription: r.channelDescription,
    payer: r.payer,
    paymentMethod: r.paymentMethod,
    paymentNote: r.paymentNote,
    fee: r.fee,
    paymentDateTime: r.paymentDateTime,
    applicationDate: r.applicationDate,
    transferDate: r.transferDate,
  };
}

/** The SOAP request of paSendRTV2, as the platform sends it to the creditor's station. */
export function paSendRTV2RequestXml(request: PaSendRTV2Request): string {
  const body =
    element('idPA', request.idPA) +
    element('idBrokerPA', request.idBrokerPA) +
    element('idStation', request.idStation) +
    receiptXml(request.receipt);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_NS}" xmlns:pafn="${PA_FOR_NODE_NS}"><soapenv:Body>` +
    `<pafn:paSendRTV2Request>${body}</pafn:paSendRTV2Request></soapenv:Body></soapenv:Envelope>`
  );
}

export interface PaSendRTV2Response {
  outcome: 'OK' | 'KO';
  fault?: { faultCode: string; faultString: string; id: string; description?: string };
}

/** The faults a creditor's station answers, with the faultString pagoPA's own station (GPD) gives. */
const FAULT_STRINGS = {
  PAA_SINTASSI_XSD: 'Errore XSD',
  PAA_ID_DOMINIO_ERRATO: 'ID dominio errato',
  PAA_ID_INTERMEDIARIO_ERRATO: 'IdBrokerPA errato',
  PAA_STAZIONE_INT_ERRATA: 'IdStazione errato',
  PAA_RECEIPT_DUPLICATA: 'pagamento duplicato',
  PAA_SEMANTICA: 'Errore Generico',
  PAA_SYSTEM_ERROR: 'Errore sistema',
} as const;

export type StationFaultCode = keyof typeof FAULT_STRINGS;

/**
 * A KO answer. `id` names who emits the fault: our intermediary (idBrokerPA), as GPD's station does;
 * the description says what was wrong, without personal data.
 */
export function stationFault(faultCode: StationFaultCode, id: string, description: string): PaSendRTV2Response {
  return { outcome: 'KO', fault: { faultCode, faultString: FAULT_STRINGS[faultCode], id, description: description.slice(0, 500) } };
}

/** Our answer to a push: OK once the receipt is stored (applied or flagged), KO with a fault otherwise. */
export function paSendRTV2ResponseXml(response: PaSendRTV2Response): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_NS}" xmlns:pafn="${PA_FOR_NODE_NS}"><soapenv:Body>` +
    `<pafn:paSendRTV2Response>${element('outcome', response.outcome)}${element('fault', response.fault)}</pafn:paSendRTV2Response>` +
    `</soapenv:Body></soapenv:Envelope>`
  );
}

export function parsePaSendRTV2Response(xml: string): PaSendRTV2Response {
  const response = findElement(parseXml(xml), 'paSendRTV2Response') as Record<string, unknown> | undefined;
  const outcome = response?.outcome;
  if (outcome !== 'OK' && outcome !== 'KO') throw new ReceiptFormatError('risposta paSendRTV2 senza outcome');
  return { outcome, ...(response?.fault ? { fault: response.fault as PaSendRTV2Response['fault'] } : {}) };
}
