import {
  formatAmount,
  htToTtc,
  MixedBasisError,
  round2,
  splitHt,
  splitTtc,
  sumAmounts,
  ttcToHt,
  eur,
} from './money';

describe('HT and TTC', () => {
  it.each([
    [14.28, 11.9],
    [7.2, 6.0],
    [10, 8.33],
  ])('%p EUR TTC is %p EUR HT at 20%% VAT', (ttc, ht) => {
    expect(round2(ttcToHt(ttc))).toBe(ht);
  });

  it('keeps HT + VAT = TTC exactly, whichever side a line starts from', () => {
    for (const micro of [1, 19_583, 11_900_000, 14_280_000, 333_333]) {
      const a = splitHt(micro);
      expect(a.htMicro + a.vatMicro).toBe(a.ttcMicro);
      const b = splitTtc(micro);
      expect(b.htMicro + b.vatMicro).toBe(b.ttcMicro);
    }
    expect(htToTtc(119.88)).toBe(143.856);
  });

  it('refuses to add HT and TTC amounts in one total', () => {
    expect(() => sumAmounts([eur(1, 'HT'), eur(2, 'TTC')])).toThrow(
      MixedBasisError,
    );
    expect(() => sumAmounts([eur(1, 'HT'), eur(2, 'TTC')])).toThrow(
      /HT and TTC/,
    );
    expect(sumAmounts([eur(0.1, 'HT'), eur(0.2, 'HT')])).toEqual(
      eur(0.3, 'HT'),
    );
  });

  it('says which basis every displayed figure is', () => {
    expect(formatAmount(eur(24.28, 'TTC'), true)).toBe('~24.28 EUR TTC');
    expect(formatAmount(eur(395.12, 'HT'))).toBe('395.12 EUR HT');
  });
});
