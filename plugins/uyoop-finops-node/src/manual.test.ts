import { manualLines, ManualEntryError, parseManualEntries } from './manual';

describe('manual entries', () => {
  it('reads CSV with quoted fields and YAML, HT or TTC', () => {
    const csv = parseManualEntries(
      'period,category,description,amount,basis,vat_rate\n2026-03,domain,"cgenti.com, at Gandi",15.00,HT,0.2\n\n',
      'csv',
    );
    const yaml = parseManualEntries(
      'entries:\n  - { period: 2026-02, category: one-off, description: Migration, amount: 120, basis: TTC }\n',
      'yaml',
    );
    const lines = manualLines([...csv, ...yaml]);
    expect(
      lines.map(l => [l.description, l.amountHT, l.vat, l.amountTTC]),
    ).toEqual([
      ['cgenti.com, at Gandi', 15, 3, 18],
      ['Migration', 100, 20, 120],
    ]);
    expect(manualLines(csv)[0].externalId).toBe(lines[0].externalId);
  });

  it('names every bad line and imports nothing', () => {
    const bad =
      'period,category,description,amount,basis\n2026-13,domain,x,1,HT\n2026-01,food,y,abc,EUR\n2026-01,domain,ok,1,HT\n';
    let err: ManualEntryError | undefined;
    try {
      parseManualEntries(bad, 'csv', 'costs.csv');
    } catch (e) {
      err = e as ManualEntryError;
    }
    expect(err).toBeInstanceOf(ManualEntryError);
    expect(err!.problems).toEqual([
      'costs.csv:2: period must be YYYY-MM, got "2026-13"',
      'costs.csv:3: category must be one of compute, domain, storage, saas, one-off, other, got "food"',
      'costs.csv:3: amount must be a number, got "abc"',
      'costs.csv:3: basis must be HT or TTC, got "EUR" (every figure says which it is)',
    ]);
    expect(err!.message).toMatch(/nothing was imported/);
  });

  it('refuses YAML without an entries list', () => {
    expect(() => parseManualEntries('foo: 1', 'yaml', 'x.yaml')).toThrow(
      /expected a list under "entries"/,
    );
  });
});
