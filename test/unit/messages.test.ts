import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index';
import { MESSAGE_KINDS } from '../../src/domain/messages/outbox';
import { composeMessage, html, markdown, plainText } from '../../src/domain/messages/texts';
import { decodeHeader, partOf } from '../../src/integrations/messages/sandbox/mime';

const production = {
  NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), OIDC_ISSUER: 'https://gateway.example/oidc', OIDC_CLIENT_SECRET: 'secret',
  PUBLIC_URL: 'https://scuola.comune.example', PAGOPA_CHECKOUT_URL: 'https://c.example', PAGOPA_CHECKOUT_KEY: 'k', PAGOPA_GPD_URL: 'https://g.example',
  PAGOPA_GPD_KEY: 'k', PAGOPA_RECEIPTS_URL: 'https://r.example', PAGOPA_RECEIPTS_KEY: 'k', PAGOPA_FDR_URL: 'https://f.example', PAGOPA_FDR_KEY: 'k', PAGOPA_BROKER_ID: '01234567890', PAGOPA_STATION_ID: '01234567890_01',
  PAGOPA_PUSH_NETWORKS: '192.0.2.0/24',
};

describe('messages: configuration and texts', () => {
  it('refuses the sandboxes in production; without SMTP_URL or IO_API_KEY that channel is simply off', () => {
    assert.throws(() => loadConfig({ ...production, MAIL_SANDBOX: 'true' }), /MAIL_SANDBOX: il server di posta di prova non può essere attivo in produzione/);
    assert.throws(() => loadConfig({ ...production, IO_SANDBOX: 'true' }), /IO_SANDBOX: la sandbox di App IO non può essere attiva in produzione/);
    const off = loadConfig(production).messages;
    assert.deepEqual([off.mailSandbox, off.ioSandbox, off.smtpUrl, off.ioKey, off.ioUrl], [false, false, undefined, undefined, 'https://api.io.pagopa.it']);
    const on = loadConfig({ ...production, SMTP_URL: 'smtps://u:p@smtp.comune.example:465', IO_API_KEY: 'service-key' }).messages;
    assert.equal(on.smtpUrl, 'smtps://u:p@smtp.comune.example:465');
    assert.equal(on.ioKey, 'service-key');
    assert.throws(() => loadConfig({ ...production, SMTP_URL: 'http://smtp.example' }), /SMTP_URL: deve iniziare con smtp:\/\/ oppure smtps:\/\//);
    const development = loadConfig({ NODE_ENV: 'development' }).messages;
    assert.equal(development.smtpUrl, 'smtp://127.0.0.1:2525');
    assert.equal(development.ioUrl, 'http://localhost:3000/io-sandbox');
  });

  it('names the pupil in every subject, in both languages, with no amount there; App IO\'s limits hold', () => {
    for (const language of ['it', 'en'] as const) {
      for (const kind of MESSAGE_KINDS) {
        const message = composeMessage({
          kind, language, pupilName: 'Tommaso', enteName: 'Comune di Prova', portalUrl: 'https://scuola.comune.example/prova/documenti-contabili',
          params: { amountCents: 4_560, balanceCents: 120, dueDate: '2026-12-31', number: 12, subject: 'Sciopero', body: 'La mensa è chiusa.' },
        });
        assert.match(message.subject, /^Tommaso: /, `${language} ${kind}`);
        assert.doesNotMatch(message.subject, /€|\d+[.,]\d{2}/, `${language} ${kind}: no amount in the subject`);
        assert.ok(message.subject.length >= 10 && message.subject.length <= 120);
        const md = markdown(message);
        assert.ok(md.length >= 80 && md.length <= 10_000);
        assert.match(plainText(message), /https:\/\/scuola\.comune\.example\/prova\/documenti-contabili/);
        assert.match(html(message, language), new RegExp(`<html lang="${language}">`));
      }
    }
    const office = composeMessage({ kind: 'office', language: 'it', pupilName: 'Ada', enteName: 'Comune', portalUrl: 'https://x.example/', params: { subject: '<script>x</script>', body: 'a & b' } });
    assert.doesNotMatch(html(office, 'it'), /<script>/, 'the office\'s text is escaped in the HTML');
    assert.ok(composeMessage({ kind: 'office', language: 'it', pupilName: 'Ada', enteName: 'Comune', portalUrl: 'https://x.example/', params: { subject: 'x'.repeat(300), body: '' } }).subject.length <= 120);
  });

  it('reads the sandbox\'s mail: encoded subjects and the text part', () => {
    assert.equal(decodeHeader('=?UTF-8?Q?Tommaso=3A_=C3=A8_nuovo?='), 'Tommaso: è nuovo');
    const raw = 'Subject: x\r\nContent-Type: multipart/alternative;\r\n boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n45,60 =E2=82=AC\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b1--\r\n';
    assert.equal(partOf(raw, 'text/plain'), '45,60 €');
    assert.equal(partOf(raw, 'text/html'), '<p>x</p>');
  });
});
