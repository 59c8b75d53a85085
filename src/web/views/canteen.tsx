import type { Ente } from '../../db/schema';
import type { CanteenDaysService } from '../../domain/canteen/canteen-days';
import type { PupilSummary } from '../../domain/registry/service';
import type { DayMenu } from '../../domain/canteen/menus';
import type { Messages } from '../i18n/it';
import { PeriodForm, ServicePage } from './components';
import type { PageContext } from './context';
import { cachedFragment } from './fragment-cache';

type EnteContext = PageContext & { ente: Ente };
type Days = Awaited<ReturnType<CanteenDaysService['days']>>;

export function CanteenPage({
  ctx,
  result,
  period,
  problems = {},
}: {
  ctx: EnteContext;
  result: Pick<Days, 'pupil' | 'dietCode'> & { rows: Days['rows']; pupils: PupilSummary[] };
  period: { from: string; to: string };
  problems?: Partial<Record<string, string>>;
}) {
  const { m, ente } = ctx;
  const t = m.canteen;
  const { pupil } = result;
  const name = `${pupil.givenName} ${pupil.familyName}`;
  return (
    <ServicePage ctx={ctx} title={t.title} lead={<p class="lead">{t.lead}</p>}>
      <PeriodForm
        action={`/${ente.slug}/refezione`}
        hidden={{ utente: String(pupil.id) }}
        period={period}
        texts={{ from: t.from, to: t.to, submit: t.search, problems: t.problems }}
        problems={problems}
      />
      <p>
        <strong>{name}</strong>
        {result.pupils.length > 1 && (
          <>
            {' — '}
            <a href={`/${ente.slug}/refezione`}>{m.pupilChoice.changePupil}</a>
          </>
        )}
      </p>
      {result.dietCode && <p>{t.diet(m.kitchen.diets[result.dietCode] ?? result.dietCode)}</p>}
      {result.rows.length > 0 && (
        <div class="table-responsive">
          <table class="table">
            <caption>{t.caption(name, m.format.date(period.from), m.format.date(period.to))}</caption>
            <thead>
              <tr>
                <th scope="col">{t.day}</th>
                <th scope="col">{t.attendance}</th>
                <th scope="col">{t.menu}</th>
                <th scope="col">{t.charge}</th>
              </tr>
            </thead>
            <tbody>
              {result.rows.map((row) => (
                <tr key={row.date}>
                  <th scope="row">{m.format.dayWithWeekday(row.date)}</th>
                  {!row.day.service ? (
                    <td colSpan={3}>
                      {t.noService}: {t.reasons[row.day.reason]}
                      {'note' in row.day && row.day.note ? ` (${row.day.note})` : ''}
                    </td>
                  ) : (
                    <>
                      <td>
                        <strong>{t.states[row.state!.status]}</strong>
                        <br />
                        <span class="small">
                          {t.sources[row.state!.source]}; {row.state!.final ? t.final : t.planned}
                        </span>
                      </td>
                      {row.menu ? (
                        <td dangerouslySetInnerHTML={{ __html: cachedFragment(row.menu, m, 'menu', () => <MenuDishes m={m} menu={row.menu!} />) }} />
                      ) : (
                        <td>{t.noMenu}</td>
                      )}
                      <td class="text-nowrap">
                        {row.charge
                          ? `${m.format.euro(row.charge.amountCents)}${row.charge.reversed ? ` (${t.reversed})` : ''}`
                          : row.state!.final && row.state!.status === 'absent'
                            ? t.chargeNone
                            : t.chargeLater}
                      </td>
                    </>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </ServicePage>
  );
}

/**
 * A day's dishes with their allergens. Menus are shared by every pupil of a school level and diet, so each
 * is rendered once per language (most of the page's markup) and kept while the menu is.
 */
function MenuDishes({ m, menu }: { m: Messages; menu: DayMenu }) {
  const t = m.canteen;
  return (
    <ul class="list-unstyled mb-0">
      {menu.dishes.map((dish) => (
        <li key={dish.course}>
          <span class="visually-hidden">{t.courses[dish.course]}: </span>
          {dish.name}
          {dish.allergens.length > 0 && (
            <span class="small">
              {' '}
              ({t.allergens}: {dish.allergens.join(', ')})
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
