import type { Ente } from '../../../../../db/schema';
import { OTHER_RELATIONS, type PersonTakenError } from '../../../../../domain/registry/office-people';
import type { Messages } from '../../../../i18n/it';
import type { PageContext } from '../../../../shared/context';
import { FormErrors, PostForm, SelectField, TextField } from '../../../../shared/fields';
import type { FormProblems } from '../../../../shared/form';
import { Layout } from '../../../../shared/layout';
import { DataTable } from '../../../../shared/list';
import { ExistingPersonBox, officePath, PersonFields, personLabels, registryCrumbs, type Typed } from '../../person-form';

type Ctx = PageContext & { ente: Ente };

export interface AdultsView {
  pupil: { id: number; personId: number; givenName: string; familyName: string; schoolName: string; className: string };
  adults: { personId: number; relation: string; fiscalCode: string; givenName: string; familyName: string; email: string | null; phone: string | null }[];
}

export interface AddAdultState {
  typed: Typed;
  problems: FormProblems;
  /** Step 2: the code typed is nobody's in the registry; the new person's data is asked. */
  newCode?: string;
  existing?: PersonTakenError['existing'];
}

export function adultsLabels(m: Messages) {
  return { ...personLabels(m), legame: m.officePeople.fields.legame, persona: m.officePeople.fields.persona };
}

/** /{ente}/ufficio/anagrafe/alunni/:id/adulti — the adults linked to a pupil; link, unlink, change the intestatario. */
export function PupilAdultsPage({ ctx, view, state, done, canWrite }: { ctx: Ctx; view: AdultsView; state: AddAdultState; done?: string; canWrite: boolean }) {
  const { m, ente } = ctx;
  const t = m.officePeople.adults;
  const texts = m.officePeople.problems as Record<string, string>;
  const pupilName = `${view.pupil.givenName} ${view.pupil.familyName}`;
  const base = officePath(ente, `anagrafe/alunni/${view.pupil.id}/adulti`);
  const relationOptions = OTHER_RELATIONS.map((relation) => ({
    value: relation,
    label: `${m.officePeople.relations[relation]} (${m.officePeople.relationHints[relation]})`,
  }));
  return (
    <Layout ctx={ctx} title={t.title(pupilName)} crumbs={registryCrumbs(ctx, t.title(pupilName))}>
      <FormErrors m={m} problems={state.problems} labels={adultsLabels(m)} texts={texts} />
      {state.existing && <ExistingPersonBox m={m} ente={ente} existing={state.existing} />}
      {done && m.officePeople.adults.done[done] && (
        <div class="alert alert-success" role="status">
          {m.officePeople.adults.done[done]}
        </div>
      )}
      <h1>{t.title(pupilName)}</h1>
      <p>
        <a href={officePath(ente, `anagrafe/alunni/${view.pupil.id}`)}>{pupilName}</a> — {t.pupilLine(view.pupil.schoolName, view.pupil.className)}
      </p>
      <p class="lead">{t.lead}</p>
      {state.problems.persona && (
        <p class="invalid-feedback d-block" id="persona" tabindex={-1}>
          {texts[state.problems.persona] ?? m.forms.problems.invalid}
        </p>
      )}
      <DataTable
        caption={t.caption}
        rows={view.adults}
        keyOf={(adult) => adult.personId}
        empty=""
        columns={[
          {
            label: t.name,
            cell: (adult) => (
              <>
                <a href={officePath(ente, `anagrafe/persone/${adult.personId}`)}>{`${adult.givenName} ${adult.familyName}`}</a>
                <span class="d-block small">{adult.fiscalCode}</span>
              </>
            ),
          },
          {
            label: t.relation,
            cell: (adult) => (
              <>
                <strong>{m.officePeople.relations[adult.relation] ?? adult.relation}</strong>
                <span class="d-block small">{m.officePeople.relationHints[adult.relation]}</span>
              </>
            ),
          },
          {
            label: t.contacts,
            cell: (adult) => (
              <>
                {adult.email && <span class="d-block text-break">{adult.email}</span>}
                {adult.phone && <span class="d-block">{adult.phone}</span>}
                {!adult.email && !adult.phone && m.officePeople.person.notGiven}
              </>
            ),
          },
          ...(canWrite
            ? [
                {
                  label: t.actions,
                  cell: (adult: AdultsView['adults'][number]) =>
                    adult.relation === 'intestatario' ? (
                      <span class="small">{t.holderNoRemove}</span>
                    ) : (
                      <div class="d-flex flex-wrap gap-2">
                        <PostForm action={`${base}/intestatario`} csrfToken={ctx.csrfToken} class="m-0">
                          <input type="hidden" name="persona" value={String(adult.personId)} />
                          <button type="submit" class="btn btn-outline-primary btn-sm" aria-label={t.makeHolderFor(`${adult.givenName} ${adult.familyName}`)}>
                            {t.makeHolder}
                          </button>
                        </PostForm>
                        <PostForm action={`${base}/${adult.personId}/rimuovi`} csrfToken={ctx.csrfToken} class="m-0">
                          <button type="submit" class="btn btn-outline-danger btn-sm" aria-label={t.removeFor(`${adult.givenName} ${adult.familyName}`)}>
                            {t.remove}
                          </button>
                        </PostForm>
                      </div>
                    ),
                },
              ]
            : []),
        ]}
      />
      {canWrite && <p class="small">{t.holderChangeNote}</p>}
      {canWrite && (
        <section aria-labelledby="collega-adulto" class="mt-5">
          <h2 class="h4" id="collega-adulto">
            {state.newCode ? t.newAdultTitle(state.newCode) : t.addTitle}
          </h2>
          {!state.newCode && <p>{t.addLead}</p>}
          <PostForm action={base} csrfToken={ctx.csrfToken}>
            <input type="hidden" name="passo" value={state.newCode ? '2' : '1'} />
            <SelectField m={m} name="legame" label={m.officePeople.fields.legame} value={state.typed.legame} problem={state.problems.legame} texts={texts} required options={relationOptions} />
            {state.newCode ? (
              <PersonFields m={m} typed={state.typed} problems={state.problems} fixedCode={state.newCode} />
            ) : (
              <TextField
                m={m}
                name="codice_fiscale"
                label={m.officePeople.fields.codice_fiscale}
                value={state.typed.codice_fiscale}
                problem={state.problems.codice_fiscale}
                texts={texts}
                hint={m.officePeople.hints.codice_fiscale}
                required
                autocomplete="off"
              />
            )}
            <button type="submit" class="btn btn-primary">
              {state.newCode ? t.createAndLink : t.add}
            </button>
          </PostForm>
        </section>
      )}
    </Layout>
  );
}
