import { describe, expect, it } from 'vitest';
import { countryReference, isAggregateM49 } from '#packages/formats/countries.ts';

describe('countryReference', () => {
  it('loads every country once, with zero-padded M49 codes and group flags', () => {
    // prepare
    const reference = countryReference();

    // act
    const algeria = reference.byIso3('DZA');
    const moldova = reference.byIso3('mda');

    // assess
    expect(countryReference()).toBe(reference);
    expect(reference.rows.length).toBeGreaterThan(240);
    expect(algeria).toMatchObject({ iso2: 'DZ', m49: '012', region_m49: '002', subregion_m49: '015' });
    expect(moldova).toMatchObject({
      iso3: 'MDA',
      name_en: 'Republic of Moldova',
      subregion_name: 'Eastern Europe',
      lldc: true,
      ldc: false,
      sids: false,
      is_jmdi1_target: true,
    });
    expect(reference.rows.every((row) => /^\d{3}$/.test(row.m49) && /^[A-Z]{2}$/.test(row.iso2))).toBe(true);
  });

  it('cleans UNTERM articles and footnote marks from English names', () => {
    // prepare
    const reference = countryReference();

    // act
    const names = ['PHL', 'COK', 'PSE', 'CIV'].map((code) => reference.byIso3(code)?.name_en);

    // assess
    expect(names).toEqual(['Philippines', 'Cook Islands', 'State of Palestine', "Côte d'Ivoire"]);
  });

  it('flags exactly the 16 JMDI phase-1 target countries', () => {
    // act
    const targets = countryReference()
      .rows.filter((row) => row.is_jmdi1_target)
      .map((row) => row.iso3)
      .sort();

    // assess
    expect(targets).toEqual([
      'CPV',
      'DZA',
      'ECU',
      'EGY',
      'ETH',
      'GEO',
      'GHA',
      'JAM',
      'LKA',
      'MAR',
      'MDA',
      'MLI',
      'NGA',
      'PHL',
      'SEN',
      'TUN',
    ]);
  });

  it('keeps Namibia, whose alpha-2 code NA the upstream file lost', () => {
    // act
    const namibia = countryReference().resolve('NA');

    // assess
    expect(namibia).toEqual({ ok: true, iso3: 'NAM', via: 'iso2' });
  });
});

describe('CountryReference.resolve', () => {
  it.each([
    ['MDA', 'MDA', 'iso3'],
    ['md', 'MDA', 'iso2'],
    ['498', 'MDA', 'm49'],
    ['12', 'DZA', 'm49'],
    ['012', 'DZA', 'm49'],
    ['Moldova', 'MDA', 'alias'],
    ['Republic of Moldova', 'MDA', 'alias'],
    ['  republic   of MOLDOVA ', 'MDA', 'alias'],
    ['Egypt, Arab Rep.', 'EGY', 'alias'],
    ['Cape Verde', 'CPV', 'alias'],
    ['Cabo Verde', 'CPV', 'alias'],
    ['West Bank and Gaza', 'PSE', 'alias'],
    ['Cote d’Ivoire', 'CIV', 'alias'],
    ['Türkiye', 'TUR', 'alias'],
    ['Philippines (the)', 'PHL', 'alias'],
  ])('resolves %j to %s via %s', (value, iso3, via) => {
    // act
    const resolution = countryReference().resolve(value);

    // assess
    expect(resolution).toEqual({ ok: true, iso3, via });
  });

  it.each([
    ['Kosovo', 'XKX'],
    ['XKX', 'XKX'],
    ['Channel Islands', 'CHI'],
    ['830', 'CHI'],
  ])('resolves %j to the non-ISO code %s and flags it', (value, iso3) => {
    // act
    const resolution = countryReference().resolve(value);

    // assess
    expect(resolution).toMatchObject({ ok: true, iso3, nonIso: true });
  });

  it('reports an unknown name with the value and the nearest names as a hint', () => {
    // act
    const resolution = countryReference().resolve('Moldavia');

    // assess
    expect(resolution.ok).toBe(false);
    if (resolution.ok) return;
    expect(resolution.value).toBe('Moldavia');
    expect(resolution.message).toBe("Unknown country 'Moldavia': not an ISO2/ISO3/M49 code or a known name");
    expect(resolution.hint).toContain("'Moldova' (MDA)");
  });

  it('does not guess for an empty value or an unassigned code', () => {
    // act
    const results = ['', 'ZZZ', '999'].map((value) => countryReference().resolve(value).ok);

    // assess
    expect(results).toEqual([false, false, false]);
  });
});

describe('isAggregateM49', () => {
  it.each([
    ['001', true],
    ['1', true],
    ['002', true],
    ['015', true],
    ['419', true],
    [900, true],
    ['941', true],
    ['1517', true],
    ['498', false],
    ['050', false],
    ['MDA', false],
  ])('says %j is an aggregate: %s', (code, expected) => {
    // act
    const aggregate = isAggregateM49(code);

    // assess
    expect(aggregate).toBe(expected);
  });
});
