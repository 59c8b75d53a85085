import type { ImportProblem } from '../../../domain/import/columns';
import type { Messages } from '../../i18n/it';

/** A problem of an import file in words: the catalogue's text, with the other row or the header name it names. */
export function describeImportProblem(m: Messages, problem: ImportProblem): string {
  const text = m.officeImport.problems[problem.code];
  if (problem.otherRow !== undefined) return `${text} ${problem.otherRow}.`;
  if (problem.value !== undefined) return `${text} «${problem.value}».`;
  return text;
}
