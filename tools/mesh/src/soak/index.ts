export { runSoak, type SoakOptions, type SoakReport } from './soak';
export { startOutsideLoad, type LoadPlan, type LoadTally, type RunningLoad } from './outside-load';
export { footprintTrend, type FootprintSample, type FootprintTrend } from './trend';
export { footprintOf, type Footprint } from './footprint';
