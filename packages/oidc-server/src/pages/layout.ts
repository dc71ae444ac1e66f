import { languageSwitch } from '../language.ts';
import { currentLocale, t } from '../messages/index.ts';
import { type Html, html, raw } from './html.ts';
import { RECOVERY_PRINT_CSS } from './recovery-tools.ts';

/** What every page needs: the CSP nonce of this response and the name shown in the header. */
export interface PageContext {
  nonce: string;
  siteName: string;
}

// Minimal, readable, no external fonts or scripts.
const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2733;background:#f3f5f7}
main{max-width:26rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
header{font-weight:600;color:#3a5a78;margin-bottom:1rem}h1{font-size:1.4rem;margin:0 0 1rem}h2{font-size:1.05rem;margin:1.5rem 0 .5rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}input[type=email],input[type=password],input[type=text],input[type=tel]{width:100%;padding:.6rem;font-size:1rem;border:1px solid #8a97a5;border-radius:4px}
label.check{display:flex;gap:.5rem;font-weight:400;align-items:center}
button{margin-top:1rem;padding:.6rem 1rem;font-size:1rem;border:0;border-radius:4px;background:#2b6cb0;color:#fff;cursor:pointer;width:100%}
button.secondary{background:#e2e8f0;color:#1d2733}button:focus,input:focus,a:focus{outline:3px solid #f6ad55;outline-offset:2px}
[role=alert]{padding:.75rem;border-radius:4px;background:#fde8e8;color:#8a1c1c;margin-bottom:1rem}
.note{padding:.75rem;border-radius:4px;background:#ebf4ff;margin-bottom:1rem}
.code{font:1.4rem/1.2 ui-monospace,monospace;letter-spacing:.1em;padding:1rem;background:#f7fafc;border:1px dashed #8a97a5;text-align:center}
.qr svg{width:12rem;height:12rem;display:block;margin:0 auto}ul.methods{padding-left:1.2rem}form.inline{margin-top:.5rem}
nav.lang{margin-top:1.5rem;font-size:.9rem;text-align:right}
.button{display:inline-block;padding:.6rem 1rem;border-radius:4px;background:#e2e8f0;color:#1d2733;text-decoration:none}.muted{color:#4a5a6b;font-size:.95rem}
${RECOVERY_PRINT_CSS}
`;

/**
 * The HTML document every page is framed in (IdP pages, console, the demo's): the head with the
 * page's `title` and its `stylesheet` (an inline `<style nonce>` or a `<link>`), then `body`.
 */
export function htmlDocument(title: string, stylesheet: Html, body: Html): string {
  return html`<!doctype html>
<html lang="${currentLocale()}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
${stylesheet}
</head>
<body>
${body}
</body>
</html>`.value;
}

/** The response's inline stylesheet, allowed by its CSP nonce. */
export function inlineStyle(nonce: string, css: string): Html {
  return html`<style nonce="${nonce}">${raw(css)}</style>`;
}

export function layout(ctx: PageContext, title: string, body: Html): string {
  return htmlDocument(
    `${title} · ${ctx.siteName}`,
    inlineStyle(ctx.nonce, CSS),
    html`<main>
<header>${ctx.siteName}</header>
<h1>${title}</h1>
${body}
${languageSwitch()}
</main>`,
  );
}

export function alert(message: string | null | undefined): Html {
  return message ? html`<div role="alert">${message}</div>` : html``;
}

export function note(message: string | null | undefined): Html {
  return message ? html`<p class="note" role="status">${message}</p>` : html``;
}

/** A POST form with its CSRF token. */
export function form(action: string, csrf: string, content: Html, className = ''): Html {
  return html`<form method="post" action="${action}" class="${className}" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
${content}
</form>`;
}

export function cancelForm(action: string, csrf: string): Html {
  return form(
    action,
    csrf,
    html`<button type="submit" class="secondary">${t('common.cancel')}</button>`,
    'inline',
  );
}
