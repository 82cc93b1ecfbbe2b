/**
 * How the service checks each rule, so that a policy test is decided as a request would be:
 * which target a rule is checked against (an image, a namespace, or the list/create target of
 * the caller's project), and which rule is checked first on the same target (the read rule
 * whose failure answers 404, as `Authorizer.enforce` does with `readRule`).
 *
 * The table follows the call sites in src/services and src/cache; test/unit/policy-grid-diff.test.ts
 * checks that every enforced rule is named there and no rule listed as not enforced is (as
 * test/policy/coverage.test.ts does for its copy of the list), and policy-grid-http.test.ts
 * compares the read and list decisions with a running server.
 */
import type { PolicySet } from '../policies.js';

/** Rules of policies/defaults.yaml that no endpoint of the service checks, and why. */
export const NOT_ENFORCED: Readonly<Record<string, string>> = {
  download_from_store: 'downloads take no store preference',
  set_image_location: 'PATCH of /locations is not offered (show_multiple_locations is off)',
  get_image_location: 'only upstream DELETE /v2/stores/{store}/{id} used it; delete_image_location is checked there',
  manage_image_cache: 'the legacy /v2/cached_images and /v2/queued_images endpoints are not offered',
  list_cached_nodes: 'GET /v2/cache/nodes/{id} is not offered',
  get_task: 'internal rule of the /v2/tasks API (tasks_api_access is checked)',
  get_tasks: 'internal rule of the /v2/tasks API (tasks_api_access is checked)',
  add_task: 'internal rule of the /v2/tasks API (tasks_api_access is checked)',
  modify_task: 'deprecated upstream, never checked',
};

/** The kinds of target a test may name. */
export type TargetKind = 'image' | 'metadef_namespace' | 'global';

export interface RuleUse {
  /** Targets the service checks the rule against. */
  targets: readonly TargetKind[];
  /** Without a resource: the rule judges a resource being created, with the caller's defaults. */
  creates?: 'image' | 'metadef_namespace';
  /** With a resource of this kind: the rule judges the resource as created (no read rule first). */
  prospective?: boolean;
  /** A list rule: with a resource, "listed" = the rule on the list target and `show` on the resource, whose list filter must agree. */
  show?: 'get_image' | 'get_metadef_namespace';
  /** Global target `{}` instead of `{project_id: <caller's project>}` (the cache API checks so). */
  emptyTarget?: boolean;
}

const IMAGE: RuleUse = { targets: ['image'] };
const NAMESPACE: RuleUse = { targets: ['metadef_namespace'] };
const GLOBAL: RuleUse = { targets: ['global'] };
/** Checked on an existing namespace, and at namespace creation with the new namespace. */
const NAMESPACE_OR_CREATE: RuleUse = { targets: ['metadef_namespace', 'global'], creates: 'metadef_namespace' };

const USES: Readonly<Record<string, RuleUse>> = {
  add_image: { targets: ['image', 'global'], creates: 'image', prospective: true },
  get_image: { targets: ['image'], show: 'get_image' },
  get_images: { targets: ['global', 'image'], show: 'get_image' },
  modify_image: IMAGE,
  publicize_image: IMAGE,
  communitize_image: IMAGE,
  delete_image: IMAGE,
  deactivate: IMAGE,
  reactivate: IMAGE,
  copy_image: IMAGE,
  upload_image: IMAGE,
  download_image: IMAGE,
  delete_image_location: IMAGE,
  add_image_location: IMAGE,
  fetch_image_location: IMAGE,
  add_member: IMAGE,
  delete_member: IMAGE,
  get_member: IMAGE,
  get_members: IMAGE,
  modify_member: IMAGE,
  cache_image: IMAGE,
  cache_delete: { targets: ['image', 'global'], emptyTarget: true },
  cache_list: { targets: ['global'], emptyTarget: true },
  cache_clean: { targets: ['global'], emptyTarget: true },
  cache_prune: { targets: ['global'], emptyTarget: true },
  tasks_api_access: GLOBAL,
  stores_info_detail: GLOBAL,
  get_metadef_namespace: { targets: ['metadef_namespace'], show: 'get_metadef_namespace' },
  get_metadef_namespaces: { targets: ['global', 'metadef_namespace'], show: 'get_metadef_namespace' },
  add_metadef_namespace: { targets: ['metadef_namespace', 'global'], creates: 'metadef_namespace', prospective: true },
  modify_metadef_namespace: NAMESPACE,
  delete_metadef_namespace: NAMESPACE,
  get_metadef_object: NAMESPACE,
  get_metadef_objects: NAMESPACE,
  add_metadef_object: NAMESPACE_OR_CREATE,
  modify_metadef_object: NAMESPACE,
  delete_metadef_object: NAMESPACE,
  get_metadef_property: NAMESPACE,
  get_metadef_properties: NAMESPACE,
  add_metadef_property: NAMESPACE_OR_CREATE,
  modify_metadef_property: NAMESPACE,
  remove_metadef_property: NAMESPACE,
  get_metadef_tag: NAMESPACE,
  get_metadef_tags: NAMESPACE,
  add_metadef_tag: NAMESPACE,
  add_metadef_tags: NAMESPACE_OR_CREATE,
  modify_metadef_tag: NAMESPACE,
  delete_metadef_tag: NAMESPACE,
  delete_metadef_tags: NAMESPACE,
  list_metadef_resource_types: { targets: ['global', 'metadef_namespace'] },
  get_metadef_resource_type: NAMESPACE,
  add_metadef_resource_type_association: NAMESPACE_OR_CREATE,
  remove_metadef_resource_type_association: NAMESPACE,
};

/** Any target: base, helper and unchecked rules are evaluated on what the test names, with no read rule first. */
const ANY: RuleUse = { targets: ['image', 'metadef_namespace', 'global'] };

/** How the service uses `rule` (base, helper and unchecked rules: on any target, as written). */
export function ruleUse(rule: string): RuleUse & { enforced: boolean } {
  const use = USES[rule];
  return use ? { ...use, enforced: true } : { ...ANY, enforced: false };
}

/** The rules the service enforces: the API rules of the defaults (not the base rules) that an endpoint checks. */
export function enforcedRules(policies: PolicySet): string[] {
  return [...policies.apiRules].filter((r) => !(r in NOT_ENFORCED));
}

/** Rules with a use entry that the defaults do not define (the table is out of date). */
export function unknownUses(policies: PolicySet): string[] {
  return Object.keys(USES).filter((r) => !policies.apiRules.has(r));
}
