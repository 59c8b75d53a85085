import { renderToString } from 'preact-render-to-string';
import type { Ente, OperatorRole } from '../../db/schema';
import type { TestUser } from '../../integrations/identity/test-users';
import type { Messages } from '../i18n/it';
import { backofficeCrumbs, ContactsBox, Problem } from './components';
import type { PageContext } from './context';
import { Layout } from './layout';

export function LegalPage({ ctx, title, paragraphs }: { ctx: PageContext; title: string; paragraphs: string[] }) {
  return (
    <Layout ctx={ctx} title={title} crumbs={[{ label: ctx.m.breadcrumb.home, href: '/' }, { label: title }]}>
      <h1>{title}</h1>
      {paragraphs.map((text, i) => (
        <p key={i}>{text}</p>
      ))}
    </Layout>
  );
}

export function BackofficeHomePage({
  ctx,
  operator,
}: {
  ctx: PageContext & { ente: Ente };
  operator: { givenName: string; familyName: string; role: OperatorRole };
}) {
  const { m, ente } = ctx;
  return (
    <Layout
      ctx={ctx}
      title={m.backoffice.title}
      crumbs={[
        { label: m.breadcrumb.home, href: '/' },
        { label: ente.name, href: `/${ente.slug}/` },
        { label: m.backoffice.title },
      ]}
    >
      <h1>{m.backoffice.title}</h1>
      <p class="lead">
        {m.backoffice.welcome(`${operator.givenName} ${operator.familyName}`, m.backoffice.roles[operator.role])}
      </p>
      {(operator.role === 'cucina' || operator.role === 'amministratore') && (
        <p>
          <a class="btn btn-primary" href={`/${ente.slug}/ufficio/pasti`}>
            {m.kitchen.title}
          </a>
        </p>
      )}
      {(operator.role === 'operatore' || operator.role === 'amministratore') && (
        <p>
          <a class="btn btn-primary" href={`/${ente.slug}/ufficio/ricevute`}>
            {m.officeReceipts.link}
          </a>
        </p>
      )}
      <p>{m.backoffice.placeholder}</p>
      <ContactsBox m={m} ente={ente} />
    </Layout>
  );
}

