import type { Course } from '../../../../db/schema';
import { COURSES, DIET_CODES, SCHOOL_LEVELS } from '../../../../domain/canteen/menus';
import { ErrorSummary, Problem, SavedNotice } from '../../../shared/components';
import { FormErrors, PostForm, problemText, SelectField, TextField } from '../../../shared/fields';
import type { FormProblems } from '../../../shared/form';
import { Layout } from '../../../shared/layout';
import { DataTable } from '../../../shared/list';
import { type MenuCtx, menuCrumbs, menuName, menuPath } from '../views';

export type SpecialTyped = Record<string, string>;
export type SpecialProblems = FormProblems<string>;
type Dish = { id: number; name: string };
type SpecialRow = { id: number; date: string; school_level: string; name: string; version: number };
type SpecialWithDishes = SpecialRow & { dishes: { diet: string; course: Course; dishId: number }[] };

/** The field of a special menu's dish: the menu (ordinary or a diet) and the course. */
export const specialDishField = (diet: string, course: Course) => `piatto_${diet || 'ordinario'}_${course}`;

export function SpecialsPage({ ctx, specials, done }: { ctx: MenuCtx; specials: readonly SpecialRow[]; done?: string }) {
  const { m, ente } = ctx;
  const t = m.officeMenus;
  const path = `${menuPath(ente)}/speciali`;
  const status = { aggiunto: t.specialAdded, salvato: t.specialSaved, eliminato: t.specialRemoved }[done ?? ''] as string | undefined;
  return (
    <Layout ctx={ctx} title={t.specialsTitle} crumbs={menuCrumbs(ctx, { label: t.specialsTitle })}>
      <h1>{t.specialsTitle}</h1>
      <p class="lead">{t.specialsLead}</p>
      <SavedNotice text={status} />
      <p>
        <a class="btn btn-primary" href={`${path}/nuovo`}>
          {t.newSpecial}
        </a>
      </p>
      <DataTable
        caption={t.specialsCaption}
        rows={specials}
        keyOf={(row) => row.id}
        empty={t.specialsNone}
        columns={[
          {
            label: t.columns.date,
            cell: (row) => (
              <a href={`${path}/${row.id}`}>
                <span class="visually-hidden">{t.edit}</span>
                {m.format.dayWithWeekday(row.date)}
              </a>
            ),
          },
          { label: t.columns.name, cell: (row) => row.name },
          { label: t.columns.level, cell: (row) => (row.school_level ? (t.levels[row.school_level] ?? row.school_level) : t.allLevels) },
        ]}
      />
      <p class="mt-4">
        <a href={menuPath(ente)}>{t.back}</a>
      </p>
    </Layout>
  );
}

/** A new special menu (no `special`) or an existing one: date, level, name, the dishes of each menu. */
export function SpecialPage({
  ctx,
  special,
  dishes,
  typed,
  problems = {},
  conflict,
}: {
  ctx: MenuCtx;
  special?: SpecialWithDishes;
  dishes: readonly Dish[];
  typed?: SpecialTyped;
  problems?: SpecialProblems;
  conflict?: boolean;
}) {
  const { m, ente } = ctx;
  const t = m.officeMenus;
  const path = `${menuPath(ente)}/speciali`;
  const title = special ? t.specialTitle(special.name, m.format.date(special.date)) : t.newSpecialTitle;
  const values: SpecialTyped = typed ?? {
    data: special ? m.format.date(special.date) : '',
    livello: special?.school_level ?? '',
    nome: special?.name ?? '',
    ...Object.fromEntries((special?.dishes ?? []).map((dish) => [specialDishField(dish.diet, dish.course), String(dish.dishId)])),
  };
  return (
    <Layout ctx={ctx} title={title} crumbs={menuCrumbs(ctx, { label: t.specialsTitle, href: path }, { label: special ? special.name : t.newSpecialTitle })}>
      {conflict && <ErrorSummary title={m.forms.conflictTitle} items={[{ text: m.forms.problems.conflict }]} />}
      {!conflict && Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      <p>{t.specialsLead}</p>
      <PostForm action={special ? `${path}/${special.id}` : `${path}/nuovo`} csrfToken={ctx.csrfToken} version={special?.version}>
        <TextField m={m} name="data" label={t.fields.data} value={values.data ?? ''} problem={problems.data} texts={t.problems} hint={t.hints.data} required inputmode="numeric" />
        <SelectField
          m={m}
          name="livello"
          label={t.fields.livello}
          value={values.livello ?? ''}
          problem={problems.livello}
          texts={t.problems}
          hint={t.hints.livelloSpecial}
          empty={t.allLevels}
          options={SCHOOL_LEVELS.map((level) => ({ value: level, label: t.levels[level] ?? level }))}
        />
        <TextField m={m} name="nome" label={t.fields.nome} value={values.nome ?? ''} problem={problems.nome} texts={t.problems} required autocomplete="off" />
        <div id="piatti" tabindex={-1}>
          <Problem id="piatti-problem" text={problemText(m, t.problems, problems.piatti)} />
        </div>
        {['', ...DIET_CODES].map((diet) => (
          <fieldset class="mb-4" key={diet || 'ordinario'}>
            <legend class="h5">{menuName(m, diet)}</legend>
            {diet !== '' && <p class="small">{t.variantHint}</p>}
            {COURSES.map((course) => {
              const field = specialDishField(diet, course);
              return (
                <div class="select-wrapper mb-3" key={course}>
                  <label for={field}>
                    {m.canteen.courses[course]}
                    <span class="visually-hidden">, {menuName(m, diet)}</span>
                  </label>
                  <select id={field} name={field}>
                    <option value="">{diet === '' ? t.noDish : t.sameAsOrdinary}</option>
                    {dishes.map((dish) => (
                      <option value={String(dish.id)} selected={values[field] === String(dish.id)} key={dish.id}>
                        {dish.name}
                      </option>
                    ))}
                  </select>
                </div>
              );
            })}
          </fieldset>
        ))}
        <button type="submit" class="btn btn-primary">
          {special ? t.saveSpecial : t.createSpecial}
        </button>
      </PostForm>
      {special && (
        <section aria-labelledby="remove-title" class="mt-5">
          <h2 class="h4" id="remove-title">
            {t.removeSpecialTitle}
          </h2>
          <p>{t.removeSpecialLead}</p>
          <PostForm action={`${path}/${special.id}/elimina`} csrfToken={ctx.csrfToken} version={special.version}>
            <button type="submit" class="btn btn-outline-danger">
              {t.removeSpecial}
            </button>
          </PostForm>
        </section>
      )}
      <p class="mt-4">
        <a href={path}>{t.specialsTitle}</a>
      </p>
    </Layout>
  );
}
