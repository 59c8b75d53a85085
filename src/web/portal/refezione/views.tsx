import type { Ente } from '../../../db/schema';
import type { CanteenDaysService } from '../../../domain/canteen/canteen-days';
import type { PupilSummary } from '../../../domain/registry/service';
import type { DayMenu } from '../../../domain/canteen/menus';
import { cutoffInstant } from '../../../domain/calendar/cutoff';
import type { Messages } from '../../i18n/it';
import { PeriodErrorSummary, PeriodForm, ServicePage } from '../../shared/components';
import { PupilLine } from '../pupil';
import type { PageContext } from '../../shared/context';
import { cachedFragment } from '../../shared/fragment-cache';

type EnteContext = PageContext & { ente: Ente };
type Days = Awaited<ReturnType<CanteenDaysService['days']>>;

export function CanteenPage({
  ctx,
  result,
  period,
  now,
  problems = {},
}: {
  ctx: EnteContext;
  /** To tell a day still open from one whose cut-off has passed but is not frozen yet. */
  now: Date;
  result: Pick<Days, 'pupil' | 'diets'> & { rows: Days['rows']; pupils: PupilSummary[] };
  period: { from: string; to: string };
  problems?: Partial<Record<string, string>>;
}) {
  const { m, ente } = ctx;
  const t = m.canteen;
  const { pupil } = result;
  const name = `${pupil.givenName} ${pupil.familyName}`;
  return (
    <ServicePage
      ctx={ctx}
      title={t.title}
      lead={<p class="lead">{t.lead}</p>}
      errors={problems && <PeriodErrorSummary title={m.periodProblemTitle} problems={problems} texts={t.problems} />}
    >
      <PupilLine ctx={ctx} pupil={pupil} pupils={result.pupils} service="refezione" />
      <PeriodForm
        action={`/${ente.slug}/refezione`}
        hidden={{ utente: String(pupil.id) }}
        period={period}
        texts={{ from: t.from, to: t.to, submit: t.search, problems: t.problems }}
        problems={problems}
      />
      {result.diets.map((diet) => {
        const name = m.kitchen.diets[diet.dietCode] ?? diet.dietCode;
        const whole = result.diets.length === 1 && diet.from === period.from && diet.to === period.to;
        return <p key={diet.from}>{whole ? t.diet(name) : t.dietBetween(name, m.format.date(diet.from), m.format.date(diet.to))}</p>;
      })}
      {result.rows.length > 0 && (
        <>
          <table class="table table-stack" aria-describedby="charge-note">
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
                  <th scope="row" data-label={t.day}>
                    {m.format.dayWithWeekday(row.date)}
                  </th>
                  {!row.day.service ? (
                    <td colSpan={3} data-label={t.attendance}>
                      {t.noService}: {t.reasons[row.day.reason]}
                      {'note' in row.day && row.day.note ? ` (${row.day.note})` : ''}
                    </td>
                  ) : (
                    <>
                      <td data-label={t.attendance}>
                        <AttendanceState m={m} state={row.state!} cutoff={ente.cutoff_time} cutoffPassed={now >= cutoffInstant(row.date, ente.cutoff_time)} />
                      </td>
                      {row.menu ? (
                        <td data-label={t.menu} dangerouslySetInnerHTML={{ __html: cachedFragment(row.menu, m, 'menu', () => <MenuDishes m={m} menu={row.menu!} />) }} />
                      ) : (
                        <td data-label={t.menu}>{t.noMenu}</td>
                      )}
                      <td class="text-nowrap" data-label={t.charge}>
                        {row.charge
                          ? `${m.format.euro(row.charge.amountCents)}${row.charge.reversed ? ` (${t.reversed})` : ''}`
                          : row.state!.final && row.state!.status === 'absent'
                            ? t.chargeNone
                            : '—'}
                      </td>
                    </>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          <p class="small" id="charge-note">
            {t.chargeNote(ente.cutoff_time)}
          </p>
        </>
      )}
    </ServicePage>
  );
}

/**
 * A day's attendance in a parent's words: what is booked and until when it can change while the day
 * is open; what was recorded (and by whom, when not by default) once the cut-off has frozen it.
 */
function AttendanceState({ m, state, cutoff, cutoffPassed }: { m: Messages; state: NonNullable<Days['rows'][number]['state']>; cutoff: string; cutoffPassed: boolean }) {
  const t = m.canteen;
  // Past the cut-off the day is frozen within a minute; until then it can no longer change either.
  if (!state.final) return <>{cutoffPassed ? t.closing[state.status] : t.open[state.status]!(cutoff)}</>;
  return (
    <>
      <strong>{t.states[state.status]}</strong>
      {state.source !== 'default' && <span class="d-block small">{t.sources[state.source]}</span>}
    </>
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
      {menu.special && (
        <li>
          <strong>{t.specialMenu(menu.special)}</strong>
        </li>
      )}
      {menu.dishes.map((dish) => (
        <li key={dish.course}>
          <span class="visually-hidden">{t.courses[dish.course]}: </span>
          <span lang="it">{dish.name}</span>
          {dish.allergens.length > 0 && (
            <span class="small">
              {' '}
              ({t.allergens}: {dish.allergens.map((code) => t.allergenNames[code] ?? code).join(', ')})
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
