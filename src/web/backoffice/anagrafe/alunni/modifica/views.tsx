import type { Ente } from '../../../../../db/schema';
import type { Messages } from '../../../../i18n/it';
import type { PageContext } from '../../../../shared/context';
import { FormErrors, PostForm, SelectField, TextField } from '../../../../shared/fields';
import type { FormProblems } from '../../../../shared/form';
import { Layout } from '../../../../shared/layout';
import type { PersonTakenError } from '../../../../../domain/registry/office-people';
import { ConflictBox, ExistingPersonBox, officePath, PersonFields, personLabels, registryCrumbs, type Typed } from '../../person-form';

type Ctx = PageContext & { ente: Ente };

export function editPupilLabels(m: Messages) {
  return { ...personLabels(m), scuola: m.officePeople.fields.scuola, classe: m.officePeople.fields.classe, versione: m.officePeople.fields.versione };
}

export interface EditPupilState {
  typed: Typed;
  problems: FormProblems;
  existing?: PersonTakenError['existing'];
  /** After a conflict: the values saved now. */
  saved?: Typed;
}

/** /{ente}/ufficio/anagrafe/alunni/:id/modifica — the child's data, school and class. */
export function EditPupilPage({
  ctx,
  pupilId,
  name,
  versions,
  schools,
  state,
}: {
  ctx: Ctx;
  pupilId: number;
  name: string;
  versions: { pupil: number; person: number };
  schools: { id: number; name: string }[];
  state: EditPupilState;
}) {
  const { m, ente } = ctx;
  const t = m.officePeople.pupilEdit;
  const texts = m.officePeople.problems as Record<string, string>;
  const labels = editPupilLabels(m);
  const savedSchool = (typed: Typed) => ({ ...typed, scuola: schools.find((s) => String(s.id) === typed.scuola)?.name ?? typed.scuola ?? '' });
  return (
    <Layout ctx={ctx} title={t.title(name)} crumbs={registryCrumbs(ctx, t.title(name))}>
      {state.saved ? (
        <ConflictBox m={m} saved={savedSchool(state.saved)} typed={savedSchool(state.typed)} labels={labels} />
      ) : (
        <FormErrors m={m} problems={state.problems} labels={labels} texts={texts} />
      )}
      {state.existing && <ExistingPersonBox m={m} ente={ente} existing={state.existing} />}
      <h1>{t.title(name)}</h1>
      <p class="lead">{t.lead}</p>
      <PostForm action={officePath(ente, `anagrafe/alunni/${pupilId}/modifica`)} csrfToken={ctx.csrfToken} version={versions.pupil}>
        <input type="hidden" name="versione_persona" value={String(versions.person)} />
        <PersonFields m={m} typed={state.typed} problems={state.problems} />
        <fieldset class="mb-3">
          <legend class="h4">{t.schoolTitle}</legend>
          <SelectField
            m={m}
            name="scuola"
            label={m.officePeople.fields.scuola}
            value={state.typed.scuola}
            problem={state.problems.scuola}
            texts={texts}
            required
            options={schools.map((s) => ({ value: String(s.id), label: s.name }))}
          />
          <TextField
            m={m}
            name="classe"
            label={m.officePeople.fields.classe}
            value={state.typed.classe}
            problem={state.problems.classe}
            texts={texts}
            hint={m.officePeople.hints.classe}
            required
          />
        </fieldset>
        <button type="submit" class="btn btn-primary me-2">
          {m.forms.save}
        </button>
        <a class="btn btn-outline-secondary" href={officePath(ente, `anagrafe/alunni/${pupilId}`)}>
          {t.backToPupil}
        </a>
      </PostForm>
    </Layout>
  );
}
