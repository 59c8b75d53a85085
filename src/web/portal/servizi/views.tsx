import type { Ente } from '../../../db/schema';
import { ContactsBox } from '../../shared/components';
import type { PageContext } from '../../shared/context';
import { Icon, Layout } from '../../shared/layout';

/** The seven services of the seed, in the seed's order; the key is also the path under /{ente}/. */
export const PORTAL_SERVICES = [
  { key: 'scheda-anagrafica', icon: 'it-card' },
  { key: 'documenti-contabili', icon: 'it-files' },
  { key: 'refezione', icon: 'it-calendar' },
  { key: 'pagamenti', icon: 'it-card' },
  { key: 'conto-corrente', icon: 'it-chart-line' },
  { key: 'ricariche', icon: 'it-plus-circle' },
  { key: 'assenze', icon: 'it-mail' },
] as const;

export type PortalServiceKey = (typeof PORTAL_SERVICES)[number]['key'];

type EnteContext = PageContext & { ente: Ente };

export function ServiceListPage({ ctx }: { ctx: EnteContext }) {
  const { m, ente } = ctx;
  return (
    <Layout
      ctx={ctx}
      title={m.services.title}
      crumbs={[{ label: m.breadcrumb.home, href: '/' }, { label: ente.name }]}
    >
      <h1>{m.services.title}</h1>
      <p class="lead">{m.services.intro}</p>
      <ul class="row list-unstyled g-4 mt-2">
        {PORTAL_SERVICES.map((service) => {
          const text = m.services.items[service.key];
          return (
            <li class="col-12 col-md-6 col-lg-4" key={service.key}>
              <div class="card card-bg h-100 shadow-sm">
                <div class="card-body d-flex flex-column">
                  <h2 class="h5 card-title">
                    <Icon name={service.icon} className="me-2" />
                    {text.title}
                  </h2>
                  <p class="card-text flex-grow-1">{text.description}</p>
                  <a class="btn btn-primary mt-2" href={`/${ente.slug}/${service.key}`}>
                    {text.title}
                  </a>
                </div>
              </div>
            </li>
          );
        })}
      </ul>
      <p class="mt-4 mb-2">{m.messages.preferences.linkLead}</p>
      <p>
        <a class="btn btn-outline-primary" href={`/${ente.slug}/preferenze-messaggi`}>
          {m.messages.preferences.link}
        </a>
      </p>
      <ContactsBox m={m} ente={ente} />
    </Layout>
  );
}
