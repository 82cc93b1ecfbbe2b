import { runTable } from './matrix.js';
import { scopeTable } from './tables/scope.js';

runTable(scopeTable);
