import type { ComponentChildren } from 'preact';
import { APP_ASSETS_PREFIX, BOOTSTRAP_ITALIA_PREFIX, FONTS_CSS_PATH, SPRITES } from './assets';
import type { Crumb, PageContext } from './context';
import { enteFragment } from './fragment-cache';

export function Icon({ name, className = '' }: { name: string; className?: string }) {
  return (
    <svg class={`icon ${className}`.trim()} aria-hidden="true" focusable="false">
      <use href={`${SPRITES}#${name}`} />
    </svg>
  );
}

function LanguageSwitch({ ctx }: { ctx: PageContext }) {
  const target = ctx.m.lang === 'it' ? 'en' : 'it';
  const href = `/lingua/${target}?torna=${encodeURIComponent(ctx.path)}`;
  return (
    <a class="nav-link text-white" href={href} lang={target} hreflang={target} aria-label={ctx.m.header.switchLanguageLabel}>
      {ctx.m.header.switchLanguage}
    </a>
  );
}

function SessionControls({ ctx }: { ctx: PageContext }) {
  const { m } = ctx;
  if (ctx.user && ctx.csrfToken) {
    return (
      <div class="d-flex flex-wrap align-items-center gap-3">
        <span class="text-white small">{m.header.loggedInAs(ctx.user.fullName)}</span>
        {ctx.officeLink && ctx.ente && (
          <a class="btn btn-outline-light btn-sm" href={`/${ctx.ente.slug}/ufficio/`}>
            {m.header.office}
          </a>
        )}
        <form method="post" action="/auth/logout" class="m-0">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          {ctx.ente && <input type="hidden" name="ente" value={ctx.ente.slug} />}
          <button type="submit" class="btn btn-primary btn-sm btn-icon">
            <Icon name="it-logout" className="icon-white icon-sm me-1" />
            {m.header.logout}
          </button>
        </form>
      </div>
    );
  }
  const loginHref = `/auth/login?torna=${encodeURIComponent(ctx.path)}`;
  return (
    <a class="btn btn-primary btn-sm btn-icon" href={loginHref}>
      <Icon name="it-user" className="icon-white icon-sm me-1" />
      {m.header.login}
    </a>
  );
}

function Brand({ ctx }: { ctx: PageContext }) {
  const home = ctx.ente ? `/${ctx.ente.slug}/` : '/';
  return (
    <div class="container">
      <div class="it-header-center-content-wrapper">
        <div class="it-brand-wrapper">
          <a href={home}>
            <Icon name="it-pa" />
            <div class="it-brand-text">
              <div class="it-brand-title">{ctx.ente ? ctx.ente.name : ctx.m.appName}</div>
              <div class="it-brand-tagline d-none d-md-block">{ctx.m.header.tagline}</div>
            </div>
          </a>
        </div>
      </div>
    </div>
  );
}

function Header({ ctx }: { ctx: PageContext }) {
  return (
    <header class="it-header-wrapper">
      <div class="it-header-slim-wrapper">
        <div class="container">
          <div class="it-header-slim-wrapper-content d-flex justify-content-between align-items-center">
            <a class="d-none d-lg-block navbar-brand" href="/">
              {ctx.m.appName}
            </a>
            <div class="it-header-slim-right-zone d-flex align-items-center gap-3">
              <LanguageSwitch ctx={ctx} />
              {!ctx.identityProviderPage && <SessionControls ctx={ctx} />}
            </div>
          </div>
        </div>
      </div>
      <div
        class="it-header-center-wrapper"
        dangerouslySetInnerHTML={{ __html: enteFragment(ctx.ente, ctx.m, 'brand', () => <Brand ctx={ctx} />) }}
      />
    </header>
  );
}

function Breadcrumbs({ ctx, crumbs }: { ctx: PageContext; crumbs: Crumb[] }) {
  return (
    <nav class="breadcrumb-container" aria-label={ctx.m.breadcrumb.label}>
      <ol class="breadcrumb">
        {crumbs.map((crumb, index) => {
          const last = index === crumbs.length - 1;
          return (
            <li class={`breadcrumb-item${last ? ' active' : ''}`} aria-current={last ? 'page' : undefined} key={index}>
              {crumb.href && !last ? <a href={crumb.href}>{crumb.label}</a> : crumb.label}
              {!last && <span class="separator">/</span>}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

function Footer({ ctx }: { ctx: PageContext }) {
  const html = enteFragment(ctx.ente, ctx.m, 'footer', () => <FooterContent ctx={ctx} />);
  return <footer class="it-footer" id="footer" dangerouslySetInnerHTML={{ __html: html }} />;
}

function FooterContent({ ctx }: { ctx: PageContext }) {
  const { m } = ctx;
  return (
    <>
      <div class="it-footer-main">
        <div class="container py-4">
          <p class="h5 text-white">{ctx.ente ? ctx.ente.name : m.appName}</p>
          {ctx.ente && (
            <p class="text-white small mb-0">
              {ctx.ente.office_name} — {ctx.ente.office_address} — {ctx.ente.office_email} — {ctx.ente.office_phone}
            </p>
          )}
        </div>
      </div>
      <div class="it-footer-small-prints clearfix">
        <div class="container">
          <ul class="it-footer-small-prints-list list-inline mb-0 d-flex flex-column flex-md-row">
            <li class="list-inline-item">
              {/* Inside an ente, its own statement (decision 0020). */}
              <a href={ctx.ente ? `/${ctx.ente.slug}/dichiarazione-accessibilita` : '/dichiarazione-accessibilita'}>{m.footer.accessibility}</a>
            </li>
            <li class="list-inline-item">
              <a href="/privacy">{m.footer.privacy}</a>
            </li>
            <li class="list-inline-item">
              <span class="text-white">{m.footer.software}</span>
            </li>
          </ul>
        </div>
      </div>
    </>
  );
}

export function Layout({
  ctx,
  title,
  crumbs,
  children,
}: {
  ctx: PageContext;
  title: string;
  crumbs?: Crumb[];
  children: ComponentChildren;
}) {
  const documentTitle = ctx.ente ? `${title} — ${ctx.ente.name}` : `${title} — ${ctx.m.appName}`;
  return (
    <html lang={ctx.m.lang}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{documentTitle}</title>
        <link rel="stylesheet" href={FONTS_CSS_PATH} />
        <link rel="stylesheet" href={`${BOOTSTRAP_ITALIA_PREFIX}css/bootstrap-italia.min.css`} />
        <link rel="stylesheet" href={`${APP_ASSETS_PREFIX}css/app.css`} />
        <script src={`${APP_ASSETS_PREFIX}js/error-summary.js`} defer />
      </head>
      <body>
        <div class="skiplink">
          <a class="visually-hidden-focusable" href="#main">
            {ctx.m.skipToContent}
          </a>
          <a class="visually-hidden-focusable" href="#footer">
            {ctx.m.skipToFooter}
          </a>
        </div>
        <Header ctx={ctx} />
        {/* Before the main content, so that what comes first in it (a page's error summary) is its start. */}
        {crumbs && crumbs.length > 0 && (
          <div class="container mt-3">
            <Breadcrumbs ctx={ctx} crumbs={crumbs} />
          </div>
        )}
        <main id="main" class="container my-4">
          {children}
        </main>
        <Footer ctx={ctx} />
      </body>
    </html>
  );
}
