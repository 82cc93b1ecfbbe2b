import type { Document, Filter } from 'mongodb';
import type { RequestContext } from '../authn/context.js';

/**
 * The slice of the policy engine (src/authz, exposed as `Services.authz`) that the image
 * services use. Declared here structurally so that the services depend on the interface only.
 */
export interface ImageAuthorizer {
  assertWritable(ctx: RequestContext): void;
  can(ctx: RequestContext, rule: string, subject: 'Image' | 'MetadefNamespace' | 'Global', resource?: object): boolean;
  enforce(
    ctx: RequestContext,
    rule: string,
    subject: 'Image' | 'MetadefNamespace' | 'Global',
    resource: object | undefined,
    opts: { readRule?: string; notFoundMessage: string; forbiddenMessage?: string },
  ): void;
  filter(ctx: RequestContext, rule: string, subject: 'Image' | 'MetadefNamespace' | 'Global'): Filter<Document>;
}
