import type { Ente } from '../../../db/schema';
import type { PupilRecord, PupilSummary } from '../../../domain/registry/service';
import { ServicePage } from '../../shared/components';
import { PupilLine } from '../pupil';
import type { PageContext } from '../../shared/context';
import type { Messages } from '../../i18n/it';
import type { Price } from '../../../domain/tariffs/resolution';
import { Icon } from '../../shared/layout';

type EnteContext = PageContext & { ente: Ente };

/** The reductions in force, in words, as charging computes them; an office note goes after them. */
function reductions(m: Messages, price: Price | undefined, note: string | null): string {
  const percent = (bp: number) => `${(bp / 100).toLocaleString(m.lang)}%`;
  const parts: string[] = [];
  if (price?.siblingCents) parts.push(m.scheda.sibling(percent(price.siblingBp), m.format.euro(price.siblingCents)));
  if (price?.exemptionCents) parts.push(m.scheda.exemption(percent(price.exemptionBp), m.format.euro(price.exemptionCents)));
  if (note) parts.push(note);
  return parts.length ? parts.join('; ') : m.scheda.none;
}

/** One row of a definition list. A plain function, not a component: pages have dozens of them. */
function field(label: string, value: string | null | undefined) {
  return (
    <>
      <dt class="col-sm-4">{label}</dt>
      <dd class="col-sm-8">{value && value !== '' ? value : '—'}</dd>
    </>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: preact.ComponentChildren }) {
  return (
    <section class="mb-4" aria-labelledby={id}>
      <h2 class="h4 border-bottom pb-2" id={id}>
        {title}
      </h2>
      {children}
    </section>
  );
}