export function FlaggedReceiptsPage({
  ctx,
  receipts,
  administrator,
  unreadable = [],
}: {
  ctx: PageContext & { ente: Ente };
  receipts: {
    id: number; receivedAt: string; receiptId: string; noticeNumber: string; debtorName: string; debtorFiscalCode: string; amountCents: number;
    pspName: string; flag: string | null; enteId: number | null; creditorTaxCode: string;
  }[];
  /** An amministratore also sees the receipts of creditors none of our enti is. */
  administrator: boolean;
  /** Receipts the pull could not read: set aside so that they stop nothing, listed here to be asked about. */
  unreadable?: { id: number; iuv: string; problem: string; detail: string; seenAt: string }[];
}) {
  const { m } = ctx;
  const t = m.officeReceipts;
  return (
    <Layout
      ctx={ctx}
      title={t.title}
      crumbs={backofficeCrumbs(ctx, t.title)}
    >
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      {administrator && <p>{t.otherCreditorsNote}</p>}
      {receipts.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <div class="table-responsive">
          <table class="table">
            <caption>{t.caption}</caption>
            <thead>
              <tr>
                <th scope="col">{t.received}</th>
                <th scope="col">{t.receiptId}</th>
                <th scope="col">{t.notice}</th>
                <th scope="col">{t.debtor}</th>
                <th scope="col" class="text-end">
                  {t.amount}
                </th>
                <th scope="col">{t.psp}</th>
                <th scope="col">{t.reason}</th>
              </tr>
            </thead>
            <tbody>
              {receipts.map((r) => (
                <tr key={r.id}>
                  <td>{m.format.dateTime(r.receivedAt)}</td>
                  <td class="text-break">{r.receiptId}</td>
                  <td class="text-nowrap">{r.noticeNumber}</td>
                  <td>
                    {r.debtorName} <span class="d-block small">{r.debtorFiscalCode}</span>
                  </td>
                  <td class="text-end text-nowrap">{m.format.euro(r.amountCents)}</td>
                  <td>{r.pspName}</td>
                  <td>{r.enteId === null ? t.otherCreditor(r.creditorTaxCode) : (t.flags[r.flag ?? ''] ?? r.flag)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {unreadable.length > 0 && (
        <section aria-labelledby="unreadable-receipts" class="mt-5">
          <h2 class="h4" id="unreadable-receipts">
            {t.unreadableTitle}
          </h2>
          <p>{t.unreadableLead}</p>
          <div class="table-responsive">
            <table class="table">
              <caption>{t.unreadableCaption}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.seen}</th>
                  <th scope="col">{t.iuv}</th>
                  <th scope="col">{t.reason}</th>
                  <th scope="col">{t.detail}</th>
                </tr>
              </thead>
              <tbody>
                {unreadable.map((r) => (
                  <tr key={r.id}>
                    <td>{m.format.dateTime(r.seenAt)}</td>
                    <td class="text-nowrap">{r.iuv}</td>
                    <td>{t.problems[r.problem] ?? r.problem}</td>
                    <td class="text-break small">{r.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </Layout>
  );
}

const LEVELS = [
  { key: 'L1', acr: 'https://www.spid.gov.it/SpidL1' },
  { key: 'L2', acr: 'https://www.spid.gov.it/SpidL2' },
  { key: 'L3', acr: 'https://www.spid.gov.it/SpidL3' },
] as const;

/** What was typed into the test IdP's "any person" form. */
export interface TestIdpPersonValues {
  fiscalCode: string;
  givenName: string;
  familyName: string;
  level: string;
}

/**
 * The test IdP's log-in page: a banner that it is not SPID, the level, one button per test user, and a
 * form to log in as any person with a valid codice fiscale.
 */
export function TestIdpLoginPage({
  ctx,
  uid,
  users,
  person = { fiscalCode: '', givenName: '', familyName: '', level: LEVELS[1].acr },
  problems = {},
}: {
  ctx: PageContext;
  uid: string;
  users: readonly TestUser[];
  person?: TestIdpPersonValues;
  problems?: Partial<Record<keyof TestIdpPersonValues, string>>;
}) {
  const t = ctx.m.testIdp;
  const fields = [
    { name: 'fiscalCode', label: t.fiscalCode, autocomplete: 'off' },
    { name: 'givenName', label: t.givenName, autocomplete: 'given-name' },
    { name: 'familyName', label: t.familyName, autocomplete: 'family-name' },
  ] as const;
  const problemText = (field: keyof TestIdpPersonValues) => {
    const key = problems[field];
    return key ? t.problems[key as keyof typeof t.problems] : undefined;
  };
  return (
    <Layout ctx={ctx} title={t.title}>
      <div class="alert alert-danger" role="note">
        <strong>{t.banner}</strong>
      </div>
      <h1>{t.title}</h1>
      <p>{t.intro}</p>
      <form method="post" action={`/test-idp/interaction/${uid}/login`}>
        <fieldset class="mb-4">
          <legend class="h5">{t.level}</legend>
          {LEVELS.map((level) => (
            <div class="form-check form-check-inline" key={level.key}>
              <input
                class="form-check-input"
                type="radio"
                name="level"
                id={`level-${level.key}`}
                value={level.acr}
                checked={level.key === 'L2'}
              />
              <label class="form-check-label" for={`level-${level.key}`}>
                {t.levels[level.key]}
              </label>
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend class="h5">{t.users}</legend>
          <ul class="list-unstyled">
            {users.map((user) => (
              <li class="mb-2" key={user.fiscalCode}>
                <button type="submit" name="fiscalCode" value={user.fiscalCode} class="btn btn-outline-primary text-start w-100">
                  {user.givenName} {user.familyName} — {user.fiscalCode}
                  <span class="d-block small">{user.note}</span>
                </button>
              </li>
            ))}
          </ul>
        </fieldset>
      </form>
      <section aria-labelledby="any-person" class="my-5">
        <h2 class="h4" id="any-person">
          {t.anyPerson}
        </h2>
        <p>{t.anyPersonIntro}</p>
        {Object.keys(problems).length > 0 && (
          <div class="alert alert-danger" role="alert" id="problems" tabindex={-1}>
            <p class="mb-1">{t.problemsTitle}</p>
            <ul class="mb-0">
              {fields
                .filter((f) => problems[f.name])
                .map((f) => (
                  <li key={f.name}>
                    <a href={`#person-${f.name}`}>{problemText(f.name)}</a>
                  </li>
                ))}
            </ul>
          </div>
        )}
        <form method="post" action={`/test-idp/interaction/${uid}/login-as`} novalidate>
          {fields.map((f) => (
            <div class="form-group mb-4" key={f.name}>
              <label for={`person-${f.name}`} class="active">
                {f.label}
              </label>
              <input
                type="text"
                class="form-control"
                id={`person-${f.name}`}
                name={f.name}
                value={person[f.name]}
                autocomplete={f.autocomplete}
                required
                {...(problems[f.name] ? { 'aria-invalid': 'true' as const, 'aria-describedby': `person-${f.name}-problem` } : {})}
              />
              <Problem id={`person-${f.name}-problem`} text={problemText(f.name)} />
            </div>
          ))}
          <div class="select-wrapper mb-4">
            <label for="person-level">{t.level}</label>
            <select id="person-level" name="level">
              {LEVELS.map((level) => (
                <option value={level.acr} selected={level.acr === person.level} key={level.key}>
                  {t.levels[level.key]}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="btn btn-primary">
            {t.loginAs}
          </button>
        </form>
      </section>
      <form method="post" action={`/test-idp/interaction/${uid}/abort`}>
        <button type="submit" class="btn btn-secondary">
          {t.cancel}
        </button>
      </form>
    </Layout>
  );
}

/** Rendered inside oidc-provider (not a Fastify reply): it receives the provider's form and adds the buttons. */
export function renderTestIdpLogout(m: Messages, form: string): string {
  const ctx: PageContext = { m, path: '/', requestId: '-', identityProviderPage: true };
  const html = renderToString(
    <Layout ctx={ctx} title={m.testIdp.logoutTitle}>
      <div class="alert alert-danger" role="note">
        <strong>{m.testIdp.banner}</strong>
      </div>
      <h1>{m.testIdp.logoutTitle}</h1>
      <div id="provider-form" />
      <div class="d-flex gap-3">
        <button type="submit" form="op.logoutForm" value="yes" name="logout" class="btn btn-primary">
          {m.testIdp.logoutYes}
        </button>
        <button type="submit" form="op.logoutForm" class="btn btn-outline-primary">
          {m.testIdp.logoutNo}
        </button>
      </div>
    </Layout>,
  );
  // The provider's own form (with its anti-forgery field) takes the place of the placeholder.
  return `<!DOCTYPE html>${html.replace('<div id="provider-form"></div>', form)}`;
}
