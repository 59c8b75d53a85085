import type { Ente } from '../../../db/schema';
import type { PlanRow } from '../../../domain/canteen/menu-office';
import { allergenCodes } from '../../../domain/canteen/menu-office';
import type { Messages } from '../../i18n/it';
import type { PageContext } from '../../shared/context';
import { DataTable } from '../../shared/list';
import { Layout } from '../../shared/layout';

export type MenuCtx = PageContext & { ente: Ente };

/** The address of the menus' area of the ente. */
export const menuPath = (ente: Ente) => `/${ente.slug}/ufficio/menu`;

/** Breadcrumbs: home, ente, office, Menù e allergeni, then the sub-page's own steps. */
export function menuCrumbs({ m, ente }: MenuCtx, ...steps: { label: string; href?: string }[]) {
  const area = { label: m.officeMenus.title, ...(steps.length ? { href: menuPath(ente) } : {}) };
  return [
    { label: m.breadcrumb.home, href: '/' },
    { label: ente.name, href: `/${ente.slug}/` },
    { label: m.backoffice.title, href: `/${ente.slug}/ufficio/` },
    area,
    ...steps,
  ];
}

/** A dish's allergens in words of the page's language (never the codes), or "none". */
export function allergenWords(m: Messages, column: string): string {
  const codes = allergenCodes(column);
  return codes.length ? codes.map((code) => m.canteen.allergenNames[code] ?? code).join(', ') : m.officeMenus.allergensNone;
}

/** The name of a diet's menu: the ordinary one, or the diet's variant. */
export function menuName(m: Messages, diet: string): string {
  return diet === '' ? m.officeMenus.ordinary : m.officeMenus.variant(m.kitchen.diets[diet] ?? diet);
}

export function planState(m: Messages, plan: Pick<PlanRow, 'published_at'>): string {
  return plan.published_at ? m.officeMenus.published(m.format.dateTime(plan.published_at)) : m.officeMenus.draft;
}

/** Menù e allergeni: the plans, and the ways to the dishes and the special menus. */
export function MenuHomePage({ ctx, plans }: { ctx: MenuCtx; plans: readonly PlanRow[] }) {
  const { m, ente } = ctx;
  const t = m.officeMenus;
  const path = menuPath(ente);
  return (
    <Layout ctx={ctx} title={t.title} crumbs={menuCrumbs(ctx)}>
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <ul class="list-inline">
        <li class="list-inline-item mb-2">
          <a class="btn btn-outline-primary" href={`${path}/piatti`}>
            {t.dishesTitle}
          </a>
        </li>
        <li class="list-inline-item mb-2">
          <a class="btn btn-outline-primary" href={`${path}/speciali`}>
            {t.specialsTitle}
          </a>
        </li>
      </ul>
      <h2 class="h3 mt-4">{t.plansTitle}</h2>
      <p>
        <a class="btn btn-primary" href={`${path}/piani/nuovo`}>
          {t.newPlan}
        </a>
      </p>
      <DataTable
        caption={t.plansCaption}
        rows={plans}
        keyOf={(plan) => plan.id}
        empty={t.plansNone}
        columns={[
          {
            label: t.columns.name,
            cell: (plan) => (
              <a href={`${path}/piani/${plan.id}`}>
                <span class="visually-hidden">{t.edit}</span>
                {plan.name}
              </a>
            ),
          },
          { label: t.columns.level, cell: (plan) => t.levels[plan.school_level] ?? plan.school_level },
          { label: t.columns.period, cell: (plan) => t.period(m.format.date(plan.starts_on), m.format.date(plan.ends_on)) },
          { label: t.columns.rotation, cell: (plan) => t.weeks(plan.rotation_weeks) },
          { label: t.columns.state, cell: (plan) => (plan.published_at ? <strong>{planState(m, plan)}</strong> : planState(m, plan)) },
        ]}
      />
    </Layout>
  );
}
