import type { Ente } from '../../../../../db/schema';
import type { BadgeService } from '../../../../../domain/registry/badges';
import type { PageContext } from '../../../../shared/context';
import { FormErrors, PostForm, SelectField, TextField } from '../../../../shared/fields';
import type { FormProblems } from '../../../../shared/form';
import { Layout } from '../../../../shared/layout';
import { pupilBase, pupilCrumbs } from '../iscrizioni/views';

type Ctx = PageContext & { ente: Ente };
type Listing = Awaited<ReturnType<BadgeService['list']>>;

/** Which form of the page a refused submit belongs to: the new badge, or one badge's replace/block/unblock. */
export type BadgeForm = { kind: 'issue' } | { kind: 'replace' | 'block' | 'unblock'; badgeId: number };

/** The name of a form's field on the page: each badge's forms carry its id, so that every id is unique. */
export function badgeFieldName(form: BadgeForm, field: string): string {
  if (form.kind === 'issue') return field;
  if (form.kind === 'replace') return `${field}-${form.badgeId}`;
  return `${field}-${form.kind === 'block' ? 'blocco' : 'sblocco'}-${form.badgeId}`;
}

export function BadgePage({
  ctx,
  listing,
  form,
  values = {},
  problems = {},
  conflict = false,
  saved,
}: {
  ctx: Ctx;
  listing: Listing;
  form?: BadgeForm;
  values?: Record<string, string>;
  problems?: FormProblems;
  conflict?: boolean;
  saved?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeBadges;
  const texts = t.problems;
  const name = `${listing.pupil.givenName} ${listing.pupil.familyName}`;
  const title = t.title(name);
  const base = `${pupilBase(ente, listing.pupil.id)}/badge`;
  const isForm = (kind: BadgeForm['kind'], badgeId?: number) => form?.kind === kind && (badgeId === undefined || (form as { badgeId?: number }).badgeId === badgeId);
  // Field ids are unique on the page: each badge's forms carry its id.
  const labels: Record<string, string> = { servizio: t.fields.servizio!, codice: t.fields.codice!, motivo: t.fields.motivo! };
  const named = (field: string) => (form ? badgeFieldName(form, field) : field);
  const summaryLabels = Object.fromEntries(Object.entries(labels).map(([field, label]) => [named(field), label]));
  const summaryProblems = Object.fromEntries(Object.entries(problems).map(([field, key]) => [named(field), key]));
  return (
    <Layout ctx={ctx} title={title} crumbs={pupilCrumbs(ctx, listing.pupil, title)}>
      <FormErrors m={m} problems={summaryProblems} labels={summaryLabels} texts={texts} />
      <h1>{title}</h1>
      <p class="lead">{t.lead}</p>
      {saved && (
        <div class="alert alert-success" role="status">
          {saved}
        </div>
      )}
      {conflict && (
        <div class="alert alert-warning" role="alert">
          <h2 class="h5">{m.forms.conflictTitle}</h2>
          <p>{m.forms.problems.conflict}</p>
          <p class="mb-0">{m.forms.savedNow}: {t.code} / {t.state} — {listing.badges.map((b) => `${b.code} (${b.blockedAt ? t.states.blocked : b.active ? t.states.inUse : t.states.inactive})`).join(', ')}</p>
        </div>
      )}
      {listing.badges.length === 0 && <p>{t.none}</p>}
      {listing.badges.map((b) => {
        const state = b.blockedAt ? t.states.blocked : b.active ? t.states.inUse : t.states.inactive;
        const own = (kind: BadgeForm['kind']) => (isForm(kind, b.id) ? problems : {});
        const typed = (kind: BadgeForm['kind'], field: string) => (isForm(kind, b.id) ? values[field] : '');
        return (
          <section class="card card-bg mb-4" aria-labelledby={`badge-${b.id}`} key={b.id}>
            <div class="card-body">
              <h2 class="h4 card-title" id={`badge-${b.id}`}>
                {t.code} {b.code}
              </h2>
              <dl class="row">
                <dt class="col-sm-4">{t.service}</dt>
                <dd class="col-sm-8">{b.serviceName}</dd>
                <dt class="col-sm-4">{t.state}</dt>
                <dd class="col-sm-8">
                  <strong>{state}</strong>
                  {b.blockedAt && b.blockedReason ? ` — ${t.blockedBecause(b.blockedReason)}` : ''}
                </dd>
                <dt class="col-sm-4">{t.issuedOn}</dt>
                <dd class="col-sm-8">{m.format.date(b.issuedOn)}</dd>
                <dt class="col-sm-4">{t.balance}</dt>
                <dd class="col-sm-8">{m.format.euro(b.balanceCents)}</dd>
              </dl>
              {b.retired.length > 0 && (
                <>
                  <h3 class="h6">{t.retiredTitle}</h3>
                  <ul>
                    {b.retired.map((r) => (
                      <li key={r.code}>{t.retiredText(r.code, m.format.dateTime(r.retiredAt), r.reason)}</li>
                    ))}
                  </ul>
                </>
              )}
              {b.active === 1 && (
                <div class="row">
                  <div class="col-lg-6">
                    <h3 class="h5">{t.replaceTitle(b.code)}</h3>
                    <p class="small">{t.replaceLead}</p>
                    <PostForm action={`${base}/${b.id}/sostituzione`} csrfToken={ctx.csrfToken} version={b.version}>
                      <TextField m={m} name={`codice-${b.id}`} label={t.fields.codice!} value={typed('replace', 'codice')} problem={own('replace').codice} texts={texts} hint={t.hints.codice} autocomplete="off" required />
                      <TextField m={m} name={`motivo-${b.id}`} label={t.fields.motivo!} value={typed('replace', 'motivo')} problem={own('replace').motivo} texts={texts} required />
                      <button type="submit" class="btn btn-primary">
                        {t.replaceSave}
                      </button>
                    </PostForm>
                  </div>
                  <div class="col-lg-6">
                    {b.blockedAt ? (
                      <>
                        <h3 class="h5">{t.unblockTitle(b.code)}</h3>
                        <PostForm action={`${base}/${b.id}/sblocco`} csrfToken={ctx.csrfToken} version={b.version}>
                          <TextField m={m} name={`motivo-sblocco-${b.id}`} label={t.fields.motivo!} value={typed('unblock', 'motivo')} problem={own('unblock').motivo} texts={texts} />
                          <button type="submit" class="btn btn-outline-primary">
                            {t.unblockSave}
                          </button>
                        </PostForm>
                      </>
                    ) : (
                      <>
                        <h3 class="h5">{t.blockTitle(b.code)}</h3>
                        <p class="small">{t.blockLead}</p>
                        <PostForm action={`${base}/${b.id}/blocco`} csrfToken={ctx.csrfToken} version={b.version}>
                          <TextField m={m} name={`motivo-blocco-${b.id}`} label={t.fields.motivo!} value={typed('block', 'motivo')} problem={own('block').motivo} texts={texts} required />
                          <button type="submit" class="btn btn-outline-danger">
                            {t.blockSave}
                          </button>
                        </PostForm>
                      </>
                    )}
                  </div>
                </div>
              )}
            </div>
          </section>
        );
      })}
      <section aria-labelledby="issue-title" class="mb-5">
        <h2 class="h4" id="issue-title">
          {t.issueTitle}
        </h2>
        {listing.services.length === 0 ? (
          <p>{t.noPrepaid}</p>
        ) : (
          <PostForm action={base} csrfToken={ctx.csrfToken}>
            <SelectField
              m={m}
              name="servizio"
              label={t.fields.servizio!}
              value={isForm('issue') ? values.servizio : ''}
              problem={isForm('issue') ? problems.servizio : undefined}
              texts={texts}
              options={listing.services.map((s) => ({ value: String(s.id), label: s.name }))}
            />
            <TextField m={m} name="codice" label={t.fields.codice!} value={isForm('issue') ? values.codice : ''} problem={isForm('issue') ? problems.codice : undefined} texts={texts} hint={t.hints.codice} autocomplete="off" required />
            <button type="submit" class="btn btn-primary">
              {t.issueSave}
            </button>
          </PostForm>
        )}
      </section>
    </Layout>
  );
}
