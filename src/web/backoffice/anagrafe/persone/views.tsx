import type { ComponentChildren } from 'preact';
import type { Ente } from '../../../../db/schema';
import type { PersonTakenError } from '../../../../domain/registry/office-people';
import type { PageContext } from '../../../shared/context';
import { FormErrors, PostForm } from '../../../shared/fields';
import type { FormProblems } from '../../../shared/form';
import { Layout } from '../../../shared/layout';
import { DataTable } from '../../../shared/list';
import { ConflictBox, ExistingPersonBox, officePath, PersonFields, personLabels, registryCrumbs, type Typed } from '../person-form';

type Ctx = PageContext & { ente: Ente };

export interface PersonFormState {
  typed: Typed;
  problems: FormProblems;
  existing?: PersonTakenError['existing'];
  /** After a conflict: the values saved now, as the form shows them. */
  saved?: Typed;
}

/** /{ente}/ufficio/anagrafe/persone/nuova */
export function NewPersonPage({ ctx, state }: { ctx: Ctx; state: PersonFormState }) {
  const { m, ente } = ctx;
  const t = m.officePeople.person;
  return (
    <Layout ctx={ctx} title={t.newTitle} crumbs={registryCrumbs(ctx, t.newTitle)}>
      <FormErrors m={m} problems={state.problems} labels={personLabels(m)} texts={m.officePeople.problems} />
      {state.existing && <ExistingPersonBox m={m} ente={ente} existing={state.existing} />}
      <h1>{t.newTitle}</h1>
      <p class="lead">{t.newLead}</p>
      <PostForm action={officePath(ente, 'anagrafe/persone/nuova')} csrfToken={ctx.csrfToken}>
        <PersonFields m={m} typed={state.typed} problems={state.problems} />
        <button type="submit" class="btn btn-primary">
          {t.create}
        </button>
      </PostForm>
    </Layout>
  );
}

export interface PersonView {
  person: {
    id: number; fiscal_code: string; given_name: string; family_name: string; sex: string; birth_date: string; birth_place: string;
    address: string; postcode: string; city: string; province: string; email: string | null; phone: string | null;
  };
  links: { pupilId: number; relation: string; givenName: string; familyName: string; schoolName: string; className: string }[];
  ownPupil: { pupilId: number; schoolName: string; className: string } | null;
}

