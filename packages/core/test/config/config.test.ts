import { describe, expect, it } from 'vitest';
import { ConfigError, LOCAL_SERVICES, loadConfig } from '../../src/config/index.js';

describe('loadConfig', () => {
  it('falls back to the embedded local services when no URL is given', () => {
    const config = loadConfig({});
    expect(config.redis).toEqual({
      url: LOCAL_SERVICES.redisUrl,
      managed: true,
      commandTimeoutMs: 1_000,
      appendfsync: 'always',
    });
    expect(config.mongo).toEqual({ uri: LOCAL_SERVICES.mongoUri, managed: true });
    expect(config.http.port).toBe(3000);
    expect(config.relay.tickMs).toBe(150);
  });

  it('uses given URLs and marks those services as not managed', () => {
    const config = loadConfig({ REDIS_URL: 'redis://cache:6379', MONGODB_URI: 'mongodb://db:27017/x' });
    expect(config.redis).toEqual({
      url: 'redis://cache:6379',
      managed: false,
      commandTimeoutMs: 1_000,
      appendfsync: 'always',
    });
    expect(config.mongo).toEqual({ uri: 'mongodb://db:27017/x', managed: false });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ REDIS_URL: '', PORT: ' ' })).toMatchObject({
      redis: { managed: true },
      http: { port: 3000 },
    });
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('names every invalid variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        REDIS_URL: 'http://x',
        KEY_PREFIX: 'Bad Prefix',
        TRUST_PROXY: 'maybe',
        REDIS_APPENDFSYNC: 'sometimes',
        WORKER_METRICS_PORT: '-1',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'PORT',
      'REDIS_URL',
      'KEY_PREFIX',
      'TRUST_PROXY',
      'REDIS_APPENDFSYNC',
      'WORKER_METRICS_PORT',
    ])
      expect(problems).toContain(name);
  });

  it('refuses a vote marker shorter than a day, which a retried or uncertain vote could outlive', () => {
    expect(() => loadConfig({ VOTE_DEDUP_TTL_SECONDS: '600' })).toThrow(/VOTE_DEDUP_TTL_SECONDS/);
    expect(loadConfig({ VOTE_DEDUP_TTL_SECONDS: '86400' }).votes.dedupTtlSeconds).toBe(86_400);
  });

  it('takes TRUST_PROXY as false, true, a number of hops, or addresses, subnets and names', () => {
    const trust = (value: string | undefined) => loadConfig({ TRUST_PROXY: value }).http.trustProxy;
    expect(trust(undefined)).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('0')).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust('2')).toBe(2);
    expect(trust('loopback, 10.0.0.0/8,fc00::/7, 192.168.1.10')).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fc00::/7',
      '192.168.1.10',
    ]);
    expect(() => trust('10.0.0.0/99')).toThrow(/TRUST_PROXY.*10\.0\.0\.0\/99/s);
    expect(() => trust('loopback,proxy.example.com')).toThrow(/TRUST_PROXY/);
  });

  it('takes METRICS_TOKEN only when it is long enough, and leaves /metrics off when unset', () => {
    expect(loadConfig({}).metrics.token).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: '  ' }).metrics.token).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: ` ${'k'.repeat(32)} ` }).metrics.token).toBe('k'.repeat(32));
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN.*32/s);
  });

  it('reads the WeChat sign-in limits: failures and devices tight, the ceiling sized for a carrier NAT', () => {
    expect(loadConfig({}).rateLimits).toMatchObject({
      loginPerIp: 60,
      loginPerDevice: 10,
      loginCeilingPerIp: 3_000,
    });
    const set = loadConfig({ RATE_LIMIT_LOGIN_PER_DEVICE: '0', RATE_LIMIT_LOGIN_CEILING_PER_IP: '20000' });
    expect(set.rateLimits).toMatchObject({ loginPerDevice: 0, loginCeilingPerIp: 20_000 });
    expect(() => loadConfig({ RATE_LIMIT_LOGIN_CEILING_PER_IP: '-1' })).toThrow(
      /RATE_LIMIT_LOGIN_CEILING_PER_IP/,
    );
  });

  it('derives the public URL from host and port unless given', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).http.publicUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://vote.example.com/' }).http.publicUrl).toBe(
      'https://vote.example.com',
    );
  });
});
