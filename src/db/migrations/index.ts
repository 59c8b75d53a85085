import { registry } from './0001_registry';
import { absences } from './0002_absences';
import { freeze } from './0003_freeze';
import { menus } from './0004_menus';
import { money } from './0005_money';
import { payments } from './0006_payments';
import { pageIndexes } from './0007_page_indexes';
import { positions } from './0009_positions';
import { absenceKeyPerSender } from './0010_absence_key_per_sender';
import { familyIndexes } from './0011_family_indexes';
import { enteArticle } from './0012_ente_article';
import { resumableJobs } from './0013_resumable_jobs';
import { backofficeShape } from './0014_backoffice_shape';
import { registrySearch } from './0015_registry_search';
import { oneIntestatario } from './0016_one_intestatario';
import { enrolmentTermsBadges } from './0017_enrolment_terms_badges';
import { attachmentMetadata } from './0018_attachment_metadata';
import { importUploads } from './0019_import_uploads';
import { cartResume } from './0020_cart_resume';
import { enteSettings } from './0021_ente_settings';
import { calendar } from './0022_calendar';
import { officeMenus } from './0024_office_menus';
import { tariffsOffice } from './0023_tariffs_office';
import { pupilDiets } from './0025_pupil_diets';
import { attendanceCorrections } from './0026_attendance_corrections';
// issue 15/16 anchor: debtors migration import
import { debtors } from './0027_debtors';
// issue 15/16 anchor: reminders migration import
import { reminders } from './0028_reminders';
// issue 15/16 anchor: instalments migration import
import { instalments } from './0029_instalments';
// issue 15/16 anchor: prepaid migration import
import { prepaid } from './0030_prepaid';
// issue 15/16 anchor: reconciliation migration import
import { reconciliation } from './0031_reconciliation';
// issue 15/16 anchor: messages migration import
import { officeReadIndexes } from './0033_office_read_indexes';
import { messages } from './0032_messages';
import { familyCoveringIndexes } from './0034_family_covering_indexes';
import { schoolTermsWithDates } from './0035_school_terms_with_dates';
import { chargeOncePerDayByDay } from './0036_charge_once_per_day_by_day';
import type { AppMigration } from './types';

/** Every migration, in the order it runs. Append only: never edit or reorder a released one. */
export const migrations: AppMigration[] = [
  registry, absences, freeze, menus, money, payments, pageIndexes, positions, absenceKeyPerSender, familyIndexes, enteArticle, resumableJobs,
  backofficeShape,
  registrySearch,
  oneIntestatario,
  enrolmentTermsBadges,
  attachmentMetadata,
  importUploads,
  cartResume,
  enteSettings,
  calendar,
  tariffsOffice,
  officeMenus,
  pupilDiets,
  attendanceCorrections,
  // issue 15/16 anchor: debtors migration
  debtors,
  // issue 15/16 anchor: reminders migration
  reminders,
  // issue 15/16 anchor: instalments migration
  instalments,
  // issue 15/16 anchor: prepaid migration
  prepaid,
  // issue 15/16 anchor: reconciliation migration
  reconciliation,
  // issue 15/16 anchor: messages migration
  messages,
  officeReadIndexes,
  familyCoveringIndexes,
  schoolTermsWithDates,
  chargeOncePerDayByDay,
];
