import type { Ente } from '../../db/schema';
import type { PageContext } from '../shared/context';
import { Layout } from '../shared/layout';

export function HomePage({ ctx, enti }: { ctx: PageContext; enti: Ente[] }) {
  const { m } = ctx;
  return (
    <Layout ctx={ctx} title={m.home.title}>
      <h1>{m.home.title}</h1>
      <p class="lead">{m.home.intro}</p>
      <h2 class="h4 mt-4">{m.home.enti}</h2>
      {enti.length === 0 ? (
        <p>{m.home.none}</p>
      ) : (
        <ul class="link-list list-unstyled">
          {enti.map((ente) => (
            <li key={ente.id} class="mb-2">
              <a class="fs-5" href={`/${ente.slug}/`}>
                {ente.name}
              </a>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}

export function LegalPage({
  ctx,
  title,
  paragraphs,
  links,
}: {
  ctx: PageContext;
  title: string;
  paragraphs: string[];
  links?: { title: string; items: { label: string; href: string }[] };
}) {
  return (
    <Layout ctx={ctx} title={title} crumbs={[{ label: ctx.m.breadcrumb.home, href: '/' }, { label: title }]}>
      <h1>{title}</h1>
      {paragraphs.map((text, i) => (
        <p key={i}>{text}</p>
      ))}
      {links && links.items.length > 0 && (
        <>
          <h2 class="h4">{links.title}</h2>
          <ul>
            {links.items.map((item) => (
              <li key={item.href}>
                <a href={item.href}>{item.label}</a>
              </li>
            ))}
          </ul>
        </>
      )}
    </Layout>
  );
}
