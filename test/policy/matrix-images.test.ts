import { runTable } from './matrix.js';
import { imagesTable } from './tables/images.js';

runTable(imagesTable);
