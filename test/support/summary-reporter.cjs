const { existsSync, readFileSync } = require('node:fs');

/**
 * The web console's Vitest counts, when the root `npm test` ran them first and named their JSON report in
 * WEB_TEST_RESULTS. A missing or unreadable report counts as one failure: the console's tests did not run.
 */
function webCounts() {
  const file = process.env.WEB_TEST_RESULTS;
  if (!file) return { passed: 0, failed: 0 };
  if (!existsSync(file)) return { passed: 0, failed: 1 };
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const failedSuites = (report.testResults ?? []).filter((suite) => suite.status === 'failed' && !suite.assertionResults?.length).length;
    return { passed: report.numPassedTests, failed: report.numFailedTests + failedSuites };
  } catch {
    return { passed: 0, failed: 1 };
  }
}

/** Prints the closing line CI reads: "tests: N passed, N failed" (jest's counts plus the console's Vitest counts). */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const web = webCounts();
    const passed = results.numPassedTests + web.passed;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites + web.failed;
    process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
