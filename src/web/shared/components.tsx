import type { ComponentChildren } from 'preact';
import type { Ente } from '../../db/schema';
import type { Messages } from '../i18n/it';
import type { PageContext } from './context';
import { enteFragment } from './fragment-cache';
import { Icon, Layout } from './layout';

/** What a save did, said once at the top of the page it leads back to (an office form's "fatto=…"). */
export function SavedNotice({ text }: { text: string | undefined }) {
  return text ? (
    <div class="alert alert-success" role="status">
      {text}
    </div>
  ) : null;
}

/**
 * Home › ente › Ufficio comunale › the area; with `page`, the area becomes a link and the page its last
 * crumb (an area's pages below its home).
 */
export function backofficeCrumbs({ m, ente }: PageContext & { ente: Ente }, title: string, page?: { areaHref: string; title: string }) {
  const list = [
    { label: m.breadcrumb.home, href: '/' },
    { label: ente.name, href: `/${ente.slug}/` },
    { label: m.backoffice.title, href: `/${ente.slug}/ufficio/` },
  ];
  return page ? [...list, { label: title, href: page.areaHref }, { label: page.title }] : [...list, { label: title }];
}

/** The office's contacts, on every service page (the seed: wrong data is corrected only by the office). */
export function ContactsBox({ m, ente }: { m: Messages; ente: Ente }) {
  const html = enteFragment(ente, m, 'contacts', () => <ContactsContent m={m} ente={ente} />);
  return <aside class="card card-bg mt-4" aria-labelledby="contacts-title" dangerouslySetInnerHTML={{ __html: html }} />;
}

function ContactsContent({ m, ente }: { m: Messages; ente: Ente }) {
  return (
      <div class="card-body">
        <h2 class="h5 card-title" id="contacts-title">
          <Icon name="it-telephone" className="me-2" />
          {m.contacts.title}
        </h2>
        <p class="small">{m.contacts.subtitle}</p>
        <p class="fw-semibold mb-2">{ente.office_name}</p>
        <dl class="row mb-0 small">
          <dt class="col-sm-4">{m.contacts.email}</dt>
          <dd class="col-sm-8">
            <a href={`mailto:${ente.office_email}`}>{ente.office_email}</a>
          </dd>
          <dt class="col-sm-4">{m.contacts.phone}</dt>
          <dd class="col-sm-8">
            <a href={`tel:${ente.office_phone.replace(/\s+/g, '')}`}>{ente.office_phone}</a>
          </dd>
          <dt class="col-sm-4">{m.contacts.hours}</dt>
          <dd class="col-sm-8">{ente.office_hours}</dd>
          <dt class="col-sm-4">{m.contacts.address}</dt>
          <dd class="col-sm-8">{ente.office_address}</dd>
        </dl>
      </div>
  );
}

/** The anchor of a page's error summary. */
export const ERROR_SUMMARY_ID = 'errori';

/**
 * What stopped a submit, first in the main content (ServicePage's `errors`): its id is an anchor
 * target, and with JavaScript /js/error-summary.js moves the focus to it, so a screen reader starts
 * there. Each item links to its field when there is one.
 */
export function ErrorSummary({ title, items }: { title: string; items: { text: string; field?: string }[] }) {
  if (items.length === 0) return null;
  return (
    <div class="alert alert-danger error-summary" role="alert" id={ERROR_SUMMARY_ID} tabindex={-1}>
      <p class="mb-1 fw-semibold">{title}</p>
      <ul class="mb-0">
        {items.map((item) => (
          <li key={item.text}>{item.field ? <a href={`#${item.field}`}>{item.text}</a> : item.text}</li>
        ))}
      </ul>
    </div>
  );
}

/** What the parent can do on the page: by default only read (and ask the office to correct). */
export function PageNotice({ text }: { text: string }) {
  return (
    <div class="alert alert-info" role="note">
      {text}
    </div>
  );
}

/**
 * A service page of an ente: heading, notice, content, contacts box. Pages with a form the parent
 * submits give their own notice (what can be done there); the others say their data is read-only.
 */
