import type { Ente } from '../../../db/schema';
import type { ReceiptDetail } from '../../../domain/corrections/receipts';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, PostForm, SelectField, TextAreaField, TextField } from '../../shared/fields';
import type { FormProblems } from '../../shared/form';
import { Layout } from '../../shared/layout';

type Ctx = PageContext & { ente: Ente };
export type ResolveProblems = FormProblems<'azione' | 'documento' | 'ricarica' | 'importo' | 'motivo'>;

/** A kept receipt and the form that resolves it once (decision 0028). */
export function ResolveReceiptPage({ ctx, detail, typed = {}, problems = {} }: { ctx: Ctx; detail: ReceiptDetail; typed?: Record<string, string>; problems?: ResolveProblems }) {
  const { m, ente } = ctx;
  const t = m.officeCorrections.receipts;
  const flags = m.officeReceipts.flags;
  const { receipt, resolution } = detail;
  const list = backofficeCrumbs(ctx, t.title);
  const crumbs = [...list.slice(0, 3), { label: m.officeReceipts.title, href: `/${ente.slug}/ufficio/ricevute` }, { label: t.title }];
  const facts: [string, string][] = [
    [t.facts.received, m.format.dateTime(receipt.receivedAt)],
    [t.facts.receiptId, receipt.receiptId],
    [t.facts.notice, receipt.noticeNumber],
    [t.facts.debtor, `${receipt.debtorName} (${receipt.debtorFiscalCode})`],
    [t.facts.amount, m.format.euro(receipt.amountCents)],
    [t.facts.psp, receipt.pspName],
    [t.facts.flag, receipt.enteId === null ? m.officeReceipts.otherCreditor(receipt.creditorTaxCode) : (flags[receipt.flag ?? ''] ?? receipt.flag ?? '')],
    [t.facts.description, receipt.description],
  ];
  return (
    <Layout ctx={ctx} title={t.title} crumbs={crumbs}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <dl class="row">
        {facts.map(([label, value]) => (
          <>
            <dt class="col-sm-4">{label}</dt>
            <dd class="col-sm-8 text-break">{value}</dd>
          </>
        ))}
      </dl>
      {resolution ? (
        <section aria-labelledby="resolved-title">
          <h2 class="h4" id="resolved-title">
            {t.alreadyTitle}
          </h2>
          <p>
            {t.actions[resolution.action]} — {resolution.reason} ({resolution.author}, {m.format.dateTime(resolution.createdAt)})
          </p>
        </section>
      ) : (
        <PostForm action={`/${ente.slug}/ufficio/ricevute/${receipt.id}`} csrfToken={ctx.csrfToken}>
          <SelectField
            m={m}
            name="azione"
            label={t.fields.azione}
            value={typed.azione ?? ''}
            problem={problems.azione}
            texts={t.problems}
            required
            empty=""
            options={(['assegnata', 'rimborso', 'verificata'] as const).map((a) => ({ value: a, label: t.actions[a]! }))}
          />
          <SelectField
            m={m}
            name="documento"
            label={t.fields.documento}
            value={typed.documento ?? ''}
            problem={problems.documento}
            texts={t.problems}
            empty={t.noItem}
            options={detail.documents.map((d) => ({
              value: String(d.id),
              label: t.documentOption(`${d.number}/${d.year}`, d.serviceName, m.format.month(d.period), m.format.euro(d.totalCents)),
            }))}
          />
          <SelectField
            m={m}
            name="ricarica"
            label={t.fields.ricarica}
            value={typed.ricarica ?? ''}
            problem={problems.ricarica}
            texts={t.problems}
            empty={t.noItem}
            options={detail.topups.map((tp) => ({ value: String(tp.id), label: t.topupOption(tp.badgeCode, m.format.dateTime(tp.createdAt), m.format.euro(tp.amountCents)) }))}
          />
          <TextField m={m} name="importo" label={t.fields.importo} value={typed.importo} problem={problems.importo} texts={t.problems} hint={t.refundHint} inputmode="decimal" autocomplete="off" />
          <TextAreaField m={m} name="motivo" label={t.fields.motivo} value={typed.motivo} problem={problems.motivo} texts={t.problems} required />
          <button type="submit" class="btn btn-primary me-3 mb-2">
            {t.submit}
          </button>
          <a href={`/${ente.slug}/ufficio/ricevute`} class="btn btn-outline-secondary mb-2">
            {t.back}
          </a>
        </PostForm>
      )}
    </Layout>
  );
}
