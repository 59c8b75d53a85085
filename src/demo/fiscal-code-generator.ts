import { personalCheckCharacter } from '../domain/registry/fiscal-code';

const MONTH_LETTERS = 'ABCDEHLMPRST';

function letters(value: string) {
  const clean = value
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toUpperCase();
  return { consonants: clean.replace(/[AEIOU]/g, ''), vowels: clean.replace(/[^AEIOU]/g, '') };
}

function surnameCode(familyName: string): string {
  const { consonants, vowels } = letters(familyName);
  return `${consonants}${vowels}XXX`.slice(0, 3);
}

function nameCode(givenName: string): string {
  const { consonants, vowels } = letters(givenName);
  if (consonants.length >= 4) return consonants[0]! + consonants[2]! + consonants[3]!;
  return `${consonants}${vowels}XXX`.slice(0, 3);
}

/** Builds the fiscal code of a fictitious person (demo data), by the official rules, check character included. */
export function fiscalCodeFor(person: {
  familyName: string;
  givenName: string;
  sex: 'F' | 'M';
  birthDate: string;
  placeCode: string;
}): string {
  const [year, month, day] = person.birthDate.split('-').map(Number) as [number, number, number];
  const dayCode = String(person.sex === 'F' ? day + 40 : day).padStart(2, '0');
  const first15 =
    surnameCode(person.familyName) +
    nameCode(person.givenName) +
    String(year % 100).padStart(2, '0') +
    MONTH_LETTERS[month - 1] +
    dayCode +
    person.placeCode;
  return first15 + personalCheckCharacter(first15);
}
