import { asString } from './fhir-values.js';
import { spineRegions } from './levels.js';

/**
 * Whether a piece of report text is about the lumbar spine, somewhere else, or does not say
 * (fhir-conventions.md, "Supporting findings": S1 is about the lumbar spine; criteria.md S1).
 *
 * - lumbar: it names a lumbar or sacral vertebra or level, the sacrum, or the lumbar, lumbosacral or thoracolumbar spine. That wins
 *   over anything else it names: "loosening of the T12 and L1 screws" is about a lumbar construct too.
 * - elsewhere: it names a cervical or thoracic level, range or region, or a part of a limb or joint ("tibial
 *   component", "glenohumeral", "metatarsal"). A lone T1 or T2 is an MRI sequence far more often than a
 *   vertebra ("increased T2 signal around the screws"), and is not read as one.
 * - undefined: none of these ("lucency around the screws").
 */
export type BodyRegion = 'lumbar' | 'elsewhere';

/** Parts of the limbs, the joints and the rest of the skeleton that a spine report does not mean by its failures. */
const OTHER_REGION = new RegExp(
  '\\b(?:' +
    [
      'knees?', 'patellae?', 'patellar', 'tibiae?', 'tibial', 'fibulae?', 'fibular', 'femurs?', 'femora', 'femoral\\s{1,3}(?:component|stem|head|neck|shaft)',
      'hips?', 'acetabul(?:um|ar)', 'ankles?', 'foot', 'feet', 'toes?', 'metatars(?:al|als|us)', 'calcane(?:us|al)', 'talus', 'talar', 'tarsal',
      'shoulders?', 'glenohumeral', 'glenoid', 'humer(?:us|al|i)', 'elbows?', 'olecranon', 'forearms?', 'wrists?', 'carpal', 'metacarpals?',
      'clavic(?:le|ular)', 'scapul(?:a|ar)', 'sternum', 'sternal', 'ribs?', 'mandib(?:le|ular)', 'skull',
      'sacroiliac', 'si\\s{1,3}joints?',
    ].join('|') +
    ')\\b',
  'i',
);
/** Named sacroiliac, the sacrum is not the lumbosacral spine. */
const SACROILIAC = /\bsacroiliac\b/gi;
/** A lone cervical vertebra, or a thoracic one below T2 (T1 and T2 are MRI sequences). */
const UPPER_VERTEBRA = /(?<![A-Za-z0-9])(?:C[1-7]|T(?:[3-9]|1[0-2]))(?![A-Za-z0-9])/i;
/** Any lumbar vertebra or S1-S5, alone or in a level ("L4", "L3-4", "L5-S1", "T12-L1"). */
const LUMBAR_VERTEBRA = /(?<![A-Za-z0-9])[LS][1-5](?![0-9])/i;
/** "thoracolumbar" and "lumbosacral" name the lumbar spine too. */
const LUMBAR_WORDS = /lumb|\bl-spine\b|\bsacrum\b|\bsacral\b/i;

export function bodyRegion(input: unknown): BodyRegion | undefined {
  const raw = asString(input);
  if (!raw) return undefined;
  const text = raw.replace(SACROILIAC, ' ');
  if (LUMBAR_VERTEBRA.test(text) || LUMBAR_WORDS.test(text)) return 'lumbar';
  if (spineRegions(text, { loneUpperVertebra: false }).cervicalOrThoracic || UPPER_VERTEBRA.test(text) || OTHER_REGION.test(raw)) return 'elsewhere';
  return undefined;
}
