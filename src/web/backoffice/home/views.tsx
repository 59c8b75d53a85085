import type { Ente, OperatorRole } from '../../../db/schema';
import { ContactsBox } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { Layout } from '../../shared/layout';

export function BackofficeHomePage({
  ctx,
  operator,
}: {
  ctx: PageContext & { ente: Ente };
  operator: { givenName: string; familyName: string; role: OperatorRole };
}) {
  const { m, ente } = ctx;
  return (
    <Layout
      ctx={ctx}
      title={m.backoffice.title}
      crumbs={[
        { label: m.breadcrumb.home, href: '/' },
        { label: ente.name, href: `/${ente.slug}/` },
        { label: m.backoffice.title },
      ]}
    >
      <h1>{m.backoffice.title}</h1>
      <p class="lead">
        {m.backoffice.welcome(`${operator.givenName} ${operator.familyName}`, m.backoffice.roles[operator.role])}
      </p>
      {(operator.role === 'cucina' || operator.role === 'amministratore') && (
        <p>
          <a class="btn btn-primary" href={`/${ente.slug}/ufficio/pasti`}>
            {m.kitchen.title}
          </a>
        </p>
      )}
      {(operator.role === 'operatore' || operator.role === 'amministratore') && (
        <p>
          <a class="btn btn-primary" href={`/${ente.slug}/ufficio/ricevute`}>
            {m.officeReceipts.link}
          </a>
        </p>
      )}
      <p>{m.backoffice.placeholder}</p>
      <ContactsBox m={m} ente={ente} />
    </Layout>
  );
}
