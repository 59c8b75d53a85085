import { isIP } from 'node:net';
import { z } from 'zod';
import { LOOPBACK_NETWORKS, type Network, parseNetworks } from './networks';

/** The SPID levels, lowest first; OIDC gateways send them as `acr`. */
export const SPID_LEVELS = [
  'https://www.spid.gov.it/SpidL1',
  'https://www.spid.gov.it/SpidL2',
  'https://www.spid.gov.it/SpidL3',
] as const;

/** An IPv4 or IPv6 address, or a network in CIDR notation (10.0.0.0/8, fd00::/8). */
function isAddressOrNetwork(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Whom to believe about the client's address (Fastify's trustProxy): nobody, every proxy in front of us,
 * or only the proxies at these addresses and networks — the safe choice, since a client can write its
 * own X-Forwarded-For and only our proxies' entries are then read.
 */
function trustProxyFrom(value: string): boolean | string[] {
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  return value.split(',').map((part) => part.trim());
}

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const networksFromEnv = z.string().transform((value, ctx) => {
  const parsed = parseNetworks(value);
  if ('invalid' in parsed) {
    ctx.addIssue({ code: 'custom', message: `rete non valida: ${JSON.stringify(parsed.invalid)} (indirizzi o reti CIDR separati da virgole, per esempio 192.0.2.0/24)` });
    return z.NEVER;
  }
  return parsed.networks;
});

