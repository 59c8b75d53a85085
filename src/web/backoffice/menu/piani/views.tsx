import type { Course } from '../../../../db/schema';
import { cellKey, type PlanRow } from '../../../../domain/canteen/menu-office';
import { COURSES, DIET_CODES, SCHOOL_LEVELS } from '../../../../domain/canteen/menus';
import { ErrorSummary, Problem, SavedNotice } from '../../../shared/components';
import { FormErrors, PostForm, problemText, SelectField, TextField } from '../../../shared/fields';
import type { FormProblems } from '../../../shared/form';
import { Layout } from '../../../shared/layout';
import { allergenWords, type MenuCtx, menuCrumbs, menuName, menuPath, planState } from '../views';

export type PlanTyped = Record<string, string>;
export type PlanProblems = FormProblems<string>;
type Dish = { id: number; name: string };

/** The field of one cell of a week's grid: the weekday and the course. */
export const cellField = (weekday: number, course: Course) => `piatto_${weekday}_${course}`;

function dateOf(iso: string | undefined): string {
  return iso ? iso.split('-').reverse().join('/') : '';
}

function PlanFields({ ctx, values, problems }: { ctx: MenuCtx; values: PlanTyped; problems: PlanProblems }) {
  const { m } = ctx;
  const t = m.officeMenus;
  return (
    <>
      <TextField m={m} name="nome" label={t.fields.nome} value={values.nome ?? ''} problem={problems.nome} texts={t.problems} required autocomplete="off" />
      <SelectField
        m={m}
        name="livello"
        label={t.fields.livello}
        value={values.livello ?? ''}
        problem={problems.livello}
        texts={t.problems}
        required
        options={SCHOOL_LEVELS.map((level) => ({ value: level, label: t.levels[level] ?? level }))}
      />
      <TextField m={m} name="dal" label={t.fields.dal} value={values.dal ?? ''} problem={problems.dal} texts={t.problems} hint={t.hints.data} required inputmode="numeric" />
      <TextField m={m} name="al" label={t.fields.al} value={values.al ?? ''} problem={problems.al} texts={t.problems} hint={t.hints.data} required inputmode="numeric" />
      <TextField m={m} name="settimane" label={t.fields.settimane} value={values.settimane ?? ''} problem={problems.settimane} texts={t.problems} hint={t.hints.settimane} required inputmode="numeric" />
      <TextField
        m={m}
        name="inizio_rotazione"
        label={t.fields.inizio_rotazione}
        value={values.inizio_rotazione ?? ''}
        problem={problems.inizio_rotazione}
        texts={t.problems}
        hint={t.hints.inizio_rotazione}
        required
        inputmode="numeric"
      />
    </>
  );
}

