import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index';
import { createPushAuthenticator } from '../../src/integrations/pagopa/push-auth';

const SUBJECT = 'CN=nodo-dei-pagamenti.pagopa.it,O=PagoPA S.p.A.,L=Roma,C=IT';

/** The push configuration exactly as the server would read it from the environment. */
function pushConfig(env: Record<string, string>) {
  return loadConfig({ PAGOPA_SANDBOX: 'false', PAGOPA_CHECKOUT_URL: 'https://c.example', PAGOPA_CHECKOUT_KEY: 'k', PAGOPA_GPD_URL: 'https://g.example',
    PAGOPA_GPD_KEY: 'k', PAGOPA_RECEIPTS_URL: 'https://r.example', PAGOPA_RECEIPTS_KEY: 'k', PAGOPA_FDR_URL: 'https://f.example', PAGOPA_FDR_KEY: 'k', PAGOPA_BROKER_ID: '01234567890', PAGOPA_STATION_ID: '01234567890_01', ...env }).pagopa.push;
}

describe('receipt push authentication', () => {
  it('accepts pushes from loopback only by default outside production, IPv4-mapped addresses included', () => {
    const authenticate = createPushAuthenticator(loadConfig({}).pagopa.push);
    for (const ip of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(authenticate({ ip, peer: ip, headers: {} }), undefined, ip);
    for (const ip of ['10.0.0.1', '192.0.2.1', '::ffff:192.0.2.1', '2001:db8::1', 'not-an-address', '']) {
      assert.equal(authenticate({ ip, peer: ip, headers: {} }), 'network', ip);
    }
  });

  it('judges the network by the client address (TRUST_PROXY decides what that is), not by the proxy in front', () => {
    const authenticate = createPushAuthenticator(pushConfig({ PAGOPA_PUSH_NETWORKS: '192.0.2.0/24,2001:db8::/32' }));
    assert.equal(authenticate({ ip: '192.0.2.77', peer: '127.0.0.1', headers: {} }), undefined);
    assert.equal(authenticate({ ip: '2001:db8:1::5', peer: '127.0.0.1', headers: {} }), undefined);
    assert.equal(authenticate({ ip: '127.0.0.1', peer: '127.0.0.1', headers: {} }), 'network', 'the proxy itself is not the platform');
    assert.equal(authenticate({ ip: '192.0.3.1', peer: '192.0.3.1', headers: {} }), 'network');
  });

  it('believes the certificate headers only from the proxy, verified and with the expected subject', () => {
    const authenticate = createPushAuthenticator(pushConfig({ PAGOPA_PUSH_CERT_SUBJECT: SUBJECT, PAGOPA_PUSH_PROXY_NETWORKS: '10.1.0.0/16' }));
    const good = { 'x-ssl-client-verify': 'SUCCESS', 'x-ssl-client-s-dn': SUBJECT };
    assert.equal(authenticate({ ip: '203.0.113.5', peer: '10.1.2.3', headers: good }), undefined);
    assert.equal(authenticate({ ip: '203.0.113.5', peer: '203.0.113.5', headers: good }), 'certificate_proxy', 'headers typed by a caller who bypassed the proxy');
    assert.equal(authenticate({ ip: '203.0.113.5', peer: undefined, headers: good }), 'certificate_proxy');
    assert.equal(authenticate({ ip: '10.1.2.3', peer: '10.1.2.3', headers: { ...good, 'x-ssl-client-verify': 'FAILED:certificate has expired' } }), 'certificate_unverified');
    assert.equal(authenticate({ ip: '10.1.2.3', peer: '10.1.2.3', headers: { ...good, 'x-ssl-client-verify': 'NONE' } }), 'certificate_unverified');
    assert.equal(authenticate({ ip: '10.1.2.3', peer: '10.1.2.3', headers: { 'x-ssl-client-s-dn': SUBJECT } }), 'certificate_unverified');
    assert.equal(authenticate({ ip: '10.1.2.3', peer: '10.1.2.3', headers: { ...good, 'x-ssl-client-s-dn': 'CN=someone-else,O=PagoPA S.p.A.,L=Roma,C=IT' } }), 'certificate_subject');
    assert.equal(authenticate({ ip: '10.1.2.3', peer: '10.1.2.3', headers: { ...good, 'x-ssl-client-s-dn': `${SUBJECT},CN=x` } }), 'certificate_subject');
    assert.equal(authenticate({ ip: '10.1.2.3', peer: '10.1.2.3', headers: { ...good, 'x-ssl-client-s-dn': [SUBJECT, SUBJECT] } }), 'certificate_subject', 'a header sent twice');
  });

  it('reads the header names the proxy uses', () => {
    const authenticate = createPushAuthenticator(
      pushConfig({ PAGOPA_PUSH_CERT_SUBJECT: SUBJECT, PAGOPA_PUSH_CERT_VERIFY_HEADER: 'X-Client-Verify', PAGOPA_PUSH_CERT_SUBJECT_HEADER: 'X-Client-DN' }),
    );
    assert.equal(authenticate({ ip: '127.0.0.1', peer: '127.0.0.1', headers: { 'x-client-verify': 'SUCCESS', 'x-client-dn': SUBJECT } }), undefined);
    assert.equal(authenticate({ ip: '127.0.0.1', peer: '127.0.0.1', headers: { 'x-ssl-client-verify': 'SUCCESS', 'x-ssl-client-s-dn': SUBJECT } }), 'certificate_unverified');
  });

  it('requires every check configured: network, certificate and the extra key together', () => {
    const authenticate = createPushAuthenticator(
      pushConfig({ PAGOPA_PUSH_NETWORKS: '192.0.2.0/24', PAGOPA_PUSH_CERT_SUBJECT: SUBJECT, PAGOPA_RECEIPT_KEY: 'k'.repeat(20) }),
    );
    const headers = { 'x-ssl-client-verify': 'SUCCESS', 'x-ssl-client-s-dn': SUBJECT, 'ocp-apim-subscription-key': 'k'.repeat(20) };
    assert.equal(authenticate({ ip: '192.0.2.1', peer: '127.0.0.1', headers }), undefined);
    assert.equal(authenticate({ ip: '198.51.100.1', peer: '127.0.0.1', headers }), 'network');
    assert.equal(authenticate({ ip: '192.0.2.1', peer: '127.0.0.1', headers: { ...headers, 'x-ssl-client-verify': 'FAILED' } }), 'certificate_unverified');
    assert.equal(authenticate({ ip: '192.0.2.1', peer: '127.0.0.1', headers: { ...headers, 'ocp-apim-subscription-key': 'k'.repeat(19) } }), 'key');
    assert.equal(authenticate({ ip: '192.0.2.1', peer: '127.0.0.1', headers: { 'x-ssl-client-verify': 'SUCCESS', 'x-ssl-client-s-dn': SUBJECT } }), 'key');
  });
});
