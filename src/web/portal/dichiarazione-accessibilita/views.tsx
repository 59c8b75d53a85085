import type { Ente } from '../../../db/schema';
import type { PageContext } from '../../shared/context';
import { Layout } from '../../shared/layout';

type Ctx = PageContext & { ente: Ente };

/** "Il Comune di Esempio" at the start of a sentence: the ente's name with its article, or its bare name. */
function subjectOf(ente: Ente): string {
  const named = ente.name_with_article.trim() || ente.name;
  return named.charAt(0).toUpperCase() + named.slice(1);
}

/**
 * The ente's accessibility statement (decision 0020), in the sections of AgID's model: conformance state,
 * non-accessible contents, when it was drawn up, feedback, enforcement. While the office has not filled it
 * in, the general statement of the software, with the office's e-mail for feedback.
 */
export function AccessibilityStatementPage({ ctx }: { ctx: Ctx }) {
  const { m, ente } = ctx;
  const s = m.officeSettings.statement;
  const crumbs = [{ label: m.breadcrumb.home, href: '/' }, { label: ente.name, href: `/${ente.slug}/` }, { label: s.title }];
  const state = ente.accessibility_state;
  const feedbackEmail = ente.accessibility_feedback_email ?? ente.office_email;
  return (
    <Layout ctx={ctx} title={s.title} crumbs={crumbs}>
      <h1>{s.title}</h1>
      <p>{s.intro(subjectOf(ente))}</p>
      {state ? (
        <>
          <h2 class="h4">{s.stateTitle}</h2>
          <p>{s.state(s.stateWords[state] ?? state)}</p>
          {ente.accessibility_non_accessible && (
            <>
              <h2 class="h4">{s.nonAccessibleTitle}</h2>
              {ente.accessibility_non_accessible.split(/\n+/).map((paragraph, i) => (
                <p key={i}>{paragraph}</p>
              ))}
            </>
          )}
          {ente.accessibility_statement_date && (
            <>
              <h2 class="h4">{s.preparedTitle}</h2>
              <p>{s.prepared(m.format.date(ente.accessibility_statement_date))}</p>
            </>
          )}
        </>
      ) : (
        <>
          <p>{s.notYet}</p>
          {m.legal.accessibilityBody.slice(0, 2).map((text, i) => (
            <p key={i}>{text}</p>
          ))}
        </>
      )}
      <h2 class="h4">{s.feedbackTitle}</h2>
      <p>
        {s.feedback} <a href={`mailto:${feedbackEmail}`}>{feedbackEmail}</a>.
      </p>
      <h2 class="h4">{s.enforcementTitle}</h2>
      <p>{s.enforcement}</p>
    </Layout>
  );
}
