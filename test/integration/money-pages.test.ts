import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADA, Browser, GIULIA, MARIO, startTestApp, type TestApp } from '../helpers/app';
import { testEngines } from '../helpers/databases';
import { pdfText } from '../helpers/pdf';

const NOW = '2026-11-26T09:00:00+01:00';

/** "−3,28 €" / "+50,00 €" → cents. */
function cents(text: string): number {
  const sign = text.startsWith('−') || text.startsWith('-') ? -1 : 1;
  return sign * Math.round(Number(text.replace(/[^\d,]/g, '').replace(',', '.')) * 100);
}

for (const { engine, skip } of testEngines()) {
  describe(`Conto corrente virtuale and Documenti contabili on ${engine}`, { skip }, () => {
    let t: TestApp;
    let sofiaBadge: number;
    let tommaso: number;
    let sofia: number;
    const db = () => t.database.db;
    const pupilId = async (name: string) =>
      (await db().selectFrom('pupil').innerJoin('person', 'person.id', 'pupil.person_id').select('pupil.id').where('person.given_name', '=', name).where('person.family_name', '=', 'Lovelace').executeTakeFirstOrThrow()).id;
    const movementsOf = (badge: number, from: string, to: string) =>
      db().selectFrom('movement').select(['amount_cents', 'value_date']).where('badge_id', '=', badge).where('value_date', '>=', from).where('value_date', '<=', to).orderBy('value_date').orderBy('id').execute();
    const sumBefore = async (badge: number, date: string) =>
      Number((await db().selectFrom('movement').select((eb) => eb.fn.sum<number>('amount_cents').as('c')).where('badge_id', '=', badge).where('value_date', '<', date).executeTakeFirstOrThrow()).c ?? 0);

    before(async () => {
      t = await startTestApp(engine, { FAKE_NOW: NOW }, undefined, { history: true });
      sofiaBadge = (await db().selectFrom('badge').select('id').where('code', '=', 'B100001').executeTakeFirstOrThrow()).id;
      tommaso = await pupilId('Tommaso');
      sofia = await pupilId('Sofia');
    });
    after(async () => {
      await t?.close();
    });

    it('shows Ada her only badge for the school year, ending in a small credit, in words', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/conto-corrente' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Badge B100001 — Sofia Lovelace/);
      assert.match(page.body, /value="2026-09-14"/, 'the school year by default');
      const all = await movementsOf(sofiaBadge, '2026-09-01', '2027-06-30');
      const balance = all.reduce((sum, m) => sum + m.amount_cents, 0);
      assert.ok(balance > 0 && balance < 2_000, `a small positive balance (${balance})`);
      assert.match(page.body, new RegExp(`<strong>\\+${(balance / 100).toFixed(2).replace('.', ',')}\\s€</strong> \\(${(balance / 100).toFixed(2).replace('.', ',')}\\s€ a credito\\)`));
      const inYear = await movementsOf(sofiaBadge, '2026-09-14', '2027-06-10');
      const movementsTable = page.body.slice(page.body.indexOf('Movimenti del badge B100001'));
      assert.equal((movementsTable.match(/<tr><td data-label/g) ?? []).length, inYear.length, 'one row per movement of the year; earlier ones in the opening balance');
      assert.match(page.body, /Ricariche in attesa di pagamento/, 'the top-up Ada asked for this morning, apart from the balance');
      assert.match(page.body, /Saldo iniziale al 14\/09\/2026<\/dt><dd class="col-sm-7">\+50,00\s€/, 'the top-up of 10 September');
      // The year runs: the balance is today's, above the opening one, and the newest movement comes first.
      assert.match(page.body, /<dt class="col-sm-5">Saldo al 26\/11\/2026<\/dt>/);
      assert.doesNotMatch(page.body, /Saldo finale|Saldo al 10\/06\/2027/);
      assert.ok(page.body.indexOf('Saldo al 26/11/2026') < page.body.indexOf('Saldo iniziale'), 'the current balance at the top');
      const firstRow = /<tr><td data-label="Data">(\d\d)\/(\d\d)\/(\d{4})<\/td>/.exec(movementsTable)!;
      const newest = inYear.filter((m) => m.value_date <= '2026-11-26').at(-1)!.value_date;
      assert.equal(`${firstRow[3]}-${firstRow[2]}-${firstRow[1]}`, newest, 'newest first');
    });

    it('puts a wrong date of the Conto corrente in an error summary at the top, linked to its field, with a 422 and the input kept', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const page = await ada.get(`/demo/conto-corrente?badge=${sofiaBadge}&dal=2026-10-01&al=2026-02-30`);
      assert.equal(page.statusCode, 422);
      const main = page.body.slice(page.body.indexOf('<main'));
      assert.ok(main.indexOf('id="errori"') >= 0 && main.indexOf('id="errori"') < main.indexOf('<form'), 'the summary comes before the form');
      assert.match(main, /La ricerca non è stata fatta/);
      assert.match(main, /<a href="#al">/);
      assert.match(main, /value="2026-02-30"/);
    });

    it('says "in attesa della ricevuta" of a top-up only once its payment started, and names its service and badge in one column', async () => {
      const ada = new Browser(t.app);
      const page = await ada.login(ADA, { returnTo: '/demo/ricariche' });
      const table = () => page.body.slice(page.body.indexOf('id="pending-topups"'));
      assert.match(table(), /<th scope="col">Servizio e badge<\/th>/);
      assert.match(table(), /data-label="Servizio e badge">Refezione scolastica[^<]*, badge B100001</);
      assert.match(table(), /data-label="Stato">Da pagare</, 'a notice printed and not paid: nobody started paying it');
      assert.doesNotMatch(page.body, /In attesa della ricevuta/);
      const ledger = await ada.get(`/demo/conto-corrente?badge=${sofiaBadge}`);
      assert.doesNotMatch(ledger.body, /In attesa della ricevuta/);
      const topupId = Number(/href="\/demo\/ricariche\/(\d+)"/.exec(table())![1]);
      const topupPage = await ada.get(`/demo/ricariche/${topupId}`);
      assert.doesNotMatch(topupPage.body, /In attesa della ricevuta/);
      const started = await ada.post(`/demo/ricariche/${topupId}/paga`, { _csrf: ada.csrfFrom(topupPage.body) });
      assert.equal(started.statusCode, 303, 'sent to Checkout');
      const after = await ada.get('/demo/ricariche');
      assert.match(after.body.slice(after.body.indexOf('id="pending-topups"')), /data-label="Stato">In attesa della ricevuta/);
      assert.match((await ada.get(`/demo/ricariche/${topupId}`)).body, /In attesa della ricevuta/);
    });

    it('shows October with opening, running and closing balance that agree with the database, also as CSV and PDF', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const query = `badge=${sofiaBadge}&dal=2026-10-01&al=2026-10-31`;
      const page = await ada.get(`/demo/conto-corrente?${query}`);
      assert.equal(page.statusCode, 200);
      const october = await movementsOf(sofiaBadge, '2026-10-01', '2026-10-31');
      const opening = await sumBefore(sofiaBadge, '2026-10-01');
      const closing = opening + october.reduce((sum, m) => sum + m.amount_cents, 0);
      assert.match(page.body, /Pasto 01\/10\/2026/);
      assert.match(page.body, /Ricarica pagoPA/);
      assert.match(page.body, /Pasto in bianco 21\/10\/2026/);
      assert.doesNotMatch(page.body, /Pasto 12\/10\/2026/, 'no meal on a day of absence');
      // A period that has ended: its balance is told as of its last day.
      assert.match(page.body, /<dt class="col-sm-5">Saldo al 31\/10\/2026<\/dt>/);
      const rows = [
        ...page.body.matchAll(
          /<tr><td data-label="Data">(\d\d\/\d\d\/\d{4})<\/td><td data-label="Descrizione">([^<]+)<\/td><td class="text-end text-nowrap" data-label="Importo">([^<]+)<\/td><td class="text-end text-nowrap" data-label="Saldo">([^<]+)<\/td><\/tr>/g,
        ),
      ].reverse(); // the page shows the newest first
      assert.equal(rows.length, october.length);
      assert.equal(cents(rows.at(-1)![4]!), closing, 'the first row shown carries the closing balance');
      let running = opening;
      rows.forEach((row, i) => {
        running += october[i]!.amount_cents;
        assert.equal(cents(row[3]!), october[i]!.amount_cents);
        assert.equal(cents(row[4]!), running, 'running balance');
      });
      assert.equal(running, closing);

      const csv = await ada.get(`/demo/conto-corrente/csv?${query}`);
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n').slice(1);
      const euros = (field: string) => Math.round(Number(field.replace(',', '.')) * 100);
      assert.equal(euros(lines[0]!.split(';').at(-1)!), opening);
      assert.equal(euros(lines.at(-1)!.split(';').at(-1)!), closing);
      const movementLines = lines.slice(1, -1);
      assert.deepEqual(movementLines.map((l) => euros(l.split(';')[2]!)), october.map((m) => m.amount_cents));

      const pdf = await ada.get(`/demo/conto-corrente/pdf?${query}`);
      assert.equal(pdf.statusCode, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
      assert.match(pdf.rawPayload.toString('latin1'), /TitilliumWeb/, 'fonts embedded');
      // The statement reads like the page: the balance of the period's last day at the top, newest movement first.
      const text = pdfText(pdf.rawPayload);
      assert.ok(text.indexOf('Saldo al 31/10/2026') < text.indexOf('Saldo iniziale al 01/10/2026'), text);
      assert.ok(text.indexOf('Pasto 30/10/2026') < text.indexOf('Pasto 01/10/2026'), 'newest first');
    });

    it('shows a new movement at once, whatever was shown before, and escapes its text', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const url = `/demo/conto-corrente?badge=${sofiaBadge}&dal=2026-11-01&al=2026-11-30`;
      const before = await ada.get(url);
      const rowsBefore = (before.body.match(/<tr><td data-label/g) ?? []).length;
      await db()
        .insertInto('movement')
        .values({
          ente_id: (await db().selectFrom('badge').select('ente_id').where('id', '=', sofiaBadge).executeTakeFirstOrThrow()).ente_id,
          badge_id: sofiaBadge, amount_cents: 150, kind: 'adjustment', value_date: '2026-11-20', charge_id: null, reverses_movement_id: null,
          note: '<script>alert(1)</script>', author: 'test', created_at: new Date().toISOString(),
        })
        .execute();
      const after = await ada.get(url);
      assert.equal((after.body.match(/<tr><td data-label/g) ?? []).length, rowsBefore + 1, 'the cached rows of the period are not served any more');
      assert.match(after.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.doesNotMatch(after.body, /<script>alert/);
    });

    it('keeps the period typed and explains a wrong one', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const page = await ada.get(`/demo/conto-corrente?badge=${sofiaBadge}&dal=2026-10-31&al=2026-10-01`);
      assert.equal(page.statusCode, 422);
      assert.match(page.body, /La data finale deve essere uguale o successiva/);
      assert.match(page.body, /value="2026-10-31"/);
      const bad = await ada.get(`/demo/conto-corrente/csv?badge=${sofiaBadge}&dal=31-31-2026`);
      assert.equal(bad.statusCode, 422);
    });

    it('shows another family’s badge to nobody, and nothing to a non-holder', async () => {
      const giulia = new Browser(t.app);
      await giulia.login(GIULIA);
      for (const url of [`/demo/conto-corrente?badge=${sofiaBadge}`, `/demo/conto-corrente/csv?badge=${sofiaBadge}`, `/demo/conto-corrente/pdf?badge=${sofiaBadge}`, '/demo/conto-corrente?badge=abc']) {
        const page = await giulia.get(url);
        assert.equal(page.statusCode, 404, url);
        assert.doesNotMatch(page.body, /Sofia/);
      }
      const own = await giulia.get('/demo/conto-corrente');
      assert.match(own.body, /Badge B100002 — Pietro Bianchi/);
      const mario = new Browser(t.app);
      await mario.login(MARIO);
      assert.equal((await mario.get('/demo/conto-corrente')).statusCode, 403);
    });

    it('lists Tommaso’s documents newest first with their states, and opens one with its lines', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const list = await ada.get(`/demo/documenti-contabili?utente=${tommaso}`);
      assert.equal(list.statusCode, 200);
      const documents = await db().selectFrom('document').select(['id', 'number', 'year', 'issue_date', 'total_cents']).where('pupil_id', '=', tommaso).execute();
      const numbers = [...list.body.matchAll(/<th scope="row" data-label="Numero">(?:<span[^>]*>[^<]*<\/span>)?(\d+\/\d{4})<\/th>/g)].map((m) => m[1]);
      assert.equal(numbers.length, documents.length);
      const newestFirst = [...documents].sort((a, b) => (a.issue_date === b.issue_date ? b.number - a.number : a.issue_date < b.issue_date ? 1 : -1));
      assert.deepEqual(numbers, newestFirst.map((d) => `${d.number}/${d.year}`));
      assert.match(list.body, /settembre 2026/);
      assert.match(list.body, />Scaduto</, 'September is past its due date');
      assert.match(list.body, />Da pagare</, 'October is not due yet');
      assert.match(list.body, />Pagato</);

      const october = await db().selectFrom('document as d').innerJoin('service as s', 's.id', 'd.service_id').select(['d.id', 'd.total_cents']).where('d.pupil_id', '=', tommaso).where('d.period', '=', '2026-10').where('s.kind', '=', 'refezione').executeTakeFirstOrThrow();
      const detail = await ada.get(`/demo/documenti-contabili/${october.id}`);
      assert.equal(detail.statusCode, 200);
      assert.match(detail.body, /Pasti di ottobre 2026 — Fascia C/);
      assert.match(detail.body, new RegExp(`<strong>${(october.total_cents / 100).toFixed(2).replace('.', ',')}\\s€</strong>`));
      const lines = await db().selectFrom('document_line').select('amount_cents').where('document_id', '=', october.id).execute();
      assert.equal(lines.reduce((s, l) => s + l.amount_cents, 0), october.total_cents);

      const none = await ada.get(`/demo/documenti-contabili?utente=${sofia}`);
      assert.match(none.body, /Non ci sono documenti contabili per questo alunno/, 'Sofia’s canteen is prepaid');
    });

    it('shows a document to its family only', async () => {
      const doc = await db().selectFrom('document').select('id').where('pupil_id', '=', tommaso).executeTakeFirstOrThrow();
      const giulia = new Browser(t.app);
      await giulia.login(GIULIA);
      for (const url of [`/demo/documenti-contabili/${doc.id}`, '/demo/documenti-contabili/abc', `/demo/documenti-contabili?utente=${tommaso}`]) {
        const page = await giulia.get(url);
        assert.equal(page.statusCode, 404, url);
        assert.doesNotMatch(page.body, /Tommaso/);
      }
      const other = new Browser(t.app);
      await other.login(ADA);
      assert.equal((await other.get(`/unione-colline/documenti-contabili/${doc.id}`)).statusCode, 403, 'not a holder in the other ente');
    });

    it('shows each meal’s charge on the Refezione page, and none for an absence', async () => {
      const ada = new Browser(t.app);
      await ada.login(ADA);
      const page = await ada.get(`/demo/refezione?utente=${sofia}&dal=2026-10-12&al=2026-10-14`);
      assert.match(page.body, /martedì 13\/10\/2026<\/th>.*?nessun addebito/);
      assert.match(page.body, /mercoledì 14\/10\/2026<\/th>.*?3,28\s€/);
    });
  });
}
