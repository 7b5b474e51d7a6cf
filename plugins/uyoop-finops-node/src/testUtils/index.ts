export * from './ovhContractServer';
export * from './ovhFixture';
