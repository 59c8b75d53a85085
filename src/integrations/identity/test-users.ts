/**
 * People the built-in test identity provider can log in as. Fictitious, with valid fiscal codes:
 * the first two are SPID's conventional test users.
 */
export interface TestUser {
  fiscalCode: string;
  givenName: string;
  familyName: string;
  email: string;
  note: string;
}

export const TEST_USERS: readonly TestUser[] = [
  { fiscalCode: 'LVLDAA85T50G702B', givenName: 'Ada', familyName: 'Lovelace', email: 'ada.lovelace@example.org', note: 'genitore intestatario di due alunni' },
  { fiscalCode: 'RSSMRA80A01H501U', givenName: 'Mario', familyName: 'Rossi', email: 'mario.rossi@example.org', note: 'non è intestatario di nessun alunno' },
  { fiscalCode: 'PLOMRC01P30L736Y', givenName: 'Marco', familyName: 'Polo', email: 'marco.polo@example.org', note: 'amministratore del Comune' },
  { fiscalCode: 'BNCGLI80A41F205F', givenName: 'Giulia', familyName: 'Bianchi', email: 'giulia.bianchi@example.org', note: 'genitore intestatario di un alunno' },
  { fiscalCode: 'VRDLCU75C12L219L', givenName: 'Luca', familyName: 'Verdi', email: 'luca.verdi@example.org', note: 'operatore della cucina' },
];
