import { registry } from './0001_registry';
import { absences } from './0002_absences';
import { freeze } from './0003_freeze';
import { menus } from './0004_menus';
import { money } from './0005_money';
import { payments } from './0006_payments';
import { pageIndexes } from './0007_page_indexes';
import { familyIndexes } from './0011_family_indexes';
import type { AppMigration } from './types';

/** Every migration, in the order it runs. Append only: never edit or reorder a released one. */
export const migrations: AppMigration[] = [registry, absences, freeze, menus, money, payments, pageIndexes, familyIndexes];