export function ServicePage({
  ctx,
  title,
  children,
  lead,
  notice,
  errors,
}: {
  ctx: PageContext & { ente: Ente };
  title: string;
  lead?: ComponentChildren;
  notice?: string;
  /** An ErrorSummary after a refused submit: it comes first. */
  errors?: ComponentChildren;
  children: ComponentChildren;
}) {
  const { m, ente } = ctx;
  return (
    <Layout
      ctx={ctx}
      title={title}
      crumbs={[
        { label: m.breadcrumb.home, href: '/' },
        { label: ente.name, href: `/${ente.slug}/` },
        { label: title },
      ]}
    >
      {errors}
      <h1 class="mb-3">{title}</h1>
      {lead}
      <PageNotice text={notice ?? m.readOnlyNotice} />
      {children}
      <ContactsBox m={m} ente={ente} />
    </Layout>
  );
}

/** Errors a person meets: what happened, why, what to do, and the office to ask when there is an ente. */
export function MessagePage({
  ctx,
  title,
  paragraphs,
  action,
}: {
  ctx: PageContext;
  title: string;
  paragraphs: string[];
  action?: { href: string; label: string };
}) {
  const { m } = ctx;
  const crumbs = ctx.ente
    ? [
        { label: m.breadcrumb.home, href: '/' },
        { label: ctx.ente.name, href: `/${ctx.ente.slug}/` },
        { label: title },
      ]
    : [{ label: m.breadcrumb.home, href: '/' }, { label: title }];
  return (
    <Layout ctx={ctx} title={title} crumbs={crumbs}>
      <h1 class="mb-3">{title}</h1>
      <div class="alert alert-warning" role="alert">
        {paragraphs.map((text, i) => (
          <p class={i === paragraphs.length - 1 ? 'mb-0' : undefined} key={i}>
            {text}
          </p>
        ))}
      </div>
      {action && (
        <p>
          <a class="btn btn-primary" href={action.href}>
            {action.label}
          </a>
        </p>
      )}
      {ctx.ente && <ContactsBox m={m} ente={ctx.ente} />}
      <p class="small text-muted mt-3">{m.errors.requestId(ctx.requestId)}</p>
    </Layout>
  );
}

/**
 * The "dal … al …" form of the pages that show a period (GET, so it works without JavaScript and the
 * address can be bookmarked); a wrong date is explained under its field, with what was typed kept.
 */
/** The error summary of a refused period search: each problem linked to its date field. */
export function PeriodErrorSummary({ title, problems, texts }: { title: string; problems: Partial<Record<string, string>>; texts: Record<string, string> }) {
  const items = (['from', 'to'] as const).flatMap((field) => {
    const problem = problems[field];
    return problem ? [{ text: texts[problem] ?? problem, field: field === 'from' ? 'dal' : 'al' }] : [];
  });
  return <ErrorSummary title={title} items={items} />;
}

export function PeriodForm({
  action,
  hidden,
  period,
  texts,
  problems = {},
}: {
  action: string;
  hidden: Record<string, string>;
  period: { from: string; to: string };
  texts: { from: string; to: string; submit: string; problems: Record<string, string> };
  problems?: Partial<Record<string, string>>;
}) {
  return (
    <form method="get" action={action} class="row g-3 align-items-end mb-4">
      {Object.entries(hidden).map(([name, value]) => (
        <input type="hidden" name={name} value={value} key={name} />
      ))}
      {(['from', 'to'] as const).map((field) => {
        const name = field === 'from' ? 'dal' : 'al';
        const problem = problems[field];
        return (
          <div class="col-md-4" key={field}>
            <label for={name} class="active">
              {texts[field]}
            </label>
            <input
              type="date"
              class="form-control"
              id={name}
              name={name}
              value={period[field]}
              {...(problem ? { 'aria-invalid': 'true', 'aria-describedby': `${name}-problem` } : {})}
            />
            {problem && (
              <div class="invalid-feedback d-block" id={`${name}-problem`}>
                {texts.problems[problem] ?? problem}
              </div>
            )}
          </div>
        );
      })}
      <div class="col-md-4">
        <button type="submit" class="btn btn-primary">
          {texts.submit}
        </button>
      </div>
    </form>
  );
}

/** A field's problem, tied to the field by aria-describedby. */
export function Problem({ id, text }: { id: string; text: string | undefined }) {
  return text ? (
    <div class="invalid-feedback d-block" id={id}>
      {text}
    </div>
  ) : null;
}
