/** @module fault filter: public surface. `setRandomSource` is for tests. */
export { activeFaultCount, faultFilter, setRandomSource, type FaultState } from './filter.ts'
export { FAULT_ERRORS, FAULT_STATS, faultAbort, faultConfig, faultDelay, type FaultConfig } from './config.ts'
