// STUB: being written (authoring: diagnostics, CodeLens, schema contribution).
describe('Authoring', () => {
  it('is registered', () => undefined);
});
