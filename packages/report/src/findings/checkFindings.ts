import { VitValueError } from '@vit/io';
import type { ReportInput } from '../types.js';
import type { Finding } from './common.js';
import { localGlobalOrderFinding } from './localGlobalOrderFinding.js';
import { localTaskLayerFinding } from './localTaskLayerFinding.js';
import { noSingleBestFinding } from './noSingleBestFinding.js';
import { offsetLocalFinding } from './offsetLocalFinding.js';
import { reconstructionClsFinding } from './reconstructionClsFinding.js';
import { saliencyEarlyFinding } from './saliencyEarlyFinding.js';
import { sparsePatternsFinding } from './sparsePatternsFinding.js';

/**
 * Checks every testable row of the paper's Table 3 on a study's results, in the paper's order.
 * @param input The study's results.
 * @returns One {@link Finding} per row: holds / does not hold / not measured (which analysis is missing), with the numbers.
 * @throws VitValueError when `input.models` is not an array.
 * @example for (const f of checkFindings(results)) console.log(f.status, f.observation)
 */
export function checkFindings(input: ReportInput): Finding[] {
  if (!input || !Array.isArray(input.models)) throw new VitValueError('`input` of checkFindings must be a ReportInput with a `models` array.');
  return [sparsePatternsFinding, offsetLocalFinding, localGlobalOrderFinding, saliencyEarlyFinding, reconstructionClsFinding, localTaskLayerFinding, noSingleBestFinding].map((f) => f(input));
}
