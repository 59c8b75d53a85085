import type { Ente } from '../../../db/schema';
import type { CountRow, KitchenService } from '../../../domain/attendance/kitchen';
import { addDays } from '../../../domain/calendar/local-time';
import { csvDocument, csvInteger } from '../../shared/csv';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { Layout } from '../../shared/layout';
import { APP_ASSETS_PREFIX } from '../../shared/assets';

type EnteContext = PageContext & { ente: Ente };
type KitchenDay = Awaited<ReturnType<KitchenService['officeDay']>>;

function dietName(ctx: EnteContext, code: string) {
  const t = ctx.m.kitchen;
  return code === '' ? t.ordinaryMenu : (t.diets[code] ?? code);
}

/** A change after the cut-off as a signed number: "+1", "−2", "0". */
function signed(value: number) {
  return value > 0 ? `+${value}` : value < 0 ? `−${-value}` : '0';
}

function CountsTable({ ctx, rows, caption, changes }: { ctx: EnteContext; rows: readonly CountRow[]; caption: string; changes?: boolean }) {
  const t = ctx.m.kitchen;
  const sum = (pick: (r: CountRow) => number) => rows.reduce((acc, r) => acc + pick(r), 0);
  const show = (value: number) => (changes ? signed(value) : String(value));
  return (
    <div class="table-responsive">
      <table class="table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.school}</th>
            <th scope="col">{t.diet}</th>
            <th scope="col" class="text-end">
              {t.meals}
            </th>
            <th scope="col" class="text-end">
              {t.lightMeals}
            </th>
            <th scope="col" class="text-end">
              {t.absences}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.schoolId}-${r.dietCode}`}>
              <th scope="row">{r.schoolName}</th>
              <td>{dietName(ctx, r.dietCode)}</td>
              <td class="text-end">{show(r.meals)}</td>
              <td class="text-end">{show(r.lightMeals)}</td>
              <td class="text-end">{show(r.absences)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={2}>
              {t.total}
            </th>
            <td class="text-end fw-bold">{show(sum((r) => r.meals))}</td>
            <td class="text-end fw-bold">{show(sum((r) => r.lightMeals))}</td>
            <td class="text-end fw-bold">{show(sum((r) => r.absences))}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/** The counts of the day, as the day stands: final with changes, provisional, or closing. */
function DayCounts({ ctx, date, day, schoolId }: { ctx: EnteContext; date: string; day: KitchenDay; schoolId?: number }) {
  const { m, ente } = ctx;
  const t = m.kitchen;
  const a = m.officeAttendance.kitchen;
  const pick = (rows: readonly CountRow[]) => (schoolId === undefined ? rows : rows.filter((r) => r.schoolId === schoolId));
  const counts = pick(day.counts);
  const changes = pick(day.changes);
  if (day.kind === 'closing') {
    return (
      <div class="alert alert-info" role="status">
        {t.notFrozen(ente.cutoff_time)}
      </div>
    );
  }
  if (day.kind === 'provisional') {
    return (
      <>
        <div class="alert alert-warning" role="status">
          <strong>{a.provisional}.</strong> {a.provisionalNote(ente.cutoff_time)}
        </div>
        {counts.length === 0 ? <p>{t.noService}</p> : <CountsTable ctx={ctx} rows={counts} caption={a.provisionalCaption(m.format.date(date))} />}
      </>
    );
  }
  return (
    <>
      <p>{t.frozenAt(m.format.dateTime(day.frozenAt))}</p>
      {counts.length === 0 ? <p>{t.noService}</p> : <CountsTable ctx={ctx} rows={counts} caption={a.finalCaption(m.format.date(date))} />}
      <section aria-labelledby="variazioni" class="mt-4">
        <h2 class="h4" id="variazioni">
          {a.changesTitle}
        </h2>
        {changes.length === 0 ? (
          <p>{a.changesNone}</p>
        ) : (
          <>
            <p>{a.changesLead}</p>
            <CountsTable ctx={ctx} rows={changes} caption={a.changesCaption(m.format.date(date))} changes />
          </>
        )}
      </section>
    </>
  );
}

/** The kitchen's page: counts per school and diet for a day, as table, CSV and printable sheets. */
export function KitchenPage({ ctx, date, day, today, problem }: { ctx: EnteContext; date: string; day: KitchenDay; today: string; problem?: string }) {
  const { m, ente } = ctx;
  const t = m.kitchen;
  const a = m.officeAttendance.kitchen;
  const schools = [...new Map(day.counts.map((r) => [r.schoolId, r.schoolName])).entries()];
  const heading = `${t.title} — ${m.format.dayWithWeekday(date)}${day.kind === 'provisional' ? ` (${a.provisionalBadge})` : ''}`;
  const ahead = [1, 2, 3, 4, 5].map((n) => addDays(date >= today ? date : today, n));
  return (
    <Layout ctx={ctx} title={t.title} crumbs={backofficeCrumbs(ctx, t.title)}>
      <h1>{heading}</h1>
      <form method="get" action={`/${ente.slug}/ufficio/pasti`} class="row g-3 align-items-end mb-4">
        <div class="col-auto">
          <label for="data" class="active">
            {t.day}
          </label>
          <input type="date" class="form-control" id="data" name="data" value={date} {...(problem ? { 'aria-invalid': 'true', 'aria-describedby': 'data-problem' } : {})} />
          {problem && (
            <div class="invalid-feedback d-block" id="data-problem">
              {problem}
            </div>
          )}
        </div>
        <div class="col-auto">
          <button type="submit" class="btn btn-primary">
            {t.show}
          </button>
        </div>
      </form>
      <DayCounts ctx={ctx} date={date} day={day} />
      {day.counts.length > 0 && (
        <ul class="list-inline">
          <li class="list-inline-item">
            <a href={`/${ente.slug}/ufficio/pasti.csv?data=${date}`}>{t.csv}</a>
          </li>
          {schools.map(([id, name]) => (
            <li class="list-inline-item" key={id}>
              <a href={`/${ente.slug}/ufficio/pasti/stampa?data=${date}&scuola=${id}`}>{t.printFor(name)}</a>
            </li>
          ))}
        </ul>
      )}
      <nav aria-labelledby="giorni-successivi" class="mt-4">
        <h2 class="h5" id="giorni-successivi">
          {a.nextDays}
        </h2>
        <ul class="list-inline">
          {ahead.map((d) => (
            <li class="list-inline-item" key={d}>
              <a href={`/${ente.slug}/ufficio/pasti?data=${d}`}>{m.format.dayWithWeekday(d)}</a>
            </li>
          ))}
        </ul>
      </nav>
    </Layout>
  );
}

/** One school's sheet, to print and hang in the kitchen: a print button and the way back. */
export function KitchenPrintPage({ ctx, date, day, schoolId }: { ctx: EnteContext; date: string; day: KitchenDay; schoolId: number }) {
  const { m, ente } = ctx;
  const t = m.kitchen;
  const a = m.officeAttendance.kitchen;
  const name = day.counts.find((r) => r.schoolId === schoolId)?.schoolName ?? '';
  const back = `/${ente.slug}/ufficio/pasti?data=${date}`;
  return (
    <Layout ctx={ctx} title={`${t.title} — ${name}`} crumbs={[...backofficeCrumbs(ctx, t.title).slice(0, -1), { label: t.title, href: back }, { label: name }]}>
      <h1>
        {name} — {m.format.dayWithWeekday(date)}
        {day.kind === 'provisional' ? ` (${a.provisionalBadge})` : ''}
      </h1>
      <DayCounts ctx={ctx} date={date} day={day} schoolId={schoolId} />
      <p class="d-print-none d-flex flex-wrap gap-3 align-items-center">
        <button type="button" class="btn btn-primary" data-print hidden>
          {a.print}
        </button>
        <a href={back}>{a.back}</a>
      </p>
      <script src={`${APP_ASSETS_PREFIX}js/print.js`} defer />
    </Layout>
  );
}

/** The day's counts as CSV (the shared writer: no cell can become a spreadsheet formula). */
export function kitchenCsv(ctx: EnteContext, date: string, day: KitchenDay): string {
  return csvDocument(
    ['data', 'scuola', 'menu', 'pasti', 'pasti_in_bianco', 'assenti'],
    day.counts.map((r) => [date, r.schoolName, dietName(ctx, r.dietCode), csvInteger(r.meals), csvInteger(r.lightMeals), csvInteger(r.absences)]),
  );
}
