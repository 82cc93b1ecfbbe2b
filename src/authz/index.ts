export { createAuthorizer, policyIdentity, EMPTY_RESULT_FILTER, type Authorizer, type EnforceOptions, type PolicyRule, type Explanation, type SubjectType } from './authorizer.js';
export { loadPolicies, PolicyError, BASE_RULES, isPolicyRule, type PolicySet } from './policies.js';
export { contextIsAdmin } from './compile.js';
export { parsePolicy, formatCheck, PolicySyntaxError, type Check } from './parser.js';
