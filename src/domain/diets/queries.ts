import { type Expression, type RawBuilder, sql } from 'kysely';
import type { PupilDietTable } from '../../db/schema';

/** Plain queries of the special diets (decision 0024); every one takes the ente or a pupil already checked. */

/** The states whose approved range makes a diet the one in force on its days. */
export const APPROVED_STATES = ['approvata', 'terminata'] as const;

/**
 * The code of the diet in force on `date` for the pupil `pupilId` (a column reference of the query), null
 * for the ordinary menu: the approved (or ended) diet whose range holds the day. The office never lets two
 * approved ranges of a pupil overlap; the order makes the answer one row regardless. One probe of
 * `pupil_diet_pupil_from` per pupil — most pupils have no row at all — so the freeze of 150,000 pupils
 * costs what the term look-up (decision 0018) costs.
 */
export function dietInForce(pupilId: string, date: string | Expression<string> | RawBuilder<string>): RawBuilder<string | null> {
  return sql<string | null>`(select d.diet_code from pupil_diet d
    where d.pupil_id = ${sql.ref(pupilId)} and d.approved_from <= ${date} and d.state in ('approvata', 'terminata')
      and (d.approved_to is null or d.approved_to >= ${date})
    order by d.approved_from desc limit 1)`;
}

/** A pupil's approved diet over a period (the Refezione reads them with the pupil's menu key: canteen/queries.ts). */
export interface ApprovedDiet {
  dietCode: PupilDietTable['diet_code'];
  approvedFrom: string | null;
  approvedTo: string | null;
}

/** The diet of a day among a pupil's approved diets (sorted by start): the latest that started and has not ended. */
export function dietOfDay(diets: readonly ApprovedDiet[], date: string): ApprovedDiet['dietCode'] | null {
  let found: ApprovedDiet['dietCode'] | null = null;
  for (const diet of diets) {
    if (diet.approvedFrom !== null && diet.approvedFrom <= date && (diet.approvedTo === null || diet.approvedTo >= date)) found = diet.dietCode;
  }
  return found;
}
