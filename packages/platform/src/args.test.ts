import {
  UsageError,
  isUsageError,
  parseCommandLine,
  usageFailure,
} from './args';

const options = {
  json: { type: 'boolean' },
  period: { type: 'string', multiple: true },
} as const;

describe('parseCommandLine', () => {
  it('reads options and positionals', () => {
    const { values, positionals } = parseCommandLine(
      ['report', '--json', '--period', '2026-10', '--period=2026-11'],
      options,
    );
    expect(values).toEqual({ json: true, period: ['2026-10', '2026-11'] });
    expect(positionals).toEqual(['report']);
  });

  it.each([
    [['--jsno'], "Unknown option '--jsno'"],
    [['--period'], "Option '--period <value>' argument missing"],
    [['--json=yes'], "Option '--json' does not take an argument"],
  ])('%j is bad usage: %s', (argv, message) => {
    let error: unknown;
    try {
      parseCommandLine(argv, options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(isUsageError(error)).toBe(true);
    expect((error as Error).message).toBe(message);
  });

  it('refuses positionals when the command takes none', () => {
    expect(() =>
      parseCommandLine(['extra'], options, { positionals: false }),
    ).toThrow(UsageError);
  });

  it('leaves other errors alone', () => {
    expect(isUsageError(new Error('disk full'))).toBe(false);
  });
});

describe('usageFailure', () => {
  it('prints the error, then the usage, on stderr, and gives exit code 2', () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(usageFailure(io, new UsageError('unknown command "x"'), 'usage: t')).toBe(2);
    expect(err).toEqual(['unknown command "x"\n\nusage: t']);
    expect(usageFailure(io, new UsageError(''), 'usage: t')).toBe(2);
    expect(err[1]).toBe('usage: t');
    expect(out).toEqual([]);
  });
});
