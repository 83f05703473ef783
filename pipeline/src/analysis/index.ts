// Public surface of analysis/ for other modules (validate, plan, gates).
export {
  checkAnalysisExpression,
  evaluateCondition,
  measurementVerdict,
  type Verdict,
} from "./expression.js";
export { type MetricOutcome, type MetricPlan, overallVerdict, planAnalysis, runAnalysis } from "./run.js";
export {
  ANALYSIS_DIR,
  analysisUses,
  type CanaryStep,
  canarySteps,
  checkRolloutAnalysis,
  checkTemplate,
  type Finding,
  formatCanarySteps,
  indexTemplates,
  loadTemplates,
  rollouts,
} from "./templates.js";
