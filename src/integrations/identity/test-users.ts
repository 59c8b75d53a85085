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

/** A person the test IdP can put in its tokens: a listed test user, or anyone typed into its form. */
export interface TestPerson {
  fiscalCode: string;
  givenName: string;
  familyName: string;
  email?: string;
}

/**
 * The people of one test IdP: the listed test users, and every person someone logged in as through its
 * form ("Codice fiscale", "Nome", "Cognome") — so that a person the office has just created can log in.
 * Kept in memory, like the rest of the test IdP's state.
 */
export function createTestPeople() {
  const typed = new Map<string, TestPerson>();
  return {
    find(fiscalCode: string): TestPerson | undefined {
      return typed.get(fiscalCode) ?? TEST_USERS.find((u) => u.fiscalCode === fiscalCode);
    },
    remember(person: TestPerson): void {
      typed.set(person.fiscalCode, person);
    },
  };
}

export type TestPeople = ReturnType<typeof createTestPeople>;
