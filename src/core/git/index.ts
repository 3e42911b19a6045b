// STUB: being implemented.
export {};
