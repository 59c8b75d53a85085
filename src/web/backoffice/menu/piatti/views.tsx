import type { Page } from '../../../../db/pagination';
import { ALLERGENS } from '../../../../domain/canteen/menus';
import type { DishRow } from '../../../../domain/canteen/menu-office';
import { ErrorSummary, Problem, SavedNotice } from '../../../shared/components';
import { csvDocument } from '../../../shared/csv';
import { FormErrors, PostForm, problemText, TextAreaField, TextField } from '../../../shared/fields';
import type { FormProblems } from '../../../shared/form';
import { Layout } from '../../../shared/layout';
import { DataTable, Pager } from '../../../shared/list';
import { allergenWords, type MenuCtx, menuCrumbs, menuPath } from '../views';

export type DishTyped = Record<string, string>;
export type DishProblems = FormProblems<string>;

/** The checkbox of an allergen: one field per allergen, so that no field is ever sent twice. */
export const allergenField = (code: string) => `allergene_${code}`;

export function DishesPage({ ctx, page, cursor, done }: { ctx: MenuCtx; page: Page<DishRow>; cursor?: string; done?: string }) {
  const { m, ente } = ctx;
  const t = m.officeMenus;
  const path = `${menuPath(ente)}/piatti`;
  return (
    <Layout ctx={ctx} title={t.dishesTitle} crumbs={menuCrumbs(ctx, { label: t.dishesTitle })}>
      <h1>{t.dishesTitle}</h1>
      <p class="lead">{t.dishesLead}</p>
      <SavedNotice text={done === 'aggiunto' ? t.dishAdded : done === 'salvato' ? t.dishSaved : undefined} />
      <ul class="list-inline">
        <li class="list-inline-item mb-2">
          <a class="btn btn-primary" href={`${path}/nuovo`}>
            {t.newDish}
          </a>
        </li>
        <li class="list-inline-item mb-2">
          <a class="btn btn-outline-primary" href={`${path}.csv`} download>
            {t.dishesCsv}
          </a>
        </li>
      </ul>
      <DataTable
        caption={t.dishesCaption}
        rows={page.rows}
        keyOf={(dish) => dish.id}
        empty={t.dishesNone}
        columns={[
          {
            label: t.columns.name,
            cell: (dish) => (
              <a href={`${path}/${dish.id}`}>
                <span class="visually-hidden">{t.edit}</span>
                <span lang="it">{dish.name}</span>
              </a>
            ),
          },
          { label: t.columns.allergens, cell: (dish) => allergenWords(m, dish.allergens) },
          { label: t.columns.ingredients, cell: (dish) => (dish.ingredients ? <span lang="it">{dish.ingredients}</span> : '—') },
        ]}
      />
      <Pager m={m} path={path} query={{}} next={page.next} first={!cursor} />
      <p class="mt-4">
        <a href={menuPath(ente)}>{t.back}</a>
      </p>
    </Layout>
  );
}

/** The dishes as CSV, allergens in words of the page's language (never codes). */
export function dishesCsv(ctx: MenuCtx, rows: readonly DishRow[]): string {
  const { m } = ctx;
  return csvDocument(
    ['piatto', 'allergeni', 'ingredienti'],
    rows.map((dish) => [dish.name, allergenWords(m, dish.allergens), dish.ingredients]),
  );
}

/** The form of a new dish (no `dish`) or of an existing one. */
export function DishPage({
  ctx,
  dish,
  typed,
  problems = {},
  conflict,
}: {
  ctx: MenuCtx;
  dish?: DishRow;
  typed?: DishTyped;
  problems?: DishProblems;
  conflict?: boolean;
}) {
  const { m, ente } = ctx;
  const t = m.officeMenus;
  const title = dish ? t.dishTitle(dish.name) : t.newDishTitle;
  const path = `${menuPath(ente)}/piatti`;
  const saved = dish ? new Set(dish.allergens ? dish.allergens.split(',') : []) : new Set<string>();
  const values: DishTyped = typed ?? { nome: dish?.name ?? '', ingredienti: dish?.ingredients ?? '', ...Object.fromEntries([...saved].map((code) => [allergenField(code), '1'])) };
  return (
    <Layout ctx={ctx} title={title} crumbs={menuCrumbs(ctx, { label: t.dishesTitle, href: path }, { label: dish ? dish.name : t.newDishTitle })}>
      {conflict && <ErrorSummary title={m.forms.conflictTitle} items={[{ text: m.forms.problems.conflict }]} />}
      {!conflict && Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      {conflict && dish && (
        <p>
          {m.forms.savedNow}: <span lang="it">{dish.name}</span> — {t.columns.allergens}: {allergenWords(m, dish.allergens)}
        </p>
      )}
      <PostForm action={dish ? `${path}/${dish.id}` : `${path}/nuovo`} csrfToken={ctx.csrfToken} version={dish?.version}>
        <TextField m={m} name="nome" label={t.fields.nome} value={values.nome ?? ''} problem={problems.nome} texts={t.problems} required autocomplete="off" />
        <fieldset class="mb-4" id="allergeni" tabindex={-1} aria-describedby={problems.allergeni ? 'allergeni-problem' : undefined}>
          <legend class="h5">{t.fields.allergeni}</legend>
          <p class="small">{t.dishesLead}</p>
          <div class="row">
            {ALLERGENS.map((code) => (
              <div class="col-12 col-md-6 form-check mb-2" key={code}>
                <input id={allergenField(code)} name={allergenField(code)} type="checkbox" value="1" checked={values[allergenField(code)] === '1'} />
                <label for={allergenField(code)}>{m.canteen.allergenNames[code] ?? code}</label>
              </div>
            ))}
          </div>
          <Problem id="allergeni-problem" text={problemText(m, t.problems, problems.allergeni)} />
        </fieldset>
        <TextAreaField m={m} name="ingredienti" label={t.fields.ingredienti} value={values.ingredienti ?? ''} problem={problems.ingredienti} texts={t.problems} hint={t.hints.ingredienti} />
        <button type="submit" class="btn btn-primary">
          {dish ? t.saveDish : t.createDish}
        </button>
      </PostForm>
      <p class="mt-4">
        <a href={path}>{t.dishesTitle}</a>
      </p>
    </Layout>
  );
}
