import type { OperatorContext } from '../../../domain/operators/context';
import { may } from '../../../domain/operators/context';
import type { PageContext } from '../../shared/context';
import type { Ente } from '../../../db/schema';
import { ContactsBox } from '../../shared/components';
import { Layout } from '../../shared/layout';
import { OFFICE_AREAS } from '../areas';

/** What the operator's role may do, one card per area (the permission table decides which). */
export function BackofficeHomePage({ ctx, office }: { ctx: PageContext & { ente: Ente }; office: OperatorContext }) {
  const { m, ente } = ctx;
  const { operator } = office;
  const areas = OFFICE_AREAS.filter((area) => may(office, area.permission));
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
      <p class="lead">{m.backoffice.welcome(`${operator.givenName} ${operator.familyName}`, m.backoffice.roles[operator.role])}</p>
      <h2 class="h4 mt-4">{m.backoffice.whatYouCanDo}</h2>
      {areas.length === 0 && <p>{m.backoffice.nothingYet}</p>}
      <ul class="list-unstyled row g-3">
        {areas.map((area) => (
          <li class="col-12 col-md-6" key={area.key}>
            <div class="card card-bg h-100">
              <div class="card-body">
                <h3 class="h5 card-title">
                  <a href={`/${ente.slug}/ufficio/${area.path}`}>{m.backoffice.areas[area.key].title}</a>
                </h3>
                <p class="card-text">{m.backoffice.areas[area.key].description}</p>
              </div>
            </div>
          </li>
        ))}
      </ul>
      <ContactsBox m={m} ente={ente} />
    </Layout>
  );
}