/** An HTTP header name as our reverse proxy sets it; Node hands header names to us in lower case. */
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'deve essere il nome di un header HTTP (lettere, cifre e trattini)')
  .transform((value) => value.toLowerCase());

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATABASE_URL: z
      .string()
      .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, 'deve iniziare con sqlite: oppure postgres://')
      .default('sqlite:./data/servizi.db'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY: z
      .string()
      .default('false')
      .refine((value) => ['true', 'false', '1', '0', 'yes', 'no'].includes(value) || value.split(',').every((part) => isAddressOrNetwork(part.trim())), {
        message: 'true, false, oppure gli indirizzi o le reti (CIDR) dei proxy, separati da virgole',
      })
      .transform(trustProxyFrom),

    SESSION_SECRET: z.string().min(32, 'deve avere almeno 32 caratteri').optional(),
    SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(240).default(20),
    SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24).default(8),
    LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
    LOGIN_RATE_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(10),

    TEST_IDP: booleanFromEnv.optional(),
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).default('servizi-scolastici'),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_PRIVATE_KEY_FILE: z.string().min(1).optional(),
    OIDC_FISCAL_CODE_CLAIM: z.string().min(1).default('https://attributes.eid.gov.it/fiscal_number'),
    OIDC_SCOPE: z.string().min(1).default('openid profile email'),
    OIDC_MIN_LEVEL: z.enum(['SpidL2', 'SpidL3']).default('SpidL2'),

    FAKE_NOW: z.iso.datetime({ offset: true }).optional(),
    SCHEDULED_JOBS: booleanFromEnv.default(true),

    PAGOPA_SANDBOX: booleanFromEnv.optional(),
    PAGOPA_CHECKOUT_URL: z.url().optional(),
    PAGOPA_CHECKOUT_KEY: z.string().min(1).optional(),
    PAGOPA_GPD_URL: z.url().optional(),
    PAGOPA_GPD_KEY: z.string().min(1).optional(),
    PAGOPA_RECEIPTS_URL: z.url().optional(),
    PAGOPA_RECEIPTS_KEY: z.string().min(1).optional(),
    /** pagoPA's reporting flows API for creditors (FdR, "fdr-org"): issue 15, reconciliation. */
    PAGOPA_FDR_URL: z.url().optional(),
    PAGOPA_FDR_KEY: z.string().min(1).optional(),
    PAGOPA_BROKER_ID: z.string().min(1).optional(),
    PAGOPA_STATION_ID: z.string().min(1).optional(),
    PAGOPA_PUSH_NETWORKS: networksFromEnv.optional(),
    PAGOPA_PUSH_CERT_SUBJECT: z.string().trim().min(1).max(1000).optional(),
    PAGOPA_PUSH_CERT_VERIFY_HEADER: headerName.default('x-ssl-client-verify'),
    PAGOPA_PUSH_CERT_SUBJECT_HEADER: headerName.default('x-ssl-client-s-dn'),
    PAGOPA_PUSH_PROXY_NETWORKS: networksFromEnv.optional(),
    PAGOPA_RECEIPT_KEY: z.string().min(16, 'deve avere almeno 16 caratteri').optional(),
    PAGOPA_CART_MINUTES: z.coerce.number().int().min(5).max(24 * 60).default(30),
    PAGOPA_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(10_000),

    /** The largest attachment the office may upload (bytes); stored in the database, so kept modest. */
    ATTACHMENT_MAX_BYTES: z.coerce
      .number()
      .int('deve essere un numero intero di byte')
      .min(1024, 'deve essere almeno 1024 byte')
      .max(100 * 1024 * 1024, 'deve essere al massimo 104857600 byte (100 MB)')
      .default(10 * 1024 * 1024),

    // Messages to families (issue 16): e-mail over SMTP and App IO, or the built-in sandboxes.
    MAIL_SANDBOX: booleanFromEnv.optional(),
    MAIL_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    SMTP_URL: z.string().regex(/^smtps?:\/\//, 'deve iniziare con smtp:// oppure smtps://').optional(),
    MAIL_FROM: z.string().min(3).max(200).optional(),
    IO_SANDBOX: booleanFromEnv.optional(),
    IO_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    IO_API_KEY: z.string().min(1).optional(),
    MESSAGES_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(15_000),
  })
  .superRefine((env, ctx) => {
    const production = env.NODE_ENV === 'production';
    if (production && !env.SESSION_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'obbligatorio in produzione' });
    }
    if (production && env.FAKE_NOW) {
      ctx.addIssue({ code: 'custom', path: ['FAKE_NOW'], message: 'non ammesso in produzione' });
    }
    if (production && env.TEST_IDP) {
      ctx.addIssue({
        code: 'custom',
        path: ['TEST_IDP'],
        message: "l'identity provider di test non può essere attivo in produzione",
      });
    }
    const testIdp = env.TEST_IDP ?? !production;
    if (testIdp && env.WEB_CONCURRENCY > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEB_CONCURRENCY'],
        message: "deve essere 1 con l'identity provider di test, che tiene il suo stato in memoria",
      });
    }
    if (!testIdp && !env.OIDC_ISSUER) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: "obbligatorio senza l'identity provider di test" });
    }
    if (!testIdp && !env.OIDC_CLIENT_SECRET && !env.OIDC_PRIVATE_KEY_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_CLIENT_SECRET'],
        message: 'serve OIDC_CLIENT_SECRET oppure OIDC_PRIVATE_KEY_FILE',
      });
    }
    if (production && env.PAGOPA_SANDBOX) {
      ctx.addIssue({ code: 'custom', path: ['PAGOPA_SANDBOX'], message: 'la sandbox pagoPA non può essere attiva in produzione' });
    }
    const sandbox = env.PAGOPA_SANDBOX ?? !production;
    if (!sandbox) {
      for (const name of ['PAGOPA_CHECKOUT_URL', 'PAGOPA_CHECKOUT_KEY', 'PAGOPA_GPD_URL', 'PAGOPA_GPD_KEY', 'PAGOPA_RECEIPTS_URL', 'PAGOPA_RECEIPTS_KEY', 'PAGOPA_FDR_URL', 'PAGOPA_FDR_KEY', 'PAGOPA_BROKER_ID', 'PAGOPA_STATION_ID'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'obbligatorio senza la sandbox pagoPA' });
      }
    }
    // pagoPA's forwarder removes Ocp-Apim-Subscription-Key before calling our station: a key alone
    // would refuse every real push, so production needs the network or the client certificate.
    if (production && !env.PAGOPA_PUSH_NETWORKS && !env.PAGOPA_PUSH_CERT_SUBJECT) {
      ctx.addIssue({
        code: 'custom',
        path: ['PAGOPA_PUSH_NETWORKS'],
        message: 'in produzione serve PAGOPA_PUSH_NETWORKS oppure PAGOPA_PUSH_CERT_SUBJECT per autenticare le ricevute inviate da pagoPA (la sola PAGOPA_RECEIPT_KEY non basta: il forwarder di pagoPA la rimuove)',
      });
    }
    if (sandbox && env.PAGOPA_RECEIPT_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['PAGOPA_RECEIPT_KEY'],
        message: 'non ammessa con la sandbox pagoPA, che invia le ricevute senza chiave come il forwarder di pagoPA',
      });
    }
    if (production && env.MAIL_SANDBOX) {
      ctx.addIssue({ code: 'custom', path: ['MAIL_SANDBOX'], message: 'il server di posta di prova non può essere attivo in produzione' });
    }
    if (production && env.IO_SANDBOX) {
      ctx.addIssue({ code: 'custom', path: ['IO_SANDBOX'], message: 'la sandbox di App IO non può essere attiva in produzione' });
    }
    if (production && env.PUBLIC_URL && !env.PUBLIC_URL.startsWith('https://')) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'in produzione deve essere https://' });
    }
  });

