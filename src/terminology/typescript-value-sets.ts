/**
 * The value sets that TypeScript steps read by id, with the files that read them. The build warns about a value
 * set file that no CQL library declares, no other value set includes and no step here reads: its codes are used
 * nowhere (often a copy edited in place of the file in use). A test checks that each file names its id.
 */
export const READ_BY_TYPESCRIPT: Readonly<Record<string, readonly string[]>> = {
  'lumbar-spine-surgery': ['src/orders/read-order.ts', 'src/workbench/page-config.ts'],
  'spine-wide-surgery': ['src/orders/spine-region.ts'],
  'cervical-thoracic-spine-site': ['src/orders/spine-region.ts'],
  'lumbar-spine-site': ['src/orders/spine-region.ts'],
  'inpatient-setting': ['src/orders/setting.ts', 'src/workbench/page-config.ts'],
  'outpatient-setting': ['src/orders/setting.ts', 'src/workbench/page-config.ts'],
  'flexion-extension-imaging': ['src/evidence/extract.ts'],
  'conservative-care': ['src/workbench/page-config.ts'],
};
