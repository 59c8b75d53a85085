import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index';

describe('configuration', () => {
  it('has working defaults for development', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.databaseUrl, 'sqlite:./data/servizi.db');
    assert.equal(config.publicUrl, 'http://localhost:3000');
    assert.equal(config.oidc.testIdp, true);
    assert.equal(config.oidc.issuer, 'http://localhost:3000/test-idp');
    assert.equal(config.session.cookieName, 'sso', 'no __Host- prefix without https');
    assert.equal(config.session.secureCookies, false);
    assert.equal(config.fakeNow, undefined);
    assert.equal(config.scheduledJobs, true, 'serving processes run the scheduled jobs unless told otherwise');
  });

  it('lets a separate worker run the scheduled jobs instead of the serving processes', () => {
    assert.equal(loadConfig({ SCHEDULED_JOBS: 'false' }).scheduledJobs, false);
    assert.throws(() => loadConfig({ SCHEDULED_JOBS: 'sometimes' }), /SCHEDULED_JOBS/);
  });

  it('trusts no proxy, every proxy, or only the proxies at the given addresses and networks', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,fd00::/8' }).trustProxy, ['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
    for (const bad of ['proxy.example', '10.0.0.0/33', '300.1.1.1', 'maybe']) {
      assert.throws(() => loadConfig({ TRUST_PROXY: bad }), /TRUST_PROXY/, bad);
    }
    assert.equal(loadConfig({}).loginRateLimitPerAccount, 10);
  });

  it('limits attachments to 10 MB unless told otherwise, and refuses a limit that is not a size', () => {
    assert.equal(loadConfig({}).attachments.maxBytes, 10 * 1024 * 1024);
    assert.equal(loadConfig({ ATTACHMENT_MAX_BYTES: '2097152' }).attachments.maxBytes, 2_097_152);
    for (const bad of ['10MB', '-1', '12.5', '100', String(200 * 1024 * 1024)]) {
      assert.throws(() => loadConfig({ ATTACHMENT_MAX_BYTES: bad }), /ATTACHMENT_MAX_BYTES/, bad);
    }
  });

  it('uses a __Host- Secure cookie behind https', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://scuola.comune.example/' });
    assert.equal(config.publicUrl, 'https://scuola.comune.example');
    assert.equal(config.session.cookieName, '__Host-sso');
    assert.equal(config.session.secureCookies, true);
  });

  it('requires a session secret, a real gateway and https in production, and refuses the test IdP there', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /SESSION_SECRET: obbligatorio in produzione/);
      assert.match(error.message, /OIDC_ISSUER/);
      return true;
    });
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(40),
      OIDC_ISSUER: 'https://gateway.example/oidc',
      OIDC_CLIENT_SECRET: 'secret',
      PUBLIC_URL: 'https://scuola.comune.example',
      PAGOPA_CHECKOUT_URL: 'https://api.platform.pagopa.it/checkout',
      PAGOPA_CHECKOUT_KEY: 'checkout-key',
      PAGOPA_GPD_URL: 'https://api.platform.pagopa.it/gpd/debt-positions-service/v1',
      PAGOPA_GPD_KEY: 'gpd-key',
      PAGOPA_RECEIPTS_URL: 'https://api.platform.pagopa.it/gpd/payments-receipts-service/v1',
      PAGOPA_RECEIPTS_KEY: 'receipts-key',
      PAGOPA_FDR_URL: 'https://api.platform.pagopa.it/fdr-org/service/v1',
      PAGOPA_FDR_KEY: 'fdr-key',
      PAGOPA_BROKER_ID: '01234567890',
      PAGOPA_STATION_ID: '01234567890_01',
      PAGOPA_PUSH_NETWORKS: '192.0.2.0/24',
    };
    const config = loadConfig(production);
    assert.equal(config.oidc.testIdp, false);
    assert.equal(config.pagopa.sandbox, false);
    assert.equal(config.pagopa.checkoutUrl, 'https://api.platform.pagopa.it/checkout');
    assert.throws(() => loadConfig({ ...production, PAGOPA_SANDBOX: 'true' }), /sandbox pagoPA non può essere attiva/);
    assert.throws(() => loadConfig({ ...production, PAGOPA_GPD_KEY: '' }), /PAGOPA_GPD_KEY: obbligatorio senza la sandbox/);
    assert.equal(config.pagopa.fdrUrl, 'https://api.platform.pagopa.it/fdr-org/service/v1');
    assert.throws(() => loadConfig({ ...production, PAGOPA_FDR_URL: '' }), /PAGOPA_FDR_URL: obbligatorio senza la sandbox/);
    assert.throws(() => loadConfig({ ...production, PAGOPA_FDR_KEY: '' }), /PAGOPA_FDR_KEY: obbligatorio senza la sandbox/);
    assert.throws(() => loadConfig({ ...production, PAGOPA_FDR_URL: 'non un indirizzo' }), /PAGOPA_FDR_URL/);
    assert.throws(() => loadConfig({ ...production, TEST_IDP: 'true' }), /identity provider di test/);
    assert.throws(() => loadConfig({ ...production, FAKE_NOW: '2026-11-26T09:00:00+01:00' }), /FAKE_NOW: non ammesso/);
    assert.throws(() => loadConfig({ ...production, PUBLIC_URL: 'http://scuola.comune.example' }), /https/);
  });

  it('explains bad values by variable name', () => {
    assert.throws(() => loadConfig({ PORT: 'tremila' }), /PORT/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL: deve iniziare/);
    assert.throws(() => loadConfig({ FAKE_NOW: 'ieri' }), /FAKE_NOW/);
    assert.throws(() => loadConfig({ SESSION_SECRET: 'short' }), /SESSION_SECRET: deve avere almeno 32/);
  });

  it('runs several processes only without the in-memory test IdP', () => {
    assert.throws(() => loadConfig({ WEB_CONCURRENCY: '2' }), /WEB_CONCURRENCY: deve essere 1/);
    assert.equal(loadConfig({ WEB_CONCURRENCY: '2', TEST_IDP: 'false', OIDC_ISSUER: 'https://g.example', OIDC_CLIENT_SECRET: 'x' }).webConcurrency, 2);
    assert.equal(loadConfig({}).webConcurrency, 1);
  });

  it('runs the pagoPA sandbox by default outside production, at its own path of the app', () => {
    const config = loadConfig({ PUBLIC_URL: 'http://localhost:3000' });
    assert.equal(config.pagopa.sandbox, true);
    assert.equal(config.pagopa.checkoutUrl, 'http://localhost:3000/pagopa-sandbox/checkout');
    assert.equal(config.pagopa.receiptEndpoint, 'http://localhost:3000/pagopa/paForNode');
    assert.equal(config.pagopa.fdrUrl, 'http://localhost:3000/pagopa-sandbox/fdr-org');
    assert.equal(config.pagopa.cartMinutes, 30);
    assert.throws(() => loadConfig({ PAGOPA_CART_MINUTES: '1' }), /PAGOPA_CART_MINUTES/);
  });

  it('authenticates receipt pushes by network or client certificate; production refuses a key alone', () => {
    const production = {
      NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), OIDC_ISSUER: 'https://gateway.example/oidc', OIDC_CLIENT_SECRET: 'secret',
      PUBLIC_URL: 'https://scuola.comune.example', PAGOPA_CHECKOUT_URL: 'https://c.example', PAGOPA_CHECKOUT_KEY: 'k', PAGOPA_GPD_URL: 'https://g.example',
      PAGOPA_GPD_KEY: 'k', PAGOPA_RECEIPTS_URL: 'https://r.example', PAGOPA_RECEIPTS_KEY: 'k', PAGOPA_FDR_URL: 'https://f.example', PAGOPA_FDR_KEY: 'k', PAGOPA_BROKER_ID: '01234567890', PAGOPA_STATION_ID: '01234567890_01',
    };
    assert.throws(() => loadConfig(production), /PAGOPA_PUSH_NETWORKS: in produzione serve PAGOPA_PUSH_NETWORKS oppure PAGOPA_PUSH_CERT_SUBJECT/);
    assert.throws(() => loadConfig({ ...production, PAGOPA_RECEIPT_KEY: 'r'.repeat(32) }), /la sola PAGOPA_RECEIPT_KEY non basta/);
    const byCertificate = loadConfig({ ...production, PAGOPA_PUSH_CERT_SUBJECT: 'CN=nodo.pagopa.it,O=PagoPA S.p.A.,C=IT', PAGOPA_PUSH_CERT_VERIFY_HEADER: 'X-Client-Verify' });
    assert.equal(byCertificate.pagopa.push.networks, undefined, 'no network check unless asked for in production');
    assert.deepEqual(byCertificate.pagopa.push.certificate, {
      subject: 'CN=nodo.pagopa.it,O=PagoPA S.p.A.,C=IT',
      verifyHeader: 'x-client-verify',
      subjectHeader: 'x-ssl-client-s-dn',
      proxyNetworks: [{ address: '127.0.0.0', prefix: 8, family: 'ipv4' }, { address: '::1', prefix: 128, family: 'ipv6' }],
    });
    const byNetwork = loadConfig({ ...production, PAGOPA_PUSH_NETWORKS: '192.0.2.0/24, 2001:db8::/32,198.51.100.7', PAGOPA_RECEIPT_KEY: 'r'.repeat(32) });
    assert.deepEqual(byNetwork.pagopa.push.networks, [
      { address: '192.0.2.0', prefix: 24, family: 'ipv4' },
      { address: '2001:db8::', prefix: 32, family: 'ipv6' },
      { address: '198.51.100.7', prefix: 32, family: 'ipv4' },
    ]);
    assert.equal(byNetwork.pagopa.push.key, 'r'.repeat(32));
    for (const bad of ['192.0.2.0/33', '10.0.0.1/8/2', 'pagopa.it', '::1/129', '10.0.0.0/x', ',']) {
      assert.throws(() => loadConfig({ ...production, PAGOPA_PUSH_NETWORKS: bad }), /PAGOPA_PUSH_NETWORKS: rete non valida/, bad);
    }
    assert.throws(() => loadConfig({ ...production, PAGOPA_PUSH_CERT_SUBJECT: 'CN=x', PAGOPA_PUSH_CERT_SUBJECT_HEADER: 'x dn' }), /PAGOPA_PUSH_CERT_SUBJECT_HEADER/);
    assert.throws(() => loadConfig({ ...production, PAGOPA_PUSH_CERT_SUBJECT: 'CN=x', PAGOPA_PUSH_PROXY_NETWORKS: '10.0.0.300' }), /PAGOPA_PUSH_PROXY_NETWORKS/);

    // Outside production the sandbox pushes from this host without a key, as the forwarder does.
    const development = loadConfig({});
    assert.deepEqual(development.pagopa.push, { networks: [{ address: '127.0.0.0', prefix: 8, family: 'ipv4' }, { address: '::1', prefix: 128, family: 'ipv6' }] });
    assert.throws(() => loadConfig({ PAGOPA_RECEIPT_KEY: 'r'.repeat(32) }), /PAGOPA_RECEIPT_KEY: non ammessa con la sandbox/);
  });

  it('accepts a fixed clock outside production', () => {
    const config = loadConfig({ FAKE_NOW: '2026-11-26T09:00:00+01:00' });
    assert.equal(config.fakeNow?.toISOString(), '2026-11-26T08:00:00.000Z');
  });

  it('selects the SPID level and the fiscal-code claim', () => {
    const config = loadConfig({ OIDC_MIN_LEVEL: 'SpidL3', OIDC_FISCAL_CODE_CLAIM: 'fiscalNumber' });
    assert.equal(config.oidc.acrValues, 'https://www.spid.gov.it/SpidL3');
    assert.equal(config.oidc.minLevelIndex, 2);
    assert.equal(config.oidc.fiscalCodeClaim, 'fiscalNumber');
  });
});
