// End-to-end tests start processes and containers and run outside tools: give them time.
// (testTimeout is a global option in jest, so each e2e project sets it here.)
jest.setTimeout(120_000);
