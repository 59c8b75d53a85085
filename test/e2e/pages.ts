import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { expectAccessible } from '../helpers/browser';

/** Page objects: each checks it is on the right page (and that the page is accessible) before acting. */

/** Pages of a context with JavaScript off: axe cannot run there; the same pages are scanned with it on. */
const withoutScript = new WeakSet<Page>();
export function markWithoutScript(page: Page): void {
  withoutScript.add(page);
}

abstract class PortalPage {
  constructor(readonly page: Page) {}

  protected async verify(heading: string | RegExp): Promise<void> {
    const h1 = (await this.page.locator('h1').first().textContent())?.trim() ?? '';
    if (typeof heading === 'string') assert.equal(h1, heading, `expected page "${heading}" at ${this.page.url()}`);
    else assert.match(h1, heading);
    if (!withoutScript.has(this.page)) await expectAccessible(this.page);
  }

  async logOut(): Promise<TestIdpLogoutPage> {
    await this.page.getByRole('button', { name: 'Esci' }).click();
    return TestIdpLogoutPage.on(this.page);
  }
}

export class ServiceListPage extends PortalPage {
  static async open(page: Page, baseUrl: string, ente: string) {
    await page.goto(`${baseUrl}/${ente}/`);
    return ServiceListPage.on(page);
  }

  static async on(page: Page) {
    const list = new ServiceListPage(page);
    await list.verify('Lista servizi');
    return list;
  }

  async serviceTitles(): Promise<string[]> {
    return (await this.page.locator('main li h2.card-title').allTextContents()).map((t) => t.trim());
  }

  async openService(title: string): Promise<void> {
    await this.page.getByRole('link', { name: title, exact: true }).click();
  }
}

export class TestIdpLoginPage extends PortalPage {
  static async on(page: Page) {
    const idp = new TestIdpLoginPage(page);
    await idp.verify('Accesso di prova');
    assert.ok(await page.getByText('Identity provider di test — non è SPID').isVisible());
    return idp;
  }

  async logInAs(fullNameAndCode: RegExp, level: 'Livello 1' | 'Livello 2' | 'Livello 3' = 'Livello 2') {
    const levels = this.page.getByRole('group', { name: 'Livello SPID' });
    // Bootstrap Italia draws its own radio: a person clicks the label.
    await levels.locator('label', { hasText: level }).click();
    assert.ok(await levels.getByLabel(level, { exact: true }).isChecked());
    await this.page.getByRole('button', { name: fullNameAndCode }).click();
  }
}

export class ChoosePupilPage extends PortalPage {
  static async on(page: Page, service: string) {
    const choose = new ChoosePupilPage(page);
    await choose.verify(service);
    assert.ok(await page.getByRole('heading', { name: 'Scegli l’alunno' }).isVisible());
    return choose;
  }

  async choose(fullName: string) {
    await this.page.getByRole('link', { name: `Scegli ${fullName}` }).click();
  }
}

export class SchedaPage extends PortalPage {
  static async on(page: Page) {
    const scheda = new SchedaPage(page);
    await scheda.verify('Scheda anagrafica');
    return scheda;
  }

  async sectionHeadings(): Promise<string[]> {
    return (await this.page.locator('main h2').allTextContents()).map((t) => t.trim());
  }

  async text(): Promise<string> {
    return (await this.page.locator('main').textContent()) ?? '';
  }
}

export class ErrorPage extends PortalPage {
  static async on(page: Page, title: string) {
    const error = new ErrorPage(page);
    await error.verify(title);
    return error;
  }

  async text(): Promise<string> {
    return (await this.page.locator('main').textContent()) ?? '';
  }
}

export class TestIdpLogoutPage extends PortalPage {
  static async on(page: Page) {
    const logout = new TestIdpLogoutPage(page);
    await logout.verify('Uscire anche dall’identity provider di test?');
    return logout;
  }

  async confirm() {
    await this.page.getByRole('button', { name: 'Sì, esci' }).click();
  }
}

export class LegalPage extends PortalPage {
  static async on(page: Page, title: string) {
    const legal = new LegalPage(page);
    await legal.verify(title);
    return legal;
  }
}

export class AbsencesPage extends PortalPage {
  static async on(page: Page) {
    const absences = new AbsencesPage(page);
    await absences.verify('Comunicazioni assenze');
    return absences;
  }

  /** The pupil whose days are listed, as chosen in the page's address. */
  async chosenPupilId(): Promise<string> {
    return new URL(this.page.url()).searchParams.get('utente') ?? '';
  }

  async notify({ pupil, from, to, kind }: { pupil: string; from: string; to?: string; kind: 'Assenza' | 'Pasto in bianco' }) {
    const select = this.page.getByLabel('Alunno');
    await select.selectOption((await select.locator('option', { hasText: pupil }).getAttribute('value'))!);
    await this.page.getByRole('group', { name: 'Tipo di comunicazione' }).locator('label', { hasText: kind }).click();
    await this.page.getByLabel('Dal giorno').fill(from);
    if (to) await this.page.getByLabel('Al giorno').fill(to);
    await this.page.getByRole('button', { name: 'CONFERMA' }).click();
  }

  async text(): Promise<string> {
    return (await this.page.locator('main').textContent()) ?? '';
  }
}

export class CanteenPage extends PortalPage {
  static async on(page: Page) {
    const canteen = new CanteenPage(page);
    await canteen.verify('Refezione scolastica');
    return canteen;
  }

  async rowOf(day: string): Promise<string> {
    return (await this.page.locator('tr', { has: this.page.locator('th', { hasText: day }) }).textContent()) ?? '';
  }
}

