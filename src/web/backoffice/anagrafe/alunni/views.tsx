import type { Ente } from '../../../../db/schema';
import type { OfficePupilPage } from '../../../../domain/registry/office-pupil';
import type { Messages } from '../../../i18n/it';
import type { PageContext } from '../../../shared/context';
import { Layout } from '../../../shared/layout';
import { DataTable } from '../../../shared/list';
import { balanceInWords, movementDescription, signedEuro } from '../../../portal/conto-corrente/views';
import { actionInWords, EventValues, whoActed } from '../../registro-attivita/views';

type Ctx = PageContext & { ente: Ente };

function field(label: string, value: string | null | undefined) {
  return (
    <>
      <dt class="col-sm-4">{label}</dt>
      <dd class="col-sm-8 text-break">{value && value !== '' ? value : '—'}</dd>
    </>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: preact.ComponentChildren }) {
  return (
    <section class="mb-5" aria-labelledby={id}>
      <h2 class="h4 border-bottom pb-2" id={id}>
        {title}
      </h2>
      {children}
    </section>
  );
}

function canteenState(m: Messages, row: OfficePupilPage['canteen']['rows'][number]): string {
  if (!row.day.service) return `${m.canteen.noService} (${m.canteen.reasons[row.day.reason] ?? row.day.reason})`;
  if (!row.state) return '—';
  return `${m.canteen.states[row.state.status] ?? row.state.status} — ${m.canteen.sources[row.state.source] ?? row.state.source}`;
}

