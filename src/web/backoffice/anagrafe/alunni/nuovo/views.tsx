import type { Ente } from '../../../../../db/schema';
import type { Messages } from '../../../../i18n/it';
import type { PageContext } from '../../../../shared/context';
import { FormErrors, PostForm, SelectField, TextField } from '../../../../shared/fields';
import type { FormProblems } from '../../../../shared/form';
import { Layout } from '../../../../shared/layout';
import { ExistingPersonBox, officePath, PersonFields, personLabels, registryCrumbs, type Typed } from '../../person-form';

type Ctx = PageContext & { ente: Ente };

export interface KnownPerson {
  id: number;
  fiscalCode: string;
  givenName: string;
  familyName: string;
  pupilId: number | null;
}

export function stepOneLabels(m: Messages) {
  return { alunno_codice_fiscale: m.officePeople.pupilNew.childCode, intestatario_codice_fiscale: m.officePeople.pupilNew.holderCode };
}

/** Step 1: the two codes (the child's and the intestatario's). */
export function NewPupilStepOne({ ctx, typed, problems, existing }: { ctx: Ctx; typed: Typed; problems: FormProblems; existing?: KnownPerson }) {
  const { m, ente } = ctx;
  const t = m.officePeople.pupilNew;
  const texts = m.officePeople.problems as Record<string, string>;
  return (
    <Layout ctx={ctx} title={t.title} crumbs={registryCrumbs(ctx, t.title)}>
      <FormErrors m={m} problems={problems} labels={stepOneLabels(m)} texts={texts} />
      {existing && <ExistingPersonBox m={m} ente={ente} existing={existing} />}
      <h1>{t.title}</h1>
      <h2 class="h4">{t.step1}</h2>
      <p class="lead">{t.lead1}</p>
      <PostForm action={officePath(ente, 'anagrafe/alunni/nuovo')} csrfToken={ctx.csrfToken}>
        <input type="hidden" name="passo" value="1" />
        <TextField
          m={m}
          name="alunno_codice_fiscale"
          label={t.childCode}
          value={typed.alunno_codice_fiscale}
          problem={problems.alunno_codice_fiscale}
          texts={texts}
          hint={m.officePeople.hints.codice_fiscale}
          required
          autocomplete="off"
        />
        <TextField
          m={m}
          name="intestatario_codice_fiscale"
          label={t.holderCode}
          value={typed.intestatario_codice_fiscale}
          problem={problems.intestatario_codice_fiscale}
          texts={texts}
          hint={m.officePeople.hints.codice_fiscale}
          required
          autocomplete="off"
        />
        <button type="submit" class="btn btn-primary">
          {t.continue}
        </button>
      </PostForm>
    </Layout>
  );
}

export function stepTwoLabels(m: Messages) {
  const t = m.officePeople.pupilNew;
  return {
    ...personLabels(m, 'alunno_', t.child),
    ...personLabels(m, 'intestatario_', t.holder),
    scuola: m.officePeople.fields.scuola,
    classe: m.officePeople.fields.classe,
  };
}

/** A person already in the registry, taken as they are: their name, and their code sent again. */
function KnownPersonLine({ m, ente, prefix, person, problem }: { m: Messages; ente: Ente; prefix: string; person: KnownPerson; problem?: string }) {
  const texts = m.officePeople.problems as Record<string, string>;
  return (
    <>
      <input type="hidden" name={`${prefix}codice_fiscale`} value={person.fiscalCode} />
      <p>
        {m.officePeople.pupilNew.known}{' '}
        <a href={officePath(ente, `anagrafe/persone/${person.id}`)}>
          {person.givenName} {person.familyName}
        </a>{' '}
        ({person.fiscalCode})
      </p>
      {problem && (
        <div class="invalid-feedback d-block mb-3" id={`${prefix}codice_fiscale`} tabindex={-1}>
          {texts[problem] ?? m.forms.problems.invalid}
        </div>
      )}
    </>
  );
}

/** Step 2: the data of whoever is new, the school and the class. */
export function NewPupilStepTwo({
  ctx,
  codes,
  child,
  holder,
  schools,
  typed,
  problems,
  existing,
}: {
  ctx: Ctx;
  codes: { child: string; holder: string };
  child: KnownPerson | undefined;
  holder: KnownPerson | undefined;
  schools: { id: number; name: string }[];
  typed: Typed;
  problems: FormProblems;
  existing?: KnownPerson;
}) {
  const { m, ente } = ctx;
  const t = m.officePeople.pupilNew;
  const texts = m.officePeople.problems as Record<string, string>;
  return (
    <Layout ctx={ctx} title={t.title} crumbs={registryCrumbs(ctx, t.title)}>
      <FormErrors m={m} problems={problems} labels={stepTwoLabels(m)} texts={texts} />
      {existing && <ExistingPersonBox m={m} ente={ente} existing={existing} />}
      <h1>{t.title}</h1>
      <h2 class="h4">{t.step2}</h2>
      <PostForm action={officePath(ente, 'anagrafe/alunni/nuovo')} csrfToken={ctx.csrfToken}>
        <input type="hidden" name="passo" value="2" />
        <section aria-labelledby="sezione-alunno" class="mb-4">
          <h3 class="h4" id="sezione-alunno">
            {t.child}
          </h3>
          {child ? (
            <KnownPersonLine m={m} ente={ente} prefix="alunno_" person={child} problem={problems.alunno_codice_fiscale} />
          ) : (
            <PersonFields m={m} prefix="alunno_" typed={typed} problems={problems} fixedCode={codes.child} headingLevel={3} />
          )}
        </section>
        <section aria-labelledby="sezione-scuola" class="mb-4">
          <h3 class="h4" id="sezione-scuola">
            {t.schoolTitle}
          </h3>
          <SelectField
            m={m}
            name="scuola"
            label={m.officePeople.fields.scuola}
            value={typed.scuola}
            problem={problems.scuola}
            texts={texts}
            required
            empty={t.chooseSchool}
            options={schools.map((s) => ({ value: String(s.id), label: s.name }))}
          />
          <TextField
            m={m}
            name="classe"
            label={m.officePeople.fields.classe}
            value={typed.classe}
            problem={problems.classe}
            texts={texts}
            hint={m.officePeople.hints.classe}
            required
          />
        </section>
        <section aria-labelledby="sezione-intestatario" class="mb-4">
          <h3 class="h4" id="sezione-intestatario">
            {t.holder}
          </h3>
          {holder ? (
            <KnownPersonLine m={m} ente={ente} prefix="intestatario_" person={holder} problem={problems.intestatario_codice_fiscale} />
          ) : (
            <PersonFields m={m} prefix="intestatario_" typed={typed} problems={problems} fixedCode={codes.holder} headingLevel={3} />
          )}
        </section>
        <button type="submit" class="btn btn-primary me-2">
          {t.create}
        </button>
        <a class="btn btn-outline-secondary" href={officePath(ente, 'anagrafe/alunni/nuovo')}>
          {t.restart}
        </a>
      </PostForm>
    </Layout>
  );
}
