import { z } from 'zod';

/**
 * What the sandbox accepts on its JSON APIs: the platform's contracts (GPD debt positions, Checkout
 * carts) narrowed to what our client sends, with the limits of the receipt it will later issue, so that
 * every position the sandbox stores can be paid with a receipt that passes our own receipt parser.
 */

const TAX_CODE = /^\d{11}$/;
const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;

const text = (max: number) => z.string().trim().min(1).max(max);
const cents = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const transferSchema = z.object({
  idTransfer: z.string().regex(/^[1-5]$/),
  amount: cents,
  remittanceInformation: text(140),
  category: text(140),
  iban: z.string().regex(IBAN, 'IBAN non valido'),
});

const paymentOptionSchema = z
  .object({
    iuv: z.string().regex(/^\d{17}$/, 'iuv: 17 cifre'),
    nav: z.string().regex(/^\d{18}$/, 'nav: 18 cifre'),
    amount: cents,
    description: text(140),
    isPartialPayment: z.literal(false),
    dueDate: text(40),
    transfer: z.array(transferSchema).min(1).max(5),
  })
  .superRefine((option, ctx) => {
    if (option.nav !== `3${option.iuv}`) ctx.addIssue({ code: 'custom', path: ['nav'], message: "nav deve essere '3' seguito dallo iuv" });
    const total = option.transfer.reduce((sum, transfer) => sum + transfer.amount, 0);
    if (total !== option.amount) ctx.addIssue({ code: 'custom', path: ['transfer'], message: 'la somma dei trasferimenti non è uguale a amount' });
    const ids = new Set(option.transfer.map((transfer) => transfer.idTransfer));
    if (ids.size !== option.transfer.length) ctx.addIssue({ code: 'custom', path: ['transfer'], message: 'idTransfer ripetuto' });
  });

export const debtPositionSchema = z.object({
  iupd: text(50),
  type: z.enum(['F', 'G']),
  fiscalCode: z.string().regex(/^[A-Z0-9]{11,16}$/i, 'codice fiscale del debitore non valido'),
  fullName: text(70),
  companyName: text(140),
  switchToExpired: z.boolean(),
  paymentOption: z.array(paymentOptionSchema).length(1),
});

export type SandboxDebtPosition = z.infer<typeof debtPositionSchema>;

const returnUrl = z.url({ protocol: /^https?$/ });

/** More than five notices is a 422 of the platform, not a malformed body: checked after parsing. */
export const cartRequestSchema = z.object({
  paymentNotices: z
    .array(
      z.object({
        noticeNumber: z.string().regex(/^\d{18}$/),
        fiscalCode: z.string().regex(TAX_CODE),
        amount: cents,
        companyName: text(140),
        description: text(140),
      }),
    )
    .min(1)
    .max(100),
  returnUrls: z.object({
    returnOkUrl: returnUrl,
    returnCancelUrl: returnUrl,
    returnErrorUrl: returnUrl,
    returnWaitingUrl: returnUrl.optional(),
  }),
  emailNotice: z.email().optional(),
  idCart: text(210).optional(),
});

export type SandboxCartRequest = z.infer<typeof cartRequestSchema>;

export const MAX_CART_NOTICES = 5;

export const creditorTaxCodeSchema = z.string().regex(TAX_CODE);

export const receiptsQuerySchema = z.object({
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  pageNum: z.coerce.number().int().min(0).default(0),
  pageSize: z.coerce.number().int().min(1).max(1000).default(50),
});

/** Zod's issues in one line for a ProblemJson detail: field paths and messages, never the values sent. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ')
    .slice(0, 1000);
}
