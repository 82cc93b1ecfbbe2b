import type { Authorizer } from '../authz/index.js';

/** The slice of the policy engine (src/authz, exposed as `Services.authz`) that the image services use. */
export type ImageAuthorizer = Pick<Authorizer, 'assertWritable' | 'can' | 'enforce' | 'filter' | 'canProperty'> & Partial<Pick<Authorizer, 'denied'>>;