export type Config = ReturnType<typeof toConfig>;

/** Development-only secret: it keys the session ids (the sessions live in the database) and seals a log-in in flight. */
const DEVELOPMENT_SECRET = 'development-only-secret-never-use-in-production';

function toConfig(env: z.infer<typeof envSchema>) {
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
  const testIdp = env.TEST_IDP ?? env.NODE_ENV !== 'production';
  const secureCookies = publicUrl.startsWith('https://');
  return {
    env: env.NODE_ENV,
    production: env.NODE_ENV === 'production',
    host: env.HOST,
    webConcurrency: env.WEB_CONCURRENCY,
    port: env.PORT,
    publicUrl,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    session: {
      secret: env.SESSION_SECRET ?? DEVELOPMENT_SECRET,
      idleMs: env.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: env.SESSION_MAX_HOURS * 3_600_000,
      secureCookies,
      // The __Host- prefix is only accepted by browsers on Secure cookies.
      cookieName: secureCookies ? '__Host-sso' : 'sso',
      /** The sealed log-in in flight (web/auth/pending-login.ts), until the gateway sends the parent back. */
      loginCookieName: secureCookies ? '__Host-sso-login' : 'sso-login',
    },
    loginRateLimitPerMinute: env.LOGIN_RATE_LIMIT_PER_MINUTE,
    /** Completed log-ins of one person (fiscal code) per ten minutes, whatever addresses they come from. */
    loginRateLimitPerAccount: env.LOGIN_RATE_LIMIT_PER_ACCOUNT,
    oidc: {
      testIdp,
      issuer: env.OIDC_ISSUER ?? `${publicUrl}/test-idp`,
      clientId: env.OIDC_CLIENT_ID,
      clientSecret: env.OIDC_CLIENT_SECRET ?? (testIdp ? `${env.SESSION_SECRET ?? DEVELOPMENT_SECRET}-client` : undefined),
      privateKeyFile: env.OIDC_PRIVATE_KEY_FILE,
      fiscalCodeClaim: env.OIDC_FISCAL_CODE_CLAIM,
      scope: env.OIDC_SCOPE,
      acrValues: `https://www.spid.gov.it/${env.OIDC_MIN_LEVEL}`,
      minLevelIndex: SPID_LEVELS.indexOf(`https://www.spid.gov.it/${env.OIDC_MIN_LEVEL}`),
      redirectUri: `${publicUrl}/auth/callback`,
      postLogoutRedirectUri: `${publicUrl}/auth/logged-out`,
    },
    fakeNow: env.FAKE_NOW ? new Date(env.FAKE_NOW) : undefined,
    /** Whether serving processes run the scheduled jobs; false when a separate `npm run worker` does. */
    scheduledJobs: env.SCHEDULED_JOBS,
    pagopa: pagopaConfig(env, publicUrl),
    attachments: { maxBytes: env.ATTACHMENT_MAX_BYTES },
    messages: messagesConfig(env, publicUrl),
  };
}

/** The App IO sandbox's subscription key: it plays the service's key of the real API. */
export const IO_SANDBOX_KEY = 'sandbox-io-subscription-key';

function messagesConfig(env: z.infer<typeof envSchema>, publicUrl: string) {
  const production = env.NODE_ENV === 'production';
  const mailSandbox = env.MAIL_SANDBOX ?? !production;
  const ioSandbox = env.IO_SANDBOX ?? !production;
  // Tests start many apps at once: each sandbox takes a free port; elsewhere a known one, which the worker reaches.
  const sandboxPort = env.MAIL_SANDBOX_PORT ?? (env.NODE_ENV === 'test' ? 0 : 2525);
  return {
    mailSandbox,
    mailSandboxPort: sandboxPort,
    /** Undefined: no e-mail is sent (the messages by e-mail are recorded as not sent, with the reason). */
    smtpUrl: env.SMTP_URL ?? (mailSandbox ? `smtp://127.0.0.1:${sandboxPort}` : undefined),
    mailFrom: env.MAIL_FROM ?? `Servizi scolastici <noreply@${new URL(publicUrl).hostname}>`,
    ioSandbox,
    ioUrl: (env.IO_API_URL ?? (ioSandbox ? `${publicUrl}/io-sandbox` : 'https://api.io.pagopa.it')).replace(/\/$/, ''),
    /** Undefined: App IO is not used (its messages are recorded as not sent, with the reason). */
    ioKey: env.IO_API_KEY ?? (ioSandbox ? IO_SANDBOX_KEY : undefined),
    timeoutMs: env.MESSAGES_TIMEOUT_MS,
  };
}

