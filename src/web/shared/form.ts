import { z } from 'zod';
import { hasControlCharacters } from './forms';

/**
 * The one forms pattern (DESIGN §8, decision 0016). Each form has one zod schema whose fields are
 * strings as the browser sends them; a field's problem is a catalogue key (the schema's `message`), shown
 * under the field and in the error summary. `parseForm` gives both what was typed (to show again after a
 * refused submit) and, when nothing is wrong, the parsed values.
 *
 *   const personForm = z.object({ codice_fiscale: z.string().trim().regex(CF, 'cfInvalid'), … });
 *   const form = parseForm(personForm, request.body);
 *   if (!form.ok) return sendPage(reply, <PersonPage values={form.typed} problems={form.problems} … />, 422);
 *   await services.registry.createPerson(request.office!, form.values);
 *
 * Anything that is not text a person could type — a field sent twice, a value with control characters
 * (NUL included) or longer than `maxLength` — is a problem of that field, never a 500 and never stored.
 */
export type FormProblems<Field extends string = string> = Partial<Record<Field, string>>;

export type ParsedForm<Schema extends z.ZodObject> =
  | { ok: true; values: z.output<Schema>; typed: Record<string, string> }
  | { ok: false; problems: FormProblems<Extract<keyof z.input<Schema>, string>>; typed: Record<string, string> };

/** No field of our forms is longer; a longer one was not typed into our page. */
const DEFAULT_MAX_LENGTH = 2000;

export function parseForm<Schema extends z.ZodObject>(
  schema: Schema,
  body: unknown,
  { maxLength = DEFAULT_MAX_LENGTH, multiline = [] as readonly string[] } = {},
): ParsedForm<Schema> {
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const typed: Record<string, string> = {};
  const problems: Record<string, string> = {};
  for (const field of Object.keys(schema.shape)) {
    const value = raw[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      problems[field] = 'invalid';
      continue;
    }
    // Line breaks are text only in the fields meant for several lines (a note, an address).
    const text = multiline.includes(field) ? value.replace(/\r\n?/g, '\n') : value;
    const forbidden = multiline.includes(field) ? hasControlCharacters(text.replace(/[\n\t]/g, '')) : hasControlCharacters(text);
    if (forbidden) problems[field] = 'controlCharacters';
    else if (text.length > maxLength) problems[field] = 'tooLong';
    // What was typed is shown again, without the characters that made it invalid.
    // eslint-disable-next-line no-control-regex
    typed[field] = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').slice(0, maxLength);
  }
  if (Object.keys(problems).length === 0) {
    const parsed = schema.safeParse(Object.fromEntries(Object.keys(schema.shape).map((field) => [field, typed[field] ?? ''])));
    if (parsed.success) return { ok: true, values: parsed.data, typed };
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '');
      // The first problem of a field is the one shown: fix it, then the next.
      if (field && !problems[field]) problems[field] = issue.message;
    }
  }
  return { ok: false, problems: problems as FormProblems<Extract<keyof z.input<Schema>, string>>, typed };
}
