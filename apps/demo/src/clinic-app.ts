/**
 * The sample clinic app: an Express relying party of the IdP, through `@twostep/express-mfa`.
 *
 * - `/`: welcome and sign in;
 * - `/schedule`: signed in (any sign-in the clinic's policy accepted);
 * - `/patients/:id/chart`, `/billing`: a second factor verified within the last 10 minutes
 *   (`requireStepUp({ maxAge: 600 })`), asked for again by the IdP when older;
 * - `/billing/export.csv`: the same, with a passkey (`acr: urn:twostep:loa:phr`, phishing-resistant).
 */
import {
  requireAuth,
  requireStepUp,
  type TwostepMiddleware,
  type TwostepOptions,
  twostep,
} from '@twostep/express-mfa';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { INVOICES, patient } from './data.ts';
import { securityHeaders } from './html.ts';
import {
  billingPage,
  CSS,
  chartPage,
  homePage,
  messagePage,
  type PageContext,
  schedulePage,
  type Viewer,
} from './pages.ts';

/** Step-up window of charts and billing, in seconds. */
export const STEP_UP_MAX_AGE = 600;

/** The level only a passkey sign-in reaches: the billing export asks for it. */
export const PHISHING_RESISTANT = 'urn:twostep:loa:phr';

export interface ClinicAppOptions {
  clinicName: string;
  /** The IdP's issuer (origin), e.g. `http://localhost:4000`. */
  idpUrl: string;
  /** This app's origin, e.g. `http://localhost:4100`. */
  appUrl: string;
  clientId: string;
  clientSecret: string;
  /** ≥ 32 bytes. */
  sessionSecret: string;
  /** The app's clock in ms (tests move it). */
  now?: () => number;
}

export interface ClinicApp {
  app: express.Express;
  mw: TwostepMiddleware;
}

export function createClinicApp(options: ClinicAppOptions): ClinicApp {
  const now = options.now ?? Date.now;

  // Name and role come from the IdP (userinfo, fetched by the middleware at sign-in): the app
  // keeps no staff records of its own.
  const viewerOf = (req: Request): Viewer | null => {
    const t = req.twostep;
    if (!t?.isAuthenticated()) return null;
    return {
      name: t.claims.name ?? 'Staff member',
      role: t.claims.role === 'full_access' ? 'full_access' : 'staff',
      amr: t.amr,
      acr: t.acr,
      authTime: t.authTime,
      csrf: t.csrfToken ?? '',
    };
  };
  const context = async (req: Request): Promise<PageContext> => ({
    clinicName: options.clinicName,
    idpUrl: options.idpUrl,
    path: req.path,
    viewer: viewerOf(req),
    now: now(),
  });
  const send = (res: Response, page: { status: number; html: string }) => {
    res.status(page.status).type('html').set('Cache-Control', 'no-store').send(page.html);
  };

  const mwOptions: TwostepOptions = {
    issuer: options.idpUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: `${options.appUrl}/auth/callback`,
    postLogoutRedirectUri: `${options.appUrl}/`,
    session: { secret: options.sessionSecret },
    defaultReturnTo: '/schedule',
    now,
    // A refused sign-in or step-up (e.g. 2-Step paused, so the chart's loa:2fa cannot be met),
    // in the clinic's layout.
    refusalPage: async (refusal, req, res) => {
      if (refusal.acr === PHISHING_RESISTANT) {
        const page = messagePage(
          await context(req),
          'A passkey is needed',
          'The billing export needs a sign-in with a passkey, which a look-alike site cannot trick you into giving away. This sign-in used another method, or your account has no passkey yet.',
          refusal.status,
          { href: `${options.idpUrl}/account`, text: 'Add a passkey on your account security page' },
          'Add a passkey there (for example this computer, or your phone), then open the export again from the billing page.',
        );
        res.type('html').send(page.html);
        return;
      }
      const message =
        refusal.detail === undefined ? refusal.message : `${refusal.message} (${refusal.detail})`;
      const needsTwoStep =
        refusal.reason === 'acr_not_met' || refusal.reason === 'unmet_authentication_requirements';
      const page = messagePage(
        await context(req),
        refusal.title,
        message,
        refusal.status,
        { href: '/schedule', text: 'Back to the schedule' },
        needsTwoStep
          ? 'Patient charts and billing need 2-Step Verification. If it is paused for your account, ask a Full Access User at your clinic to resume it, or set up a method on your account security page.'
          : undefined,
      );
      res.type('html').send(page.html);
    },
  };
  const mw = twostep(mwOptions);

  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders({ formAction: [options.idpUrl] }));

  app.get('/assets/app.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'public, max-age=300').send(CSS);
  });
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });

  app.use(mw);

  app.get('/', async (req, res) => {
    send(res, homePage(await context(req)));
  });
  app.get('/schedule', requireAuth(), async (req, res) => {
    send(res, schedulePage(await context(req), new Date(now())));
  });
  app.get('/patients/:id/chart', requireStepUp({ maxAge: STEP_UP_MAX_AGE }), async (req, res) => {
    const ctx = await context(req);
    const p = patient(String(req.params.id));
    if (!p) {
      send(
        res,
        messagePage(ctx, 'Chart not found', 'There is no patient with that chart number.', 404, {
          href: '/schedule',
          text: 'Back to the schedule',
        }),
      );
      return;
    }
    send(res, chartPage(ctx, p));
  });
  app.get('/billing', requireStepUp({ maxAge: STEP_UP_MAX_AGE }), async (req, res) => {
    send(res, billingPage(await context(req)));
  });
  app.get(
    '/billing/export.csv',
    requireStepUp({ acr: PHISHING_RESISTANT, maxAge: STEP_UP_MAX_AGE }),
    (_req, res) => {
      const rows = INVOICES.map((i) =>
        [i.number, patient(i.patientId)?.name ?? '', i.date, i.description, i.amount.toFixed(2), i.status]
          .map((v) => `"${String(v).replaceAll('"', '""')}"`)
          .join(','),
      );
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .set('Content-Disposition', 'attachment; filename="billing-export.csv"')
        .set('Cache-Control', 'no-store')
        .send(['Invoice,Patient,Date,Description,Amount,Status', ...rows].join('\r\n'));
    },
  );

  app.use(async (req, res) => {
    send(res, messagePage(await context(req), 'Page not found', 'There is no page at this address.', 404));
  });
  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    console.error('[clinic-app]', error);
    if (res.headersSent) return;
    const status = typeof error?.status === 'number' && error.status >= 400 ? error.status : 500;
    const message =
      status >= 500
        ? 'Something went wrong on our side. If the sign-in service is not running, start the demo again.'
        : 'This request could not be completed.';
    send(
      res,
      messagePage(
        { clinicName: options.clinicName, idpUrl: options.idpUrl, path: req.path, viewer: null, now: now() },
        'Something went wrong',
        message,
        status,
      ),
    );
  };
  app.use(onError);
  return { app, mw };
}
