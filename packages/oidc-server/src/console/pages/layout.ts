/** The console frame: header with the clinic's name, navigation, sign-out; cards, tables, badges. */
import type { StaffMember } from '@twostep/core';
import { formatTime, LANGUAGE_NAMES, type Locale, SUPPORTED_LOCALES, t } from '../../messages/index.ts';
import { type Html, html } from '../../pages/html.ts';
import { alert, htmlDocument, inlineStyle } from '../../pages/layout.ts';
import { languageSwitch } from '../../language.ts';
import { RECOVERY_PRINT_CSS } from '../../pages/recovery-tools.ts';

export { alert };

export interface ConsolePage {
  nonce: string;
  /** The clinic's name. */
  siteName: string;
  /** IANA zone of every time on the page (the clinic's, else the server's). */
  timeZone: string;
  /** The issuer's path ('' at the root); every link starts with it. */
  base: string;
  /** This session's CSRF token, for every form. */
  csrf: string;
  staff: StaffMember;
  isAdmin: boolean;
  area: 'account' | 'admin';
}

// No external fonts, scripts or images. Colours meet WCAG AA contrast on white.
const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",sans-serif;color:#1d2733;background:#f3f5f8}
a{color:#1f5fa8}a:hover{color:#174a85}
:focus-visible{outline:3px solid #f6ad55;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}.skip:focus{left:1rem}
.wrap{max-width:72rem;margin:0 auto;padding:0 1.25rem}
.top{background:#17324d;color:#fff}
.top .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;min-height:3.5rem}
.brand{font-weight:700;font-size:1.05rem;letter-spacing:.01em}
.brand small{display:block;font-weight:400;font-size:.75rem;color:#b9cde2;letter-spacing:.04em;text-transform:uppercase}
.top nav{display:flex;gap:.25rem;flex:1;flex-wrap:wrap}
.top nav a{color:#dbe7f3;text-decoration:none;padding:.45rem .75rem;border-radius:6px}
.top nav a:hover{background:#24476b;color:#fff}
.top nav a[aria-current=page]{background:#2b5a87;color:#fff;font-weight:600}
.who{display:flex;align-items:center;gap:.75rem;color:#dbe7f3;font-size:.9rem}
.who form{margin:0}
.top nav.lang{flex:0 0 auto}.top nav.lang a{font-size:.9rem}
.who button{background:transparent;border:1px solid #6f8fae;color:#fff;padding:.3rem .7rem;border-radius:6px;font:inherit;cursor:pointer}
main{padding:1.75rem 1.25rem 3rem}
h1{font-size:1.6rem;margin:0 0 .25rem}
.lede{color:#4a5a6b;margin:0 0 1.5rem;max-width:48rem}
h2{font-size:1.1rem;margin:0 0 .75rem}
h3{font-size:1rem;margin:1rem 0 .5rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(20rem,100%),1fr));gap:1.25rem;align-items:start}
.card{background:#fff;border:1px solid #dfe5ec;border-radius:10px;padding:1.25rem 1.4rem;margin-bottom:1.25rem;box-shadow:0 1px 2px rgba(23,50,77,.05)}
.grid .card{margin-bottom:0}
.card.wide{grid-column:1/-1}
.grid.two{grid-template-columns:3fr 2fr}
.setting{display:flex;gap:1rem;justify-content:space-between;align-items:flex-start;padding:.6rem 0;border-top:1px solid #e5eaf0}
.setting:first-of-type{border-top:0;padding-top:0}
.setting h3{margin:0 0 .2rem;display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.setting p{margin:0}
.setting .button,.setting button{margin-top:0;white-space:nowrap}
.setting form.inline{margin:0}
.search{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.search label{margin:0;font-weight:500;color:#4a5a6b}
.search input[type=search]{width:16rem}
.search button{margin-top:0}
.card p{margin:.25rem 0 .75rem}
.muted{color:#5a6878;font-size:.9rem}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.spread{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.75rem;align-items:baseline}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=tel],input[type=number],input[type=search],input[type=date],select,textarea{width:100%;max-width:26rem;padding:.5rem .6rem;font:inherit;border:1px solid #8a97a5;border-radius:6px;background:#fff;color:inherit}
textarea{min-height:4.5rem}
.inline-fields{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end}
.inline-fields label{margin-top:0}
.inline-fields>div{flex:1 1 10rem}
button,.button{display:inline-block;margin-top:.75rem;padding:.5rem 1rem;font:inherit;font-weight:600;border:1px solid #2b6cb0;border-radius:6px;background:#2b6cb0;color:#fff;cursor:pointer;text-decoration:none;line-height:1.4}
button:hover,.button:hover{background:#235a94;color:#fff}
button.secondary,.button.secondary{background:#fff;color:#1f5fa8;border-color:#9fb3c8}
button.secondary:hover,.button.secondary:hover{background:#eef3f8}
button.danger{background:#fff;color:#a61b1b;border-color:#e3a3a3}
button.danger:hover{background:#fcecec}
form.inline{display:inline-block;margin:0 .5rem 0 0}
form.inline button{margin-top:.25rem}
[role=alert]{padding:.75rem 1rem;border-radius:8px;background:#fde8e8;color:#8a1c1c;border:1px solid #f3b6b6;margin:0 0 1rem}
.note{padding:.75rem 1rem;border-radius:8px;background:#ebf4ff;border:1px solid #bcd6f5;margin:0 0 1rem}
.success{padding:.75rem 1rem;border-radius:8px;background:#e6f6ec;border:1px solid #a8dcb9;color:#14532d;margin:0 0 1rem}
.warning{padding:.75rem 1rem;border-radius:8px;background:#fff7e6;border:1px solid #f5cf87;color:#6b4305;margin:0 0 1rem}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:999px;font-size:.8rem;font-weight:600;white-space:nowrap;border:1px solid transparent}
.badge.on{background:#e3f5e9;color:#17603a;border-color:#b4e0c4}
.badge.off{background:#eef1f4;color:#46525f;border-color:#d5dbe2}
.badge.paused{background:#fff4db;color:#7a4d00;border-color:#f2d08b}
.badge.locked{background:#fde8e8;color:#8a1c1c;border-color:#f3b6b6}
.stat{font-size:2rem;font-weight:700;line-height:1.1}
.stats{display:flex;flex-wrap:wrap;gap:1rem 2.5rem;margin:.25rem 0 .5rem}
.grid>*{min-width:0}
table{border-collapse:collapse;width:100%;font-size:.92rem}
caption{text-align:left;font-weight:600;padding:.25rem 0 .5rem}
th,td{text-align:left;padding:.55rem .6rem;border-bottom:1px solid #e5eaf0;vertical-align:top;overflow-wrap:anywhere}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:#5a6878;font-weight:600}
tbody tr:hover{background:#f8fafc}
.code{font:1.3rem/1.2 ui-monospace,SFMono-Regular,Menlo,monospace;letter-spacing:.08em;padding:.9rem;background:#f7fafc;border:1px dashed #8a97a5;border-radius:6px;text-align:center;word-break:break-all}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;background:#f1f4f8;padding:.1rem .3rem;border-radius:4px}
.qr{background:#fff;display:inline-block;padding:.5rem;border:1px solid #dfe5ec;border-radius:8px}
.qr svg{width:11rem;height:11rem;display:block}
.setup{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
.pager{display:flex;gap:.75rem;align-items:center;justify-content:space-between;margin-top:.75rem;flex-wrap:wrap}
ul.plain{list-style:none;padding:0;margin:.25rem 0}
ul.plain li{padding:.2rem 0}
.mt{margin-top:1.25rem}.mt-s{margin-top:.75rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:.25rem 0 .75rem}
dl.facts dt{color:#5a6878}dl.facts dd{margin:0;font-weight:500;min-width:0;overflow-wrap:anywhere}
@media (max-width:52rem){.grid.two{grid-template-columns:1fr}.setting{flex-direction:column}}
@media (max-width:40rem){.who{width:100%;justify-content:space-between}h1{font-size:1.35rem}.card{padding:1rem}main{padding:1.25rem .75rem 2.5rem}
.search input[type=search]{width:100%}.setting .button,.setting button{white-space:normal}
dl.facts{grid-template-columns:1fr;gap:0}dl.facts dd{margin-bottom:.4rem}
table thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
table,caption,tbody,tr,td{display:block;width:100%}
tbody tr{border:1px solid #dfe5ec;border-radius:8px;padding:.4rem .75rem;margin-bottom:.6rem}
td{border:0;padding:.15rem 0}
td[data-label]::before{content:attr(data-label);display:block;font-size:.75rem;text-transform:uppercase;letter-spacing:.04em;color:#5a6878;font-weight:600}}
`;

export function consoleLayout(page: ConsolePage, title: string, body: Html, lede?: string): string {
  const link = (href: string, label: string, current: boolean) =>
    html`<a href="${page.base}${href}"${current ? html` aria-current="page"` : ''}>${label}</a>`;
  return htmlDocument(
    `${title} · ${page.siteName}`,
    inlineStyle(page.nonce, CSS + RECOVERY_PRINT_CSS),
    html`<a class="skip" href="#main">${t('console.skip')}</a>
<header class="top"><div class="wrap">
<div class="brand">${page.siteName}<small>${t('console.product')}</small></div>
<nav aria-label="${t('console.nav')}">
${link('/account', t('console.nav.account'), page.area === 'account')}
${page.isAdmin ? link('/admin', t('console.nav.admin'), page.area === 'admin') : ''}
</nav>
${languageSwitch()}
<div class="who"><span>${t('console.signedInAs', { name: page.staff.name })}</span>
<form method="post" action="${page.base}/console/logout"><input type="hidden" name="csrf" value="${page.csrf}"><button type="submit">${t('console.signOut')}</button></form></div>
</div></header>
<main id="main" class="wrap" tabindex="-1">
<h1>${title}</h1>
${lede ? html`<p class="lede">${lede}</p>` : ''}
${body}
</main>`,
  );
}

export function success(message: string | null | undefined): Html {
  return message ? html`<p class="success" role="status">${message}</p>` : html``;
}

/** The `<option>`s of a language choice, each language named in itself, `current` selected. */
export function languageOptions(current: Locale): Html[] {
  return SUPPORTED_LOCALES.map(
    (locale) =>
      html`<option value="${locale}" lang="${locale}"${locale === current ? ' selected' : ''}>${LANGUAGE_NAMES[locale]}</option>`,
  );
}

export function note(message: string | null | undefined): Html {
  return message ? html`<p class="note">${message}</p>` : html``;
}

/** A POST form with this session's CSRF token. */
export function postForm(page: ConsolePage, action: string, content: Html, className = ''): Html {
  return html`<form method="post" action="${page.base}${action}" class="${className}">
<input type="hidden" name="csrf" value="${page.csrf}">
${content}
</form>`;
}

/** A one-button form. */
export function button(
  page: ConsolePage,
  action: string,
  label: string,
  options: { style?: 'secondary' | 'danger'; fields?: Record<string, string> } = {},
): Html {
  const hidden = Object.entries(options.fields ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  return postForm(
    page,
    action,
    html`${hidden}<button type="submit" class="${options.style ?? ''}">${label}</button>`,
    'inline',
  );
}

export function errorView(page: ConsolePage, message: string): string {
  return consoleLayout(
    page,
    t('error.title'),
    html`${alert(message)}<p><a href="${page.base}/account">${t('console.backToAccount')}</a></p>`,
  );
}

/** A table cell that keeps its column's name: on a phone, where rows become stacked cards, it is shown above the value. */
export function cell(label: string, content: Html | string, className = ''): Html {
  return html`<td data-label="${label}"${className ? html` class="${className}"` : ''}>${content}</td>`;
}

export function when(date: Date | null | undefined, timeZone: string): string {
  return date ? formatTime(date, timeZone) : '—';
}
