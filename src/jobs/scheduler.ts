import type { Services } from '../domain/services';

/** What the scheduler needs of a logger: Fastify's (serving processes) and pino's (the worker) both fit. */
export interface JobLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

const TICK_MS = 60_000;

/**
 * Scheduled work of a serving process, every minute: freeze the days whose cut-off has passed, charge
 * the frozen days, bill the months that are over and give their documents pagoPA notices; then, apart,
 * publish debt positions waiting in the outbox and pull receipts a push may have missed. Each step
 * catches up on what downtime left behind. With several processes or instances each one ticks; every
 * step makes sure its work is done once. Runs in every serving process by default, or only in the
 * separate worker process (`npm run worker`, with SCHEDULED_JOBS=false for the servers).
 *
 * Returns a stop function whose promise settles when the tick in progress, if any, has finished, so a
 * graceful shutdown never closes the database under a running step.
 */
export function startJobs(services: Services, log: JobLog, { keepsProcessAlive = false } = {}): () => Promise<void> {
  let running: Promise<void> | undefined;
  type Step = [string, () => Promise<unknown[]>];
  const canteen: Step[] = [
    ['days frozen', () => services.freeze.freezeDueDays()],
    ['days charged', () => services.charging.chargeDueDays()],
    ['months billed', () => services.billing.billDueMonths()],
    ['notices issued', () => services.notices.issueDueNotices()],
  ];
  const payments: Step[] = [
    [
      'debt positions sent',
      async () => {
        const sent = await services.notices.publishDue();
        return sent.published + sent.invalidated + sent.failed ? [sent] : [];
      },
    ],
    // issue 15 (instalments, decision 0028): the instalments' debt positions.
    [
      'instalment positions sent',
      async () => {
        const sent = await services.instalments.publishDue();
        return sent.published + sent.failed ? [sent] : [];
      },
    ],
    ['receipts pulled', () => services.receipts.pullReceipts()],
    // reminders (issue 15): once a day per ente, after the receipts, so a document paid overnight is not reminded.
    ['reminders run', () => services.reminders.runDue()],
    // reconciliation (issue 15): pagoPA's reporting flows once a day (the platform keeps them about 30 days).
    ['reporting flows fetched', async () => (await services.reconciliation.fetchDaily()).filter((outcome) => outcome.stored > 0 || outcome.failed)],
  ];
  // messages (issue 16): the daily "due in N days" event, then the outbox's delivery, after the notices exist.
  const messages: Step[] = [
    ['messages queued (due soon)', () => services.messages.queueDueSoon()],
    ['messages queued (low balance)', () => services.messages.queueLowBalance()],
    ['messages queued (730 statement)', () => services.messages.queueStatement730()],
    [
      'messages sent',
      async () => {
        const outcome = await services.messages.deliverDue();
        return outcome.sent + outcome.skipped + outcome.retried + outcome.failed + outcome.unknown ? [outcome] : [];
      },
    ],
  ];
  /** Steps in order; a failure stops its chain until the next tick (billing needs every day charged). */
  const runChain = async (steps: Step[]) => {
    for (const [done, step] of steps) {
      try {
        const results = await step();
        if (results.length) log.info({ count: results.length, last: results.at(-1) }, done);
      } catch (error) {
        log.error({ err: error, step: done }, 'scheduled job failed; it will be retried');
        break;
      }
    }
  };
  const tick = () => {
    running ??= (async () => {
      try {
        await runChain(canteen);
        await runChain(payments);
        await runChain(messages);
      } finally {
        running = undefined;
      }
    })();
  };
  tick();
  const timer = setInterval(tick, TICK_MS);
  // A serving process lives as long as its socket; the worker lives by this timer alone.
  if (!keepsProcessAlive) timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
