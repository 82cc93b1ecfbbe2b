import { runTable } from './matrix.js';
import { metadefsTable } from './tables/metadefs.js';

runTable(metadefsTable);
