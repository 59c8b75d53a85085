import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema';
import { romeDate } from '../calendar/local-time';
import type { Clock } from '../clock';
import { type OperatorContext, requirePermission } from '../operators/context';
import { termInForce } from '../registry/terms';
import type { BillingService } from './billing';
import { firstOfMonth, lastOfMonth, periodOf } from './periods';

/** Past runs shown in the log: five years of monthly runs. */
const RUNS_SHOWN = 60;

/**
 * The office's billing page (issue 14, decision 0022): before the month closes, what its billing would make
 * now per service and school — the billing's own `previewMonth` (the same charges, fees and lines as the
 * documents), read-only — and the log of the runs made.
 */
export function createBillingPreviewService(db: Kysely<DB>, clock: Clock, billing: BillingService) {
  async function overview(office: OperatorContext) {
    requirePermission(office, 'billing.preview');
    const ente = office.ente;
    const today = romeDate(clock.now());
    const period = periodOf(today);
    const first = firstOfMonth(period);
    const last = lastOfMonth(period);
    const [documents, charged, runs] = await Promise.all([
      billing.previewMonth(ente, period),
      db
        .selectFrom('day_charge')
        .select((eb) => [eb.fn.countAll<number>().as('days'), eb.fn.max('date').as('lastDay')])
        .where('ente_id', '=', ente.id)
        .where('date', '>=', first)
        .where('date', '<=', last)
        .where('completed_at', 'is not', null)
        .executeTakeFirst(),
      db
        .selectFrom('billing_run')
        .select(['period', 'completed_at as completedAt', 'documents', 'total_cents as totalCents'])
        .where('ente_id', '=', ente.id)
        .orderBy('period', 'desc')
        .limit(sql.lit(RUNS_SHOWN))
        .execute(),
    ]);
    // A document goes to the school the enrolment is at on the month's last day (its latest term so far).
    const ids = documents.map((d) => d.enrolmentId);
    const schoolOf = new Map<number, number>();
    for (let i = 0; i < ids.length; i += 1_000) {
      const slice = ids.slice(i, i + 1_000);
      const rows = await db
        .selectFrom('enrolment as e')
        .select(['e.id', termInForce('school_id', 'e', last).as('schoolId')])
        .where('e.ente_id', '=', ente.id)
        .where('e.id', 'in', slice)
        .execute();
      for (const row of rows) schoolOf.set(row.id, Number(row.schoolId));
    }
    const [services, schools] = await Promise.all([
      db.selectFrom('service').select(['id', 'name']).where('ente_id', '=', ente.id).execute(),
      db.selectFrom('school').select(['id', 'name']).where('ente_id', '=', ente.id).execute(),
    ]);
    const serviceName = new Map(services.map((s) => [s.id, s.name]));
    const schoolName = new Map(schools.map((s) => [s.id, s.name]));
    const groups = new Map<string, { serviceName: string; schoolName: string; documents: number; lines: number; totalCents: number }>();
    for (const d of documents) {
      const schoolId = schoolOf.get(d.enrolmentId)!;
      const key = `${d.serviceId}/${schoolId}`;
      let group = groups.get(key);
      if (!group) {
        group = { serviceName: serviceName.get(d.serviceId) ?? '', schoolName: schoolName.get(schoolId) ?? '', documents: 0, lines: 0, totalCents: 0 };
        groups.set(key, group);
      }
      group.documents += 1;
      group.lines += d.lines;
      group.totalCents += d.totalCents;
    }
    const rows = [...groups.values()].sort((a, b) => a.serviceName.localeCompare(b.serviceName, 'it') || a.schoolName.localeCompare(b.schoolName, 'it'));
    const totals = rows.reduce((sum, r) => ({ documents: sum.documents + r.documents, lines: sum.lines + r.lines, totalCents: sum.totalCents + r.totalCents }), {
      documents: 0,
      lines: 0,
      totalCents: 0,
    });
    return {
      period,
      today,
      daysCharged: Number(charged?.days ?? 0),
      lastChargedDay: charged?.lastDay ?? null,
      rows,
      totals,
      runs: runs.map((r) => ({ ...r, totalCents: r.totalCents === null ? null : Number(r.totalCents) })),
    };
  }

  return { overview };
}

export type BillingPreviewService = ReturnType<typeof createBillingPreviewService>;
export type BillingOverview = Awaited<ReturnType<BillingPreviewService['overview']>>;
