import { runTable } from './matrix.js';
import { imageDataTable } from './tables/image-data.js';

runTable(imageDataTable);
