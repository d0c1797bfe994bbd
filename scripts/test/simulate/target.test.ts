import { describe, expect, it } from 'vitest';
import { assertLocalServiceUri, localHttpUrl, NotLocalError } from '../../simulate/target.js';

describe('the simulator’s targets', () => {
  it.each(['http://127.0.0.1:3000', 'http://localhost:3000/', 'http://[::1]:8080', 'https://localhost'])(
    'may be the local %s',
    (url) => {
      expect(localHttpUrl(url, 'base URL').origin).toBe(new URL(url).origin);
    },
  );

  it.each([
    'http://example.com:3000',
    'http://10.0.0.5:3000',
    'http://127.0.0.2:3000',
    'http://0.0.0.0:3000',
    'http://localhost.example.com',
    'http://127.0.0.1.nip.io',
    'ftp://127.0.0.1',
    'http://user:pw@127.0.0.1:3000',
    'not a url',
  ])('are never %s', (url) => {
    expect(() => localHttpUrl(url, 'base URL')).toThrow(NotLocalError);
  });

  it('read databases and Redis only on this machine', () => {
    expect(() => assertLocalServiceUri('mongodb://127.0.0.1:27027/rallyboard', 'db')).not.toThrow();
    expect(() => assertLocalServiceUri('mongodb://u:p@localhost:27017,[::1]:27018/x', 'db')).not.toThrow();
    expect(() => assertLocalServiceUri('redis://127.0.0.1:6390', 'redis')).not.toThrow();
    expect(() => assertLocalServiceUri('mongodb://127.0.0.1:27017,db.example.com:27017/x', 'db')).toThrow(
      NotLocalError,
    );
    expect(() => assertLocalServiceUri('mongodb+srv://cluster.example.com/x', 'db')).toThrow(NotLocalError);
    expect(() => assertLocalServiceUri('redis://cache.internal:6379', 'redis')).toThrow(NotLocalError);
  });
});
