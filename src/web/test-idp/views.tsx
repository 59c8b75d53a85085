import { renderToString } from 'preact-render-to-string';
import type { TestUser } from '../../integrations/identity/test-users';
import type { Messages } from '../i18n/it';
import { Problem } from '../shared/components';
import type { PageContext } from '../shared/context';
import { Layout } from '../shared/layout';

const LEVELS = [
  { key: 'L1', acr: 'https://www.spid.gov.it/SpidL1' },
  { key: 'L2', acr: 'https://www.spid.gov.it/SpidL2' },
  { key: 'L3', acr: 'https://www.spid.gov.it/SpidL3' },
] as const;

/** What was typed into the test IdP's "any person" form. */
export interface TestIdpPersonValues {
  fiscalCode: string;
  givenName: string;
  familyName: string;
  level: string;
}

/**
 * The test IdP's log-in page: a banner that it is not SPID, the level, one button per test user, and a
 * form to log in as any person with a valid codice fiscale.
 */
export function TestIdpLoginPage({
  ctx,
  uid,
  users,
  person = { fiscalCode: '', givenName: '', familyName: '', level: LEVELS[1].acr },
  problems = {},
}: {
  ctx: PageContext;
  uid: string;
  users: readonly TestUser[];
  person?: TestIdpPersonValues;
  problems?: Partial<Record<keyof TestIdpPersonValues, string>>;
}) {
  const t = ctx.m.testIdp;
  const fields = [
    { name: 'fiscalCode', label: t.fiscalCode, autocomplete: 'off' },
    { name: 'givenName', label: t.givenName, autocomplete: 'given-name' },
    { name: 'familyName', label: t.familyName, autocomplete: 'family-name' },
  ] as const;
  const problemText = (field: keyof TestIdpPersonValues) => {
    const key = problems[field];
    return key ? t.problems[key as keyof typeof t.problems] : undefined;
  };
  return (
    <Layout ctx={ctx} title={t.title}>
      <div class="alert alert-danger" role="note">
        <strong>{t.banner}</strong>
      </div>
      <h1>{t.title}</h1>
      <p>{t.intro}</p>
      <form method="post" action={`/test-idp/interaction/${uid}/login`}>
        <fieldset class="mb-4">
          <legend class="h5">{t.level}</legend>
          {LEVELS.map((level) => (
            <div class="form-check form-check-inline" key={level.key}>
              <input
                class="form-check-input"
                type="radio"
                name="level"
                id={`level-${level.key}`}
                value={level.acr}
                checked={level.key === 'L2'}
              />
              <label class="form-check-label" for={`level-${level.key}`}>
                {t.levels[level.key]}
              </label>
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend class="h5">{t.users}</legend>
          <ul class="list-unstyled">
            {users.map((user) => (
              <li class="mb-2" key={user.fiscalCode}>
                <button type="submit" name="fiscalCode" value={user.fiscalCode} class="btn btn-outline-primary text-start w-100">
                  {user.givenName} {user.familyName} — {user.fiscalCode}
                  <span class="d-block small">{user.note}</span>
                </button>
              </li>
            ))}
          </ul>
        </fieldset>
      </form>
      <section aria-labelledby="any-person" class="my-5">
        <h2 class="h4" id="any-person">
          {t.anyPerson}
        </h2>
        <p>{t.anyPersonIntro}</p>
        {Object.keys(problems).length > 0 && (
          <div class="alert alert-danger" role="alert" id="problems" tabindex={-1}>
            <p class="mb-1">{t.problemsTitle}</p>
            <ul class="mb-0">
              {fields
                .filter((f) => problems[f.name])
                .map((f) => (
                  <li key={f.name}>
                    <a href={`#person-${f.name}`}>{problemText(f.name)}</a>
                  </li>
                ))}
            </ul>
          </div>
        )}
        <form method="post" action={`/test-idp/interaction/${uid}/login-as`} novalidate>
          {fields.map((f) => (
            <div class="form-group mb-4" key={f.name}>
              <label for={`person-${f.name}`} class="active">
                {f.label}
              </label>
              <input
                type="text"
                class="form-control"
                id={`person-${f.name}`}
                name={f.name}
                value={person[f.name]}
                autocomplete={f.autocomplete}
                required
                {...(problems[f.name] ? { 'aria-invalid': 'true' as const, 'aria-describedby': `person-${f.name}-problem` } : {})}
              />
              <Problem id={`person-${f.name}-problem`} text={problemText(f.name)} />
            </div>
          ))}
          <div class="select-wrapper mb-4">
            <label for="person-level">{t.level}</label>
            <select id="person-level" name="level">
              {LEVELS.map((level) => (
                <option value={level.acr} selected={level.acr === person.level} key={level.key}>
                  {t.levels[level.key]}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="btn btn-primary">
            {t.loginAs}
          </button>
        </form>
      </section>
      <form method="post" action={`/test-idp/interaction/${uid}/abort`}>
        <button type="submit" class="btn btn-secondary">
          {t.cancel}
        </button>
      </form>
    </Layout>
  );
}

/** Rendered inside oidc-provider (not a Fastify reply): it receives the provider's form and adds the buttons. */
export function renderTestIdpLogout(m: Messages, form: string): string {
  const ctx: PageContext = { m, path: '/', requestId: '-', identityProviderPage: true };
  const html = renderToString(
    <Layout ctx={ctx} title={m.testIdp.logoutTitle}>
      <div class="alert alert-danger" role="note">
        <strong>{m.testIdp.banner}</strong>
      </div>
      <h1>{m.testIdp.logoutTitle}</h1>
      <div id="provider-form" />
      <div class="d-flex gap-3">
        <button type="submit" form="op.logoutForm" value="yes" name="logout" class="btn btn-primary">
          {m.testIdp.logoutYes}
        </button>
        <button type="submit" form="op.logoutForm" class="btn btn-outline-primary">
          {m.testIdp.logoutNo}
        </button>
      </div>
    </Layout>,
  );
  // The provider's own form (with its anti-forgery field) takes the place of the placeholder.
  return `<!DOCTYPE html>${html.replace('<div id="provider-form"></div>', form)}`;
}
