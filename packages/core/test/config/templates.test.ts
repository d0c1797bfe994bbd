import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const templates = (value: unknown) =>
  loadConfig({ WECHAT_TEMPLATES: JSON.stringify(value) }).wechat.templates;
const refusal = (value: string): string[] => {
  try {
    loadConfig({ WECHAT_TEMPLATES: value });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('WECHAT_TEMPLATES', () => {
  it('sends no event while unset or blank', () => {
    expect(loadConfig({}).wechat.templates).toEqual({});
    expect(loadConfig({ WECHAT_TEMPLATES: ' ' }).wechat.templates).toEqual({});
  });

  it("maps each event to its template, its page (the page of what it is about, by default) and its keywords' values", () => {
    expect(
      templates({
        'results-final': {
          templateId: 'AbC-123_x',
          data: { thing1: 'campaignTitle', number2: 'winnerScore' },
        },
      }),
    ).toEqual({
      'results-final': {
        templateId: 'AbC-123_x',
        page: 'pages/ranking/index?campaignId={campaignId}',
        data: { thing1: 'campaignTitle', number2: 'winnerScore' },
      },
    });
  });

  it('refuses what would send a wrong message, naming the place', () => {
    expect(refusal('{not json')).toEqual([
      expect.stringMatching(/^WECHAT_TEMPLATES: expected a JSON object/),
    ]);
    expect(
      refusal(JSON.stringify({ 'share-bonus': { templateId: 'a', data: { thing1: 'campaignTitle' } } })),
    ).toEqual([expect.stringMatching(/^WECHAT_TEMPLATES: .*share-bonus/)]);
    // A value the event does not have: campaign-started has no winner.
    expect(
      refusal(
        JSON.stringify({ 'campaign-started': { templateId: 'a', data: { thing1: 'winnerName' } } }),
      ).join(),
    ).toMatch(/campaign-started\.data\.thing1/);
    expect(
      refusal(
        JSON.stringify({ 'campaign-started': { templateId: 'a', data: { 'Thing 1': 'campaignTitle' } } }),
      ).join(),
    ).toMatch(/campaign-started\.data/);
    expect(refusal(JSON.stringify({ 'campaign-started': { templateId: 'a', data: {} } })).join()).toMatch(
      /at least one keyword/,
    );
    expect(
      refusal(
        JSON.stringify({
          'campaign-started': { templateId: 'same', data: { thing1: 'campaignTitle' } },
          'results-final': { templateId: 'same', data: { thing1: 'campaignTitle' } },
        }),
      ).join(),
    ).toMatch(/a template of its own/);
  });
});
