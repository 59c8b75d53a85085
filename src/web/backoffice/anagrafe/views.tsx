import type { Ente } from '../../../db/schema';
import type { SearchHit, SearchOutcome } from '../../../domain/registry/search';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { FormErrors, SelectField, TextField } from '../../shared/fields';
import { Layout } from '../../shared/layout';
import { DataTable, FilterForm, Pager } from '../../shared/list';

type Ctx = PageContext & { ente: Ente };

/** The office's address of a pupil's page. */
export function pupilPath(ente: Ente, pupilId: number): string {
  return `/${ente.slug}/ufficio/anagrafe/alunni/${pupilId}`;
}

export function RegistrySearchPage({
  ctx,
  schools,
  typed,
  problems,
  outcome,
  first = true,
}: {
  ctx: Ctx;
  schools: { id: number; name: string }[];
  typed: Record<string, string>;
  problems: Record<string, string>;
  outcome?: SearchOutcome;
  first?: boolean;
}) {
  const { m, ente } = ctx;
  const t = m.officeSearch;
  const path = `/${ente.slug}/ufficio/anagrafe`;
  const labels = { q: t.text, scuola: t.school, classe: t.className, dopo: m.lists.nextPage };
  return (
    <Layout ctx={ctx} title={t.title} crumbs={backofficeCrumbs(ctx, t.title)}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={labels} texts={t.problems} />}
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <FilterForm action={path} submit={t.submit}>
        <div class="col-12 col-lg-5">
          <TextField m={m} name="q" type="search" label={t.text} hint={t.textHint} value={typed.q} problem={problems.q} texts={t.problems} autocomplete="off" />
        </div>
        <div class="col-12 col-md-6 col-lg-4">
          <SelectField
            m={m}
            name="scuola"
            label={t.school}
            value={typed.scuola}
            problem={problems.scuola}
            texts={t.problems}
            empty={t.anySchool}
            options={schools.map((s) => ({ value: String(s.id), label: s.name }))}
          />
        </div>
        <div class="col-12 col-md-6 col-lg-3">
          <TextField m={m} name="classe" label={t.className} hint={t.classHint} value={typed.classe} problem={problems.classe} texts={t.problems} />
        </div>
      </FilterForm>
      {outcome?.kind === 'empty' && <p>{t.empty}</p>}
      {outcome?.kind === 'too-short' && <p>{t.tooShort}</p>}
      {outcome?.kind === 'results' && (
        <>
          <DataTable<SearchHit>
            caption={t.caption}
            rows={outcome.page.rows}
            keyOf={(row) => row.pupilId}
            empty={t.none}
            columns={[
              {
                label: t.columns.pupil,
                cell: (row) => (
                  <>
                    <a href={pupilPath(ente, row.pupilId)}>
                      {row.familyName} {row.givenName}
                    </a>
                    <span class="d-block small text-break">{row.fiscalCode}</span>
                  </>
                ),
              },
              { label: t.columns.school, cell: (row) => t.classOf(row.schoolName, row.className) },
              { label: t.columns.holder, cell: (row) => (row.holder ? `${row.holder.givenName} ${row.holder.familyName}` : t.noHolder) },
              {
                label: t.columns.enrolments,
                cell: (row) =>
                  row.enrolments.length === 0 ? (
                    t.noEnrolments
                  ) : (
                    <ul class="list-unstyled mb-0">
                      {row.enrolments.map((e) => (
                        <li key={`${e.serviceName}-${e.schoolYear}`}>{t.enrolment(e.serviceName, e.schoolYear, m.scheda.state[e.state])}</li>
                      ))}
                    </ul>
                  ),
              },
            ]}
          />
          <Pager m={m} path={path} query={{ q: typed.q ?? '', scuola: typed.scuola ?? '', classe: typed.classe ?? '' }} next={outcome.page.next} first={first} />
        </>
      )}
    </Layout>
  );
}
