import type { FastifyBaseLogger } from 'fastify';
import type { Services } from '../domain/services';

const TICK_MS = 60_000;

/**
 * Scheduled work of a serving process, every minute: freeze the days whose cut-off has passed, charge
 * the frozen days, bill the months that are over. Each step catches up on what downtime left behind.
 * With several processes or instances each one ticks; every step makes sure its work is done once.
 */
export function startJobs(services: Services, log: FastifyBaseLogger): () => void {
  let running = false;
  const steps: [string, () => Promise<unknown[]>][] = [
    ['days frozen', () => services.freeze.freezeDueDays()],
    ['days charged', () => services.charging.chargeDueDays()],
    ['months billed', () => services.billing.billDueMonths()],
  ];
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      for (const [done, step] of steps) {
        try {
          const results = await step();
          if (results.length) log.info({ count: results.length, last: results.at(-1) }, done);
        } catch (error) {
          // A later step waits on this one (billing needs every day charged): stop and retry next tick.
          log.error({ err: error, step: done }, 'scheduled job failed; it will be retried');
          break;
        }
      }
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