/** A pupil in the office: everything the parent sees, the adults linked, the history; links to the office's actions. */
export function OfficePupilPageView({ ctx, page, mayReadActivity, mayCorrect = false }: { ctx: Ctx; page: OfficePupilPage; mayReadActivity: boolean; mayCorrect?: boolean }) {
  const { m, ente } = ctx;
  const t = m.officeSearch.pupil;
  const s = m.scheda;
  const { pupil, record, adults, documents, canteen, month, account, history } = page;
  const base = `/${ente.slug}/ufficio/anagrafe/alunni/${pupil.id}`;
  const name = `${pupil.familyName} ${pupil.givenName}`;
  const crumbs = [
    { label: m.breadcrumb.home, href: '/' },
    { label: ente.name, href: `/${ente.slug}/` },
    { label: m.backoffice.title, href: `/${ente.slug}/ufficio/` },
    { label: m.officeSearch.title, href: `/${ente.slug}/ufficio/anagrafe` },
    { label: name },
  ];
  return (
    <Layout ctx={ctx} title={name} crumbs={crumbs}>
      <h1>{name}</h1>
      <p class="lead text-break">
        {pupil.fiscalCode} — {m.officeSearch.classOf(pupil.schoolName, pupil.className)}
      </p>
      <nav aria-labelledby="pupil-actions" class="mb-4">
        <h2 class="visually-hidden" id="pupil-actions">
          {t.actions}
        </h2>
        <ul class="list-inline">
          <li class="list-inline-item me-3"><a href={`${base}/modifica`}>{t.edit}</a></li>
          <li class="list-inline-item me-3"><a href={`${base}/adulti`}>{t.adults}</a></li>
          <li class="list-inline-item me-3"><a href={`${base}/iscrizioni/nuova`}>{t.newEnrolment}</a></li>
          <li class="list-inline-item me-3"><a href={`${base}/badge`}>{t.badges}</a></li>
          <li class="list-inline-item me-3"><a href={`${base}/allegati`}>{t.attachments}</a></li>
          <li class="list-inline-item me-3"><a href={`/${ente.slug}/ufficio/diete/alunni/${pupil.id}`}>{t.diet}</a></li>
          {mayCorrect && <li class="list-inline-item me-3"><a href={`/${ente.slug}/ufficio/documenti/alunni/${pupil.id}`}>{m.officeCorrections.officeLink}</a></li>}
        </ul>
      </nav>

      <Section id="pupil-data" title={s.pupil}>
        <dl class="row">
          {field(s.fields.familyName, pupil.familyName)}
          {field(s.fields.givenName, pupil.givenName)}
          {field(s.fields.fiscalCode, pupil.fiscalCode)}
          {field(s.fields.birth, `${m.format.date(pupil.birthDate)}, ${pupil.birthPlace}`)}
          {field(s.fields.sex, s.sex[pupil.sex])}
          {field(s.fields.school, pupil.schoolName)}
          {field(s.fields.className, pupil.className)}
        </dl>
        <h3 class="h5">{s.residence}</h3>
        <dl class="row">
          {field(s.fields.address, pupil.address)}
          {field(s.fields.city, `${pupil.postcode} ${pupil.city} (${pupil.province})`)}
        </dl>
      </Section>

      <Section id="pupil-adults" title={t.linkedAdults}>
        <DataTable
          caption={t.linkedAdults}
          rows={adults}
          keyOf={(a) => a.personId}
          empty="—"
          columns={[
            { label: s.fields.familyName, cell: (a) => <a href={`/${ente.slug}/ufficio/anagrafe/persone/${a.personId}`}>{`${a.familyName} ${a.givenName}`}</a> },
            { label: t.relation, cell: (a) => t.relations[a.relation] ?? a.relation },
            { label: s.fields.fiscalCode, cell: (a) => <span class="text-break">{a.fiscalCode}</span> },
            { label: s.fields.email, cell: (a) => <span class="text-break">{a.email ?? '—'}</span> },
            { label: s.fields.phone, cell: (a) => a.phone ?? '—' },
          ]}
        />
      </Section>

      <Section id="pupil-enrolments" title={s.enrolments}>
        {record.enrolments.length === 0 ? (
          <p>{s.noEnrolments}</p>
        ) : (
          record.enrolments.map((e) => (
            <div class="card card-bg mb-3" key={e.id}>
              <div class="card-body">
                <h3 class="h5 card-title">
                  {e.serviceName} {e.schoolYear}
                </h3>
                <dl class="row mb-2">
                  {field(s.fields.state, s.state[e.state])}
                  {field(s.fields.school, e.schoolName)}
                  {field(s.fields.period, e.endsOn ? s.fromTo(m.format.date(e.startsOn), m.format.date(e.endsOn)) : s.from(m.format.date(e.startsOn)))}
                  {field(s.fields.band, e.bandLabel)}
                  {field(s.fields.amount, `${m.format.euro(e.amountCents)} ${s.unit[e.tariffUnit]}`)}
                  {field(s.fields.due, e.price ? `${m.format.euro(e.price.amountCents)} ${s.unit[e.tariffUnit]}` : undefined)}
                  {field(s.fields.channel, s.channel[e.paymentMode])}
                  {field(s.fields.recipient, e.invoiceRecipient)}
                  {field(s.fields.badge, e.badgeCode)}
                </dl>
                <a href={`${base}/iscrizioni/${e.id}`}>
                  {t.manageEnrolment}
                  <span class="visually-hidden">{` ${e.serviceName} ${e.schoolYear}`}</span>
                </a>
              </div>
            </div>
          ))
        )}
      </Section>

      <Section id="pupil-attachments" title={s.attachments}>
        {record.attachments.length === 0 ? (
          <p>{s.noAttachments}</p>
        ) : (
          <ul>
            {record.attachments.map((a) => (
              <li key={a.id}>
                {a.title} — {m.format.dateTime(a.createdAt)}
              </li>
            ))}
          </ul>
        )}
        <p>
          <a href={`${base}/allegati`}>{t.attachments}</a>
        </p>
      </Section>

      <Section id="pupil-documents" title={t.documents}>
        <DataTable
          caption={t.documents}
          rows={documents}
          keyOf={(d) => d.id}
          empty={t.noDocuments}
          columns={[
            { label: m.documents.number, cell: (d) => `${m.documents.kinds[d.kind] ?? d.kind} ${d.number}/${d.year}` },
            { label: m.documents.period, cell: (d) => m.format.month(d.period) },
            { label: m.documents.service, cell: (d) => d.serviceName },
            { label: m.documents.amount, numeric: true, cell: (d) => m.format.euro(d.totalCents) },
            { label: m.documents.dueDate, cell: (d) => m.format.date(d.dueDate) },
            { label: m.documents.state, cell: (d) => m.documents.states[d.shownState] ?? d.shownState },
          ]}
        />
        {mayCorrect && (
          <p>
            <a href={`/${ente.slug}/ufficio/documenti/alunni/${pupil.id}`}>{m.officeCorrections.officeLink}</a>
          </p>
        )}
      </Section>

      <Section id="pupil-canteen" title={t.canteen(m.format.month(month.from.slice(0, 7)))}>
        <DataTable
          caption={t.canteen(m.format.month(month.from.slice(0, 7)))}
          rows={canteen.rows}
          keyOf={(r) => r.date}
          empty="—"
          columns={[
            { label: m.canteen.day, cell: (r) => m.format.dayWithWeekday(r.date) },
            { label: m.canteen.attendance, cell: (r) => canteenState(m, r) },
            { label: m.canteen.charge, numeric: true, cell: (r) => (r.charge ? `${m.format.euro(r.charge.amountCents)}${r.charge.reversed ? ` (${m.canteen.reversed})` : ''}` : '—') },
          ]}
        />
      </Section>

      <Section id="pupil-account" title={t.account}>
        {account.badges.length === 0 && <p>{t.noBadge}</p>}
        {account.badges.map((badge) => (
          <div class="mb-4" key={badge.id}>
            <h3 class="h5">
              {m.ledger.badge} {badge.code} — {badge.serviceName}
              {badge.active ? '' : ` (${m.ledger.inactive})`}
            </h3>
            <p>
              {m.ledger.closing(m.format.date(account.balanceDate))}: <strong>{balanceInWords(m, badge.balanceCents)}</strong>
            </p>
            <DataTable
              caption={`${t.lastMovements} — ${badge.code}`}
              rows={badge.movements}
              keyOf={(row) => row.id}
              empty={m.ledger.none}
              columns={[
                { label: m.ledger.date, cell: (row) => m.format.date(row.valueDate) },
                { label: m.ledger.description, cell: (row) => movementDescription(m, row) },
                { label: m.ledger.amount, numeric: true, cell: (row) => signedEuro(m, row.amountCents) },
              ]}
            />
          </div>
        ))}
      </Section>

      <Section id="pupil-history" title={t.history}>
        <p>{t.historyLead}</p>
        <DataTable
          caption={t.history}
          rows={history.rows}
          keyOf={(e) => e.id}
          empty={t.noHistory}
          columns={[
            { label: m.officeActivity.columns.when, cell: (e) => <span class="text-nowrap">{m.format.dateTime(e.createdAt)}</span> },
            { label: m.officeActivity.columns.who, cell: (e) => whoActed(e) },
            { label: m.officeActivity.columns.action, cell: (e) => actionInWords(m, e.action) },
            {
              label: m.officeActivity.columns.subject,
              cell: (e) => (e.subjectType && e.subjectId !== null ? m.officeActivity.subject(m.officeActivity.subjects[e.subjectType] ?? e.subjectType, e.subjectId) : '—'),
            },
            { label: m.officeActivity.columns.values, cell: (e) => <EventValues m={m} event={e} /> },
          ]}
        />
        {mayReadActivity && (
          <p>
            <a href={`/${ente.slug}/ufficio/registro-attivita?alunno=${pupil.id}`}>{t.allActivity}</a>
          </p>
        )}
      </Section>
      <p>
        <a href={`/${ente.slug}/ufficio/anagrafe`}>{t.backToSearch}</a>
      </p>
    </Layout>
  );
}
