/**
 * The admin API, `/api/v1`, for a clinic's provisioning client (e.g. its HR or
 * practice-management system). Every route is scoped to the caller's clinic:
 * staff of another clinic are "not found". Every change is audited with the
 * client id in the details (`actorId` null: no staff member acted).
 */
import { randomBytes } from 'node:crypto';
import type {
  ActorContext,
  AuditDetails,
  AuditEventType,
  Clinic,
  HashKeys,
  Logger,
  PasswordCost,
  StaffMember,
  Stores,
  TwoStepStatus,
  Twostep,
} from '@twostep/core';
import express, { type Request, type Response, Router } from 'express';
import type Provider from 'oidc-provider';
import { authenticate, callerOf } from './auth.ts';
import { PROVISIONING_DEFAULTS } from './constants.ts';
import { ApiError, apiErrorHandler } from './errors.ts';
import * as check from './validate.ts';
import { createWelcomeToken, hasPassword, unusablePasswordHash, welcomeUrl } from './welcome-link.ts';

export interface ApiDeps {
  issuer: string;
  audience: string;
  provider: Provider;
  twostep: Twostep;
  stores: Stores;
  hashKey: HashKeys;
  passwordCost: PasswordCost;
  clock: { now(): Date };
  logger: Logger;
}

export function clinicJson(clinic: Clinic) {
  return {
    id: clinic.id,
    name: clinic.name,
    enforceTwoStep: clinic.enforceTwoStep,
    allowTrustedDevices: clinic.allowTrustedDevices,
    ...(clinic.defaultLocale === undefined ? {} : { defaultLocale: clinic.defaultLocale }),
    createdAt: clinic.createdAt.toISOString(),
  };
}

export function staffJson(staff: StaffMember) {
  return {
    id: staff.id,
    clinicId: staff.clinicId,
    name: staff.name,
    ...(staff.givenName === undefined ? {} : { givenName: staff.givenName }),
    ...(staff.familyName === undefined ? {} : { familyName: staff.familyName }),
    ...(staff.locale === undefined ? {} : { locale: staff.locale }),
    email: staff.email,
    role: staff.role,
    active: staff.active,
    passwordSet: hasPassword(staff),
    createdAt: staff.createdAt.toISOString(),
  };
}

function statusJson(status: TwoStepStatus) {
  return {
    staffId: status.staffId,
    enrolled: status.enrolled,
    methods: status.methods,
    enforced: status.enforced,
    pausedUntil: status.pausedUntil?.toISOString() ?? null,
    throttle: status.throttle,
    retryAt: status.retryAt?.toISOString() ?? null,
  };
}

