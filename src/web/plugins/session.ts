import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Config } from '../../config/index';
import type { Clock } from '../../domain/clock';
import { prepared } from '../../db/prepared';
import type { DB } from '../../db/schema';

export interface SessionUser {
  fiscalCode: string;
  givenName: string;
  familyName: string;
  acr: string;
  idToken: string;
  /** For its revocation at log-out; absent in sessions made before it was kept. */
  accessToken?: string;
}

export interface SessionData {
  csrfToken: string;
  user?: SessionUser;
  /** The pupil a parent of several last chose, per ente slug: a preference only, never an authorization. */
  chosenPupils?: Record<string, number>;
}

declare module 'fastify' {
  interface FastifyRequest {
    session: SessionData | null;
  }
  interface FastifyReply {
    /** Replaces any current session with a new one (new id: no session fixation). */
    startSession(data: Omit<SessionData, 'csrfToken'>): Promise<SessionData>;
    /** Stores the current session's data as changed by the request (no new id: nothing about who is logged in changed). */
    saveSession(): Promise<void>;
    endSession(): Promise<void>;
  }
}

/** Touching last_seen on every request would be a write per page view; once a minute is enough for idle time-out. */
const TOUCH_INTERVAL_MS = 60_000;

const sessionById = prepared((db: Kysely<DB>, id: string) => db.selectFrom('session').selectAll().where('id', '=', id));

interface Options {
  db: Kysely<DB>;
  clock: Clock;
  settings: Config['session'];
}

function hashToken(secret: string, token: string): string {
  return createHmac('sha256', secret).update(token).digest('base64url');
}

/** Stores a new session and returns the token for the cookie (only its HMAC is stored). */
export async function insertSession(
  db: Kysely<DB>,
  clock: Clock,
  settings: Config['session'],
  data: Omit<SessionData, 'csrfToken'>,
): Promise<{ token: string; session: SessionData }> {
  const token = randomBytes(32).toString('base64url');
  const session: SessionData = { ...data, csrfToken: randomBytes(32).toString('base64url') };
  const now = clock.now();
  await db
    .insertInto('session')
    .values({
      id: hashToken(settings.secret, token),
      data: JSON.stringify(session),
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: new Date(now.getTime() + settings.absoluteMs).toISOString(),
    })
    .execute();
  return { token, session };
}

/**
 * Server-side sessions in the database. The cookie holds a random token; the table holds only its HMAC,
 * so a copy of the database gives no usable session.
 */
export const sessionPlugin = fp<Options>(async (app, { db, clock, settings }) => {
  const hashOf = (token: string) => hashToken(settings.secret, token);
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: settings.secureCookies,
  };
  const tokenOf = new WeakMap<FastifyRequest, string>();

  app.decorateRequest('session', null);

  app.addHook('onRequest', async (request) => {
    // Stylesheets, fonts and icons come with the cookie too, and need no session.
    if (request.url.startsWith('/static/')) return;
    const token = request.cookies[settings.cookieName];
    if (!token || token.length > 100) return;
    const id = hashOf(token);
    const [row] = await sessionById(db, id);
    if (!row) return;
    const now = clock.now();
    const idleLimit = new Date(now.getTime() - settings.idleMs).toISOString();
    if (row.expires_at <= now.toISOString() || row.last_seen_at <= idleLimit) {
      await db.deleteFrom('session').where('id', '=', id).execute();
      return;
    }
    request.session = JSON.parse(row.data) as SessionData;
    tokenOf.set(request, token);
    if (now.getTime() - Date.parse(row.last_seen_at) > TOUCH_INTERVAL_MS) {
      await db.updateTable('session').set({ last_seen_at: now.toISOString() }).where('id', '=', id).execute();
    }
  });

  app.decorateReply('startSession', async function (this: FastifyReply, data: Omit<SessionData, 'csrfToken'>) {
    const previous = tokenOf.get(this.request);
    if (previous) await db.deleteFrom('session').where('id', '=', hashOf(previous)).execute();
    const { token, session } = await insertSession(db, clock, settings, data);
    this.request.session = session;
    tokenOf.set(this.request, token);
    this.setCookie(settings.cookieName, token, cookieOptions);
    return session;
  });

  app.decorateReply('saveSession', async function (this: FastifyReply) {
    const token = tokenOf.get(this.request);
    if (!token || !this.request.session) return;
    await db.updateTable('session').set({ data: JSON.stringify(this.request.session) }).where('id', '=', hashOf(token)).execute();
  });

  app.decorateReply('endSession', async function (this: FastifyReply) {
    const token = tokenOf.get(this.request);
    if (token) await db.deleteFrom('session').where('id', '=', hashOf(token)).execute();
    this.request.session = null;
    tokenOf.delete(this.request);
    this.clearCookie(settings.cookieName, cookieOptions);
  });
});

/** Expired sessions are dead already (checked on read); this only reclaims their rows. */
export async function purgeExpiredSessions(db: Kysely<DB>, clock: Clock, idleMs: number): Promise<void> {
  const now = clock.now();
  await db
    .deleteFrom('session')
    .where((eb) =>
      eb.or([
        eb('expires_at', '<=', now.toISOString()),
        eb('last_seen_at', '<=', new Date(now.getTime() - idleMs).toISOString()),
      ]),
    )
    .execute();
}
