import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { LOOPBACK_NETWORKS } from '../../src/config/networks';
import type { Services } from '../../src/domain/services';
import { parsePaSendRTV2Response } from '../../src/integrations/pagopa/receipt-xml';
import { pagopaRoutes } from '../../src/web/pagopa/routes';
import { assertSoapContract } from '../helpers/soap-contract';

describe('the station endpoint when our side fails', () => {
  it('answers a SOAP PAA_SYSTEM_ERROR with 503, so that the platform retries, never a bare 500', async () => {
    const app = Fastify({ logger: false });
    const failing = { receipts: { receivePush: async () => Promise.reject(new Error('database unreachable')) } } as unknown as Services;
    await app.register(pagopaRoutes, { services: failing, push: { networks: LOOPBACK_NETWORKS }, brokerId: '15376371009' });
    const response = await app.inject({ method: 'POST', url: '/pagopa/paForNode', headers: { 'content-type': 'text/xml' }, payload: '<x/>' });
    assert.equal(response.statusCode, 503);
    assert.match(String(response.headers['content-type']), /^text\/xml/);
    assertSoapContract(response.body, 'the answer when our side fails');
    const answer = parsePaSendRTV2Response(response.body);
    assert.equal(answer.fault?.faultCode, 'PAA_SYSTEM_ERROR');
    assert.equal(answer.fault?.id, '15376371009');
    assert.doesNotMatch(response.body, /database unreachable/, 'our internals stay in our log');
    await app.close();
  });
});