export function apiRouter(deps: ApiDeps): Router {
  const { stores, twostep } = deps;
  const router = Router({ strict: true });
  const json = express.json({ limit: PROVISIONING_DEFAULTS.bodyLimitBytes, strict: true, type: () => true });

  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(authenticate(deps.provider, stores, deps.audience));
  // A body must be JSON; read it only after authentication.
  router.use((req, _res, next) => {
    const hasBody = req.get('content-length') !== undefined && req.get('content-length') !== '0';
    if (!hasBody && req.get('transfer-encoding') === undefined) return next();
    if (!req.is('application/json'))
      throw new ApiError(415, 'unsupported_media_type', 'the body must be application/json');
    json(req, _res, next);
  });

  const actor = (req: Request): ActorContext => ({
    actorId: null,
    ip: req.ip ?? null,
    userAgent: req.get('user-agent')?.slice(0, 512) ?? null,
  });
  const audit = (
    req: Request,
    res: Response,
    type: AuditEventType,
    targetId: string | null,
    details: AuditDetails = {},
  ) =>
    twostep.audit.record(actor(req), {
      clinicId: callerOf(res).clinic.id,
      type,
      targetId,
      details: { client: callerOf(res).clientId, ...details },
    });

  /** The staff member `:id` of the caller's clinic, or 404 (another clinic's staff do not exist). */
  async function staffOf(req: Request, res: Response): Promise<StaffMember> {
    const id = check.id(req.params.id);
    const staff = await stores.staff.get(id);
    if (!staff || staff.clinicId !== callerOf(res).clinic.id)
      throw new ApiError(404, 'not_found', 'no such staff member in this clinic');
    return staff;
  }

  /** Refuses a change that would leave the clinic without an active Full Access User. */
  async function keepOneFullAccess(staff: StaffMember): Promise<void> {
    if (staff.role !== 'full_access' || !staff.active) return;
    const { items } = await stores.staff.list(staff.clinicId, { role: 'full_access', limit: 1000 });
    if (!items.some((s) => s.active && s.id !== staff.id))
      throw new ApiError(
        409,
        'last_full_access',
        'the clinic must keep at least one active Full Access User',
      );
  }

  /**
   * Runs `change` (a demotion or deactivation of `staff`) holding the clinic's Full Access slot, one
   * conditional counter update: the "keep one" check lists them and then the change writes, so two
   * such changes at once could otherwise both pass and leave the clinic with none.
   */
  async function keepingOneFullAccess(staff: StaffMember, change: () => Promise<unknown>): Promise<void> {
    if (staff.role !== 'full_access' || !staff.active) {
      await change();
      return;
    }
    const now = deps.clock.now();
    const slot = `full-access-change:${staff.clinicId}`;
    const until = new Date(now.getTime() + 30_000);
    if ((await stores.counters.increment(slot, until, now)) > 1)
      throw new ApiError(
        409,
        'busy',
        "another change to the clinic's Full Access Users is under way; try again",
      );
    try {
      await keepOneFullAccess(staff);
      await change();
    } finally {
      // Best effort: a slot not handed back ends with its window.
      await stores.counters.release(slot, until).catch(() => undefined);
    }
  }

  function welcome(staff: StaffMember) {
    const { token, expiresAt } = createWelcomeToken(deps.hashKey, staff, deps.clock.now());
    return { url: welcomeUrl(deps.issuer, token), expiresAt: expiresAt.toISOString() };
  }

  const noQuery = (req: Request) => {
    const keys = Object.keys(req.query as object);
    if (keys.length > 0) throw new check.InvalidInput(`query: unknown parameter ${JSON.stringify(keys[0])}`);
  };

  router.get('/clinic', (req, res) => {
    noQuery(req);
    res.json(clinicJson(callerOf(res).clinic));
  });

  router.patch('/clinic', async (req, res) => {
    noQuery(req);
    const patch = check.clinicPatch(req.body);
    const { clinic } = callerOf(res);
    // Only what differs is written and audited.
    const changes = Object.fromEntries(
      Object.entries(patch).filter(([field, value]) => clinic[field as keyof typeof patch] !== value),
    ) as typeof patch;
    const fields = Object.keys(changes);
    if (fields.length > 0) {
      if (!(await stores.clinics.update(clinic.id, changes)))
        throw new ApiError(404, 'not_found', 'the clinic is gone');
      await audit(req, res, 'clinic.updated', null, {
        fields: fields.join(','),
        ...(changes.defaultLocale === undefined ? {} : { defaultLocale: changes.defaultLocale }),
      });
    }
    res.json(clinicJson({ ...clinic, ...changes }));
  });

  router.get('/staff', async (req, res) => {
    const query = check.staffQuery(req.query);
    const { items, total } = await stores.staff.list(callerOf(res).clinic.id, query);
    res.json({ items: items.map(staffJson), total, offset: query.offset, limit: query.limit });
  });

  router.post('/staff', async (req, res) => {
    noQuery(req);
    const { email, name, role, ...profile } = check.staffCreate(req.body);
    const staff: StaffMember = {
      id: randomBytes(16).toString('base64url'),
      clinicId: callerOf(res).clinic.id,
      email,
      name,
      ...profile,
      role,
      passwordHash: unusablePasswordHash(deps.passwordCost),
      active: true,
      createdAt: deps.clock.now(),
    };
    await stores.staff.create(staff);
    await audit(req, res, 'staff.created', staff.id, { role: staff.role });
    res
      .status(201)
      .location(`${deps.audience}/staff/${staff.id}`)
      .json({ ...staffJson(staff), welcomeLink: welcome(staff) });
  });

  router.get('/staff/:id', async (req, res) => {
    noQuery(req);
    res.json(staffJson(await staffOf(req, res)));
  });

  router.patch('/staff/:id', async (req, res) => {
    noQuery(req);
    const staff = await staffOf(req, res);
    const patch = check.staffPatch(req.body);
    const changed = (Object.keys(patch) as (keyof typeof patch)[]).filter((k) => patch[k] !== staff[k]);
    if (changed.length === 0) return void res.json(staffJson(staff));
    const update = Object.fromEntries(changed.map((k) => [k, patch[k]]));
    const write = () => stores.staff.update(staff.id, update);
    if (changed.includes('role') && patch.role !== 'full_access') await keepingOneFullAccess(staff, write);
    else await write();
    const updated: StaffMember = { ...staff, ...update };
    await audit(req, res, 'staff.updated', staff.id, {
      fields: changed.join(','),
      ...(changed.includes('role') ? { role: updated.role } : {}),
    });
    if (changed.includes('role')) await twostep.lifecycle.roleChanged(actor(req), updated);
    res.json(staffJson(updated));
  });

  router.post('/staff/:id/deactivate', async (req, res) => {
    noQuery(req);
    check.noBody(req.body);
    const staff = await staffOf(req, res);
    if (!staff.active) return void res.json(staffJson(staff));
    await keepingOneFullAccess(staff, () => stores.staff.update(staff.id, { active: false }));
    const updated = { ...staff, active: false };
    await audit(req, res, 'staff.deactivated', staff.id);
    await twostep.lifecycle.deactivated(actor(req), updated);
    res.json(staffJson(updated));
  });

  router.post('/staff/:id/welcome-link', async (req, res) => {
    noQuery(req);
    check.noBody(req.body);
    const staff = await staffOf(req, res);
    if (!staff.active) throw new ApiError(404, 'not_found', 'the staff member is deactivated');
    if (hasPassword(staff))
      throw new ApiError(409, 'password_already_set', 'welcome links are for a first password only');
    res.json(welcome(staff));
  });

  router.get('/staff/:id/two-step', async (req, res) => {
    noQuery(req);
    res.json(statusJson(await twostep.admin.status(await staffOf(req, res))));
  });

  router.use((_req, _res) => {
    throw new ApiError(404, 'not_found', 'no such endpoint');
  });
  router.use(apiErrorHandler(deps.audience, deps.logger));
  return router;
}
