/**
 * The shape of metadef namespace definitions as the validator reads them: the JSON of the
 * standard files in etc/metadefs (and of `GET /v2/metadefs/namespaces/{ns}`), see
 * glance-v2-api.md §6. Only the fields validation needs are typed; anything else is ignored.
 */
export interface PropertyDef {
  title?: string;
  description?: string;
  type?: string | null;
  enum?: unknown[] | null;
  operators?: string[] | null;
  default?: unknown;
  readonly?: boolean | null;
  minimum?: number | null;
  maximum?: number | null;
  minLength?: number | null;
  maxLength?: number | null;
  pattern?: string | null;
  items?: { type?: string | null; enum?: unknown[] | null } | null;
  minItems?: number | null;
  maxItems?: number | null;
  uniqueItems?: boolean | null;
  additionalItems?: boolean | null;
  /** Extension: the name is a template; each `{param}` stands for text matching its pattern (see key-index.ts). */
  'x-name-pattern'?: Record<string, string> | null;
  /** Extension: the consumer whose rule this definition states (`nova`); it outranks plain definitions of the key. */
  'x-authority'?: string | null;
  /** Extension: the consumer has deprecated the key. */
  'x-deprecated'?: boolean | null;
}

export interface ObjectDef {
  name: string;
  description?: string | null;
  required?: string[] | null;
  properties?: Record<string, PropertyDef> | null;
}

export interface AssociationDef {
  name: string;
  prefix?: string | null;
  properties_target?: string | null;
}

export interface NamespaceDef {
  namespace: string;
  visibility?: string | null;
  owner?: string | null;
  protected?: boolean | null;
  resource_type_associations?: AssociationDef[] | null;
  properties?: Record<string, PropertyDef> | null;
  objects?: ObjectDef[] | null;
}
