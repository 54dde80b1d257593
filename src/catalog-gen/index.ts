/**
 * The Microsoft Update stand-in: a deterministic catalog generator and the churn that advances it.
 * See README.md in this folder.
 */
export { type ChurnOptions, type ChurnReport, churnStore } from './churn.ts';
export {
  type GenerateOptions,
  type GenerateReport,
  generateCatalog,
  generateIntoStore,
  MAX_UPDATES,
} from './generate-catalog.ts';