/** /{ente}/ufficio/anagrafe/persone/:id — the data, the contacts, the pupils the person is linked to and how. */
export function PersonPage({
  ctx, view, done, canEdit, children,
}: { ctx: Ctx; view: PersonView; done?: 'creata' | 'salvata'; canEdit: boolean; /** Sections of other areas (the reminders of the person's documents). */ children?: ComponentChildren }) {
  const { m, ente } = ctx;
  const t = m.officePeople.person;
  const f = m.officePeople.fields;
  const p = view.person;
  const name = `${p.given_name} ${p.family_name}`;
  const row = (label: string, value: string | null) => (
    <>
      <dt class="col-sm-4">{label}</dt>
      <dd class="col-sm-8">{value || t.notGiven}</dd>
    </>
  );
  return (
    <Layout ctx={ctx} title={t.title(name)} crumbs={registryCrumbs(ctx, name)}>
      {done && (
        <div class="alert alert-success" role="status">
          {done === 'creata' ? t.created : t.saved}
        </div>
      )}
      <h1>{t.title(name)}</h1>
      <section aria-labelledby="dati-anagrafici" class="mt-4">
        <h2 class="h4" id="dati-anagrafici">
          {m.officePeople.sections.personal}
        </h2>
        <dl class="row">
          {row(f.codice_fiscale, p.fiscal_code)}
          {row(f.cognome, p.family_name)}
          {row(f.nome, p.given_name)}
          {row(f.sesso, m.officePeople.sexes[p.sex] ?? p.sex)}
          {row(f.data_nascita, m.format.date(p.birth_date))}
          {row(f.luogo_nascita, p.birth_place)}
        </dl>
      </section>
      <section aria-labelledby="residenza">
        <h2 class="h4" id="residenza">
          {m.officePeople.sections.residence}
        </h2>
        <dl class="row">
          {row(f.indirizzo, p.address)}
          {row(f.cap, p.postcode)}
          {row(f.comune, p.city)}
          {row(f.provincia, p.province)}
        </dl>
      </section>
      <section aria-labelledby="contatti">
        <h2 class="h4" id="contatti">
          {m.officePeople.sections.contacts}
        </h2>
        <dl class="row">
          {row(f.email, p.email)}
          {row(f.telefono, p.phone)}
        </dl>
      </section>
      {canEdit && (
        <p>
          <a class="btn btn-outline-primary" href={officePath(ente, `anagrafe/persone/${p.id}/modifica`)}>
            {t.edit}
          </a>
        </p>
      )}
      <section aria-labelledby="alunni-collegati" class="mt-4">
        <h2 class="h4" id="alunni-collegati">
          {t.pupilsTitle}
        </h2>
        {view.ownPupil && (
          <p>
            {t.isPupil} <a href={officePath(ente, `anagrafe/alunni/${view.ownPupil.pupilId}`)}>{t.openPupil}</a> ({view.ownPupil.schoolName},{' '}
            {view.ownPupil.className})
          </p>
        )}
        <DataTable
          caption={t.pupilsCaption}
          rows={view.links}
          keyOf={(link) => link.pupilId}
          empty={t.noPupils}
          columns={[
            {
              label: t.pupil,
              cell: (link) => <a href={officePath(ente, `anagrafe/alunni/${link.pupilId}`)}>{`${link.givenName} ${link.familyName}`}</a>,
            },
            { label: t.school, cell: (link) => `${link.schoolName}, ${link.className}` },
            { label: t.relation, cell: (link) => m.officePeople.relations[link.relation] ?? link.relation },
            {
              label: t.adults,
              cell: (link) => <a href={officePath(ente, `anagrafe/alunni/${link.pupilId}/adulti`)}>{t.adultsOf(`${link.givenName} ${link.familyName}`)}</a>,
            },
          ]}
        />
      </section>
      {children}
      {/* issue 16: what was sent to this adult, by which channel, and what failed */}
      <p class="mt-4">
        <a class="btn btn-outline-primary" href={officePath(ente, `messaggi/persone/${p.id}`)}>
          {m.messages.history.title}
        </a>
      </p>
    </Layout>
  );
}

/** /{ente}/ufficio/anagrafe/persone/:id/modifica */
export function EditPersonPage({ ctx, personId, name, version, state }: { ctx: Ctx; personId: number; name: string; version: number; state: PersonFormState }) {
  const { m, ente } = ctx;
  const t = m.officePeople.person;
  const labels = personLabels(m);
  return (
    <Layout ctx={ctx} title={t.editTitle(name)} crumbs={registryCrumbs(ctx, t.editTitle(name))}>
      {state.saved ? (
        <ConflictBox m={m} saved={state.saved} typed={state.typed} labels={labels} />
      ) : (
        <FormErrors m={m} problems={state.problems} labels={labels} texts={m.officePeople.problems} />
      )}
      {state.existing && <ExistingPersonBox m={m} ente={ente} existing={state.existing} />}
      <h1>{t.editTitle(name)}</h1>
      <p class="lead">{t.editLead}</p>
      <PostForm action={officePath(ente, `anagrafe/persone/${personId}/modifica`)} csrfToken={ctx.csrfToken} version={version}>
        <PersonFields m={m} typed={state.typed} problems={state.problems} />
        <button type="submit" class="btn btn-primary me-2">
          {m.forms.save}
        </button>
        <a class="btn btn-outline-secondary" href={officePath(ente, `anagrafe/persone/${personId}`)}>
          {m.forms.cancel}
        </a>
      </PostForm>
    </Layout>
  );
}
