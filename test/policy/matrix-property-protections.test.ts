import { runTable } from './matrix.js';
import { policiesProtectionsTable, rolesProtectionsTable } from './tables/property-protections.js';

runTable(rolesProtectionsTable);
runTable(policiesProtectionsTable);