export class AbsenceReceiptPage extends PortalPage {
  static async on(page: Page) {
    const receipt = new AbsenceReceiptPage(page);
    await receipt.verify('Ricevuta della comunicazione');
    return receipt;
  }

  async text(): Promise<string> {
    return (await this.page.locator('main').textContent()) ?? '';
  }

  async backToNotices() {
    await this.page.getByRole('link', { name: 'Torna alle comunicazioni assenze' }).click();
  }
}

export class KitchenPage extends PortalPage {
  static async on(page: Page) {
    const kitchen = new KitchenPage(page);
    await kitchen.verify(/^Pasti del giorno — /);
    return kitchen;
  }

  async text(): Promise<string> {
    return (await this.page.locator('main').textContent()) ?? '';
  }
}

export class LedgerPage extends PortalPage {
  static async on(page: Page) {
    const ledger = new LedgerPage(page);
    await ledger.verify('Conto corrente virtuale');
    return ledger;
  }

  async showPeriod(from: string, to: string) {
    await this.page.getByLabel('Dal giorno', { exact: true }).fill(from);
    await this.page.getByLabel('Al giorno', { exact: true }).fill(to);
    await this.page.getByRole('button', { name: 'Mostra' }).click();
  }

  /** The movements as the table shows them: [date, description, amount, balance]. */
  async rows(): Promise<string[][]> {
    const rows = this.page.locator('main table', { has: this.page.locator('caption', { hasText: /^Movimenti del badge/ }) }).locator('tbody tr');
    const result: string[][] = [];
    for (let i = 0; i < (await rows.count()); i++) result.push((await rows.nth(i).locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()));
    return result;
  }

  async summary(): Promise<string> {
    return (await this.page.locator('main dl').first().textContent()) ?? '';
  }
}

export class DocumentsPage extends PortalPage {
  static async on(page: Page) {
    const documents = new DocumentsPage(page);
    await documents.verify('Documenti contabili');
    return documents;
  }

  async numbers(): Promise<string[]> {
    return (await this.page.locator('main table tbody th').allTextContents()).map((t) => t.trim());
  }

  async rowOf(number: string): Promise<string> {
    // The whole number: "6/2026" is not "56/2026".
    const exact = new RegExp(`(^|[^\\d])${number.replace('/', '\\/')}\\s*$`);
    return (await this.page.locator('tr', { has: this.page.locator('th', { hasText: exact }) }).textContent()) ?? '';
  }

  async open(number: string) {
    await this.page.getByRole('link', { name: `Dettaglio del documento ${number}` }).click();
  }
}

export class DocumentDetailPage extends PortalPage {
  static async on(page: Page, number: string) {
    const detail = new DocumentDetailPage(page);
    await detail.verify(`Documento n. ${number}`);
    return detail;
  }

  async text(): Promise<string> {
    return (await this.page.locator('main').textContent()) ?? '';
  }
}

export class PaymentsPage extends PortalPage {
  static async on(page: Page) {
    const payments = new PaymentsPage(page);
    await payments.verify('Pagamento dei servizi scolastici');
    return payments;
  }

  /** Ticks the first `count` documents that can be paid and presses AVVIA PAGAMENTO. */
  async payFirst(count: number) {
    const boxes = this.page.getByRole('checkbox');
    for (let i = 0; i < count; i++) await boxes.nth(i).check();
    await this.page.getByRole('button', { name: 'AVVIA PAGAMENTO' }).click();
  }

  async checkedLabels(count: number): Promise<string[]> {
    const labels: string[] = [];
    for (let i = 0; i < count; i++) labels.push((await this.page.locator('label.form-check-label').nth(i).textContent())?.trim() ?? '');
    return labels;
  }
}

export class PaymentResultPage extends PortalPage {
  static async on(page: Page) {
    const result = new PaymentResultPage(page);
    await result.verify('Esito del pagamento');
    return result;
  }

  async text(): Promise<string> {
    return (await this.page.locator('main').textContent()) ?? '';
  }
}

export class TopupFormPage extends PortalPage {
  static async on(page: Page) {
    const form = new TopupFormPage(page);
    await form.verify('Ricariche con pagoPA');
    return form;
  }

  async request(badgeLabel: RegExp, amount: string) {
    const select = this.page.getByLabel('Servizio e badge');
    const options = await select.locator('option').allTextContents();
    await select.selectOption({ label: options.find((o) => badgeLabel.test(o))! });
    await this.page.getByLabel('Importo in euro').fill(amount);
    await this.page.getByRole('button', { name: 'CONFERMA' }).click();
  }
}

export class TopupPage extends PortalPage {
  static async on(page: Page) {
    const topup = new TopupPage(page);
    await topup.verify('Ricariche con pagoPA');
    assert.ok(await page.getByRole('heading', { name: 'Come vuoi pagare la ricarica?' }).isVisible());
    return topup;
  }

  /** "Paga dopo": the top-up takes its notice, and the page comes back with the notice to download. */
  async payLater(): Promise<TopupPage> {
    await this.page.getByRole('button', { name: 'Prepara l’avviso da pagare dopo' }).click();
    return TopupPage.on(this.page);
  }

  /** The notice code as the page prints it, in groups of four. */
  async noticeCode(): Promise<string> {
    const text = (await this.page.locator('main').textContent()) ?? '';
    return /Avviso pagoPA ((?:\d{4} ){4}\d{2})/.exec(text)![1]!;
  }
}

/** The sandbox's own pages: they play pagoPA, so they are checked for accessibility like ours. */
export class SandboxPage extends PortalPage {
  static async on(page: Page, title: string) {
    const sandbox = new SandboxPage(page);
    await sandbox.verify(title);
    return sandbox;
  }

  async text(): Promise<string> {
    return (await this.page.locator('main').textContent()) ?? '';
  }
}
