/**
 * Optional enforcement of metadef definitions on image create and update
 * (PROPERTY_ENFORCEMENT = off | warn | strict).
 *
 * Only properties that a namespace the caller may see defines for `OS::Glance::Image` (no
 * properties_target) are checked; unknown properties always pass. In strict mode every
 * violation is listed in one 400; in warn mode they are logged and the write goes on.
 */
import type { RequestContext } from '../../authn/context.js';
import { DomainError } from '../../domain/errors.js';
import type { Logger } from '../../log.js';
import type { ValidationService } from './service.js';

export type EnforcementMode = 'off' | 'warn' | 'strict';

export type ImagePropertyCheck = (ctx: RequestContext, props: Record<string, unknown>) => Promise<void>;

export function imagePropertyEnforcer(svc: ValidationService, mode: EnforcementMode, log: Logger): ImagePropertyCheck {
  if (mode === 'off') return async () => undefined;
  return async (ctx, props) => {
    const keys = Object.keys(props);
    if (!keys.length) return;
    const v = await svc.prepare(ctx, 'OS::Glance::Image');
    const result = v.validate(props);
    if (result.valid) return;
    const messages = keys.map((k) => result.properties[k]).filter((p) => p.status === 'invalid').map((p) => p.message!);
    if (mode === 'warn') {
      log.warn({ request_id: ctx.requestId, violations: messages }, 'image properties violate metadata definitions');
      return;
    }
    throw new DomainError('Invalid', `Image properties violate metadata definitions: ${messages.join('; ')}`);
  };
}
