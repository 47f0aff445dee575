/** Our linearizability checker (WGL search with memoization) and the models it checks against. */
export { checkHistory, checkOperations } from './checker';
export type { CheckResult } from './checker';
export { operationsOf } from './history';
export type { EventType, HistoryEvent, Operation } from './history';
export { ILLEGAL } from './model';
export type { Model } from './model';
export { registerModel } from './register';
export type { RegisterInput, RegisterOutput } from './register';