/** Identities the built-in sandbox uses for the broker and station that push receipts. */
export const SANDBOX_BROKER_ID = '15376371009';
export const SANDBOX_STATION_ID = '15376371009_01';

function pagopaConfig(env: z.infer<typeof envSchema>, publicUrl: string) {
  const sandbox = env.PAGOPA_SANDBOX ?? env.NODE_ENV !== 'production';
  const sandboxUrl = `${publicUrl}/pagopa-sandbox`;
  const sandboxKey = 'sandbox-subscription-key';
  return {
    sandbox,
    checkoutUrl: (env.PAGOPA_CHECKOUT_URL ?? `${sandboxUrl}/checkout`).replace(/\/$/, ''),
    checkoutKey: env.PAGOPA_CHECKOUT_KEY ?? sandboxKey,
    gpdUrl: (env.PAGOPA_GPD_URL ?? `${sandboxUrl}/gpd`).replace(/\/$/, ''),
    gpdKey: env.PAGOPA_GPD_KEY ?? sandboxKey,
    receiptsUrl: (env.PAGOPA_RECEIPTS_URL ?? `${sandboxUrl}/gpd-receipts`).replace(/\/$/, ''),
    receiptsKey: env.PAGOPA_RECEIPTS_KEY ?? sandboxKey,
    fdrUrl: (env.PAGOPA_FDR_URL ?? `${sandboxUrl}/fdr-org`).replace(/\/$/, ''),
    fdrKey: env.PAGOPA_FDR_KEY ?? sandboxKey,
    brokerId: env.PAGOPA_BROKER_ID ?? SANDBOX_BROKER_ID,
    stationId: env.PAGOPA_STATION_ID ?? SANDBOX_STATION_ID,
    push: pushAuthConfig(env),
    /** Where receipts are pushed: our paSendRTV2 endpoint. */
    receiptEndpoint: `${publicUrl}/pagopa/paForNode`,
    cartMinutes: env.PAGOPA_CART_MINUTES,
    timeoutMs: env.PAGOPA_TIMEOUT_MS,
  };
}

/** How pushes to our station (paSendRTV2) are authenticated: every check configured here must pass. */
export interface PushAuthConfig {
  /** Source networks allowed to push (the client address, through TRUST_PROXY); absent: any. */
  networks?: Network[];
  /** The client certificate our reverse proxy verified, as it reports it in two headers. */
  certificate?: { subject: string; verifyHeader: string; subjectHeader: string; proxyNetworks: Network[] };
  /** An extra Ocp-Apim-Subscription-Key, never the only check. */
  key?: string;
}

function pushAuthConfig(env: z.infer<typeof envSchema>): PushAuthConfig {
  const production = env.NODE_ENV === 'production';
  // Outside production, with neither check configured, the sandbox on this host is the only pusher.
  const networks = env.PAGOPA_PUSH_NETWORKS ?? (production || env.PAGOPA_PUSH_CERT_SUBJECT ? undefined : LOOPBACK_NETWORKS);
  return {
    ...(networks ? { networks } : {}),
    ...(env.PAGOPA_PUSH_CERT_SUBJECT
      ? {
          certificate: {
            subject: env.PAGOPA_PUSH_CERT_SUBJECT,
            verifyHeader: env.PAGOPA_PUSH_CERT_VERIFY_HEADER,
            subjectHeader: env.PAGOPA_PUSH_CERT_SUBJECT_HEADER,
            // The headers are believed only from our reverse proxy, by default on this host.
            proxyNetworks: env.PAGOPA_PUSH_PROXY_NETWORKS ?? LOOPBACK_NETWORKS,
          },
        }
      : {}),
    ...(env.PAGOPA_RECEIPT_KEY ? { key: env.PAGOPA_RECEIPT_KEY } : {}),
  };
}

export class ConfigError extends Error {}

/** Parses the environment once at boot; every problem is listed, in Italian, by variable name. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `- ${issue.path.join('.') || '(ambiente)'}: ${issue.message}`);
    throw new ConfigError(`Configurazione non valida:\n${lines.join('\n')}`);
  }
  return toConfig(parsed.data);
}
