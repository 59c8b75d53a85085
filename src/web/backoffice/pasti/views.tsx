import type { Ente } from '../../../db/schema';
import type { FreezeService } from '../../../domain/canteen/freeze';
import { csvDocument, csvInteger } from '../../shared/csv';
import { backofficeCrumbs } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { Layout } from '../../shared/layout';

type EnteContext = PageContext & { ente: Ente };
type Counts = Awaited<ReturnType<FreezeService['mealCounts']>>;

function dietName(ctx: EnteContext, code: string) {
  const t = ctx.m.kitchen;
  return code === '' ? t.ordinaryMenu : (t.diets[code] ?? code);
}

function CountsTable({ ctx, rows, caption }: { ctx: EnteContext; rows: Counts['counts']; caption: string }) {
  const t = ctx.m.kitchen;
  const sum = (pick: (r: Counts['counts'][number]) => number) => rows.reduce((acc, r) => acc + pick(r), 0);
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
              <td class="text-end">{r.meals}</td>
              <td class="text-end">{r.lightMeals}</td>
              <td class="text-end">{r.absences}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={2}>
              {t.total}
            </th>
            <td class="text-end fw-bold">{sum((r) => r.meals)}</td>
            <td class="text-end fw-bold">{sum((r) => r.lightMeals)}</td>
            <td class="text-end fw-bold">{sum((r) => r.absences)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/** The kitchen's page: counts per school and diet for a day, as table, CSV and printable sheets. */
export function KitchenPage({ ctx, date, counts, problem }: { ctx: EnteContext; date: string; counts: Counts; problem?: string }) {
  const { m, ente } = ctx;
  const t = m.kitchen;
  const schools = [...new Map(counts.counts.map((r) => [r.schoolId, r.schoolName])).entries()];
  return (
    <Layout
      ctx={ctx}
      title={t.title}
      crumbs={backofficeCrumbs(ctx, t.title)}
    >
      <h1>
        {t.title} — {m.format.dayWithWeekday(date)}
      </h1>
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
      {!counts.frozenAt ? (
        <div class="alert alert-info" role="status">
          {t.notFrozen(ente.cutoff_time)}
        </div>
      ) : (
        <>
          <p>{t.frozenAt(m.format.dateTime(counts.frozenAt))}</p>
          {counts.counts.length === 0 ? (
            <p>{t.noService}</p>
          ) : (
            <>
              <CountsTable ctx={ctx} rows={counts.counts} caption={`${t.title} — ${m.format.date(date)}`} />
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
            </>
          )}
        </>
      )}
    </Layout>
  );
}

/** One school's sheet, to print and hang in the kitchen. */
export function KitchenPrintPage({ ctx, date, counts, schoolId }: { ctx: EnteContext; date: string; counts: Counts; schoolId: number }) {
  const t = ctx.m.kitchen;
  const rows = counts.counts.filter((r) => r.schoolId === schoolId);
  const name = rows[0]?.schoolName ?? '';
  return (
    <Layout ctx={ctx} title={`${t.title} — ${name}`}>
      <h1>
        {name} — {ctx.m.format.dayWithWeekday(date)}
      </h1>
      <CountsTable ctx={ctx} rows={rows} caption={`${t.title} — ${name} — ${ctx.m.format.date(date)}`} />
    </Layout>
  );
}

/** The day's counts as CSV (the shared writer: no cell can become a spreadsheet formula). */
export function kitchenCsv(ctx: EnteContext, date: string, counts: Counts): string {
  return csvDocument(
    ['data', 'scuola', 'menu', 'pasti', 'pasti_in_bianco', 'assenti'],
    counts.counts.map((r) => [date, r.schoolName, dietName(ctx, r.dietCode), csvInteger(r.meals), csvInteger(r.lightMeals), csvInteger(r.absences)]),
  );
}
