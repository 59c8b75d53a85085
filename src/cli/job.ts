import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index';
import { createDatabase } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import type { Ente } from '../db/schema';
import { isPeriod } from '../domain/billing/periods';
import { isCalendarDate } from '../domain/calendar/local-time';
import { fixedClock, systemClock } from '../domain/clock';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../domain/errors';
import { createServices } from '../domain/services';
import { exitOnFailure } from './exit';
import { describeImportProblem } from '../web/backoffice/importa/texts';
import { it } from '../web/i18n/it';

const USAGE = `Usage: npm run job -- <command> [options]

  freeze                              freeze every day past its cut-off (catches up)
  charge                              charge every frozen day not charged yet (catches up)
  bill [--ente SLUG] [--month YYYY-MM] [--batch-size N]
                                      bill one month of one ente, or every month that is due
  storno --ente SLUG --charge ID --reason TEXT --operator CF
                                      reverse one charge (a new opposite charge; badge credited if prepaid)
  cancel-document --ente SLUG --document ID --reason TEXT --operator CF
                                      cancel an unpaid document and issue its credit note
  notices                             give a pagoPA notice (NAV) to every unpaid document without one
  publish                             send waiting debt positions to pagoPA (GPD), and withdraw cancelled ones
  receipts                            pull from pagoPA the receipts a push may have missed, and apply them
  ente-logo --ente SLUG --file LOGO.png --operator CF
                                      set the ente's logo printed on its pagoPA notices (PNG, at most 256 KB);
                                      --file none removes it
  import --ente SLUG --file F.csv --operator CF [--dry-run]
                                      import the previous supplier's CSV (columns in README): every problem
                                      by row and column; all or nothing; --dry-run checks and writes nothing;
                                      exits 1 when the file has problems
  rendicontazione [--ente SLUG]       fetch pagoPA's reporting flows (FdR) of one ente, or of all, match their
                                      payments to our receipts and fetch the receipts they lack
  solleciti [--ente SLUG] [--date YYYY-MM-DD] [--batch-size N]
                                      the reminders run (solleciti) of today, or of a day: each unpaid document's
                                      next step of the ladder, once; without --ente every ente
  messages                            queue today's "due in N days" messages and send what the outbox holds (messages)

Each command prints one JSON line per result on stdout; the scheduler of a running server does
freeze, charge, bill, notices, publish, receipts and messages by itself every minute, and solleciti once a day.`;

