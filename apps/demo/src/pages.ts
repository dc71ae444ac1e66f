/**
 * The sample clinic app's pages (and the dev outbox pages): plain server-rendered HTML, one
 * stylesheet served from the app (`/assets/app.css`), no scripts. Landmarks, a skip link, visible
 * focus, labelled tables and AA contrast throughout.
 */
import { APPOINTMENTS, type Appointment, CLIENT_ID, INVOICES, type Patient, patient } from './data.ts';
import { type Html, html, htmlDocument } from './html.ts';

export const CSS = `
:root{--ink:#17212b;--muted:#4a5866;--line:#d8dee4;--bg:#f4f6f5;--card:#fff;--brand:#0b5d57;--brand-ink:#fff;--brand-soft:#e3f1ef;--warn-bg:#fff4e0;--warn:#7a4b00;--bad-bg:#fde8e8;--bad:#8a1c1c;--ok-bg:#e6f4ea;--ok:#1e5b2f;--focus:#f59e0b}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg);min-height:100vh;display:flex;flex-direction:column}
a{color:var(--brand);text-underline-offset:2px}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--card);padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem;top:.5rem}
.wrap{max-width:64rem;margin:0 auto;padding:0 1.25rem}
.topbar{background:var(--brand);color:var(--brand-ink)}
.topbar .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;min-height:3.75rem}
.brand{display:flex;align-items:center;gap:.6rem;color:var(--brand-ink);text-decoration:none;font-weight:700;font-size:1.1rem;margin-right:auto}
.logo{display:inline-grid;place-items:center;width:2rem;height:2rem;border-radius:50%;background:var(--brand-ink);color:var(--brand);font-weight:800}
.topbar nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem;margin:0;padding:0}
.topbar nav a{display:block;color:var(--brand-ink);text-decoration:none;padding:.4rem .7rem;border-radius:6px}
.topbar nav a:hover{background:rgba(255,255,255,.14)}
.topbar nav a[aria-current=page]{background:rgba(255,255,255,.22);font-weight:600}
.topbar .user{display:flex;align-items:center;gap:.75rem;font-size:.95rem}
.topbar .user form{margin:0}
.topbar .user button{background:transparent;color:var(--brand-ink);border:1px solid rgba(255,255,255,.7);padding:.3rem .8rem;border-radius:6px;font:inherit;cursor:pointer}
.topbar .user button:hover{background:rgba(255,255,255,.14)}
.topbar :focus-visible{outline-color:#ffd27a}
main{flex:1;padding:2rem 0 3rem}
main:focus{outline:none}
h1{font-size:1.75rem;line-height:1.2;margin:0 0 .35rem}
h2{font-size:1.2rem;margin:1.75rem 0 .75rem}
.lede{color:var(--muted);margin:0 0 1.5rem;font-size:1.05rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1.25rem 1.5rem;margin-bottom:1.25rem}
.card>h2:first-child{margin-top:0}
.card>:last-child{margin-bottom:0}
.grid{display:grid;gap:1.25rem;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr))}
.status{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;background:var(--brand-soft);border-radius:10px;padding:.75rem 1rem;margin-bottom:1.5rem;font-size:.95rem}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:999px;font-size:.82rem;font-weight:600;background:#e8ecef;color:var(--ink);white-space:nowrap}
.badge.ok{background:var(--ok-bg);color:var(--ok)}
.badge.warn{background:var(--warn-bg);color:var(--warn)}
.badge.lock::before{content:"";display:inline-block;width:.55rem;height:.45rem;border:2px solid currentColor;border-top-width:3px;border-radius:2px;margin-right:.35rem;vertical-align:.05rem}
table{width:100%;border-collapse:collapse;background:var(--card)}
caption{text-align:left;font-weight:600;padding:.75rem .75rem .25rem;color:var(--muted)}
th,td{padding:.7rem .75rem;text-align:left;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
tbody tr:hover{background:#fafbfb}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:10px;background:var(--card)}
.table-wrap table{border:0}
.num{text-align:right;font-variant-numeric:tabular-nums}
.time{font-variant-numeric:tabular-nums;font-weight:600;white-space:nowrap}
td.mono,.badge{white-space:nowrap}
.button{display:inline-block;background:var(--brand);color:var(--brand-ink);text-decoration:none;padding:.7rem 1.2rem;border-radius:8px;font-weight:600;border:0;font:inherit;font-weight:600;cursor:pointer}
.button:hover{background:#084a45}
.button.secondary{background:var(--card);color:var(--brand);border:1px solid var(--brand)}
.hero{display:grid;gap:2rem;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));align-items:center}
.hero h1{font-size:2.1rem}
.note{background:var(--warn-bg);color:var(--warn);border-radius:10px;padding:.9rem 1.1rem}
.alert{background:var(--bad-bg);color:var(--bad);border-radius:10px;padding:.9rem 1.1rem;margin-bottom:1.25rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
ol.timeline{list-style:none;margin:0;padding:0}
ol.timeline li{border-left:3px solid var(--brand-soft);padding:0 0 1rem 1rem}
ol.timeline .meta{color:var(--muted);font-size:.9rem}
ul.plain{margin:0;padding-left:1.2rem}
.muted{color:var(--muted)}
footer{border-top:1px solid var(--line);background:var(--card);color:var(--muted);font-size:.9rem;padding:1rem 0}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.code{font:700 1.6rem/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.15em;color:var(--ink)}
ul.outbox{list-style:none;margin:0;padding:0 1.5rem}
.outbox li{border-bottom:1px solid var(--line);padding:1rem 0}
.outbox li:last-child{border-bottom:0}
.outbox pre{white-space:pre-wrap;background:#f7f9f9;border-radius:8px;padding:.75rem;margin:.5rem 0 0;font-size:.9rem}
@media (max-width:40rem){.topbar .wrap{padding:.5rem 1.25rem}.hero h1{font-size:1.7rem}th,td{padding:.55rem .5rem}.hide-sm{display:none}.dur{display:block}}
@media (prefers-reduced-motion:no-preference){a,.button{transition:background-color .15s}}
`;

