// fixtures/ holds test files of other runners, run on purpose to produce reports.
module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  ignorePatterns: ['fixtures/'],
});