/** `npm run job`: the scheduled jobs by hand, and the office's corrections until the back-office has screens. */
async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      ente: { type: 'string' },
      month: { type: 'string' },
      'batch-size': { type: 'string' },
      charge: { type: 'string' },
      document: { type: 'string' },
      reason: { type: 'string' },
      operator: { type: 'string' },
      file: { type: 'string' },
      'dry-run': { type: 'boolean' },
      date: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  const database = createDatabase(config.databaseUrl);
  const clock = config.fakeNow ? fixedClock(config.fakeNow) : systemClock;
  const services = createServices(database.db, clock, (error) => console.error(error), config);
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  const enteBySlug = async (slug: string | undefined): Promise<Ente> => {
    if (!slug) throw new UsageError('--ente is required');
    const ente = await services.enti.bySlug(slug);
    if (!ente) throw new UsageError(`no ente "${slug}"`);
    return ente;
  };
  const positiveInt = (value: string | undefined, name: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive whole number`);
    return n;
  };
  /** Corrections are signed by an active operator of the ente who may correct accounts. */
  const operatorOf = async (ente: Ente, fiscalCode: string | undefined) => {
    if (!fiscalCode) throw new UsageError('--operator (fiscal code of the operator) is required');
    await services.operators.authorize(ente, { fiscalCode }, 'accounts.correct');
    return fiscalCode;
  };
  try {
    await migrateToLatest(database);
    switch (command) {
      case 'freeze':
        for (const day of await services.freeze.freezeDueDays()) print({ frozen: day });
        break;
      case 'charge':
        for (const day of await services.charging.chargeDueDays()) print({ charged: day });
        break;
      case 'bill': {
        if (!values.month) {
          for (const month of await services.billing.billDueMonths()) print({ billed: month });
          break;
        }
        if (!isPeriod(values.month)) throw new UsageError('--month must be YYYY-MM');
        const ente = await enteBySlug(values.ente);
        const batchSize = values['batch-size'] ? positiveInt(values['batch-size'], 'batch-size') : undefined;
        const result = await services.billing.billMonth(ente, values.month, { batchSize, afterBatch: (documents) => print({ progress: documents }) });
        print({ ente: ente.slug, month: values.month, ...result });
        break;
      }
      case 'storno': {
        const ente = await enteBySlug(values.ente);
        const author = await operatorOf(ente, values.operator);
        print(await services.charging.reverseCharge(ente, { chargeId: positiveInt(values.charge, 'charge'), reason: values.reason ?? '', author }));
        break;
      }
      case 'cancel-document': {
        const ente = await enteBySlug(values.ente);
        const author = await operatorOf(ente, values.operator);
        print(await services.billing.cancelDocument(ente, { documentId: positiveInt(values.document, 'document'), reason: values.reason ?? '', author }));
        break;
      }
      case 'notices':
        for (const issued of await services.notices.issueDueNotices()) print(issued);
        break;
      case 'publish':
        print(await services.notices.publishDue());
        break;
      case 'receipts':
        for (const pulled of await services.receipts.pullReceipts()) print(pulled);
        break;
      case 'ente-logo': {
        const ente = await enteBySlug(values.ente);
        const author = await operatorOf(ente, values.operator);
        if (!values.file) throw new UsageError('--file is required (a PNG, or "none")');
        await services.papers.setLogo(ente, author, values.file === 'none' ? null : readFileSync(values.file));
        print({ ente: ente.slug, logo: values.file === 'none' ? 'removed' : 'set' });
        break;
      }
      case 'import': {
        const ente = await enteBySlug(values.ente);
        if (!values.operator) throw new UsageError('--operator (fiscal code of the operator who signs the import) is required');
        if (!values.file) throw new UsageError('--file is required (the CSV to import)');
        const office = await services.operators.authorize(ente, { fiscalCode: values.operator }, 'registry.import');
        const bytes = readFileOrUsage(values.file);
        const dryRun = values['dry-run'] === true;
        const report = dryRun ? await services.imports.check(office, bytes) : await services.imports.apply(office, bytes);
        for (const problem of report.problems) print({ riga: problem.row, colonna: problem.column, problema: describeImportProblem(it, problem) });
        const { problems, ...summary } = report;
        print({ ente: ente.slug, file: values.file, dryRun, ...summary, problems: problems.length });
        if (problems.length) process.exitCode = 1;
        break;
      }
      // reconciliation (issue 15 point 7)
      case 'rendicontazione': {
        const outcomes = values.ente ? [await services.reconciliation.fetchEnte(await enteBySlug(values.ente))] : await services.reconciliation.fetchAll();
        for (const outcome of outcomes) print(outcome);
        if (outcomes.some((outcome) => outcome.failed)) process.exitCode = 1;
        break;
      }
      // reminders (issue 15)
      case 'solleciti': {
        if (values.date !== undefined && !isCalendarDate(values.date)) throw new UsageError('--date must be YYYY-MM-DD');
        const enti = values.ente ? [await enteBySlug(values.ente)] : await services.enti.all();
        const batchSize = values['batch-size'] ? positiveInt(values['batch-size'], 'batch-size') : undefined;
        for (const ente of enti) {
          const result = await services.reminders.runDay(ente, values.date ?? services.reminders.today(), { batchSize, afterBatch: (recorded) => print({ progress: recorded }) });
          print({ ente: ente.slug, ...result });
        }
        break;
      }
      // messages (issue 16)
      case 'messages':
        for (const queued of await services.messages.queueDueSoon()) print(queued);
        for (const queued of await services.messages.queueLowBalance()) print({ lowBalance: queued });
        for (const queued of await services.messages.queueStatement730()) print({ statement730: queued });
        print(await services.messages.deliverDue());
        break;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (error instanceof InvalidInputError || error instanceof NotFoundError || error instanceof ForbiddenError) {
      console.error(`refused: ${error instanceof InvalidInputError ? JSON.stringify(error.problems) : error.message}`);
      process.exitCode = 2;
    } else {
      throw error;
    }
  } finally {
    await services.audit.flush();
    services.messages.close();
    await database.destroy();
  }
}

class UsageError extends Error {}

function readFileOrUsage(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read --file ${path}: ${(error as Error).message}`);
  }
}

main().catch(exitOnFailure);