export function NewPlanPage({ ctx, typed = {}, problems = {} }: { ctx: MenuCtx; typed?: PlanTyped; problems?: PlanProblems }) {
  const { m, ente } = ctx;
  const t = m.officeMenus;
  return (
    <Layout ctx={ctx} title={t.newPlanTitle} crumbs={menuCrumbs(ctx, { label: t.newPlanTitle })}>
      {Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{t.newPlanTitle}</h1>
      <p>{t.newPlanLead}</p>
      <PostForm action={`${menuPath(ente)}/piani/nuovo`} csrfToken={ctx.csrfToken}>
        <PlanFields ctx={ctx} values={{ settimane: '4', ...typed }} problems={problems} />
        <button type="submit" class="btn btn-primary">
          {t.createPlan}
        </button>
      </PostForm>
    </Layout>
  );
}

type PlanDish = { diet: string; week: number; weekday: number; course: Course; name: string; allergens: string };

/**
 * The whole rotation at a glance: per week a table of weekdays × courses with the ordinary dish, its
 * allergens in words, and the diets' variants under it.
 */
function PlanOverview({ ctx, plan, weekdays, dishes }: { ctx: MenuCtx; plan: PlanRow; weekdays: readonly number[]; dishes: readonly PlanDish[] }) {
  const { m } = ctx;
  const t = m.officeMenus;
  const cell = new Map<string, PlanDish[]>();
  for (const dish of dishes) {
    const key = `${dish.week}:${dish.weekday}:${dish.course}`;
    const list = cell.get(key);
    if (list) list.push(dish);
    else cell.set(key, [dish]);
  }
  return (
    <section aria-labelledby="overview-title" class="mt-4">
      <h2 class="h4" id="overview-title">
        {t.overviewTitle}
      </h2>
      {Array.from({ length: plan.rotation_weeks }, (_, i) => i + 1).map((week) => (
        <table class="table table-stack small" key={week}>
          <caption>{t.overviewCaption(week, plan.rotation_weeks)}</caption>
          <thead>
            <tr>
              <th scope="col">{t.columns.day}</th>
              {COURSES.map((course) => (
                <th scope="col" key={course}>
                  {m.canteen.courses[course]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {weekdays.map((weekday) => (
              <tr key={weekday}>
                <th scope="row" data-label={t.columns.day}>
                  {t.weekdays[weekday - 1]}
                </th>
                {COURSES.map((course) => {
                  const here = cell.get(`${week}:${weekday}:${course}`) ?? [];
                  const ordinary = here.find((dish) => dish.diet === '');
                  return (
                    <td data-label={m.canteen.courses[course]} key={course}>
                      {ordinary ? (
                        <>
                          <span lang="it">{ordinary.name}</span>
                          {ordinary.allergens && <span class="d-block">({allergenWords(m, ordinary.allergens)})</span>}
                        </>
                      ) : (
                        '—'
                      )}
                      {DIET_CODES.map((diet) => {
                        const variant = here.find((dish) => dish.diet === diet);
                        return variant ? (
                          <span class="d-block fst-italic" key={diet}>
                            {m.kitchen.diets[diet]}: <span lang="it">{variant.name}</span>
                          </span>
                        ) : null;
                      })}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}

/** A plan: its details, its publishing, and the way to each week of the ordinary menu and of each diet. */
export function PlanPage({
  ctx,
  plan,
  weekdays,
  dishes,
  typed,
  problems = {},
  conflict,
  done,
}: {
  ctx: MenuCtx;
  plan: PlanRow;
  weekdays: readonly number[];
  dishes: readonly PlanDish[];
  typed?: PlanTyped;
  problems?: PlanProblems;
  conflict?: boolean;
  done?: string;
}) {
  const { m, ente } = ctx;
  const t = m.officeMenus;
  const path = `${menuPath(ente)}/piani/${plan.id}`;
  const title = t.planTitle(plan.name);
  const values: PlanTyped = typed ?? {
    nome: plan.name,
    livello: plan.school_level,
    dal: dateOf(plan.starts_on),
    al: dateOf(plan.ends_on),
    settimane: String(plan.rotation_weeks),
    inizio_rotazione: dateOf(plan.rotation_start),
  };
  const status = { aggiunto: t.planAdded, salvato: t.planSaved, pubblicato: t.publishedDone, ritirato: t.withdrawnDone, settimana: t.weekSaved }[done ?? ''] as string | undefined;
  const weeks = Array.from({ length: plan.rotation_weeks }, (_, i) => i + 1);
  return (
    <Layout ctx={ctx} title={title} crumbs={menuCrumbs(ctx, { label: plan.name })}>
      {conflict && <ErrorSummary title={m.forms.conflictTitle} items={[{ text: m.forms.problems.conflict }]} />}
      {!conflict && Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      <SavedNotice text={status} />
      <p>
        <strong>{t.columns.state}:</strong> {planState(m, plan)}
      </p>
      <section aria-labelledby="weeks-title" class="mt-4">
        <h2 class="h4" id="weeks-title">
          {t.weekLinks}
        </h2>
        {['', ...DIET_CODES].map((diet) => (
          <div key={diet || 'ordinario'} class="mb-3">
            <h3 class="h6 mb-1">{menuName(m, diet)}</h3>
            <ul class="list-inline mb-0">
              {weeks.map((week) => (
                <li class="list-inline-item" key={week}>
                  <a href={`${path}/settimane/${week}${diet ? `?dieta=${diet}` : ''}`}>
                    {t.weekTitle(week, plan.rotation_weeks)}
                    <span class="visually-hidden">, {menuName(m, diet)}</span>
                  </a>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </section>
      <PlanOverview ctx={ctx} plan={plan} weekdays={weekdays} dishes={dishes} />
      <section aria-labelledby="publish-title" class="mt-4">
        <h2 class="h4" id="publish-title">
          {t.publishTitle}
        </h2>
        <p id="pubblica" tabindex={-1}>
          {plan.published_at ? t.withdrawLead : t.publishLead}
        </p>
        <Problem id="pubblica-problem" text={problemText(m, t.problems, problems.pubblica)} />
        <PostForm action={`${path}/${plan.published_at ? 'ritira' : 'pubblica'}`} csrfToken={ctx.csrfToken} version={plan.version}>
          <button type="submit" class={plan.published_at ? 'btn btn-outline-danger' : 'btn btn-primary'}>
            {plan.published_at ? t.withdraw : t.publish}
          </button>
        </PostForm>
      </section>
      <section aria-labelledby="details-title" class="mt-5">
        <h2 class="h4" id="details-title">
          {t.detailsTitle}
        </h2>
        <PostForm action={path} csrfToken={ctx.csrfToken} version={plan.version}>
          <PlanFields ctx={ctx} values={values} problems={problems} />
          <button type="submit" class="btn btn-primary">
            {t.savePlan}
          </button>
        </PostForm>
      </section>
      <p class="mt-4">
        <a href={menuPath(ente)}>{t.back}</a>
      </p>
    </Layout>
  );
}

/**
 * One week of a plan for one menu (ordinary or a diet's variant): a row per weekday, a choice of dish per
 * course. On a phone the table stacks into one card per day, each choice with its own label.
 */
export function WeekPage({
  ctx,
  plan,
  diet,
  week,
  weekdays,
  dishes,
  cells,
  typed,
  problems = {},
  conflict,
  done,
}: {
  ctx: MenuCtx;
  plan: PlanRow;
  diet: string;
  done?: boolean;
  week: number;
  weekdays: readonly number[];
  dishes: readonly Dish[];
  cells: ReadonlyMap<string, number>;
  typed?: Record<string, string>;
  problems?: PlanProblems;
  conflict?: boolean;
}) {
  const { m, ente } = ctx;
  const t = m.officeMenus;
  const planPath = `${menuPath(ente)}/piani/${plan.id}`;
  const menu = menuName(m, diet);
  const title = `${plan.name}: ${t.weekTitle(week, plan.rotation_weeks)}`;
  const valueOf = (weekday: number, course: Course) => typed?.[cellField(weekday, course)] ?? String(cells.get(cellKey(weekday, course)) ?? '');
  return (
    <Layout ctx={ctx} title={title} crumbs={menuCrumbs(ctx, { label: plan.name, href: planPath }, { label: `${t.weekTitle(week, plan.rotation_weeks)}, ${menu}` })}>
      {conflict && <ErrorSummary title={m.forms.conflictTitle} items={[{ text: m.forms.problems.conflict }]} />}
      {!conflict && Object.keys(problems).length > 0 && <FormErrors m={m} problems={problems} labels={t.fields} texts={t.problems} />}
      <h1>{title}</h1>
      <SavedNotice text={done ? t.weekSaved : undefined} />
      <p class="lead">{menu}</p>
      {diet !== '' && <p>{t.variantHint}</p>}
      <p>
        <strong>{t.columns.state}:</strong> {planState(m, plan)}
      </p>
      <PostForm action={`${planPath}/settimane/${week}`} csrfToken={ctx.csrfToken} version={plan.version}>
        <input type="hidden" name="dieta" value={diet} />
        <div id="settimana" tabindex={-1}>
          <Problem id="settimana-problem" text={problemText(m, t.problems, problems.settimana)} />
        </div>
        <table class="table table-stack">
          <caption>{t.gridCaption(week, menu)}</caption>
          <thead>
            <tr>
              <th scope="col">{t.columns.day}</th>
              {COURSES.map((course) => (
                <th scope="col" key={course}>
                  {m.canteen.courses[course]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {weekdays.map((weekday) => {
              const day = t.weekdays[weekday - 1] ?? String(weekday);
              return (
                <tr key={weekday}>
                  <th scope="row" data-label={t.columns.day}>
                    {day}
                  </th>
                  {COURSES.map((course) => {
                    const field = cellField(weekday, course);
                    return (
                      <td data-label={m.canteen.courses[course]} key={course}>
                        <label class="visually-hidden" for={field}>
                          {t.dayCourse(day, m.canteen.courses[course] ?? course)}
                        </label>
                        <select id={field} name={field} class="form-select">
                          <option value="">{diet === '' ? t.noDish : t.sameAsOrdinary}</option>
                          {dishes.map((dish) => (
                            <option value={String(dish.id)} selected={valueOf(weekday, course) === String(dish.id)} key={dish.id}>
                              {dish.name}
                            </option>
                          ))}
                        </select>
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
        <button type="submit" class="btn btn-primary">
          {t.saveWeek}
        </button>
      </PostForm>
      <nav aria-label={t.weekLinks} class="mt-4">
        <ul class="list-inline">
          {Array.from({ length: plan.rotation_weeks }, (_, i) => i + 1).map((n) => (
            <li class="list-inline-item" key={n}>
              {n === week ? (
                <span aria-current="page">{t.weekTitle(n, plan.rotation_weeks)}</span>
              ) : (
                <a href={`${planPath}/settimane/${n}${diet ? `?dieta=${diet}` : ''}`}>{t.weekTitle(n, plan.rotation_weeks)}</a>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <nav aria-label={t.dietLinks}>
        <ul class="list-inline">
          {['', ...DIET_CODES].map((code) => (
            <li class="list-inline-item" key={code || 'ordinario'}>
              {code === diet ? (
                <span aria-current="page">{menuName(m, code)}</span>
              ) : (
                <a href={`${planPath}/settimane/${week}${code ? `?dieta=${code}` : ''}`}>{menuName(m, code)}</a>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <p class="mt-4">
        <a href={planPath}>{t.planTitle(plan.name)}</a>
      </p>
    </Layout>
  );
}