/** Who is signed in, from the IdP's claims (`name`, `role`; userinfo fetched once at sign-in). */
export interface Viewer {
  name: string;
  role: 'full_access' | 'staff';
  /** How they last signed in, from `acr`/`amr`/`auth_time`. */
  amr: readonly string[];
  acr: string | undefined;
  authTime: number | undefined;
  /** The sign-out form's CSRF token (express-mfa's `req.twostep.csrfToken`). */
  csrf: string;
}

export interface PageContext {
  clinicName: string;
  idpUrl: string;
  path: string;
  viewer: Viewer | null;
  /** Milliseconds since the epoch (the app's clock). */
  now: number;
}

const NAV = [
  { href: '/schedule', label: 'Schedule' },
  { href: '/billing', label: 'Billing' },
];

function initials(name: string): string {
  return name.slice(0, 1).toUpperCase();
}

export function layout(
  ctx: PageContext,
  title: string,
  body: Html,
  status = 200,
): { status: number; html: string } {
  const current = (href: string) => (ctx.path === href || ctx.path.startsWith(`${href}/`) ? 'page' : null);
  const nav = ctx.viewer
    ? html`<nav aria-label="Main">
<ul>
${NAV.map((item) => html`<li><a href="${item.href}"${current(item.href) ? html` aria-current="page"` : ''}>${item.label}</a></li>`)}
<li><a href="${ctx.idpUrl}/account?client_id=${CLIENT_ID}">Account security</a></li>
${ctx.viewer.role === 'full_access' ? html`<li><a href="${ctx.idpUrl}/admin">Admin console</a></li>` : ''}
</ul>
</nav>
<div class="user"><span>${ctx.viewer.name}</span>
<form method="post" action="/auth/logout"><input type="hidden" name="csrf" value="${ctx.viewer.csrf}"><button type="submit">Sign out</button></form></div>`
    : html`<div class="user"><a class="button secondary" href="/auth/login?returnTo=%2Fschedule">Sign in</a></div>`;
  const page = htmlDocument(
    `${title} · ${ctx.clinicName}`,
    html`<link rel="stylesheet" href="/assets/app.css">`,
    html`<a class="skip" href="#main">Skip to content</a>
<header class="topbar">
<div class="wrap">
<a class="brand" href="/"><span class="logo" aria-hidden="true">${initials(ctx.clinicName)}</span>${ctx.clinicName}</a>
${nav}
</div>
</header>
<main id="main" tabindex="-1">
<div class="wrap">
${body}
</div>
</main>
<footer><div class="wrap">Sample clinic app for the twostep demo. Every patient here is fictional.</div></footer>`,
  );
  return { status, html: page };
}

