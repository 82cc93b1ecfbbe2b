/**
 * Property validation against metadata definitions: composition and public exports.
 *
 * - `createPropertyValidation` builds the service the HTTP handlers and the images service use.
 * - In-process use (benchmarks, bulk callers): `service.prepare(ctx, rt)` does one freshness
 *   check and returns a synchronous `validate(props)`; `compileNamespace`/`keyIndex`/`evaluate`
 *   work on plain definitions without a database.
 */
import type { Config } from '../../config/config.js';
import type { Logger } from '../../log.js';
import { imagePropertyEnforcer, type EnforcementMode, type ImagePropertyCheck } from './enforce.js';
import { createValidationService, type CatalogSource, type ValidationService, type VisibilityAuthorizer } from './service.js';

export { createValidationService, entryToDefinition, type ValidationService, type BoundValidator, type CatalogSource } from './service.js';
export { compileNamespace, keyIndex, CompileCache, patternProblem, type CompiledNamespace, type CompiledProperty, type KeyIndex } from './compile.js';
export { evaluate, checkInput, DEFAULT_LIMITS, type ValidationResult, type PropertyVerdict } from './evaluate.js';
export { coerceScalar, splitOperators } from './coerce.js';
export type { NamespaceDef, PropertyDef } from './definitions.js';
export { imagePropertyEnforcer, type ImagePropertyCheck, type EnforcementMode } from './enforce.js';
export { benchInProcess, indexFromCorpus, SAMPLE_FLAVOR_SPECS, type InProcessBenchResult } from './bench.js';

export interface PropertyValidation {
  validation: ValidationService;
  /** Checks image properties per PROPERTY_ENFORCEMENT (no-op when off; 400 in strict mode). */
  validateImageProperties: ImagePropertyCheck;
}

/**
 * `source` is the metadef service's catalogue: validation answers from the same in-memory copy
 * as the metadef reads, so it sees this process's metadef writes at once and other processes'
 * within METADEF_CACHE_CHECK_MS (0: the version stamp is read on every call).
 */
export function createPropertyValidation(d: { source: CatalogSource; config: Config; authz: VisibilityAuthorizer; log: Logger }): PropertyValidation {
  const validation = createValidationService({
    source: d.source,
    authz: d.authz,
    limits: { maxProperties: d.config.VALIDATION_MAX_PROPERTIES, maxValueLength: d.config.VALIDATION_MAX_VALUE_LENGTH, maxBatchItems: d.config.VALIDATION_MAX_BATCH },
  });
  return { validation, validateImageProperties: imagePropertyEnforcer(validation, d.config.PROPERTY_ENFORCEMENT as EnforcementMode, d.log) };
}