export function SchedaPage({
  ctx,
  pupil,
  pupils,
  record,
  statementYears = [],
}: {
  ctx: EnteContext;
  /** Calendar years with canteen payments: one statement for the 730 each. */
  statementYears?: number[];
  pupil: PupilSummary;
  pupils: PupilSummary[];
  record: PupilRecord;
}) {
  const { m, ente } = ctx;
  const f = m.scheda.fields;
  const { person, holder, enrolments, attachments } = record;
  // Payment, invoicing and cost describe what is in force; ended enrolments stay in the history table.
  const current = enrolments.filter((e) => e.state !== 'cessata');
  const period = (from: string, to: string | null) =>
    to ? m.scheda.fromTo(m.format.date(from), m.format.date(to)) : m.scheda.from(m.format.date(from));
  return (
    <ServicePage
      ctx={ctx}
      title={m.scheda.title}
      lead={
        <PupilLine ctx={ctx} pupil={pupil} pupils={pupils} service="scheda-anagrafica" />
      }
    >
      <Section id="dati-alunno" title={m.scheda.pupil}>
        <dl class="row">
          {field(f.familyName, person.familyName)}
          {field(f.givenName, person.givenName)}
          {field(f.fiscalCode, person.fiscalCode)}
          {field(f.birth, `${m.format.date(person.birthDate)}, ${person.birthPlace}`)}
          {field(f.sex, m.scheda.sex[person.sex])}
          {field(f.school, person.schoolName)}
          {field(f.className, person.className)}
        </dl>
      </Section>
      <Section id="residenza" title={m.scheda.residence}>
        <dl class="row">
          {field(f.address, person.address)}
          {field(f.city, `${person.postcode} ${person.city} (${person.province})`)}
        </dl>
      </Section>
      <Section id="intestatario" title={m.scheda.holder}>
        {holder && (
          <dl class="row">
            {field(f.familyName, holder.familyName)}
            {field(f.givenName, holder.givenName)}
            {field(f.fiscalCode, holder.fiscalCode)}
            {field(f.birth, `${m.format.date(holder.birthDate)}, ${holder.birthPlace}`)}
            {field(f.address, `${holder.address}, ${holder.postcode} ${holder.city} (${holder.province})`)}
            {field(f.email, holder.email)}
            {field(f.phone, holder.phone)}
          </dl>
        )}
      </Section>
      <Section id="iscrizioni" title={m.scheda.enrolments}>
        {enrolments.length === 0 ? (
          <p>{m.scheda.noEnrolments}</p>
        ) : (
            <table class="table table-stack">
              <caption class="visually-hidden">{m.scheda.enrolments}</caption>
              <thead>
                <tr>
                  <th scope="col">{f.service}</th>
                  <th scope="col">{f.schoolYear}</th>
                  <th scope="col">{f.school}</th>
                  <th scope="col">{f.className}</th>
                  <th scope="col">{f.state}</th>
                  <th scope="col">{f.period}</th>
                  <th scope="col">{f.badge}</th>
                </tr>
              </thead>
              <tbody>
                {enrolments.map((e) => (
                  <tr key={e.id}>
                    <th scope="row" data-label={f.service}>{e.serviceName}</th>
                    <td data-label={f.schoolYear}>{e.schoolYear}</td>
                    <td data-label={f.school}>{e.schoolName}</td>
                    <td data-label={f.className}>{person.className}</td>
                    <td data-label={f.state}>{m.scheda.state[e.state]}</td>
                    <td data-label={f.period}>{period(e.startsOn, e.endsOn)}</td>
                    <td data-label={f.badge}>{e.badgeCode ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
        )}
      </Section>
      <Section id="pagamento" title={m.scheda.payment}>
        {current.map((e) => (
          <dl class="row" key={e.id}>
            {field(f.service, `${e.serviceName} (${e.schoolYear})`)}
            {field(f.billing, m.scheda.billing[e.billing])}
            {field(f.channel, m.scheda.channel[e.paymentMode])}
            {e.paymentMode === 'sepa' && e.debitIban && field(f.iban, m.scheda.ibanEnding(e.debitIban.slice(-4)))}
          </dl>
        ))}
      </Section>
      <Section id="domiciliazione" title={m.scheda.invoice}>
        {current.map((e) => (
          <dl class="row" key={e.id}>
            {field(f.service, `${e.serviceName} (${e.schoolYear})`)}
            {field(f.recipient, e.invoiceRecipient)}
            {field(f.address, e.invoiceAddress)}
            {field(f.email, e.invoiceEmail)}
          </dl>
        ))}
      </Section>
      <Section id="tariffa" title={m.scheda.tariff}>
        {current.map((e) => (
          <dl class="row" key={e.id}>
            {field(f.service, `${e.serviceName} (${e.schoolYear})`)}
            {field(f.band, e.bandLabel)}
            {field(f.amount, `${m.format.euro(e.price?.unitPriceCents ?? e.amountCents)} ${m.scheda.unit[e.tariffUnit]}`)}
            {field(f.reduction, reductions(m, e.price, e.reductionNote))}
            {e.price && field(f.due, `${m.format.euro(e.price.amountCents)} ${m.scheda.unit[e.tariffUnit]}`)}
          </dl>
        ))}
      </Section>
      <Section id="allegati" title={m.scheda.attachments}>
        {attachments.length === 0 && statementYears.length === 0 ? (
          <p>{m.scheda.noAttachments}</p>
        ) : (
          <ul class="list-unstyled">
            {statementYears.map((year) => (
              <li key={`730-${year}`} class="mb-2">
                <a href={`/${ente.slug}/scheda-anagrafica/attestazione-730?utente=${pupil.id}&anno=${year}`}>
                  <Icon name="it-download" className="icon-sm me-1" />
                  {m.scheda.download}: {m.scheda.statement730(year)}
                </a>
              </li>
            ))}
            {attachments.map((a) => (
              <li key={a.id} class="mb-2">
                <a href={`/${ente.slug}/allegati/${a.id}`} download={a.fileName}>
                  <Icon name="it-download" className="icon-sm me-1" />
                  {m.scheda.download}: {a.title}
                </a>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </ServicePage>
  );
}