const METHOD_LABELS: Record<string, string> = {
  pwd: 'password',
  otp: 'authenticator app',
  sms: 'text message',
  recovery: 'recovery code',
  trusted_device: 'remembered device',
  hwk: 'passkey',
  swk: 'passkey',
};

/** "password + authenticator app". */
export function describeAmr(amr: readonly string[]): string {
  return amr
    .filter((m) => m in METHOD_LABELS)
    .map((m) => METHOD_LABELS[m])
    .join(' + ');
}

function ago(seconds: number): string {
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min ago`;
}

function signInStatus(ctx: PageContext): Html {
  const v = ctx.viewer;
  if (!v) return html``;
  const twoStep = v.acr === 'urn:twostep:loa:2fa' || v.acr === 'urn:twostep:loa:phr';
  const verified =
    v.authTime === undefined ? '' : `, verified ${ago(Math.max(0, Math.floor(ctx.now / 1000) - v.authTime))}`;
  return html`<p class="status" data-testid="sign-in-status">
<span class="badge ${twoStep ? 'ok' : 'warn'}">${twoStep ? '2-Step verified' : 'Password only'}</span>
<span>Signed in with ${describeAmr(v.amr) || 'password'}${verified}.</span>
</p>`;
}

export function homePage(ctx: PageContext): { status: number; html: string } {
  const body = ctx.viewer
    ? html`<h1>Welcome back, ${ctx.viewer.name.split(' ')[0]}</h1>
<p class="lede">Here is what you can do today at ${ctx.clinicName}.</p>
${signInStatus(ctx)}
<div class="grid">
<section class="card" aria-labelledby="h-schedule"><h2 id="h-schedule">Today's schedule</h2>
<p>${APPOINTMENTS.length} appointments. Patient charts ask for your 2-Step Verification code if you have not verified in the last 10 minutes.</p>
<p><a class="button" href="/schedule">Open the schedule</a></p></section>
<section class="card" aria-labelledby="h-billing"><h2 id="h-billing">Billing</h2>
<p>Invoices and payments. Protected like charts.</p>
<p><a href="/billing">Go to billing</a></p></section>
<section class="card" aria-labelledby="h-security"><h2 id="h-security">Your account security</h2>
<p>Set up or change your authenticator app or phone, see your recovery code status and remembered devices.</p>
<p><a href="${ctx.idpUrl}/account?client_id=${CLIENT_ID}">Account security</a></p></section>
</div>`
    : html`<div class="hero">
<div>
<h1>${ctx.clinicName}</h1>
<p class="lede">The clinic workspace: today's schedule, patient charts and billing. Sign in with your clinic account; ${ctx.clinicName} uses 2-Step Verification to keep patient records safe.</p>
<p><a class="button" href="/auth/login?returnTo=%2Fschedule">Sign in</a></p>
</div>
<section class="card" aria-labelledby="h-how">
<h2 id="h-how">How signing in works</h2>
<ol>
<li>Enter your email and password.</li>
<li>Enter the 6-digit code from your authenticator app or a text message, or tick “Remember this device” to skip it for 30 days.</li>
<li>Opening a patient chart or billing asks for a code again if your last one is more than 10 minutes old.</li>
</ol>
<p class="muted">Demo: the accounts and their passwords are printed in the terminal where the demo runs.</p>
</section>
</div>`;
  return layout(ctx, ctx.viewer ? 'Home' : 'Welcome', body);
}

function statusBadge(status: Appointment['status']): Html {
  return html`<span class="badge${status === 'Arrived' ? ' ok' : ''}">${status}</span>`;
}

export function schedulePage(ctx: PageContext, date: Date): { status: number; html: string } {
  const day = date.toLocaleDateString('en-CA', {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    year: 'numeric',
  });
  const rows = APPOINTMENTS.map((a) => {
    const p = patient(a.patientId);
    return html`<tr>
<td class="time">${a.time}</td>
<td><a href="/patients/${a.patientId}/chart">${p?.name ?? a.patientId}</a> <span class="muted dur"><span class="hide-sm">· </span>${a.minutes} min</span></td>
<td class="hide-sm">${a.kind}</td>
<td class="hide-sm">${a.practitioner}</td>
<td class="hide-sm">${a.room}</td>
<td>${statusBadge(a.status)}</td>
</tr>`;
  });
  const body = html`<h1>Schedule</h1>
<p class="lede">${day}</p>
${signInStatus(ctx)}
<div class="table-wrap">
<table>
<caption>Appointments</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Patient</th><th scope="col" class="hide-sm">Visit</th><th scope="col" class="hide-sm">Practitioner</th><th scope="col" class="hide-sm">Room</th><th scope="col">Status</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</div>
<p class="muted"><span class="badge lock">Protected</span> Patient charts and billing ask for your 2-Step Verification code when your last verification is more than 10 minutes old.</p>`;
  return layout(ctx, 'Schedule', body);
}

export function chartPage(ctx: PageContext, p: Patient): { status: number; html: string } {
  const body = html`<p><a href="/schedule">← Back to the schedule</a></p>
<h1>${p.name}</h1>
<p class="lede">Patient chart · ${p.reason}</p>
${signInStatus(ctx)}
<div class="grid">
<section class="card" aria-labelledby="h-details"><h2 id="h-details">Details</h2>
<dl class="facts">
<dt>Chart number</dt><dd class="mono">${p.id}</dd>
<dt>Date of birth</dt><dd>${p.born}</dd>
<dt>Phone</dt><dd>${p.phone}</dd>
</dl></section>
<section class="card" aria-labelledby="h-plan"><h2 id="h-plan">Treatment plan</h2>
<ul class="plain">${p.plan.map((item) => html`<li>${item}</li>`)}</ul></section>
</div>
<section class="card" aria-labelledby="h-notes"><h2 id="h-notes">Treatment notes</h2>
<ol class="timeline">${p.notes.map((n) => html`<li><div class="meta">${n.date} · ${n.by}</div><div>${n.text}</div></li>`)}</ol>
</section>`;
  return layout(ctx, `${p.name} · Chart`, body);
}

export function billingPage(ctx: PageContext): { status: number; html: string } {
  const money = (n: number) => `$${n.toFixed(2)}`;
  const due = INVOICES.filter((i) => i.status !== 'Paid').reduce((sum, i) => sum + i.amount, 0);
  const body = html`<h1>Billing</h1>
<p class="lede">Outstanding: <strong>${money(due)}</strong></p>
${signInStatus(ctx)}
<div class="table-wrap">
<table>
<caption>Recent invoices</caption>
<thead><tr><th scope="col">Invoice</th><th scope="col" class="hide-sm">Patient</th><th scope="col" class="hide-sm">Date</th><th scope="col" class="hide-sm">Description</th><th scope="col" class="num">Amount</th><th scope="col">Status</th></tr></thead>
<tbody>${INVOICES.map(
    (i) =>
      html`<tr><td class="mono">${i.number}</td><td class="hide-sm">${patient(i.patientId)?.name ?? ''}</td><td class="hide-sm">${i.date}</td><td class="hide-sm">${i.description}</td><td class="num">${money(i.amount)}</td><td><span class="badge${i.status === 'Paid' ? ' ok' : i.status === 'Due' ? ' warn' : ''}">${i.status}</span></td></tr>`,
  )}</tbody>
</table>
</div>
<section class="card" aria-labelledby="h-export"><h2 id="h-export">Export</h2>
<p>The billing export asks for a sign-in with a passkey: a look-alike site cannot phish it, as it can a typed code.</p>
<p><a class="button" href="/billing/export.csv" data-testid="billing-export">Download the billing export (CSV)</a></p></section>`;
  return layout(ctx, 'Billing', body);
}

export function messagePage(
  ctx: PageContext,
  title: string,
  message: string,
  status: number,
  link: { href: string; text: string } = { href: '/', text: 'Back to the start page' },
  hint?: string,
): { status: number; html: string } {
  const body = html`<h1>${title}</h1>
<div class="${status >= 400 ? 'alert' : 'note'}" role="${status >= 400 ? 'alert' : 'status'}" data-testid="message">${message}</div>
${hint ? html`<p>${hint}</p>` : ''}
<p><a href="${link.href}">${link.text}</a></p>`;
  return layout(ctx, title, body, status);
}
