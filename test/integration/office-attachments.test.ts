import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Browser, startTestApp, type TestApp } from '../helpers/app';
import { type BuiltPerson, type BuiltPupil, buildEnrolment, buildFamily, buildOperator, enteIdOf } from '../helpers/builders';
import { testEngines } from '../helpers/databases';
import { multipart, type MultipartPart, SAMPLE_JPEG, samplePdf, samplePng } from '../helpers/files';

/** A test limit small enough to cross cheaply; the default (10 MB) is the config's. */
const MAX_BYTES = 20_000;

async function send(browser: Browser, url: string, parts: readonly MultipartPart[]) {
  const { contentType, body } = multipart(parts);
  return browser.request({ method: 'POST', url, headers: { 'content-type': contentType }, payload: body });
}

for (const { engine, skip } of testEngines()) {
  describe(`office attachments on ${engine}`, { skip }, () => {
    let t: TestApp;
    let enteId: number;
    let holder: BuiltPerson;
    let pupil: BuiltPupil;
    let clerk: BuiltPerson;
    let office: Browser;
    let listPath: string;

    const db = () => t.database.db;
    const attachmentCount = async () => Number((await db().selectFrom('attachment').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const events = async (action: string, subjectId?: number) => {
      await t.app.services.audit.flush();
      let query = db().selectFrom('audit_event').selectAll().where('action', '=', action);
      if (subjectId !== undefined) query = query.where('subject_id', '=', subjectId);
      return query.orderBy('id').execute();
    };

    /** Uploads through the page's own form: its CSRF token first, the file last. */
    async function upload(fields: { titolo?: string; tipo?: string; visibile?: boolean; file?: { filename: string; contentType: string; content: Buffer } }, path = listPath) {
      const form = await office.get(path);
      assert.equal(form.statusCode, 200);
      const parts: MultipartPart[] = [
        { name: '_csrf', value: office.csrfFrom(form.body) },
        { name: 'titolo', value: fields.titolo ?? 'Documento' },
        { name: 'tipo', value: fields.tipo ?? 'altro' },
        ...(fields.visibile ? [{ name: 'visibile_genitore', value: '1' }] : []),
        ...(fields.file ? [{ name: 'file', ...fields.file }] : [{ name: 'file', filename: '', contentType: 'application/octet-stream', content: Buffer.alloc(0) }]),
      ];
      return send(office, path, parts);
    }

    before(async () => {
      t = await startTestApp(engine, { ATTACHMENT_MAX_BYTES: String(MAX_BYTES) });
      enteId = await enteIdOf(db());
      const family = await buildFamily(db(), enteId);
      holder = family.holder;
      pupil = family.pupils[0]!;
      await buildEnrolment(db(), enteId, pupil, holder);
      clerk = await buildOperator(db(), enteId, 'operatore');
      office = new Browser(t.app);
      listPath = `/demo/ufficio/anagrafe/alunni/${pupil.pupilId}/allegati`;
      const landed = await office.loginAs(clerk, { returnTo: listPath });
      assert.equal(landed.statusCode, 200);
    });
    after(async () => {
      await t?.close();
    });

    it('uploads a PDF, a JPEG and a PNG, each stored with its type, digest and size, and audited', async () => {
      const pdf = await samplePdf();
      const png = samplePng();
      const files = [
        { titolo: 'Certificato medico', tipo: 'certificato-medico', file: { filename: 'certificato.pdf', contentType: 'application/pdf', content: pdf }, type: 'application/pdf', name: 'certificato.pdf' },
        { titolo: 'Foto tessera', tipo: 'documento-identita', file: { filename: 'foto.jpeg', contentType: 'image/jpeg', content: SAMPLE_JPEG }, type: 'image/jpeg', name: 'foto.jpg' },
        { titolo: 'Scansione ISEE', tipo: 'isee', file: { filename: 'isee.png', contentType: 'image/png', content: png }, type: 'image/png', name: 'isee.png' },
      ];
      for (const file of files) {
        const response = await upload(file);
        assert.equal(response.statusCode, 303, response.body.slice(0, 500));
        assert.equal(response.headers.location, `${listPath}?fatto=caricato`);
        const row = await db().selectFrom('attachment').selectAll().where('title', '=', file.titolo).executeTakeFirstOrThrow();
        assert.equal(row.pupil_id, pupil.pupilId);
        assert.equal(row.ente_id, enteId);
        assert.equal(row.content_type, file.type);
        assert.equal(row.file_name, file.name);
        assert.equal(row.kind, file.tipo);
        assert.equal(row.size_bytes, file.file.content.length);
        assert.equal(row.sha256, createHash('sha256').update(file.file.content).digest('hex'));
        assert.ok(Buffer.from(row.content).equals(file.file.content));
        assert.equal(row.visible_to_parent, 0, 'kept for the office unless marked visible');
        const [event] = await events('office.attachment.upload', row.id);
        assert.ok(event, 'the upload is an audited change');
        assert.equal(event.actor_fiscal_code, clerk.fiscalCode);
        assert.equal(event.before_json, null);
        assert.deepEqual(JSON.parse(event.after_json!), {
          owner: `pupil:${pupil.pupilId}`, kind: file.tipo, title: file.titolo, fileName: file.name, contentType: file.type,
          sizeBytes: file.file.content.length, sha256: row.sha256, visibleToParent: false,
        });
      }
      const list = await office.get(`${listPath}?fatto=caricato`);
      assert.match(list.body, /Documento caricato\./);
      for (const file of files) assert.match(list.body, new RegExp(file.titolo));
    });

    it('stores a PNG named .pdf as the PNG it is', async () => {
      const response = await upload({ titolo: 'Finto PDF', file: { filename: 'documento.pdf', contentType: 'application/pdf', content: samplePng(2, 3) } });
      assert.equal(response.statusCode, 303);
      const row = await db().selectFrom('attachment').select(['content_type', 'file_name']).where('title', '=', 'Finto PDF').executeTakeFirstOrThrow();
      assert.deepEqual(row, { content_type: 'image/png', file_name: 'documento.png' });
    });

    it('refuses a renamed executable or HTML page, and an empty choice of file, with the field’s message and nothing written', async () => {
      const before = await attachmentCount();
      const uploadsBefore = (await events('office.attachment.upload')).length;
      const executable = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(400, 0x90)]);
      const html = Buffer.from('<!DOCTYPE html><html><body><script>document.location="https://evil.invalid"</script></body></html>');
      for (const [filename, content] of [['pagella.pdf', executable], ['foto.jpg', html], ['scansione.png', Buffer.concat([Buffer.from('%PDF-1.4\n'), html])]] as const) {
        const refused = await upload({ titolo: 'Da rifiutare', file: { filename, contentType: 'application/pdf', content } });
        assert.equal(refused.statusCode, 422, filename);
        assert.match(refused.body, /Il file non è un PDF, un’immagine JPEG o PNG valida/);
        assert.match(refused.body, /value="Da rifiutare"/, 'the title typed is kept');
        assert.match(refused.body, /<a href="#file">/, 'the error summary links to the field');
      }
      const missing = await upload({ titolo: 'Senza file' });
      assert.equal(missing.statusCode, 422);
      assert.match(missing.body, /Scegli il file da caricare\./);
      assert.equal(await attachmentCount(), before);
      assert.equal((await events('office.attachment.upload')).length, uploadsBefore);
    });

    it('refuses a file over the limit with the Italian message, and writes nothing', async () => {
      const before = await attachmentCount();
      const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(MAX_BYTES, 0x20), Buffer.from('\nstartxref\n0\n%%EOF\n')]);
      const refused = await upload({ titolo: 'Troppo grande', file: { filename: 'grande.pdf', contentType: 'application/pdf', content: big } });
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /Il file è troppo grande: il limite è 20 KB\./);
      assert.equal(await attachmentCount(), before);
      // At the limit exactly, the file is accepted.
      const exact = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(MAX_BYTES - 9 - 19, 0x20), Buffer.from('\nstartxref\n0\n%%EOF\n')]);
      assert.equal(exact.length, MAX_BYTES);
      assert.equal((await upload({ titolo: 'Al limite', file: { filename: 'limite.pdf', contentType: 'application/pdf', content: exact } })).statusCode, 303);
    });

    it('refuses bad fields with their messages, 422 and nothing written', async () => {
      const before = await attachmentCount();
      const file = { filename: 'a.png', contentType: 'image/png', content: samplePng() };
      const cases: [Record<string, string>, RegExp][] = [
        [{ titolo: '' }, /Campo obbligatorio\./],
        [{ titolo: 'Titolo\u0000nascosto' }, /Contiene caratteri non ammessi/],
        [{ titolo: 'x'.repeat(201) }, /Testo troppo lungo\./],
        [{ tipo: 'eseguibile' }, /Scegli il tipo di documento dall’elenco\./],
        [{ visibile_genitore: 'forse' }, /Valore non valido\./],
      ];
      for (const [fields, message] of cases) {
        const form = await office.get(listPath);
        const response = await send(office, listPath, [
          { name: '_csrf', value: office.csrfFrom(form.body) },
          { name: 'titolo', value: fields.titolo ?? 'Titolo' },
          { name: 'tipo', value: fields.tipo ?? 'altro' },
          ...(fields.visibile_genitore ? [{ name: 'visibile_genitore', value: fields.visibile_genitore }] : []),
          { name: 'file', ...file },
        ]);
        assert.equal(response.statusCode, 422, JSON.stringify(fields));
        assert.match(response.body, message);
      }
      // A field sent twice, and two files at once.
      const form = await office.get(listPath);
      const token = office.csrfFrom(form.body);
      const twice = await send(office, listPath, [
        { name: '_csrf', value: token }, { name: 'titolo', value: 'Uno' }, { name: 'titolo', value: 'Due' }, { name: 'tipo', value: 'altro' }, { name: 'file', ...file },
      ]);
      assert.equal(twice.statusCode, 422);
      const two = await send(office, listPath, [
        { name: '_csrf', value: token }, { name: 'titolo', value: 'Due file' }, { name: 'tipo', value: 'altro' }, { name: 'file', ...file }, { name: 'altro', ...file },
      ]);
      assert.equal(two.statusCode, 422);
      assert.match(two.body, /Carica un solo file alla volta\./);
      assert.equal(await attachmentCount(), before);
    });

    it('refuses a multipart POST without the CSRF token, with a wrong one, or with the token after the file', async () => {
      const before = await attachmentCount();
      const form = await office.get(listPath);
      const token = office.csrfFrom(form.body);
      const file = { name: 'file', filename: 'a.png', contentType: 'image/png', content: samplePng() };
      const fields = [{ name: 'titolo', value: 'Forgiato' }, { name: 'tipo', value: 'altro' }];
      const attempts: MultipartPart[][] = [
        [...fields, file],
        [{ name: '_csrf', value: 'x'.repeat(token.length) }, ...fields, file],
        [{ name: '_csrf', value: '' }, ...fields, file],
        [...fields, file, { name: '_csrf', value: token }],
      ];
      for (const parts of attempts) {
        const refused = await send(office, listPath, parts);
        assert.equal(refused.statusCode, 403);
        assert.match(refused.body, /Richiesta non valida/, 'the CSRF refusal page');
      }
      // Another person's session token does not open this one's form.
      const other = new Browser(t.app);
      await other.loginAs(await buildOperator(db(), enteId, 'operatore'), { returnTo: listPath });
      const otherToken = other.csrfFrom((await other.get(listPath)).body);
      assert.equal((await send(office, listPath, [{ name: '_csrf', value: otherToken }, ...fields, file])).statusCode, 403);
      // A plain form POST to the upload address is checked like any form, and is not an upload.
      assert.equal((await office.post(listPath, { titolo: 'x', tipo: 'altro' })).statusCode, 403);
      assert.equal((await office.post(listPath, { _csrf: token, titolo: 'x', tipo: 'altro' })).statusCode, 400);
      // The office's other forms take no multipart body.
      const elsewhere = multipart([{ name: '_csrf', value: token }, { name: 'visibile', value: '1' }]);
      const row = await db().selectFrom('attachment').select('id').where('pupil_id', '=', pupil.pupilId).executeTakeFirstOrThrow();
      const visibility = await office.request({ method: 'POST', url: `/demo/ufficio/anagrafe/allegati/${row.id}/visibilita`, headers: { 'content-type': elsewhere.contentType }, payload: elsewhere.body });
      assert.ok([400, 403, 415].includes(visibility.statusCode), String(visibility.statusCode));
      assert.equal(await attachmentCount(), before);
      assert.equal((await db().selectFrom('attachment').select('id').where('title', '=', 'Forgiato').execute()).length, 0);
    });

    it('answers a refused upload at once over HTTP and keeps the connection usable for the next request', async () => {
      const cookie = office.jar.headerFor(listPath)!;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const call = (options: http.RequestOptions, body?: Buffer) =>
        new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
          const request = http.request({ host: '127.0.0.1', port: new URL(t.baseUrl).port, path: listPath, agent, ...options }, (response) => {
            response.resume();
            response.on('end', () => resolve({ status: response.statusCode!, socket: request.socket }));
          });
          request.setTimeout(5000, () => request.destroy(new Error('no answer in 5 s')));
          request.on('error', reject);
          request.end(body);
        });
      const big = Buffer.alloc(2 * MAX_BYTES + 1_000_000, 0x41);
      try {
        for (const parts of [
          [{ name: '_csrf', value: 'wrong' }, { name: 'file', filename: 'a.png', contentType: 'image/png', content: big }],
          [{ name: 'file', filename: 'a.png', contentType: 'image/png', content: big }, { name: 'titolo', value: 'x' }],
        ] satisfies MultipartPart[][]) {
          const { contentType, body } = multipart(parts);
          const refused = await call({ method: 'POST', headers: { cookie, 'content-type': contentType, 'content-length': body.length } }, body);
          assert.equal(refused.status, 403);
          const next = await call({ method: 'GET', headers: { cookie } });
          assert.equal(next.status, 200);
          assert.equal(next.socket, refused.socket, 'the same keep-alive connection');
        }
      } finally {
        agent.destroy();
      }
    });

    it('shows the parent only the attachments marked visible, and a hidden one is not found for them', async () => {
      assert.equal((await upload({ titolo: 'Menù speciale approvato', tipo: 'certificato-medico', visibile: true, file: { filename: 'menu.pdf', contentType: 'application/pdf', content: await samplePdf('Menù') } })).statusCode, 303);
      assert.equal((await upload({ titolo: 'Relazione riservata', tipo: 'altro', file: { filename: 'relazione.pdf', contentType: 'application/pdf', content: await samplePdf('Riservato') } })).statusCode, 303);
      const shown = await db().selectFrom('attachment').select(['id', 'visible_to_parent']).where('title', '=', 'Menù speciale approvato').executeTakeFirstOrThrow();
      const hidden = await db().selectFrom('attachment').select(['id', 'visible_to_parent']).where('title', '=', 'Relazione riservata').executeTakeFirstOrThrow();
      assert.equal(shown.visible_to_parent, 1);
      assert.equal(hidden.visible_to_parent, 0);

      const parent = new Browser(t.app);
      const scheda = await parent.loginAs(holder, { returnTo: '/demo/scheda-anagrafica' });
      assert.equal(scheda.statusCode, 200);
      assert.match(scheda.body, /Menù speciale approvato/);
      assert.doesNotMatch(scheda.body, /Relazione riservata|Certificato medico|Foto tessera/);
      assert.equal((await parent.get(`/demo/allegati/${shown.id}`)).statusCode, 200);
      assert.equal((await parent.get(`/demo/allegati/${hidden.id}`)).statusCode, 404);

      // The office shows the hidden one: the parent sees it at once; hiding it again removes it.
      const list = await office.get(listPath);
      const token = office.csrfFrom(list.body);
      const showed = await office.post(`/demo/ufficio/anagrafe/allegati/${hidden.id}/visibilita`, { _csrf: token, visibile: '1' });
      assert.equal(showed.statusCode, 303);
      assert.equal(showed.headers.location, `${listPath}?fatto=visibilita`);
      assert.match((await parent.get('/demo/scheda-anagrafica')).body, /Relazione riservata/);
      assert.equal((await parent.get(`/demo/allegati/${hidden.id}`)).statusCode, 200);
      assert.equal((await office.post(`/demo/ufficio/anagrafe/allegati/${hidden.id}/visibilita`, { _csrf: token, visibile: '0' })).statusCode, 303);
      assert.doesNotMatch((await parent.get('/demo/scheda-anagrafica')).body, /Relazione riservata/);
      assert.equal((await parent.get(`/demo/allegati/${hidden.id}`)).statusCode, 404);
      const changes = await events('office.attachment.visibility', hidden.id);
      assert.equal(changes.length, 2);
      assert.deepEqual(JSON.parse(changes[0]!.before_json!), { visibleToParent: false });
      assert.deepEqual(JSON.parse(changes[0]!.after_json!), { visibleToParent: true });
      assert.equal((await office.post(`/demo/ufficio/anagrafe/allegati/${hidden.id}/visibilita`, { _csrf: token, visibile: 'si' })).statusCode, 400);
    });

    it('keeps the demo’s attachments visible to their parents after the migration', async () => {
      const demo = await db().selectFrom('attachment').select(['visible_to_parent', 'sha256', 'size_bytes', 'content']).where('kind', '=', 'conferma-iscrizione').execute();
      assert.ok(demo.length > 0);
      for (const row of demo) {
        assert.equal(row.visible_to_parent, 1);
        assert.equal(row.sha256, createHash('sha256').update(Buffer.from(row.content)).digest('hex'));
        assert.equal(row.size_bytes, Buffer.from(row.content).length);
      }
    });

    it('sends every office download as an attachment, with nosniff, and audits each one', async () => {
      const row = await db().selectFrom('attachment').select(['id', 'content', 'file_name']).where('title', '=', 'Foto tessera').executeTakeFirstOrThrow();
      const before = (await events('office.attachment.download', row.id)).length;
      for (let i = 0; i < 2; i++) {
        const download = await office.get(`/demo/ufficio/anagrafe/allegati/${row.id}`);
        assert.equal(download.statusCode, 200);
        assert.equal(download.headers['content-type'], 'image/jpeg');
        assert.equal(download.headers['content-disposition'], `attachment; filename="foto.jpg"; filename*=UTF-8''foto.jpg`);
        assert.equal(download.headers['x-content-type-options'], 'nosniff');
        assert.equal(download.headers['cache-control'], 'no-store');
        assert.ok(download.rawPayload.equals(Buffer.from(row.content)));
      }
      const audited = await events('office.attachment.download', row.id);
      assert.equal(audited.length, before + 2);
      assert.equal(audited.at(-1)!.actor_fiscal_code, clerk.fiscalCode);
      assert.equal((await office.get('/demo/ufficio/anagrafe/allegati/99999999')).statusCode, 404);
      assert.equal((await office.get('/demo/ufficio/anagrafe/allegati/abc')).statusCode, 404);
    });

    it('deletes an attachment after a confirmation, audited with what it was', async () => {
      const row = await db().selectFrom('attachment').select(['id', 'sha256']).where('title', '=', 'Scansione ISEE').executeTakeFirstOrThrow();
      const confirm = await office.get(`/demo/ufficio/anagrafe/allegati/${row.id}/elimina`);
      assert.equal(confirm.statusCode, 200);
      assert.match(confirm.body, /Eliminare il documento\?/);
      assert.equal((await office.post(`/demo/ufficio/anagrafe/allegati/${row.id}/elimina`, {})).statusCode, 403, 'CSRF on the deletion');
      const deleted = await office.post(`/demo/ufficio/anagrafe/allegati/${row.id}/elimina`, { _csrf: office.csrfFrom(confirm.body) });
      assert.equal(deleted.statusCode, 303);
      assert.equal(deleted.headers.location, `${listPath}?fatto=eliminato`);
      assert.equal(await db().selectFrom('attachment').select('id').where('id', '=', row.id).executeTakeFirst(), undefined);
      const [event] = await events('office.attachment.delete', row.id);
      assert.ok(event);
      assert.equal(event.after_json, null);
      assert.equal(JSON.parse(event.before_json!).sha256, row.sha256);
      assert.equal((await office.get(`/demo/ufficio/anagrafe/allegati/${row.id}`)).statusCode, 404);
    });

    it('attaches documents to a person (the holder), listed in the office and never on the Scheda', async () => {
      const path = `/demo/ufficio/anagrafe/persone/${holder.id}/allegati`;
      const response = await upload({ titolo: 'ISEE del titolare', tipo: 'isee', visibile: true, file: { filename: 'isee.pdf', contentType: 'application/pdf', content: await samplePdf('ISEE') } }, path);
      assert.equal(response.statusCode, 303);
      const row = await db().selectFrom('attachment').select(['person_id', 'pupil_id', 'visible_to_parent']).where('title', '=', 'ISEE del titolare').executeTakeFirstOrThrow();
      assert.deepEqual(row, { person_id: holder.id, pupil_id: null, visible_to_parent: 0 });
      assert.match((await office.get(path)).body, /ISEE del titolare/);
      const parent = new Browser(t.app);
      assert.doesNotMatch((await parent.loginAs(holder, { returnTo: '/demo/scheda-anagrafica' })).body, /ISEE del titolare/);
    });

    it('lets no one else reach the attachments: cucina, scuola, a parent, anonymous, another ente’s operator', async () => {
      const row = await db().selectFrom('attachment').select('id').where('title', '=', 'Foto tessera').executeTakeFirstOrThrow();
      const schoolId = (await db().selectFrom('school').select('id').where('ente_id', '=', enteId).executeTakeFirstOrThrow()).id;
      const otherEnte = await enteIdOf(db(), 'unione-colline');
      const people: [string, BuiltPerson][] = [
        ['cucina', await buildOperator(db(), enteId, 'cucina')],
        ['scuola', await buildOperator(db(), enteId, 'scuola', schoolId)],
        ['parent', holder],
        ['other ente', await buildOperator(db(), otherEnte, 'amministratore')],
      ];
      const before = await attachmentCount();
      const downloadsBefore = (await events('office.attachment.download')).length;
      const file = { name: 'file', filename: 'a.png', contentType: 'image/png', content: samplePng() };
      for (const [who, person] of people) {
        const browser = new Browser(t.app);
        const landed = await browser.loginAs(person, { returnTo: listPath });
        assert.equal(landed.statusCode, 403, who);
        const token = /name="_csrf" value="([^"]+)"/.exec(landed.body)?.[1] ?? '';
        assert.equal((await browser.get(`/demo/ufficio/anagrafe/persone/${holder.id}/allegati`)).statusCode, 403, who);
        assert.equal((await browser.get(`/demo/ufficio/anagrafe/allegati/${row.id}`)).statusCode, 403, who);
        assert.equal((await browser.get(`/demo/ufficio/anagrafe/allegati/${row.id}/elimina`)).statusCode, 403, who);
        assert.equal((await send(browser, listPath, [{ name: '_csrf', value: token }, { name: 'titolo', value: who }, { name: 'tipo', value: 'altro' }, file])).statusCode, 403, who);
        assert.equal((await browser.post(`/demo/ufficio/anagrafe/allegati/${row.id}/elimina`, { _csrf: token })).statusCode, 403, who);
        assert.equal((await browser.post(`/demo/ufficio/anagrafe/allegati/${row.id}/visibilita`, { _csrf: token, visibile: '1' })).statusCode, 403, who);
      }
      // Another ente's operator in their own ente: the demo's pupil and attachment do not exist there.
      const foreign = new Browser(t.app);
      const foreignAdmin = people[3]![1];
      await foreign.loginAs(foreignAdmin, { returnTo: '/unione-colline/ufficio/' });
      assert.equal((await foreign.get(`/unione-colline/ufficio/anagrafe/alunni/${pupil.pupilId}/allegati`)).statusCode, 404);
      assert.equal((await foreign.get(`/unione-colline/ufficio/anagrafe/allegati/${row.id}`)).statusCode, 404);
      const anonymous = new Browser(t.app);
      const refused = await anonymous.get(listPath);
      assert.ok(refused.statusCode >= 300 && refused.statusCode < 400, String(refused.statusCode));
      assert.match(String(refused.headers.location), /^\/auth\/login/);
      assert.equal((await anonymous.get(`/demo/ufficio/anagrafe/allegati/${row.id}`)).headers.location?.toString().startsWith('/auth/login'), true);
      const anonymousUpload = await send(anonymous, listPath, [{ name: 'titolo', value: 'anonimo' }, file]);
      assert.equal(anonymousUpload.statusCode, 403, 'a change without a session is a stale form');
      assert.equal(await attachmentCount(), before);
      assert.equal((await events('office.attachment.download')).length, downloadsBefore);
    });
  });
}
