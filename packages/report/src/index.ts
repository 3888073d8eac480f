export { clsAttentionGrid } from './clsAttentionGrid.js';
export type { ClsAttentionGridOptions } from './clsAttentionGrid.js';
export { aaamGrid } from './aaamGrid.js';
export type { AaamGridOptions } from './aaamGrid.js';
export { pcaRgbFigure } from './pcaRgbFigure.js';
export type { PcaRgbFigureOptions } from './pcaRgbFigure.js';
export { attentionDistanceChart } from './attentionDistanceChart.js';
export type { AttentionDistanceChartOptions } from './attentionDistanceChart.js';
export { saliencyChart } from './saliencyChart.js';
export type { SaliencyChartOptions } from './saliencyChart.js';
export { taskChart } from './taskChart.js';
export type { TaskChartOptions } from './taskChart.js';
export { residualCkaChart } from './residualCkaChart.js';
export type { ResidualCkaChartOptions } from './residualCkaChart.js';
export { clusteringChart } from './clusteringChart.js';
export type { ClusteringChartOptions } from './clusteringChart.js';
export { ckaHeatmap } from './ckaHeatmap.js';
export type { CkaHeatmapOptions } from './ckaHeatmap.js';
export { bestLayerTable } from './bestLayerTable.js';
export type { BestLayerColumn, BestLayerTable } from './bestLayerTable.js';
export { headTaxonomyTable } from './headTaxonomyTable.js';
export type { HeadTaxonomyTable } from './headTaxonomyTable.js';
export { checkFindings } from './findings/checkFindings.js';
export { sparsePatternsFinding } from './findings/sparsePatternsFinding.js';
export { offsetLocalFinding } from './findings/offsetLocalFinding.js';
export { localGlobalOrderFinding } from './findings/localGlobalOrderFinding.js';
export { saliencyEarlyFinding } from './findings/saliencyEarlyFinding.js';
export { reconstructionClsFinding } from './findings/reconstructionClsFinding.js';
export { localTaskLayerFinding } from './findings/localTaskLayerFinding.js';
export { noSingleBestFinding } from './findings/noSingleBestFinding.js';
export type { Finding, FindingStatus } from './findings/common.js';
export { renderReport } from './renderReport.js';
export type { RenderReportOptions, RenderReportResult } from './renderReport.js';
export { writeResults } from './writeResults.js';
export type { WriteResultsResult } from './writeResults.js';
export { readResults } from './readResults.js';

export type { ChartResult } from './internal/vega.js';
export type { Curve } from './internal/curves.js';
export type {
  AttentionResults,
  Baselines,
  ClusteringScores,
  ExampleImage,
  FeatureResults,
  LayerSeries,
  ModelResults,
  Provenance,
  ReportInput,
  TaskResults,
} from './types.js';
