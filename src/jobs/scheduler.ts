import type { FastifyBaseLogger } from 'fastify';
import type { Services } from '../domain/services';

const TICK_MS = 60_000;

/**
 * Scheduled work of a serving process, every minute: freeze the days whose cut-off has passed, charge
 * the frozen days, bill the months that are over and give their documents pagoPA notices; then, apart,
 * publish debt positions waiting in the outbox and pull receipts a push may have missed. Each step
 * catches up on what downtime left behind. With several processes or instances each one ticks; every
 * step makes sure its work is done once.
 */
export function startJobs(services: Services, log: FastifyBaseLogger): () => void {
  let running = false;
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
    ['receipts pulled', () => services.receipts.pullReceipts()],
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
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await runChain(canteen);
      await runChain(payments);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
