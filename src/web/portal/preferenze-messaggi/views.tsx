import type { Ente } from '../../../db/schema';
import type { ChannelChoice } from '../../../domain/messages/service';
import { ErrorSummary } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { ServicePage } from '../../shared/components';

export function MessagePreferencesPage({
  ctx,
  choices,
  email,
  saved,
  invalid,
}: {
  ctx: PageContext & { ente: Ente };
  choices: ChannelChoice[];
  email: string | null;
  saved: boolean;
  invalid?: boolean;
}) {
  const t = ctx.m.messages.preferences;
  return (
    <ServicePage
      ctx={ctx}
      title={t.title}
      notice={t.notice}
      lead={<p class="lead">{t.lead}</p>}
      errors={invalid ? <ErrorSummary title={ctx.m.forms.summaryTitle} items={[{ text: ctx.m.forms.problems.invalid }]} /> : undefined}
    >
      {saved && (
        <div class="alert alert-success" role="status">
          {t.saved}
        </div>
      )}
      <p>{email ? t.emailFromRegistry(email) : t.noEmail}</p>
      <form method="post" action={`/${ctx.ente.slug}/preferenze-messaggi`} novalidate>
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        {choices.map((choice) => (
          <fieldset class="mb-4" key={choice.kind}>
            <legend class="h5">{t.kinds[choice.kind]}</legend>
            {(['email', 'io'] as const).map((channel) => (
              <div class="form-check form-check-inline" key={channel}>
                <input type="checkbox" id={`${channel}-${choice.kind}`} name={`${channel}_${choice.kind}`} value="1" checked={choice[channel]} />
                <label for={`${channel}-${choice.kind}`}>{t.channels[channel]}</label>
              </div>
            ))}
          </fieldset>
        ))}
        <p class="small">{t.languageNote}</p>
        <button type="submit" class="btn btn-primary">
          {t.save}
        </button>
      </form>
    </ServicePage>
  );
}
